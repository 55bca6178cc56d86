import type { PriceQuote, VenuePrice } from './events.js';

/** Quote currencies counted as US dollars in aggregate prices (depegs show up as deviation). */
export const USD_QUOTES: ReadonlySet<string> = new Set([
  'USD',
  'USDT',
  'USDC',
  'BUSD',
  'FDUSD',
  'TUSD',
  'DAI',
]);

/** A venue's price input before aggregation. */
export type VenueInput = {
  venue: string;
  symbol: string;
  price: number;
  volume24h: number | null;
  /** ms since the epoch. */
  asOf: number;
  /** Price 24 h before `asOf`, when known. */
  price24hAgo: number | null;
};

export type AggregateOptions = {
  /** Now, by the clock of the feed (wall clock live, replay clock in a replay). */
  now: number;
  /** A venue older than this is stale. */
  staleAfterMs: number;
  /** With 3+ venues, a venue further than this fraction from the median is an outlier. */
  outlierFraction: number;
};

const BPS = 10_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Aggregate venue prices into one price with provenance: stale venues dropped while fresh ones
 * exist; with three or more venues, those further than `outlierFraction` from the median
 * dropped; the rest volume-weighted (equal weights when volumes are unknown).
 */
export function aggregatePrice(
  asset: string,
  inputs: readonly VenueInput[],
  o: AggregateOptions,
): PriceQuote | null {
  if (inputs.length === 0) return null;
  const fresh = inputs.filter((v) => o.now - v.asOf <= o.staleAfterMs);
  const pool = fresh.length > 0 ? fresh : [...inputs];
  const reasons = new Map<VenueInput, 'outlier' | 'stale'>();
  for (const v of inputs) if (!pool.includes(v)) reasons.set(v, 'stale');
  let used = pool;
  if (pool.length >= 3) {
    const med = median(pool.map((v) => v.price));
    used = pool.filter((v) => Math.abs(v.price / med - 1) <= o.outlierFraction);
    for (const v of pool) if (!used.includes(v)) reasons.set(v, 'outlier');
    if (used.length === 0) used = pool;
  }
  const weights = used.map((v) => (v.volume24h && v.volume24h > 0 ? v.volume24h : 0));
  const total = weights.reduce((s, w) => s + w, 0);
  const price =
    total > 0
      ? used.reduce((s, v, i) => s + v.price * weights[i]!, 0) / total
      : used.reduce((s, v) => s + v.price, 0) / used.length;
  const asOf = Math.max(...used.map((v) => v.asOf));
  const deviationBps = Math.max(...used.map((v) => Math.abs(v.price / price - 1) * BPS));
  const with24h = used.filter((v) => v.price24hAgo !== null && v.price24hAgo > 0);
  const change24hPct =
    with24h.length > 0
      ? (with24h.reduce((s, v) => s + v.price / v.price24hAgo!, 0) / with24h.length - 1) * 100
      : null;
  const vols = used.filter((v) => v.volume24h !== null);
  const venues: VenuePrice[] = inputs.map((v) => {
    const reason = reasons.get(v);
    return {
      venue: v.venue,
      symbol: v.symbol,
      price: v.price,
      volume24h: v.volume24h,
      asOf: new Date(v.asOf).toISOString(),
      used: reason === undefined,
      ...(reason ? { reason } : {}),
    };
  });
  return {
    asset,
    price,
    quote: 'USD',
    asOf: new Date(asOf).toISOString(),
    stale: o.now - asOf > o.staleAfterMs,
    deviationBps: Math.round(deviationBps * 100) / 100,
    change24hPct: change24hPct === null ? null : Math.round(change24hPct * 1e4) / 1e4,
    volume24h: vols.length > 0 ? vols.reduce((s, v) => s + v.volume24h!, 0) : null,
    venues,
  };
}
