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
 * dropped; the rest volume-weighted (a venue of unknown volume weighs the median known volume;
 * equal weights when no volume is known). Inputs without a positive price are ignored.
 */
export function aggregatePrice(
  asset: string,
  given: readonly VenueInput[],
  o: AggregateOptions,
): PriceQuote | null {
  // A venue without a usable price (not yet traded, a bad print) takes no part at all.
  const inputs = given.filter((v) => Number.isFinite(v.price) && v.price > 0);
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
  // A venue used with an unknown volume (a trade feed before its first closed bar) weighs as a
  // typical venue, the median known volume, rather than silently nothing.
  const known = used.filter((v) => v.volume24h !== null && Number.isFinite(v.volume24h));
  const typical = known.length > 0 ? median(known.map((v) => Math.max(0, v.volume24h!))) : 0;
  const weights = used.map((v) =>
    v.volume24h === null || !Number.isFinite(v.volume24h) ? typical : Math.max(0, v.volume24h),
  );
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
