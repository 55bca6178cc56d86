import { type Static, Type } from '@sinclair/typebox';
import { NotFoundError, RateLimitedError, ValidationError } from '../internal/errors.js';
import {
  BACKTEST_JOB,
  type BacktestSpec,
  type Job,
  MAX_BACKTEST_BARS,
  TERMINAL_STATUSES,
} from '../jobs/index.js';
import { parseTimestamp } from '../market/index.js';
import { STRATEGIES } from '../signals/index.js';
import { decodeCursor, encodeCursor, IntervalSchema } from './marketParams.js';
import { defineOperation, type OperationContext } from './operation.js';

/** Queued plus running backtests one API key may have at once. */
export const MAX_ACTIVE_BACKTESTS_PER_KEY = 5;

// One object per union, checked in the handler: Ajv's removeAdditional would strip the fields of
// one anyOf branch while trying another.
const StrategySpecSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('buy-and-hold'), Type.Literal('sma-cross'), Type.Literal('signals')]),
    fast: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'sma-cross: fast SMA length in bars' }),
    ),
    slow: Type.Optional(
      Type.Integer({ minimum: 2, maximum: 2000, description: 'sma-cross: slow SMA length in bars (> fast)' }),
    ),
    strategy: Type.Optional(
      Type.Union(
        STRATEGIES.map((s) => Type.Literal(s.id)),
        { description: 'signals: a Sextant signal strategy (GET /v1/strategies)' },
      ),
    ),
  },
  {
    description:
      '`buy-and-hold`; `sma-cross` with `fast` and `slow` (long while SMA(fast) > SMA(slow), short below in long-short mode); `signals` with `strategy`: follow a Sextant strategy’s signals, recomputed point in time from closed bars as the live runner issues them.',
  },
);

const SizingSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('fraction'), Type.Literal('fixed')]),
    fraction: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'fraction: of equity' }),
    ),
    amount: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1e12, description: 'fixed: quote amount' }),
    ),
  },
  {
    default: { type: 'fraction', fraction: 1 },
    description: 'How much to commit when opening a position: a fraction of equity, or a fixed quote amount',
  },
);

function bodyIssue(path: string[], message: string): ValidationError {
  return new ValidationError(`body '${path.join('.')}' ${message}`, {
    issues: [{ path, message, in: 'body' }],
  });
}

function strategyOf(s: Static<typeof StrategySpecSchema>): BacktestSpec['strategy'] {
  if (s.type === 'buy-and-hold') return { type: 'buy-and-hold' };
  if (s.type === 'signals') {
    if (s.strategy === undefined) throw bodyIssue(['strategy', 'strategy'], 'is required for type signals');
    return { type: 'signals', strategy: s.strategy };
  }
  if (s.fast === undefined) throw bodyIssue(['strategy', 'fast'], 'is required for type sma-cross');
  if (s.slow === undefined) throw bodyIssue(['strategy', 'slow'], 'is required for type sma-cross');
  if (s.fast >= s.slow)
    throw bodyIssue(['strategy', 'fast'], 'must be less than slow (sma-cross needs fast < slow)');
  return { type: 'sma-cross', fast: s.fast, slow: s.slow };
}

function sizingOf(s: Static<typeof SizingSchema>): BacktestSpec['sizing'] {
  if (s.type === 'fraction') {
    if (s.fraction === undefined) throw bodyIssue(['sizing', 'fraction'], 'is required for type fraction');
    return { type: 'fraction', fraction: s.fraction };
  }
  if (s.amount === undefined) throw bodyIssue(['sizing', 'amount'], 'is required for type fixed');
  return { type: 'fixed', amount: s.amount };
}

const BacktestBody = Type.Object(
  {
    asset: Type.String({ minLength: 1, maxLength: 120, description: 'Asset id, symbol or CAIP-19' }),
    interval: IntervalSchema,
    from: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'First bar to trade (ISO 8601 or epoch ms); default: earliest',
      }),
    ),
    to: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'Use bars closed by this time (ISO 8601 or epoch ms); default: now',
      }),
    ),
    strategy: StrategySpecSchema,
    mode: Type.Union([Type.Literal('long-only'), Type.Literal('long-short')], { default: 'long-only' }),
    initialCash: Type.Number({ exclusiveMinimum: 0, maximum: 1e12, default: 10_000 }),
    fees: Type.Number({ minimum: 0, maximum: 1000, default: 10, description: 'Basis points per side' }),
    slippage: Type.Number({ minimum: 0, maximum: 1000, default: 5, description: 'Basis points, adverse' }),
    sizing: SizingSchema,
  },
  { additionalProperties: false },
);

