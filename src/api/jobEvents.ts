import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TERMINAL_STATUSES } from '../jobs/index.js';
import { JOB_UPDATED_TOPIC, type JobUpdate } from '../jobs/jobStore.js';
import { jobView, ownBacktest } from '../operations/backtests.js';
import type { AuthPolicy } from '../operations/index.js';
import type { Services } from '../services/index.js';
import type { Authenticator } from './auth.js';
import { openEventStream } from './sse.js';
import { authHeaders } from './stream.js';

export const BACKTEST_EVENTS_PATH = '/v1/backtests/:id/events';
const POLICY: AuthPolicy = { anonymous: false, scope: 'read' };
const HEARTBEAT_MS = 15_000;
/** Re-read the job this often too, in case a bus message was lost (Redis reconnect). */
const POLL_MS = 2_000;
const JOB_ID_RE = /^job_[0-9a-f]{32}$/;

/**
 * `GET /v1/backtests/{id}/events`: Server-Sent Events of one backtest job. First a `status`
 * event with the job, then `progress` events ({status, progress, stage}) as it runs, then a
 * `done` event with the final job (result included) and the stream ends.
 */
export function registerJobEvents(
  app: FastifyInstance,
  services: Services,
  authenticator: Authenticator,
  now: () => number,
): void {
  const { bus, logger } = services.common;
  // Open streams, ended when the server closes.
  const open = new Set<() => void>();
  app.addHook('onClose', () => {
    for (const end of open) end();
  });
  app.get(
    BACKTEST_EVENTS_PATH,
    {
      compress: false,
      schema: {
        tags: ['analytics'],
        summary: 'Progress of a backtest job (Server-Sent Events)',
        description: [
          'A `text/event-stream`: `status` (the job as `GET /v1/backtests/{id}` returns it, without the result), then `progress` events (`{"id","status","progress","stage"}`) while it runs, then `done` with the final job (result included), after which the server ends the stream. A comment line is sent every 15 s to keep proxies from closing it.',
          '',
          '**Auth**: API key required (the key that started the job); scope `read`. EventSource clients may pass `?apiKey=sxt_…` (never logged).',
        ].join('\n'),
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        querystring: {
          type: 'object',
          properties: {
            apiKey: { type: 'string', description: 'API key, for clients that cannot send headers' },
          },
        },
        security: [{ apiKey: [] }, { bearer: [] }],
      },
      onRequest: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
        request.routeTemplate = BACKTEST_EVENTS_PATH;
        const apply = (r: Awaited<ReturnType<Authenticator['authenticate']>>) => {
          if (r.auth.type === 'key') request.keyId = r.auth.key.id;
          request.auth = r.auth;
          reply.header('ratelimit-limit', r.limit.limit);
          reply.header('ratelimit-remaining', r.limit.remaining);
          reply.header('ratelimit-reset', r.limit.resetSeconds);
        };
        try {
          const result = authenticator.authenticate(authHeaders(request), request.ip, POLICY, now());
          if (result instanceof Promise) {
            result.then((r) => {
              apply(r);
              done();
            }, done);
            return;
          }
          apply(result);
          done();
        } catch (err) {
          done(err as Error);
        }
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const ctx = { auth: request.auth!, services };
      // Same answer for a malformed id as for someone else's job.
      const job = JOB_ID_RE.test(id) ? await ownBacktest(ctx, id) : await ownBacktest(ctx, 'job_?');

      const { res, send } = openEventStream(reply);
      send('status', jobView(job, false));

      let ended = false;
      let last = `${job.status}|${job.progress}|${job.stage}`;
      const finish = async () => {
        if (ended) return;
        ended = true;
        cleanup();
        try {
          const final = await services.jobs.get(id);
          if (final) send('done', jobView(final, true));
        } catch (err) {
          logger.warn({ err, job: id }, 'could not read the finished job');
        }
        if (!res.writableEnded) res.end();
      };
      const onUpdate = (u: JobUpdate) => {
        if (ended || u.id !== id) return;
        last = `${u.status}|${u.progress}|${u.stage}`;
        if (TERMINAL_STATUSES.includes(u.status)) void finish();
        else send('progress', { id: u.id, status: u.status, progress: u.progress, stage: u.stage });
      };
      const unsubscribe = bus.subscribe(JOB_UPDATED_TOPIC, (m) => onUpdate(m as JobUpdate));
      const heartbeat = setInterval(() => {
        if (!res.writableEnded) res.write(': heartbeat\n\n');
      }, HEARTBEAT_MS);
      const poll = setInterval(() => {
        services.jobs.get(id).then(
          (j) => {
            if (!j || `${j.status}|${j.progress}|${j.stage}` === last) return;
            onUpdate({ ...j, error: j.error });
          },
          () => {},
        );
      }, POLL_MS);
      heartbeat.unref();
      poll.unref();
      function cleanup() {
        unsubscribe();
        clearInterval(heartbeat);
        clearInterval(poll);
      }
      const endNow = () => {
        ended = true;
        cleanup();
        if (!res.writableEnded) res.end();
      };
      open.add(endNow);
      res.on('close', () => {
        ended = true;
        open.delete(endNow);
        cleanup();
      });
      if (TERMINAL_STATUSES.includes(job.status)) await finish();
    },
  );
}
