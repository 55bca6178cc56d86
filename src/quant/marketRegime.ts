import { ValidationError } from '../internal/errors.js';
import { type Bar, INTERVAL_MS, type Interval } from '../market/types.js';
import { closedBars, DAY_MS } from './series.js';
import { clamp } from './stats.js';
import { closeAtOrBefore } from './trailingReturns.js';
import { checkBars, checkPositiveInt, invalid } from './validate.js';

const DEFAULT_SMA_PERIOD_BARS = 200;
const DEFAULT_RETURN_DAYS = 30;
/** A median return of ±20 % over the return window saturates the momentum half of the score. */
const DEFAULT_RETURN_SCALE = 0.2;
/** Score at or above: bull; at or below minus this: bear. */
const DEFAULT_LABEL_THRESHOLD = 0.2;
/** An asset whose last closed bar is older than this many intervals before the reference time is stale. */
const DEFAULT_MAX_STALE_BARS = 3;

export type RegimeLabel = 'bull' | 'bear' | 'neutral';

export type MarketRegimeOptions = {
  /** Only bars closed by this time (ms) count; default: all bars, reference = newest close. */
  asOf?: number;
  /** Interval of every asset's bars (default '1d'). */
  interval?: Interval;
  /** SMA length in bars (default 200). */
  smaPeriod?: number;
  /** Momentum look-back in days (default 30). */
  returnDays?: number;
  /** Median return that maps to a full momentum score (default 0.2). */
  returnScale?: number;
  /** Label threshold on the score (default 0.2). */
  threshold?: number;
  /** Assets whose last close is more than this many intervals old are left out (default 3). */
  maxStaleBars?: number;
};

/** The inputs of one asset. */
export type RegimeAsset = {
  id: string;
  /** False when the asset lacks history or is stale; `reason` says which. */
  included: boolean;
  reason?: string;
  lastClose: number | null;
  lastCloseTime: number | null;
  sma: number | null;
  aboveSma: boolean | null;
  /** Simple return over `returnDays`, as a fraction. */
  return: number | null;
};

export type MarketRegime = {
  label: RegimeLabel;
  /** In [-1, 1]: `0.5 * (2 * breadth - 1) + 0.5 * clamp(medianReturn / returnScale, -1, 1)`. */
  score: number;
  /** Fraction of included assets whose last close is above their SMA. */
  breadth: number;
  medianReturn: number;
  included: number;
  /** Close time (ms) the assets are measured at. */
  referenceTime: number;
  assets: RegimeAsset[];
};

/**
 * Market regime over a universe of assets (bull / bear / neutral).
 *
 * Method: for each asset with at least `smaPeriod` closed bars and a close `returnDays` back,
 * take whether its last close is above its simple moving average of the last `smaPeriod`
 * closes, and its `returnDays` simple return. Breadth b is the fraction above the SMA and m
 * the median return. Score `= 0.5 * (2b - 1) + 0.5 * clamp(m / 0.2, -1, 1)`, so both halves
 * range over [-1, 1]; `score >= 0.2` is bull, `score <= -0.2` bear, otherwise neutral. E.g.
 * 70 % above the 200-day SMA with a +6 % median month scores 0.35 (bull). Assets whose last
 * close is over 3 intervals older than the reference time (asOf, else the newest close) are
 * left out as stale (delisted or missing data).
 * @example marketRegime([{ id: 'BTC', bars: btc }, { id: 'ETH', bars: eth }], { asOf: Date.now() })
 */
export function marketRegime(
  universe: readonly { id: string; bars: readonly Bar[] }[],
  options: MarketRegimeOptions = {},
): MarketRegime {
  const interval = options.interval ?? '1d';
  const step = INTERVAL_MS[interval];
  const smaPeriod = options.smaPeriod ?? DEFAULT_SMA_PERIOD_BARS;
  const returnDays = options.returnDays ?? DEFAULT_RETURN_DAYS;
  const scale = options.returnScale ?? DEFAULT_RETURN_SCALE;
  const threshold = options.threshold ?? DEFAULT_LABEL_THRESHOLD;
  const maxStale = options.maxStaleBars ?? DEFAULT_MAX_STALE_BARS;
  checkPositiveInt(smaPeriod, 'smaPeriod');
  checkPositiveInt(returnDays, 'returnDays');
  if (!(scale > 0)) invalid('returnScale must be positive', ['returnScale']);
  if (!(threshold >= 0 && threshold <= 1)) invalid('threshold must be in [0, 1]', ['threshold']);
  if (!(Number.isSafeInteger(maxStale) && maxStale >= 0))
    invalid('maxStaleBars must be an integer >= 0', ['maxStaleBars']);
  if (universe.length === 0) invalid('universe must not be empty', ['universe']);

  const closed = universe.map((a, i) => {
    checkBars(a.bars, `universe[${i}].bars`, 0);
    return options.asOf === undefined ? a.bars : closedBars(a.bars, options.asOf, interval);
  });
  let referenceTime = options.asOf;
  if (referenceTime === undefined) {
    referenceTime = Number.NEGATIVE_INFINITY;
    for (const bs of closed)
      if (bs.length > 0) referenceTime = Math.max(referenceTime, bs.at(-1)!.openTime + step);
    if (!Number.isFinite(referenceTime)) invalid('no asset has any bar', ['universe']);
  }

  const assets = universe.map((a, i): RegimeAsset => {
    const bs = closed[i]!;
    const out: RegimeAsset = {
      id: a.id,
      included: false,
      lastClose: null,
      lastCloseTime: null,
      sma: null,
      aboveSma: null,
      return: null,
    };
    if (bs.length === 0) return { ...out, reason: 'no closed bars' };
    const last = bs[bs.length - 1]!;
    out.lastClose = last.close;
    out.lastCloseTime = last.openTime + step;
    if (out.lastCloseTime < referenceTime - maxStale * step)
      return { ...out, reason: 'stale: last close too old' };
    if (bs.length >= smaPeriod) {
      let s = 0;
      for (let k = bs.length - smaPeriod; k < bs.length; k++) s += bs[k]!.close;
      out.sma = s / smaPeriod;
      out.aboveSma = last.close > out.sma;
    }
    const ref = closeAtOrBefore(bs, out.lastCloseTime - returnDays * DAY_MS, step);
    if (ref !== null) out.return = last.close / ref.close - 1;
    if (out.sma === null) return { ...out, reason: `fewer than ${smaPeriod} closed bars` };
    if (out.return === null) return { ...out, reason: `history shorter than ${returnDays} days` };
    return { ...out, included: true };
  });

  const inc = assets.filter((a) => a.included);
  if (inc.length === 0) {
    const issues = assets.map((a, i) => ({ path: ['universe', i], message: `${a.id}: ${a.reason}` }));
    throw new ValidationError('no asset has enough history for the regime', { issues });
  }
  const breadth = inc.filter((a) => a.aboveSma).length / inc.length;
  const rets = inc.map((a) => a.return!).sort((x, y) => x - y);
  const mid = rets.length >> 1;
  const medianReturn = rets.length % 2 === 1 ? rets[mid]! : (rets[mid - 1]! + rets[mid]!) / 2;
  const score = 0.5 * (2 * breadth - 1) + 0.5 * clamp(medianReturn / scale, -1, 1);
  const label: RegimeLabel = score >= threshold ? 'bull' : score <= -threshold ? 'bear' : 'neutral';
  return { label, score, breadth, medianReturn, included: inc.length, referenceTime, assets };
}
