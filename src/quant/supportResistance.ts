import type { Bar, Interval } from '../market/types.js';
import { barsAsOf } from './series.js';
import { checkOpenRange, checkPositiveInt, invalid } from './validate.js';

/** Bars on each side a swing high/low must dominate. */
const DEFAULT_PIVOT_WINDOW_BARS = 5;
/** Widest cluster, as a fraction of its lowest pivot price. */
const DEFAULT_TOLERANCE = 0.02;
const DEFAULT_MAX_LEVELS = 5;
/** Age at which a touch counts half as much as a touch on the last bar. */
const DEFAULT_HALF_LIFE_BARS = 90;
/** A touch on a huge-volume bar counts at most this many average touches. */
const VOLUME_WEIGHT_CAP = 3;

export type SupportResistanceOptions = {
  /** Bars on each side of a pivot (default 5). A pivot is only known `pivotWindow` bars later. */
  pivotWindow?: number;
  /** Cluster width as a fraction of price (default 0.02 = 2 %). */
  tolerance?: number;
  /** How many levels to return (default 5). */
  maxLevels?: number;
  /** Recency half-life in bars (default 90). */
  halfLifeBars?: number;
  /** Only use bars closed by this time (ms); default all bars. */
  asOf?: number;
  /** Interval of `bars`, for `asOf` (default '1d'). */
  interval?: Interval;
};

/** One price level. */
export type PriceLevel = {
  /** Below (or at) the last close: support; above: resistance. */
  kind: 'support' | 'resistance';
  /** Volume-weighted mean price of the level's pivots. */
  price: number;
  /** Lowest and highest pivot price in the cluster. */
  low: number;
  high: number;
  /** Swing highs and lows that formed the level. */
  touches: number;
  /** `openTime` of the most recent pivot bar of the level. */
  lastTouchTime: number;
  /** Relative strength in (0, 1]: 1 is the strongest level found in these bars. */
  strength: number;
  /** `price / lastClose - 1`. */
  distance: number;
};

export type SupportResistance = { lastClose: number; lastTime: number; levels: PriceLevel[] };

type Pivot = { index: number; price: number; weight: number };

/**
 * Support and resistance levels from swing points.
 *
 * Method:
 * 1. Pivots: bar i is a swing high when its high is above the highs of the `w` bars before it
 *    and at least the highs of the `w` bars after it (a flat top counts once, at its first
 *    bar); swing lows mirror that on lows. The last `w` bars cannot be pivots yet, so the
 *    result only uses what was knowable at the last bar.
 * 2. Clusters: all pivot prices (highs and lows together, since broken resistance becomes
 *    support) sorted ascending; a cluster takes prices up to `(1 + tolerance)` times its
 *    lowest one, then a new cluster starts.
 * 3. Strength: each pivot weighs `0.5 ^ (age / halfLifeBars) * min(3, volume / meanVolume)`
 *    (recent and high-volume touches count more; age in bars from the last bar); a level's raw
 *    strength is the sum over its pivots (so more touches count more), divided by the
 *    strongest level's, giving (0, 1].
 * 4. The top `maxLevels` by strength (ties: more touches, then nearer the last close); kind
 *    is support when the level price <= last close, else resistance.
 * @example supportResistance(btcDaily, { pivotWindow: 5, tolerance: 0.02, maxLevels: 6 })
 */
export function supportResistance(
  bars: readonly Bar[],
  options: SupportResistanceOptions = {},
): SupportResistance {
  const w = options.pivotWindow ?? DEFAULT_PIVOT_WINDOW_BARS;
  const tol = options.tolerance ?? DEFAULT_TOLERANCE;
  const maxLevels = options.maxLevels ?? DEFAULT_MAX_LEVELS;
  const halfLife = options.halfLifeBars ?? DEFAULT_HALF_LIFE_BARS;
  checkPositiveInt(w, 'pivotWindow');
  checkOpenRange(tol, 'tolerance', 0, 1);
  checkPositiveInt(maxLevels, 'maxLevels');
  if (!(halfLife > 0)) invalid(`halfLifeBars must be positive, got ${halfLife}`, ['halfLifeBars']);
  const bs = barsAsOf(bars, options);
  if (bs.length < 2 * w + 1) {
    invalid(`pivotWindow ${w} needs at least ${2 * w + 1} closed bars, got ${bs.length}`, ['pivotWindow']);
  }
  const n = bs.length;
  let volSum = 0;
  for (const b of bs) volSum += b.volume;
  const meanVol = volSum / n;
  const lastIdx = n - 1;
  const weight = (i: number): number => {
    const v = meanVol > 0 ? Math.min(VOLUME_WEIGHT_CAP, bs[i]!.volume / meanVol) : 1;
    return 0.5 ** ((lastIdx - i) / halfLife) * v;
  };

  const pivots: Pivot[] = [];
  for (let i = w; i + w < n; i++) {
    const h = bs[i]!.high;
    const l = bs[i]!.low;
    let isHigh = true;
    let isLow = true;
    for (let k = 1; k <= w && (isHigh || isLow); k++) {
      const before = bs[i - k]!;
      const after = bs[i + k]!;
      if (!(h > before.high && h >= after.high)) isHigh = false;
      if (!(l < before.low && l <= after.low)) isLow = false;
    }
    if (isHigh) pivots.push({ index: i, price: h, weight: weight(i) });
    if (isLow) pivots.push({ index: i, price: l, weight: weight(i) });
  }

  const last = bs[lastIdx]!;
  if (pivots.length === 0) return { lastClose: last.close, lastTime: last.openTime, levels: [] };
  pivots.sort((a, b) => a.price - b.price || a.index - b.index);

  type Cluster = { pivots: Pivot[]; raw: number };
  const clusters: Cluster[] = [];
  let cur: Cluster | null = null;
  for (const p of pivots) {
    if (cur === null || p.price > cur.pivots[0]!.price * (1 + tol)) {
      cur = { pivots: [], raw: 0 };
      clusters.push(cur);
    }
    cur.pivots.push(p);
    cur.raw += p.weight;
  }

  let maxRaw = 0;
  for (const c of clusters) maxRaw = Math.max(maxRaw, c.raw);
  const levels = clusters.map((c): PriceLevel => {
    let vw = 0;
    let wsum = 0;
    let lastTouch = -1;
    for (const p of c.pivots) {
      vw += p.price * bs[p.index]!.volume;
      wsum += bs[p.index]!.volume;
      lastTouch = Math.max(lastTouch, p.index);
    }
    // Plain mean when the pivots carry no volume at all.
    const price = wsum > 0 ? vw / wsum : c.pivots.reduce((s, p) => s + p.price, 0) / c.pivots.length;
    return {
      kind: price <= last.close ? 'support' : 'resistance',
      price,
      low: c.pivots[0]!.price,
      high: c.pivots[c.pivots.length - 1]!.price,
      touches: c.pivots.length,
      lastTouchTime: bs[lastTouch]!.openTime,
      strength: maxRaw > 0 ? c.raw / maxRaw : 1,
      distance: price / last.close - 1,
    };
  });
  levels.sort(
    (a, b) => b.strength - a.strength || b.touches - a.touches || Math.abs(a.distance) - Math.abs(b.distance),
  );
  return { lastClose: last.close, lastTime: last.openTime, levels: levels.slice(0, maxLevels) };
}
