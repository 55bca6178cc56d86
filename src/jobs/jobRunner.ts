import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Bus } from '../bus/index.js';
import type { Db } from '../db/index.js';
import { AppError } from '../internal/errors.js';
import type { Logger } from '../internal/logger.js';
import {
  JOB_COLUMNS,
  JOB_QUEUED_TOPIC,
  JOB_UPDATED_TOPIC,
  type Job,
  type JobError,
  jobUpdate,
  toJob,
} from './jobStore.js';

/** What a job handler may do besides computing. */
export type JobContext = {
  job: Job;
  /**
   * Report progress (0–1) and the current stage. Also yields to the event loop, so a handler
   * that calls it between chunks of work keeps the server responsive. Throws `JobStoppedError`
   * once the job was canceled or the runner is shutting down: let it propagate.
   */
  progress(fraction: number, stage?: string): Promise<void>;
  /** Aborted on cancel or shutdown. */
  signal: AbortSignal;
  log: Logger;
};

export type JobHandler = (params: unknown, ctx: JobContext) => Promise<unknown>;

/** Thrown by `progress` when the job must stop (canceled, or the server is shutting down). */
export class JobStoppedError extends Error {
  constructor(readonly reason: 'canceled' | 'shutdown') {
    super(`job stopped: ${reason}`);
  }
}

export type JobRunnerOptions = {
  db: Db;
  bus: Bus;
  logger: Logger;
  handlers: Record<string, JobHandler>;
  /** Jobs run at once by this process (default 1). */
  concurrency?: number;
  /** Poll for queued jobs this often even without a wake-up message (default 1000 ms). */
  pollMs?: number;
  /** Heartbeat period of a running job (default 2000 ms). */
  heartbeatMs?: number;
  /** A running job whose heartbeat is older than this is queued again (its process died). */
  staleMs: number;
  /** Queue every `running` job at start: right when this process holds the only lock (embedded storage). */
  recoverAllAtStart?: boolean;
  /** Runs after which a job that keeps dying is failed instead of queued again (default 3). */
  maxAttempts?: number;
  now?: () => number;
};

export type JobRunner = {
  /** Resolves when no job is running and none was claimed since (tests). */
  idle(): Promise<void>;
  /** Stop claiming; running jobs are interrupted and queued again for the next start. */
  close(): Promise<void>;
};

const PROGRESS_WRITE_MS = 200;

function errorOf(err: unknown): JobError {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: 'the job failed unexpectedly; the server log has the details' };
}

/**
 * The durable, in-process job runner: claims queued jobs from the database (`for update skip
 * locked`, so several processes can share a queue), runs them with a heartbeat, and stores the
 * result. A job survives a restart: interrupted by a shutdown it is queued again at once; left
 * behind by a crash, its heartbeat goes stale and the next runner queues it again.
 */
