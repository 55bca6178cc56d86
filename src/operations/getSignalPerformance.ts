import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type Static, Type } from '@sinclair/typebox';
import { NoMarketDataError, ValidationError } from '../internal/errors.js';
import { alignTime } from '../market/index.js';
import { barsToColumns } from '../market/store.js';
import { INTERVAL_MS } from '../market/types.js';
import {
  batchSignalsAsync,
  type ForwardStats,
  SIGNAL_WINDOW_BARS,
  type SignalEvent,
  type SignalPerformance,
  STRATEGIES,
  signalPerformance,
} from '../signals/index.js';
import { IntervalSchema, parseTimeParam } from './marketParams.js';
import { defineOperation } from './operation.js';

/** Most bars one answer evaluates (plus the 300-bar window before the first). */
export const PERFORMANCE_MAX_BARS = 5_000;
const CACHE_ENTRIES = 64;
const CACHE_MS = 10 * 60_000;

const Stats = Type.Object({
  count: Type.Integer(),
  hitRate: Type.Union([Type.Number(), Type.Null()]),
  meanReturn: Type.Union([Type.Number(), Type.Null()], { description: 'Mean simple forward return' }),
});
const Summary = Type.Object({
  totalReturn: Type.Number(),
  cagr: Type.Number(),
  sharpe: Type.Union([Type.Number(), Type.Null()]),
  maxDrawdown: Type.Number(),
  trades: Type.Integer(),
  exposure: Type.Number(),
});
const PerformanceSchema = Type.Object({
  asset: Type.String(),
  venue: Type.String(),
  symbol: Type.String(),
  interval: IntervalSchema,
  strategy: Type.String(),
  modelVersion: Type.String(),
  source: Type.Union([Type.Literal('ledger'), Type.Literal('recompute')]),
  from: Type.String({ format: 'date-time', description: 'Open of the first bar after the first signal' }),
  to: Type.String({ format: 'date-time', description: 'Close of the last bar' }),
  bars: Type.Integer({ description: 'Bars evaluated (after the first signal)' }),
  signals: Type.Object({
    long: Type.Integer(),
    short: Type.Integer(),
    flat: Type.Integer(),
    total: Type.Integer(),
  }),
  horizons: Type.Array(
    Type.Object({
      horizon: Type.Integer({ description: 'Bars after the entry (the open after the signal)' }),
      long: Stats,
      short: Stats,
      directional: Type.Object(Stats.properties, {
        description: 'Long and short together, return signed by direction',
      }),
      baseline: Type.Object(Stats.properties, { description: 'Every bar as if long: the drift to beat' }),
      pending: Type.Integer({ description: 'Signals too recent for this horizon' }),
    }),
  ),
  longShort: Type.Object(Summary.properties, { description: 'Holding each signal’s direction, with costs' }),
  longOnly: Type.Object(Summary.properties, { description: 'The same with shorts as flat' }),
  buyAndHold: Type.Object(Summary.properties, { description: 'Same bars, same costs' }),
});

type PerformanceView = Static<typeof PerformanceSchema>;

const stats = (s: ForwardStats) => ({ count: s.count, hitRate: s.hitRate, meanReturn: s.meanReturn });

function view(p: SignalPerformance, source: 'ledger' | 'recompute'): PerformanceView {
  return {
    asset: p.asset,
    venue: p.venue,
    symbol: p.symbol,
    interval: p.interval,
    strategy: p.strategy,
    modelVersion: p.modelVersion,
    source,
    from: new Date(p.from).toISOString(),
    to: new Date(p.to).toISOString(),
    bars: p.bars,
    signals: p.signals,
    horizons: p.horizons.map((h) => ({
      horizon: h.horizon,
      long: stats(h.long),
      short: stats(h.short),
      directional: stats(h.directional),
      baseline: stats(h.baseline),
      pending: h.pending,
    })),
    longShort: p.longShort,
    longOnly: p.longOnly,
    buyAndHold: p.buyAndHold,
  };
}

// Recomputing signals over thousands of bars takes a while: answers are kept per input.
const cache = new Map<string, { at: number; value: PerformanceView[] }>();

