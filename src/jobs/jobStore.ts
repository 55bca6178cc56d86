import { randomUUID } from 'node:crypto';
import type { Bus } from '../bus/index.js';
import type { Db } from '../db/index.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** Statuses a job never leaves. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

/** Bus topic of job changes (progress, status); the message is a `JobUpdate`. */
export const JOB_UPDATED_TOPIC = 'jobs.updated';
/** Bus topic that wakes runners when a job is queued. */
export const JOB_QUEUED_TOPIC = 'jobs.queued';

export type JobError = { code: string; message: string };

/** A durable background job. Times in ms since the epoch. */
export type Job = {
  id: string;
  kind: string;
  /** API key that submitted it (null: submitted by the server itself). */
  ownerKeyId: string | null;
  params: unknown;
  status: JobStatus;
  /** 0–1. */
  progress: number;
  /** What it is doing now (`loading bars`, `computing signals`…). */
  stage: string | null;
  result: unknown;
  error: JobError | null;
  /** Times a runner started it (a restart after a crash counts again). */
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
};

/** What subscribers of `JOB_UPDATED_TOPIC` receive. */
export type JobUpdate = Pick<Job, 'id' | 'kind' | 'status' | 'progress' | 'stage' | 'updatedAt'> & {
  error?: JobError | null;
};

export type JobStore = {
  /** Queue a job; runners pick it up in submission order. */
  submit(input: { kind: string; params: unknown; ownerKeyId: string | null }, now: number): Promise<Job>;
  get(id: string): Promise<Job | null>;
  /** Newest first. */
  list(q: { kind?: string; ownerKeyId?: string | null; limit: number; before?: number }): Promise<Job[]>;
  /** Cancel a queued or running job; returns the job after the change (or as it was if already final), null if unknown. */
  cancel(id: string, now: number): Promise<Job | null>;
};

type Row = {
  id: string;
  kind: string;
  owner_key_id: string | null;
  params: unknown;
  status: JobStatus;
  progress: number;
  stage: string | null;
  result: unknown;
  error: unknown;
  attempts: number;
  created_at: string | number;
  started_at: string | number | null;
  finished_at: string | number | null;
  updated_at: string | number;
};

// PGlite returns jsonb parsed; pg too, but both may hand back text for json-typed parameters.
const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
const ms = (v: string | number | null): number | null => (v === null ? null : Number(v));

export function toJob(r: Row): Job {
  return {
    id: r.id,
    kind: r.kind,
    ownerKeyId: r.owner_key_id,
    params: json(r.params),
    status: r.status,
    progress: Number(r.progress),
    stage: r.stage,
    result: r.result === null ? null : json(r.result),
    error: r.error === null ? null : (json(r.error) as JobError),
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    startedAt: ms(r.started_at),
    finishedAt: ms(r.finished_at),
    updatedAt: Number(r.updated_at),
  };
}

export const JOB_COLUMNS =
  'id, kind, owner_key_id, params, status, progress, stage, result, error, attempts, created_at, started_at, finished_at, updated_at';

export function jobUpdate(j: Job): JobUpdate {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    progress: j.progress,
    stage: j.stage,
    updatedAt: j.updatedAt,
    ...(j.error ? { error: j.error } : {}),
  };
}

/** Jobs in the database; every change is also announced on the bus. */
export function createJobStore(db: Db, bus: Bus): JobStore {
  return {
    async submit({ kind, params, ownerKeyId }, now) {
      const id = `job_${randomUUID().replaceAll('-', '')}`;
      const rows = await db.query<Row>(
        `insert into jobs (id, kind, owner_key_id, params, status, created_at, updated_at)
         values ($1, $2, $3, $4::jsonb, 'queued', $5::bigint, $5::bigint) returning ${JOB_COLUMNS}`,
        [id, kind, ownerKeyId, JSON.stringify(params), now],
      );
      const job = toJob(rows[0]!);
      bus.publish(JOB_QUEUED_TOPIC, { id, kind });
      bus.publish(JOB_UPDATED_TOPIC, jobUpdate(job));
      return job;
    },

    async get(id) {
      const rows = await db.query<Row>(`select ${JOB_COLUMNS} from jobs where id = $1`, [id]);
      return rows[0] ? toJob(rows[0]) : null;
    },

    async list({ kind, ownerKeyId, limit, before }) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (kind !== undefined) {
        params.push(kind);
        where.push(`kind = $${params.length}`);
      }
      if (ownerKeyId !== undefined) {
        if (ownerKeyId === null) where.push('owner_key_id is null');
        else {
          params.push(ownerKeyId);
          where.push(`owner_key_id = $${params.length}`);
        }
      }
      if (before !== undefined) {
        params.push(before);
        where.push(`created_at < $${params.length}`);
      }
      params.push(limit);
      const rows = await db.query<Row>(
        `select ${JOB_COLUMNS} from jobs ${where.length ? `where ${where.join(' and ')}` : ''}
         order by created_at desc, id desc limit $${params.length}`,
        params,
      );
      return rows.map(toJob);
    },

    async cancel(id, now) {
      const rows = await db.query<Row>(
        `update jobs set status = 'canceled', finished_at = $2::bigint, updated_at = $2::bigint, locked_by = null,
           error = '{"code":"CANCELED","message":"canceled by the client"}'::jsonb
         where id = $1 and status in ('queued', 'running') returning ${JOB_COLUMNS}`,
        [id, now],
      );
      if (rows[0]) {
        const job = toJob(rows[0]);
        bus.publish(JOB_UPDATED_TOPIC, jobUpdate(job));
        return job;
      }
      return this.get(id);
    },
  };
}