export function startJobRunner(o: JobRunnerOptions): JobRunner {
  const now = o.now ?? Date.now;
  const concurrency = o.concurrency ?? 1;
  const pollMs = o.pollMs ?? 1000;
  const heartbeatMs = o.heartbeatMs ?? 2000;
  const maxAttempts = o.maxAttempts ?? 3;
  const kinds = Object.keys(o.handlers);
  const me = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let closed = false;
  let pumping: Promise<void> | null = null;
  let again = false;

  async function recover(all: boolean): Promise<void> {
    const t = now();
    const rows = await o.db.query<Parameters<typeof toJob>[0]>(
      `update jobs set
         status = case when attempts >= $2::int then 'failed' else 'queued' end,
         error = case when attempts >= $2::int
           then '{"code":"JOB_ABANDONED","message":"the job stopped its process too many times"}'::jsonb
           else error end,
         finished_at = case when attempts >= $2::int then $1::bigint else null end,
         locked_by = null, heartbeat_at = null, updated_at = $1::bigint
       where status = 'running' and ($3::boolean or heartbeat_at is null or heartbeat_at < $1::bigint - $4::bigint)
       returning ${JOB_COLUMNS}`,
      [t, maxAttempts, all, o.staleMs],
    );
    for (const r of rows) {
      const job = toJob(r);
      o.logger.warn({ job: job.id, status: job.status }, 'job left behind by a stopped process: recovered');
      o.bus.publish(JOB_UPDATED_TOPIC, jobUpdate(job));
    }
  }

  async function claim(): Promise<Job | null> {
    const t = now();
    const rows = await o.db.query<Parameters<typeof toJob>[0]>(
      `update jobs set status = 'running', locked_by = $1, heartbeat_at = $2::bigint, updated_at = $2::bigint,
         started_at = coalesce(started_at, $2::bigint), attempts = attempts + 1, progress = 0, stage = 'starting'
       where id = (select id from jobs where status = 'queued' and kind = any($3::text[])
                   order by created_at, id limit 1 for update skip locked)
       returning ${JOB_COLUMNS}`,
      [me, t, kinds],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  async function finish(
    job: Job,
    fields: { status: 'succeeded' | 'failed' | 'queued'; result?: unknown; error?: JobError },
  ): Promise<void> {
    const t = now();
    const rows = await o.db.query<Parameters<typeof toJob>[0]>(
      `update jobs set status = $3::text, result = $4::jsonb, error = $5::jsonb, locked_by = null,
         heartbeat_at = null, updated_at = $2::bigint,
         progress = case when $3::text = 'succeeded' then 1 when $3::text = 'queued' then 0 else progress end,
         stage = case when $3::text = 'queued' then null else stage end,
         attempts = case when $3::text = 'queued' then greatest(attempts - 1, 0) else attempts end,
         finished_at = case when $3::text = 'queued' then null else $2::bigint end
       where id = $1 and status = 'running' and locked_by = $6
       returning ${JOB_COLUMNS}`,
      [
        job.id,
        t,
        fields.status,
        fields.result === undefined ? null : JSON.stringify(fields.result),
        fields.error === undefined ? null : JSON.stringify(fields.error),
        me,
      ],
    );
    if (rows[0]) o.bus.publish(JOB_UPDATED_TOPIC, jobUpdate(toJob(rows[0])));
  }

  function run(job: Job): void {
    const abort = new AbortController();
    const log = o.logger.child({ job: job.id, kind: job.kind });
    let lastWrite = 0;
    let lastStage: string | null = job.stage;
    const ctx: JobContext = {
      job,
      signal: abort.signal,
      log,
      async progress(fraction, stage) {
        await yieldToLoop();
        if (abort.signal.aborted) throw new JobStoppedError(closed ? 'shutdown' : 'canceled');
        const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
        const s = stage ?? lastStage;
        const t = now();
        if (s === lastStage && t - lastWrite < PROGRESS_WRITE_MS) return;
        lastWrite = t;
        lastStage = s;
        const rows = await o.db.query<Parameters<typeof toJob>[0]>(
          `update jobs set progress = $2::float8, stage = $3::text, updated_at = $4::bigint, heartbeat_at = $4::bigint
           where id = $1 and status = 'running' and locked_by = $5 returning ${JOB_COLUMNS}`,
          [job.id, f, s, t, me],
        );
        if (!rows[0]) {
          abort.abort();
          throw new JobStoppedError('canceled');
        }
        o.bus.publish(JOB_UPDATED_TOPIC, jobUpdate(toJob(rows[0])));
      },
    };
    o.bus.publish(JOB_UPDATED_TOPIC, jobUpdate(job));
    const done = (async () => {
      try {
        const handler = o.handlers[job.kind]!;
        const result = await handler(job.params, ctx);
        if (abort.signal.aborted && closed) await finish(job, { status: 'queued' });
        else await finish(job, { status: 'succeeded', result });
      } catch (err) {
        if (err instanceof JobStoppedError || abort.signal.aborted) {
          // Interrupted by a shutdown: queued again for the next start. Canceled: already final.
          if (closed) await finish(job, { status: 'queued' }).catch(() => {});
          return;
        }
        const error = errorOf(err);
        if (error.code === 'INTERNAL') log.error({ err }, 'job failed');
        else log.info({ code: error.code }, 'job failed');
        await finish(job, { status: 'failed', error }).catch((e) =>
          log.error({ err: e }, 'could not record job failure'),
        );
      }
    })().finally(() => {
      running.delete(job.id);
      pump();
    });
    running.set(job.id, { abort, done });
  }

  function pump(): void {
    if (closed) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = (async () => {
      do {
        again = false;
        while (!closed && running.size < concurrency) {
          const job = await claim();
          if (!job) break;
          run(job);
        }
      } while (again && !closed);
    })()
      .catch((err) => o.logger.warn({ err }, 'job queue poll failed'))
      .finally(() => {
        pumping = null;
      });
  }

  const heartbeat = setInterval(() => {
    if (running.size === 0) return;
    o.db
      .query<{ id: string }>(
        `update jobs set heartbeat_at = $2 where locked_by = $1 and status = 'running' returning id`,
        [me, now()],
      )
      .then((rows) => {
        const alive = new Set(rows.map((r) => r.id));
        // Not ours any more (canceled): stop working on it.
        for (const [id, r] of running) if (!alive.has(id)) r.abort.abort();
      })
      .catch((err) => o.logger.warn({ err }, 'job heartbeat failed'));
  }, heartbeatMs);
  heartbeat.unref();

  const poll = setInterval(() => {
    recover(false)
      .catch((err) => o.logger.warn({ err }, 'job recovery failed'))
      .finally(pump);
  }, pollMs);
  poll.unref();

  const unsubscribe = o.bus.subscribe(JOB_QUEUED_TOPIC, () => pump());
  const started = recover(o.recoverAllAtStart === true)
    .catch((err) => o.logger.warn({ err }, 'job recovery failed'))
    .finally(pump);

  return {
    async idle() {
      await started;
      while (pumping || running.size > 0) {
        await Promise.all([pumping, ...[...running.values()].map((r) => r.done)]);
      }
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearInterval(poll);
      unsubscribe();
      await started;
      await pumping;
      for (const r of running.values()) r.abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
