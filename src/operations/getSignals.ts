import { Type } from '@sinclair/typebox';
import { ValidationError } from '../internal/errors.js';
import { STRATEGIES } from '../signals/index.js';
import { decodeCursor, encodeCursor, IntervalSchema, parseTimeParam } from './marketParams.js';
import { defineOperation } from './operation.js';

const SIGNALS_MAX_LIMIT = 1000;

/** One signal as the docs show it. */
export const SIGNAL_EXAMPLE = {
  id: 42,
  asset: 'bitcoin',
  venue: 'binance',
  symbol: 'BTC/USDT',
  interval: '1d',
  strategy: 'trend-regime',
  modelVersion: '1',
  direction: 'long',
  strength: 0.41,
  reason: { close: 67250.1, sma50: 64010.2, sma200: 58877.9, adx14: 32.3 },
  issuedAt: '2024-10-15T00:00:00.000Z',
  knownAt: '2024-10-15T00:00:01.000Z',
  inputsHash: '9f1c2ab0e4d35c7718a2b6f0c3d4e5f6',
};

/** A 400 naming the strategies when `strategy` is given and unknown. */
export function assertKnownStrategy(strategy: string | undefined): void {
  if (strategy && !STRATEGIES.some((s) => s.id === strategy))
    throw new ValidationError(`unknown strategy '${strategy}'`, {
      issues: [
        {
          path: ['strategy'],
          message: `must be one of ${STRATEGIES.map((s) => s.id).join(', ')}`,
          in: 'query',
        },
      ],
    });
}

export const SignalSchema = Type.Object({
  id: Type.Integer({ description: 'Ledger id (ascending in recording order)' }),
  asset: Type.String(),
  venue: Type.String(),
  symbol: Type.String(),
  interval: IntervalSchema,
  strategy: Type.String(),
  modelVersion: Type.String(),
  direction: Type.Union([Type.Literal('long'), Type.Literal('short'), Type.Literal('flat')]),
  strength: Type.Number({ minimum: 0, maximum: 1 }),
  reason: Type.Record(
    Type.String(),
    Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]),
    {
      description: 'The indicator values that triggered it',
    },
  ),
  issuedAt: Type.String({ format: 'date-time', description: 'Close time of the last bar used' }),
  knownAt: Type.String({ format: 'date-time', description: 'When the ledger recorded it (feed clock)' }),
  inputsHash: Type.String({ description: 'SHA-256 (first 32 hex) of strategy, version and every input bar' }),
});

export const getSignals = defineOperation({
  id: 'getSignals',
  method: 'GET',
  path: '/signals',
  summary: 'Trading signals from the append-only ledger',
  description: [
    'Signals are issued when a strategy’s direction changes at a bar close (1h and 1d bars), computed from closed bars',
    'only, and recorded once: never rewritten or deleted. `asOf` returns exactly what was known at that time (no',
    'repainting). Strategies and their rules: GET /v1/strategies and docs/methodology.md.',
  ].join(' '),
  tags: ['signals'],
  query: Type.Object({
    asset: Type.Optional(
      Type.String({ minLength: 1, maxLength: 120, description: 'Asset id, symbol or CAIP-19' }),
    ),
    interval: Type.Optional(IntervalSchema),
    strategy: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$' })),
    direction: Type.Optional(Type.Union([Type.Literal('long'), Type.Literal('short'), Type.Literal('flat')])),
    asOf: Type.Optional(
      Type.String({ maxLength: 40, description: 'Only what was known then (ISO 8601 or epoch ms)' }),
    ),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'issuedAt >= from' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'issuedAt < to' })),
    limit: Type.Integer({ minimum: 1, maximum: SIGNALS_MAX_LIMIT, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  }),
  response: Type.Object(
    { data: Type.Array(SignalSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) },
    {
      examples: [
        {
          data: [SIGNAL_EXAMPLE],
          nextCursor: null,
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 10, visibility: 'public' },
  async handler({ query }, { services }) {
    assertKnownStrategy(query.strategy);
    const from = parseTimeParam('from', query.from);
    const to = parseTimeParam('to', query.to);
    if (from !== undefined && to !== undefined && from > to)
      throw new ValidationError("query 'from' is after 'to'", {
        issues: [{ path: ['from'], message: 'must not be after to', in: 'query' }],
      });
    const asOf = parseTimeParam('asOf', query.asOf);
    const rows = await services.signals.query({
      ...(query.asset ? { asset: services.assets.resolve(query.asset).id } : {}),
      ...(query.interval ? { interval: query.interval } : {}),
      ...(query.strategy ? { strategy: query.strategy } : {}),
      ...(query.direction ? { direction: query.direction } : {}),
      ...(asOf !== undefined ? { asOf } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(query.cursor ? { afterId: decodeCursor(query.cursor)! } : {}),
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      data: page.map((r) => ({
        ...r,
        issuedAt: new Date(r.issuedAt).toISOString(),
        knownAt: new Date(r.knownAt).toISOString(),
      })),
      nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.id) : null,
    };
  },
});

export const listStrategies = defineOperation({
  id: 'listStrategies',
  method: 'GET',
  path: '/strategies',
  summary: 'The signal strategies and their rules',
  description: 'Every strategy that issues signals, with its version and its rules in words.',
  tags: ['signals'],
  response: Type.Object(
    {
      data: Type.Array(
        Type.Object({
          id: Type.String(),
          version: Type.String(),
          title: Type.String(),
          description: Type.String(),
          intervals: Type.Array(IntervalSchema),
        }),
      ),
    },
    {
      examples: [
        {
          data: [
            {
              id: 'macd-momentum',
              version: '1',
              title: 'MACD momentum',
              description: 'Long when the MACD(12,26,9) line and its histogram are both positive; …',
              intervals: ['1h', '1d'],
            },
          ],
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 3600, visibility: 'public' },
  handler() {
    return {
      data: STRATEGIES.map((s) => ({
        id: s.id,
        version: s.version,
        title: s.title,
        description: s.description,
        intervals: ['1h' as const, '1d' as const],
      })),
    };
  },
});