const MetricsSchema = Type.Object({
  totalReturn: Type.Number(),
  cagr: Type.Number(),
  sharpe: Type.Union([Type.Number(), Type.Null()]),
  sortino: Type.Union([Type.Number(), Type.Null()]),
  maxDrawdown: Type.Number(),
  winRate: Type.Union([Type.Number(), Type.Null()]),
  trades: Type.Integer(),
  exposure: Type.Number(),
  buyAndHoldReturn: Type.Number(),
});

const ResultSchema = Type.Object({
  asset: Type.String(),
  venue: Type.String(),
  symbol: Type.String(),
  interval: IntervalSchema,
  strategy: Type.String(),
  from: Type.String({ format: 'date-time', description: 'Open of the first traded bar' }),
  to: Type.String({ format: 'date-time', description: 'Close of the last bar' }),
  bars: Type.Integer({ description: 'Traded bars' }),
  warmupBars: Type.Integer({ description: 'Bars before them, used as history only' }),
  metrics: MetricsSchema,
  benchmark: Type.Object(MetricsSchema.properties, { description: 'Buy-and-hold, same bars and costs' }),
  tradeCount: Type.Integer(),
  trades: Type.Array(
    Type.Object({
      entryTime: Type.String({ format: 'date-time' }),
      exitTime: Type.String({ format: 'date-time' }),
      side: Type.Union([Type.Literal('long'), Type.Literal('short')]),
      entryPrice: Type.Number(),
      exitPrice: Type.Number(),
      qty: Type.Number(),
      pnl: Type.Number(),
      fees: Type.Number(),
      returnPct: Type.Number(),
      exit: Type.Union([Type.Literal('signal'), Type.Literal('end')]),
    }),
    { description: 'The first 1000 trades' },
  ),
  equity: Type.Array(
    Type.Object({
      time: Type.String({ format: 'date-time' }),
      equity: Type.Number(),
      position: Type.Number(),
    }),
    { description: 'Equity at bar closes, sampled to at most 1000 points' },
  ),
  signals: Type.Optional(Type.Object({ count: Type.Integer() })),
});

const JobSchema = Type.Object({
  id: Type.String(),
  status: Type.Union(
    ['queued', 'running', 'succeeded', 'failed', 'canceled'].map((s) => Type.Literal(s)),
    { description: 'queued → running → succeeded | failed | canceled' },
  ),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  stage: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer({ description: 'Runs started (a restart of the server runs it again)' }),
  request: Type.Unknown({ description: 'The normalized request (asset id, times in ms)' }),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  links: Type.Object({ self: Type.String(), events: Type.String() }),
  result: Type.Optional(Type.Union([ResultSchema, Type.Null()])),
});

const JOB_EXAMPLE = {
  id: 'job_6f1c2a9e0b7d4c3f8e2a1b0c9d8e7f6a',
  status: 'queued',
  progress: 0,
  stage: null,
  attempts: 0,
  request: {
    asset: 'bitcoin',
    interval: '1d',
    from: 1672531200000,
    to: null,
    strategy: { type: 'sma-cross', fast: 20, slow: 50 },
    mode: 'long-only',
    initialCash: 10000,
    fees: 10,
    slippage: 5,
    sizing: { type: 'fraction', fraction: 1 },
  },
  error: null,
  createdAt: '2025-07-01T12:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  links: {
    self: '/v1/backtests/job_6f1c2a9e0b7d4c3f8e2a1b0c9d8e7f6a',
    events: '/v1/backtests/job_6f1c2a9e0b7d4c3f8e2a1b0c9d8e7f6a/events',
  },
};

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function jobView(job: Job, withResult: boolean): Static<typeof JobSchema> {
  const self = `/v1/backtests/${job.id}`;
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    stage: job.stage,
    attempts: job.attempts,
    request: job.params,
    error: job.error,
    createdAt: iso(job.createdAt)!,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    links: { self, events: `${self}/events` },
    ...(withResult ? { result: (job.result ?? null) as Static<typeof ResultSchema> | null } : {}),
  };
}

