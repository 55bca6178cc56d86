import { type TSchema, Type } from '@sinclair/typebox';
import type { AssetRegistry } from '../assets/index.js';
import { NoMarketDataError, ValidationError } from '../internal/errors.js';
import { alignTime } from '../market/index.js';
import type { Bar } from '../market/types.js';
import {
  closeSeries,
  correlationMatrix,
  marketRegime,
  riskMetrics,
  supportResistance,
  trailingReturns,
} from '../quant/index.js';
import type { Services } from '../services/index.js';
import { parseTimeParam } from './marketParams.js';
import { defineOperation } from './operation.js';

const MIN_DAYS = 30;
const MAX_DAYS = 3650;
const MAX_CORRELATION_ASSETS = 50;
// Bars loaded for the regime: 200-day SMA plus a margin.
const REGIME_BARS = 260;

const Json = (description: string): TSchema => Type.Unknown({ description });
const AsOf = Type.Optional(
  Type.String({
    maxLength: 40,
    description: 'Point in time (ISO 8601 or epoch ms); default now. Only bars closed by then are used.',
  }),
);

function parseDays(days: number): number {
  if (days < MIN_DAYS || days > MAX_DAYS)
    throw new ValidationError(`query 'days' must be between ${MIN_DAYS} and ${MAX_DAYS}`, {
      issues: [{ path: ['days'], message: `must be between ${MIN_DAYS} and ${MAX_DAYS}`, in: 'query' }],
    });
  return days;
}

/**
 * The `to` that selects the daily bars closed by `asOf`: `closedBars` bounds open times
 * (inclusive), and a bar opening at the last day boundary before `asOf` closes after it.
 */
const closedBy = (asOf: number) => alignTime(asOf, '1d') - 1;

async function dailyBars(
  services: Services,
  assetId: string,
  asOf: number | undefined,
  limit: number,
): Promise<{ venue: string; symbol: string; bars: Bar[] }> {
  const r = await services.market.closedBars(assetId, '1d', {
    ...(asOf !== undefined ? { to: closedBy(asOf) } : {}),
    limit,
  });
  if (!r || r.bars.length === 0) throw new NoMarketDataError(`no daily bars for ${assetId}`);
  return r;
}

/**
 * A `days` window longer than the stored history is refused (never silently shortened): `have`
 * daily bars are closed by `asOf`, and a window of `days` days needs `days + extra` of them.
 */
function checkWindow(
  assetId: string,
  have: number,
  days: number,
  extra: number,
  asOf: number,
  param: 'days' | 'benchmark' = 'days',
): void {
  if (have >= days + extra) return;
  const max = Math.max(0, have - extra);
  const day = new Date(asOf).toISOString().slice(0, 10);
  const available =
    max >= MIN_DAYS ? `days=${max} at most` : `${max} day(s), below the ${MIN_DAYS}-day minimum window`;
  const who = param === 'benchmark' ? `benchmark ${assetId}` : assetId;
  throw new ValidationError(
    `a window of ${days} days is longer than the stored history: ${who} has ${have} daily bars closed by ${day}, enough for ${available}`,
    {
      issues: [
        {
          path: [param],
          message: `window longer than the stored history: ${max} days available for ${assetId}`,
          in: 'query',
        },
      ],
    },
  );
}

const resolveId = (assets: AssetRegistry, ref: string) => assets.resolve(ref).id;

