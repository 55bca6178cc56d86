import { type TSchema, Type } from '@sinclair/typebox';
import { compute, getIndicator, INDICATORS, resolveIndicatorParams } from '../indicators/index.js';
import { NoMarketDataError, ValidationError } from '../internal/errors.js';
import { alignTime } from '../market/index.js';
import { INTERVAL_MS } from '../market/types.js';
import { decodeCursor, encodeCursor, IntervalSchema, parseTimeParam } from './marketParams.js';
import { defineOperation } from './operation.js';

const INDICATOR_MAX_LIMIT = 5000;
// Warm-up loaded before `from`: 3× the lookback (EMA-type indicators converge) and at least 100 bars.
const WARMUP_FACTOR = 3;
const WARMUP_MIN_BARS = 100;

/** Every parameter name any indicator takes, as an optional numeric query parameter. */
const PARAM_NAMES = [...new Set(INDICATORS.flatMap((i) => i.params.map((p) => p.name)))].sort();
const paramSchemas: Record<string, TSchema> = {};
for (const name of PARAM_NAMES)
  paramSchemas[name] = Type.Optional(Type.Number({ description: `Indicator parameter ${name}` }));

export const getIndicators = defineOperation({
  id: 'getIndicators',
  method: 'GET',
  path: '/indicators',
  summary: 'Technical indicator values of an asset',
  description: [
    `One indicator per call, by name (${INDICATORS.map((i) => i.name).join(', ')}), with its parameters as query`,
    'parameters (e.g. `name=rsi&period=14`, `name=macd&fastPeriod=12&slowPeriod=26&signalPeriod=9`). Values per closed',
    'bar in [from, to), computed over the bars before the page as warm-up (3× the lookback, at least 100 bars), so a',
    'value never depends on later bars. Without `from`: the last `limit` intervals before `to`. With `from`: pages',
    'forward from it, `limit` intervals each; follow `nextCursor` until it is null. Values match TA-Lib where TA-Lib has',
    'the indicator (see src/indicators/README.md).',
  ].join(' '),
  tags: ['analytics'],
  query: Type.Object({
    asset: Type.String({ minLength: 1, maxLength: 120 }),
    interval: IntervalSchema,
    name: Type.String({ minLength: 1, maxLength: 40, description: 'Indicator name' }),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Inclusive start: ISO 8601 or epoch ms' })),
    to: Type.Optional(
      Type.String({ maxLength: 40, description: 'Exclusive end: ISO 8601 or epoch ms (default now)' }),
    ),
    limit: Type.Integer({
      minimum: 1,
      maximum: INDICATOR_MAX_LIMIT,
      default: 500,
      description: 'Bars per page',
    }),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: 'From a previous page' })),
    ...paramSchemas,
  }),
  response: Type.Object(
    {
      asset: Type.String(),
      venue: Type.String(),
      symbol: Type.String(),
      interval: IntervalSchema,
      indicator: Type.String(),
      params: Type.Record(Type.String(), Type.Number()),
      outputs: Type.Array(Type.String()),
      values: Type.Array(
        Type.Object(
          { openTime: Type.Integer(), time: Type.String() },
          { additionalProperties: Type.Union([Type.Number(), Type.Null()]) },
        ),
        { description: 'One entry per bar: openTime, time and each output (null during warm-up)' },
      ),
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
          indicator: 'rsi',
          params: { period: 14 },
          outputs: ['rsi'],
          values: [{ openTime: 1719705600000, time: '2024-06-30T00:00:00.000Z', rsi: 44.18 }],
          nextCursor: null,
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 10, visibility: 'public' },
  async handler({ query }, { services }) {
    const spec = getIndicator(query.name);
    const given: Record<string, number> = {};
    for (const p of PARAM_NAMES) {
      const v = (query as Record<string, unknown>)[p];
      if (typeof v !== 'number') continue;
      if (!spec.params.some((s) => s.name === p))
        throw new ValidationError(`indicator '${spec.name}' has no parameter '${p}'`, {
          issues: [
            {
              path: [p],
              message: `not a parameter of ${spec.name} (${spec.params.map((s) => s.name).join(', ') || 'none'})`,
              in: 'query',
            },
          ],
        });
      given[p] = v;
    }
    const params = resolveIndicatorParams(spec.name, given);
    const asset = services.assets.resolve(query.asset);
    const step = INTERVAL_MS[query.interval];
    const now = services.marketClock.now();
    const to = Math.min(parseTimeParam('to', query.to) ?? now + 1, now + 1);
    const fromParam = parseTimeParam('from', query.from);
    if (fromParam !== undefined && fromParam > to)
      throw new ValidationError("query 'from' is after 'to'", {
        issues: [{ path: ['from'], message: 'must not be after to', in: 'query' }],
      });
    const cursor = decodeCursor(query.cursor);
    // The page: without `from` (or a cursor), the last `limit` intervals before `to`; with them,
    // the first `limit` intervals from the later of the two, forward.
    let from: number;
    let pageTo: number;
    if (fromParam === undefined && cursor === undefined) {
      from = to - query.limit * step;
      pageTo = to;
    } else {
      from = Math.max(fromParam ?? Number.NEGATIVE_INFINITY, cursor ?? Number.NEGATIVE_INFINITY);
      let start = alignTime(from, query.interval);
      if (start < from) start += step;
      pageTo = Math.min(to, start + query.limit * step);
    }
    const lookback = spec.lookback(params);
    const warmup = Math.max(WARMUP_MIN_BARS, WARMUP_FACTOR * lookback);
    const wanted = Math.max(0, Math.min(query.limit, Math.ceil((pageTo - from) / step)));
    // `to` bounds open times (inclusive): bars opening before the page's end.
    const r = await services.market.closedBars(asset.id, query.interval, {
      to: pageTo - 1,
      limit: wanted + warmup,
    });
    if (!r) throw new NoMarketDataError(`no ${query.interval} bars for ${asset.id}`);
    if (r.bars.length <= lookback)
      throw new ValidationError(
        `${spec.name} with these parameters needs more than ${lookback} bars; ${r.bars.length} ${query.interval} bars are stored for ${asset.id}`,
        { issues: [{ path: ['period'], message: 'window longer than the stored history', in: 'query' }] },
      );
    /** Whether a bar of the served market (or of the one it is built from) opens at or after `t` and is closed. */
    const barsAfter = async (t: number) => {
      const series = await services.market.store.series({ assetId: asset.id });
      const source = series.find(
        (x) => x.venue === r.venue && x.symbol === r.symbol && x.interval === (r.builtFrom ?? query.interval),
      );
      return source !== undefined && source.lastOpen >= t && t + step <= now;
    };
    const n = r.bars.length;
    const col = (k: 'open' | 'high' | 'low' | 'close' | 'volume') => Float64Array.from(r.bars, (b) => b[k]);
    const out = compute(spec.name, params, {
      open: col('open'),
      high: col('high'),
      low: col('low'),
      close: col('close'),
      volume: col('volume'),
    });
    const names = spec.outputs.map((o) => o.name);
    const values = [];
    for (let i = 0; i < n; i++) {
      const b = r.bars[i]!;
      if (b.openTime < from || b.openTime >= pageTo) continue;
      const v: Record<string, number | string | null> = {
        openTime: b.openTime,
        time: new Date(b.openTime).toISOString(),
      };
      for (const name of names) {
        const x = out[name]![i]!;
        v[name] = Number.isFinite(x) ? x : null;
      }
      values.push(v);
    }
    return {
      asset: asset.id,
      venue: r.venue,
      symbol: r.symbol,
      interval: query.interval,
      indicator: spec.name,
      params,
      outputs: names,
      values: values.slice(-query.limit) as { openTime: number; time: string }[],
      nextCursor: pageTo < to && (await barsAfter(pageTo)) ? encodeCursor(pageTo) : null,
    };
  },
});