function ownerOf(ctx: Pick<OperationContext, 'auth'>): string {
  // Operations here require a key (auth.anonymous false), so this is always a key.
  return ctx.auth.type === 'key' ? ctx.auth.key.id : '';
}

/** The caller's backtest job, or a 404 (another key's job is not acknowledged to exist). */
export async function ownBacktest(
  ctx: Pick<OperationContext, 'auth' | 'services'>,
  id: string,
): Promise<Job> {
  const job = await ctx.services.jobs.get(id);
  if (!job || job.kind !== BACKTEST_JOB || job.ownerKeyId !== ownerOf(ctx))
    throw new NotFoundError(`no backtest '${id.slice(0, 80)}' for this API key`);
  return job;
}

function bodyTime(name: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const t = /^\d{1,16}$/.test(value) ? Number(value) : parseTimestamp(value);
  if (typeof t === 'string' || !Number.isFinite(t))
    throw new ValidationError(`body '${name}' must be an ISO 8601 time or epoch milliseconds`, {
      issues: [{ path: [name], message: 'must be an ISO 8601 time or epoch milliseconds', in: 'body' }],
    });
  return t;
}

const IdParams = Type.Object({
  id: Type.String({ pattern: '^job_[0-9a-f]{32}$', description: 'Backtest job id' }),
});

export const createBacktest = defineOperation({
  id: 'createBacktest',
  method: 'POST',
  path: '/backtests',
  summary: 'Start a backtest (a durable job)',
  description: [
    'Queues a backtest of a strategy over stored closed bars and answers 202 with the job. Follow it with',
    '`GET /v1/backtests/{id}` or the Server-Sent Events at `/v1/backtests/{id}/events` (progress, then the final',
    'status). Jobs are stored: a server restart resumes queued and interrupted ones. The simulator fills at the next',
    'open after each decision with fees and slippage per side, and the strategy only ever sees bars that had closed.',
    `At most ${MAX_ACTIVE_BACKTESTS_PER_KEY} queued or running backtests per API key; at most ${MAX_BACKTEST_BARS} bars each.`,
  ].join(' '),
  tags: ['analytics'],
  body: BacktestBody,
  successStatus: 202,
  response: Type.Object(JobSchema.properties, { examples: [JOB_EXAMPLE] }),
  auth: { anonymous: false, scope: 'read' },
  cache: 'no-store',
  async handler({ body }, ctx) {
    const { services, now } = ctx;
    const asset = services.assets.resolve(body.asset).id;
    const from = bodyTime('from', body.from);
    const to = bodyTime('to', body.to);
    if (from !== null && to !== null && from >= to)
      throw new ValidationError("body 'from' must be before 'to'", {
        issues: [{ path: ['from'], message: 'must be before to', in: 'body' }],
      });
    const strategy = strategyOf(body.strategy);
    const sizing = sizingOf(body.sizing);
    const owner = ownerOf(ctx);
    const active = (await services.jobs.list({ kind: BACKTEST_JOB, ownerKeyId: owner, limit: 100 })).filter(
      (j) => !TERMINAL_STATUSES.includes(j.status),
    );
    if (active.length >= MAX_ACTIVE_BACKTESTS_PER_KEY)
      throw new RateLimitedError(
        `this API key has ${active.length} backtests queued or running (at most ${MAX_ACTIVE_BACKTESTS_PER_KEY}): wait for one to finish or cancel it`,
        { headers: { 'retry-after': '10' } },
      );
    const spec: BacktestSpec = {
      asset,
      interval: body.interval,
      from,
      to,
      strategy,
      mode: body.mode,
      initialCash: body.initialCash,
      fees: body.fees,
      slippage: body.slippage,
      sizing,
    };
    const job = await services.jobs.submit({ kind: BACKTEST_JOB, params: spec, ownerKeyId: owner }, now);
    return jobView(job, false);
  },
});