export const getSignalPerformance = defineOperation({
  id: 'getSignalPerformance',
  method: 'GET',
  path: '/signals/performance',
  summary: 'How the signals did: hit rate, forward returns and a backtest of following them',
  description: [
    'For one asset and interval, per strategy: hit rate and mean forward return 1, 5 and 20 bars after long and',
    'short signals (entry at the open after the signal) against the every-bar baseline, and the return, Sharpe and',
    'drawdown of holding each signal’s direction (long/short and long-only, 10 bps fee + 5 bps slippage per side)',
    'against buy-and-hold over the same bars. `source=ledger` (default) judges the signals the ledger recorded as',
    'known at `asOf` — what was really issued, never repainted; `source=recompute` judges what the strategy issues',
    `when recomputed point in time over the stored bars (up to ${PERFORMANCE_MAX_BARS} bars after a 300-bar window).`,
    'Outcomes are measured on closed bars up to `asOf`. Methods and the full-history track record: docs/methodology.md.',
  ].join(' '),
  tags: ['signals'],
  query: Type.Object({
    asset: Type.String({ minLength: 1, maxLength: 120, description: 'Asset id, symbol or CAIP-19' }),
    interval: Type.Union([Type.Literal('1h'), Type.Literal('1d')], { default: '1d' }),
    strategy: Type.Optional(
      Type.String({ pattern: '^[a-z0-9-]{1,64}$', description: 'Default: every strategy' }),
    ),
    source: Type.Union([Type.Literal('ledger'), Type.Literal('recompute')], { default: 'ledger' }),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'Judge signals issued from this time' })),
    asOf: Type.Optional(Type.String({ maxLength: 40, description: 'As known at this time (default: now)' })),
  }),
  response: Type.Object(
    { data: Type.Array(PerformanceSchema), asOf: Type.String({ format: 'date-time' }) },
    {
      examples: [
        {
          data: [
            {
              asset: 'bitcoin',
              venue: 'binance',
              symbol: 'BTC/USDT',
              interval: '1d',
              strategy: 'trend-regime',
              modelVersion: '1',
              source: 'recompute',
              from: '2018-10-29T00:00:00.000Z',
              to: '2025-07-01T00:00:00.000Z',
              bars: 2437,
              signals: { long: 31, short: 29, flat: 45, total: 105 },
              horizons: [
                {
                  horizon: 5,
                  long: { count: 31, hitRate: 0.55, meanReturn: 0.012 },
                  short: { count: 29, hitRate: 0.48, meanReturn: 0.004 },
                  directional: { count: 60, hitRate: 0.52, meanReturn: 0.004 },
                  baseline: { count: 2432, hitRate: 0.53, meanReturn: 0.009 },
                  pending: 0,
                },
              ],
              longShort: {
                totalReturn: 1.9,
                cagr: 0.17,
                sharpe: 0.62,
                maxDrawdown: 0.58,
                trades: 60,
                exposure: 0.57,
              },
              longOnly: {
                totalReturn: 3.1,
                cagr: 0.23,
                sharpe: 0.81,
                maxDrawdown: 0.41,
                trades: 31,
                exposure: 0.3,
              },
              buyAndHold: {
                totalReturn: 15.1,
                cagr: 0.51,
                sharpe: 0.98,
                maxDrawdown: 0.77,
                trades: 1,
                exposure: 1,
              },
            },
          ],
          asOf: '2025-07-01T00:00:00.000Z',
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  async handler({ query }, { services, now }) {
    const strategies = query.strategy ? STRATEGIES.filter((s) => s.id === query.strategy) : STRATEGIES;
    if (strategies.length === 0)
      throw new ValidationError(`unknown strategy '${query.strategy}'`, {
        issues: [
          {
            path: ['strategy'],
            message: `must be one of ${STRATEGIES.map((s) => s.id).join(', ')}`,
            in: 'query',
          },
        ],
      });
    const asset = services.assets.resolve(query.asset).id;
    const clock = services.marketClock.now();
    const asOf = Math.min(parseTimeParam('asOf', query.asOf) ?? clock, clock);
    const from = parseTimeParam('from', query.from);
    if (from !== undefined && from > asOf)
      throw new ValidationError("query 'from' is after 'asOf'", {
        issues: [{ path: ['from'], message: 'must not be after asOf', in: 'query' }],
      });
    const step = INTERVAL_MS[query.interval];
    const wanted =
      from === undefined
        ? PERFORMANCE_MAX_BARS
        : Math.min(PERFORMANCE_MAX_BARS, Math.ceil((asOf - from) / step) + 1);
    // `to` bounds open times (inclusive): the bar opening at the last boundary before `asOf` closes after it.
    const loaded = await services.market.closedBars(asset, query.interval, {
      to: alignTime(asOf, query.interval) - 1,
      limit: wanted + SIGNAL_WINDOW_BARS,
    });
    if (!loaded || loaded.bars.length === 0)
      throw new NoMarketDataError(
        `no closed ${query.interval} bars of ${asset} up to ${new Date(asOf).toISOString()}`,
      );
    const bars = loaded.bars;
    const last = bars[bars.length - 1]!.openTime;
    const key = [
      asset,
      query.interval,
      query.strategy ?? '*',
      query.source,
      from ?? '',
      loaded.venue,
      last,
      asOf,
    ].join('|');
    const hit = cache.get(key);
    if (hit && now - hit.at < CACHE_MS && query.source === 'recompute')
      return { data: hit.value, asOf: new Date(asOf).toISOString() };

    const cols = barsToColumns(bars);
    const ref = { asset, venue: loaded.venue, symbol: loaded.symbol, interval: query.interval };
    const onBar = new Set(bars.map((b) => b.openTime + step));
    const data: PerformanceView[] = [];
    for (const s of strategies) {
      let events: SignalEvent[];
      if (query.source === 'ledger') {
        const recorded = await services.signals.query({
          asset,
          interval: query.interval,
          strategy: s.id,
          asOf,
          ...(from !== undefined ? { from } : {}),
          limit: 100_000,
        });
        events = recorded
          .filter(
            (e) => e.venue === loaded.venue && e.symbol === loaded.symbol && e.modelVersion === s.version,
          )
          .filter((e) => onBar.has(e.issuedAt))
          .sort((a, b) => a.issuedAt - b.issuedAt);
      } else {
        // Recomputed point in time; with `from`, the signals before it only warm the strategy up.
        // In chunks, yielding to the event loop: thousands of windows take a second or two.
        events = (await batchSignalsAsync(ref, s, cols, () => yieldToLoop(), 250)).filter(
          (e) => from === undefined || e.issuedAt >= from,
        );
      }
      if (events.length === 0) continue;
      const p = signalPerformance({ ref, strategy: s, bars: cols, events });
      if (p) data.push(view(p, query.source));
    }
    if (query.source === 'recompute') {
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(key, { at: now, value: data });
    }
    return { data, asOf: new Date(asOf).toISOString() };
  },
});