export const getQuant = defineOperation({
  id: 'getQuant',
  method: 'GET',
  path: '/quant',
  summary: 'Returns, risk and risk-adjusted metrics of an asset',
  description: [
    'Point-in-time quant metrics from daily closes: trailing returns (1d, 7d, 30d, 90d, YTD, 1y), annualised',
    'volatility (log returns, 365 periods), Sharpe, Sortino, Calmar, CAGR, max drawdown with peak/trough/recovery',
    'dates, historical VaR/CVaR at 95% and 99% (loss fractions), and beta/correlation against a benchmark (default',
    'bitcoin), over the last `days` days. A window longer than the stored history (of the asset or the benchmark) is',
    'refused with 400, saying how many days are available; it is never silently shortened.',
  ].join(' '),
  tags: ['analytics'],
  query: Type.Object({
    asset: Type.String({ minLength: 1, maxLength: 120 }),
    days: Type.Integer({ default: 365, description: `Window for the risk metrics, 30-${MAX_DAYS}` }),
    benchmark: Type.String({ default: 'bitcoin', maxLength: 120 }),
    asOf: AsOf,
  }),
  response: Type.Object(
    {
      asset: Type.String(),
      venue: Type.String(),
      symbol: Type.String(),
      asOf: Type.String({ format: 'date-time' }),
      days: Type.Integer(),
      returns: Json(
        'Trailing returns per horizon: { value, fromTime, fromClose } or null when history is too short',
      ),
      risk: Json(
        'volatility, cagr, sharpe, sortino, calmar, drawdown {maxDrawdown, peak, trough, recovery}, var95, cvar95, var99, cvar99, beta, correlation',
      ),
      benchmark: Type.String(),
    },
    {
      examples: [
        {
          asset: 'ethereum',
          venue: 'binance',
          symbol: 'ETH/USDT',
          asOf: '2025-07-01T00:00:00.000Z',
          days: 365,
          returns: { '1d': { value: -0.012, fromTime: 1751155200000, fromClose: 2515.3 } },
          risk: { volatility: 0.71, sharpe: 0.12, beta: 1.21, correlation: 0.81 },
          benchmark: 'bitcoin',
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  async handler({ query }, { services }) {
    const days = parseDays(query.days);
    const id = resolveId(services.assets, query.asset);
    const benchId = resolveId(services.assets, query.benchmark);
    const asOfParam = parseTimeParam('asOf', query.asOf);
    const asOf = Math.min(asOfParam ?? services.marketClock.now(), services.marketClock.now());
    // One more year than the window, for the 1y trailing return.
    const a = await dailyBars(services, id, asOf, Math.max(days + 1, 367));
    // `days` daily returns need days + 1 closes.
    checkWindow(id, a.bars.length, days, 1, asOf);
    const window = a.bars.slice(-(days + 1));
    const bench = await dailyBars(services, benchId, asOf, days + 1);
    checkWindow(benchId, bench.bars.length, days, 1, asOf, 'benchmark');
    const risk = riskMetrics(closeSeries(window), { benchmark: closeSeries(bench.bars) });
    return {
      asset: id,
      venue: a.venue,
      symbol: a.symbol,
      asOf: new Date(asOf).toISOString(),
      days,
      returns: trailingReturns(a.bars, { asOf }).returns,
      risk,
      benchmark: benchId,
    };
  },
});

export const getCorrelation = defineOperation({
  id: 'getCorrelation',
  method: 'GET',
  path: '/correlation',
  summary: 'Correlation matrix of daily returns across assets',
  description:
    'Pearson correlation of daily simple returns for every pair, on the dates both have, over the last `days` days; with the number of common observations per pair. A window longer than the stored history of any asset is refused with 400, saying how many days are available.',
  tags: ['analytics'],
  query: Type.Object({
    assets: Type.String({ minLength: 1, maxLength: 4000, description: 'Comma-separated asset ids (2-50)' }),
    days: Type.Integer({ default: 90 }),
    asOf: AsOf,
  }),
  response: Type.Object(
    {
      asOf: Type.String({ format: 'date-time' }),
      days: Type.Integer(),
      ids: Type.Array(Type.String()),
      correlation: Type.Array(Type.Array(Type.Union([Type.Number(), Type.Null()]))),
      observations: Type.Array(Type.Array(Type.Integer())),
    },
    {
      examples: [
        {
          asOf: '2025-07-01T00:00:00.000Z',
          days: 90,
          ids: ['bitcoin', 'ethereum'],
          correlation: [
            [1, 0.82],
            [0.82, 1],
          ],
          observations: [
            [90, 90],
            [90, 90],
          ],
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  async handler({ query }, { services }) {
    const days = parseDays(query.days);
    const refs = [
      ...new Set(
        query.assets
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    if (refs.length < 2 || refs.length > MAX_CORRELATION_ASSETS)
      throw new ValidationError(`query 'assets' must name 2 to ${MAX_CORRELATION_ASSETS} assets`, {
        issues: [
          { path: ['assets'], message: `must name 2 to ${MAX_CORRELATION_ASSETS} assets`, in: 'query' },
        ],
      });
    const asOf = Math.min(
      parseTimeParam('asOf', query.asOf) ?? services.marketClock.now(),
      services.marketClock.now(),
    );
    const series = [];
    for (const ref of refs) {
      const id = resolveId(services.assets, ref);
      const r = await dailyBars(services, id, asOf, days + 1);
      checkWindow(id, r.bars.length, days, 1, asOf);
      series.push({ id, series: closeSeries(r.bars) });
    }
    const m = correlationMatrix(series);
    return { asOf: new Date(asOf).toISOString(), days, ...m };
  },
});

export const getLevels = defineOperation({
  id: 'getLevels',
  method: 'GET',
  path: '/levels',
  summary: 'Support and resistance levels with strength',
  description:
    'Swing highs and lows (pivots over ±5 bars) clustered within 2% of price; each level with its touches, last touch, and strength 0-1 (touches weighted by recency and volume, relative to the strongest level). Support below the last close, resistance above. A window longer than the stored history is refused with 400, saying how many days are available.',
  tags: ['analytics'],
  query: Type.Object({
    asset: Type.String({ minLength: 1, maxLength: 120 }),
    days: Type.Integer({ default: 365, description: 'Daily bars to look back, 30-3650' }),
    asOf: AsOf,
  }),
  response: Type.Object(
    {
      asset: Type.String(),
      asOf: Type.String({ format: 'date-time' }),
      lastClose: Type.Number(),
      levels: Json(
        '[{ kind: support|resistance, price, low, high, touches, lastTouchTime, strength, distance }]',
      ),
    },
    {
      examples: [
        {
          asset: 'bitcoin',
          asOf: '2025-07-01T00:00:00.000Z',
          lastClose: 107135.34,
          levels: [
            {
              kind: 'support',
              price: 101420.5,
              low: 100372,
              high: 102399.8,
              touches: 6,
              lastTouchTime: 1750550400000,
              strength: 1,
              distance: -0.053,
            },
          ],
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  async handler({ query }, { services }) {
    const days = parseDays(query.days);
    const id = resolveId(services.assets, query.asset);
    const asOf = Math.min(
      parseTimeParam('asOf', query.asOf) ?? services.marketClock.now(),
      services.marketClock.now(),
    );
    const r = await dailyBars(services, id, asOf, days);
    checkWindow(id, r.bars.length, days, 0, asOf);
    const s = supportResistance(r.bars);
    return { asset: id, asOf: new Date(asOf).toISOString(), lastClose: s.lastClose, levels: s.levels };
  },
});

export const getMarketRegime = defineOperation({
  id: 'getMarketRegime',
  method: 'GET',
  path: '/market/regime',
  summary: 'Market regime over the whole universe: bull, bear or neutral',
  description:
    'score = 0.5 × (2 × breadth − 1) + 0.5 × clamp(median 30-day return / 20%, −1, 1), where breadth is the share of assets closing above their 200-day SMA; bull at ≥ 0.2, bear at ≤ −0.2. Assets without 200 days of history or with data older than 3 days are left out, with the reason.',
  tags: ['analytics'],
  query: Type.Object({ asOf: AsOf }),
  response: Type.Object(
    {
      label: Type.Union([Type.Literal('bull'), Type.Literal('bear'), Type.Literal('neutral')]),
      score: Type.Number(),
      breadth: Type.Number(),
      medianReturn: Type.Number(),
      asOf: Type.String({ format: 'date-time' }),
      assets: Json('Per-asset inputs, with a reason when left out'),
    },
    {
      examples: [
        {
          label: 'bear',
          score: -0.28,
          breadth: 0.26,
          medianReturn: -0.04,
          asOf: '2025-07-01T00:00:00.000Z',
          assets: [{ id: 'bitcoin', included: true, aboveSma: true, return30d: 0.02 }],
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  async handler({ query }, { services }) {
    const asOf = Math.min(
      parseTimeParam('asOf', query.asOf) ?? services.marketClock.now(),
      services.marketClock.now(),
    );
    const universe = [];
    for (const id of await services.market.assetsWithData()) {
      const r = await services.market.closedBars(id, '1d', { to: closedBy(asOf), limit: REGIME_BARS });
      if (r && r.bars.length > 0) universe.push({ id, bars: r.bars });
    }
    if (universe.length === 0) throw new NoMarketDataError('no daily bars stored for any asset');
    const m = marketRegime(universe, { asOf });
    return {
      label: m.label,
      score: m.score,
      breadth: m.breadth,
      medianReturn: m.medianReturn,
      asOf: new Date(asOf).toISOString(),
      assets: m.assets,
    };
  },
});