export const getBacktest = defineOperation({
  id: 'getBacktest',
  method: 'GET',
  path: '/backtests/{id}',
  summary: 'A backtest job: status, progress and, once done, the result',
  description:
    'The job as stored: `status`, `progress` (0–1) and `stage` while it runs; `result` (metrics, buy-and-hold benchmark, trades, sampled equity curve) once it succeeded; `error` if it failed. Only the API key that started it can read it.',
  tags: ['analytics'],
  params: IdParams,
  response: Type.Object(JobSchema.properties, {
    examples: [
      {
        ...JOB_EXAMPLE,
        status: 'succeeded',
        progress: 1,
        stage: 'benchmark',
        attempts: 1,
        startedAt: '2025-07-01T12:00:00.120Z',
        finishedAt: '2025-07-01T12:00:00.480Z',
        result: {
          asset: 'bitcoin',
          venue: 'binance',
          symbol: 'BTC/USDT',
          interval: '1d',
          strategy: 'sma-cross-20-50',
          from: '2023-01-01T00:00:00.000Z',
          to: '2025-07-01T00:00:00.000Z',
          bars: 912,
          warmupBars: 50,
          metrics: {
            totalReturn: 1.84,
            cagr: 0.52,
            sharpe: 1.21,
            sortino: 1.73,
            maxDrawdown: 0.27,
            winRate: 0.41,
            trades: 17,
            exposure: 0.58,
            buyAndHoldReturn: 5.3,
          },
          benchmark: {
            totalReturn: 5.28,
            cagr: 1.09,
            sharpe: 1.42,
            sortino: 2.05,
            maxDrawdown: 0.33,
            winRate: 1,
            trades: 1,
            exposure: 1,
            buyAndHoldReturn: 5.3,
          },
          tradeCount: 17,
          trades: [],
          equity: [{ time: '2023-01-01T00:00:00.000Z', equity: 10000, position: 0 }],
        },
      },
    ],
  }),
  auth: { anonymous: false, scope: 'read' },
  cache: 'no-store',
  async handler({ params }, ctx) {
    return jobView(await ownBacktest(ctx, params.id), true);
  },
});

export const listBacktests = defineOperation({
  id: 'listBacktests',
  method: 'GET',
  path: '/backtests',
  summary: 'Your backtest jobs, newest first',
  description:
    'Backtests started with this API key, newest first, without their results (read one for that).',
  tags: ['analytics'],
  query: Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  }),
  response: Type.Object(
    { data: Type.Array(JobSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) },
    { examples: [{ data: [JOB_EXAMPLE], nextCursor: null }] },
  ),
  auth: { anonymous: false, scope: 'read' },
  cache: 'no-store',
  async handler({ query }, ctx) {
    const before = decodeCursor(query.cursor);
    const jobs = await ctx.services.jobs.list({
      kind: BACKTEST_JOB,
      ownerKeyId: ownerOf(ctx),
      limit: query.limit + 1,
      ...(before !== undefined ? { before } : {}),
    });
    const page = jobs.slice(0, query.limit);
    return {
      data: page.map((j) => jobView(j, false)),
      nextCursor: jobs.length > query.limit ? encodeCursor(page[page.length - 1]!.createdAt) : null,
    };
  },
});

export const cancelBacktest = defineOperation({
  id: 'cancelBacktest',
  method: 'DELETE',
  path: '/backtests/{id}',
  summary: 'Cancel a queued or running backtest',
  description:
    'A queued job is canceled at once; a running one stops at its next progress step. A finished job is left as it is (the answer shows its final status). The job stays readable.',
  tags: ['analytics'],
  params: IdParams,
  response: Type.Object(JobSchema.properties, {
    examples: [
      {
        ...JOB_EXAMPLE,
        status: 'canceled',
        error: { code: 'CANCELED', message: 'canceled by the client' },
        finishedAt: '2025-07-01T12:00:01.000Z',
      },
    ],
  }),
  auth: { anonymous: false, scope: 'read' },
  cache: 'no-store',
  async handler({ params }, ctx) {
    await ownBacktest(ctx, params.id);
    const job = await ctx.services.jobs.cancel(params.id, ctx.now);
    return jobView(job!, false);
  },
});
