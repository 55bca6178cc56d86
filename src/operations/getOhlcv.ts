import { Type } from '@sinclair/typebox';
import { NoMarketDataError, ValidationError } from '../internal/errors.js';
import { INTERVAL_MS } from '../market/index.js';
import { decodeCursor, encodeCursor, IntervalSchema, parseTimeParam } from './marketParams.js';
import { defineOperation } from './operation.js';

const OHLCV_MAX_LIMIT = 5000;

const BarSchema = Type.Object({
  openTime: Type.Integer({ description: 'Open time, ms since the epoch (UTC)' }),
  time: Type.String({ format: 'date-time', description: 'Open time, ISO 8601' }),
  open: Type.Number(),
  high: Type.Number(),
  low: Type.Number(),
  close: Type.Number(),
  volume: Type.Number({ description: 'Traded amount in the base asset' }),
  final: Type.Boolean({ description: 'True once the interval has closed; an open bar may still change' }),
});

export const OhlcvResponse = Type.Object(
  {
    asset: Type.String(),
    venue: Type.String({ description: 'CCXT venue id the bars come from' }),
    symbol: Type.String({ description: 'Market symbol on that venue (CCXT form)' }),
    interval: IntervalSchema,
    builtFrom: Type.Union([Type.Null(), IntervalSchema], {
      description: 'Null for stored bars; else the lower interval these bars were rolled up from',
    }),
    bars: Type.Array(BarSchema),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` (with the same other parameters) for the next page; null at the end',
    }),
  },
  {
    examples: [
      {
        asset: 'bitcoin',
        venue: 'binance',
        symbol: 'BTC/USDT',
        interval: '1d',
        builtFrom: null,
        bars: [
          {
            openTime: 1704067200000,
            time: '2024-01-01T00:00:00.000Z',
            open: 42283.58,
            high: 44184.1,
            low: 42180.77,
            close: 44179.55,
            volume: 27174.29903,
            final: true,
          },
        ],
        nextCursor: 'YzE6MTcwNDE1MzYwMDAwMA',
      },
    ],
  },
);

export const getOhlcv = defineOperation({
  id: 'getOhlcv',
  method: 'GET',
  path: '/ohlcv',
  summary: 'OHLCV candles of an asset',
  description: [
    'Candles of one market of the asset, oldest first, UTC-aligned. Bars stored at the asked interval are served as',
    'stored; otherwise they are rolled up from the coarsest lower interval stored (`builtFrom` says which), or from',
    '`buildFrom` when given. There is no range cap: follow `nextCursor` to page through any range.',
    'Without `venue`/`quote`, the spot market with the most bars is used (USD-like quotes first).',
    'Without `from`, the page covers the last `limit` intervals before `to` (default: now).',
    'Point in time: only bars closed by the market clock are served (during a replay, the replayed time); a bar',
    'built from lower intervals may still be in progress (`final: false`).',
  ].join(' '),
  tags: ['market'],
  query: Type.Object({
    asset: Type.String({
      minLength: 1,
      maxLength: 120,
      description: 'Asset id (`bitcoin`), symbol (`BTC`, 409 if ambiguous) or CAIP-19 contract',
    }),
    interval: IntervalSchema,
    venue: Type.Optional(
      Type.String({ pattern: '^[a-z0-9]{2,32}$', description: 'CCXT venue id, e.g. binance' }),
    ),
    quote: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9]{2,10}$', description: 'Quote currency, e.g. USDT' }),
    ),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Inclusive start: ISO 8601 or epoch ms' })),
    to: Type.Optional(
      Type.String({ maxLength: 40, description: 'Exclusive end: ISO 8601 or epoch ms (default now)' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: OHLCV_MAX_LIMIT, default: 500, description: 'Bars per page' }),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: 'From a previous page' })),
    buildFrom: Type.Optional(IntervalSchema),
  }),
  response: OhlcvResponse,
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 10, visibility: 'public' },
  async handler({ query }, { services }) {
    const asset = services.assets.resolve(query.asset);
    const step = INTERVAL_MS[query.interval];
    const to = parseTimeParam('to', query.to) ?? services.marketClock.now() + 1;
    const cursor = decodeCursor(query.cursor);
    let from = parseTimeParam('from', query.from) ?? to - query.limit * step;
    if (from > to)
      throw new ValidationError("query 'from' is after 'to'", {
        issues: [{ path: ['from'], message: 'must not be after to', in: 'query' }],
      });
    if (cursor !== undefined) from = Math.max(from, cursor);
    if (query.buildFrom && INTERVAL_MS[query.buildFrom] >= step)
      throw new ValidationError("query 'buildFrom' must be a smaller interval that divides 'interval'", {
        issues: [{ path: ['buildFrom'], message: `must be finer than ${query.interval}`, in: 'query' }],
      });
    const r = await services.market.ohlcv({
      assetId: asset.id,
      interval: query.interval,
      ...(query.venue ? { venue: query.venue } : {}),
      ...(query.quote ? { quote: query.quote } : {}),
      ...(query.buildFrom ? { buildFrom: query.buildFrom } : {}),
      from,
      to,
      limit: query.limit,
    });
    if (!r)
      throw new NoMarketDataError(
        `no ${query.interval} bars stored for ${asset.id}${query.venue ? ` on ${query.venue}` : ''}${query.quote ? ` in ${query.quote}` : ''}`,
      );
    return {
      asset: asset.id,
      venue: r.venue,
      symbol: r.symbol,
      interval: r.interval,
      builtFrom: r.builtFrom,
      bars: r.bars,
      nextCursor: r.next === null ? null : encodeCursor(r.next),
    };
  },
});
