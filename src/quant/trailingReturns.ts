import { type Bar, INTERVAL_MS, type Interval } from '../market/types.js';
import { closedBars, DAY_MS } from './series.js';
import { checkBars, invalid } from './validate.js';

/** The look-back horizons of `trailingReturns`. */
export const RETURN_HORIZONS = ['1d', '7d', '30d', '90d', 'ytd', '1y'] as const;
export type ReturnHorizon = (typeof RETURN_HORIZONS)[number];

const HORIZON_DAYS: Record<Exclude<ReturnHorizon, 'ytd'>, number> = {
  '1d': 1,
  '7d': 7,
  '30d': 30,
  '90d': 90,
  '1y': 365,
};

/** A return over one horizon and the close it is measured from. */
export type HorizonReturn = {
  /** Simple return as a fraction: `lastClose / fromClose - 1`. */
  value: number;
  /** Close time (ms) of the reference bar; equals the target time unless the data has a gap there. */
  fromTime: number;
  fromClose: number;
};

export type TrailingReturns = {
  asOf: number;
  /** Close time (ms) of the last bar closed by `asOf`: every horizon is counted back from it. */
  lastCloseTime: number;
  lastClose: number;
  /** Null when the history does not reach back to the horizon's start. */
  returns: Record<ReturnHorizon, HorizonReturn | null>;
};

/** Look up the last close at or before `time` (ms close time); bars ascending, all closed. */
export function closeAtOrBefore(bars: readonly Bar[], time: number, step: number): Bar | null {
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bars[mid]!.openTime + step <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : bars[lo - 1]!;
}

/**
 * Point-in-time returns over 1d, 7d, 30d, 90d, YTD and 1y (365 days) from `bars` of one market.
 * Only bars closed by `asOf` count (`openTime + interval <= asOf`). Each horizon compares the
 * last close with the last close at or before `lastCloseTime - horizon`; YTD uses 00:00 UTC on
 * 1 January of the year of `lastCloseTime` (the close of the 31 December daily bar). When
 * the data has a gap at the reference time, the close before the gap is used (see `fromTime`).
 * @example trailingReturns(btcDaily, { asOf: Date.UTC(2025, 5, 1) }).returns['30d']?.value
 */
export function trailingReturns(
  bars: readonly Bar[],
  options: { asOf: number; interval?: Interval },
): TrailingReturns {
  const interval = options.interval ?? '1d';
  const step = INTERVAL_MS[interval];
  checkBars(bars, 'bars', 1);
  const closed = closedBars(bars, options.asOf, interval);
  if (closed.length === 0)
    invalid(`no bar has closed by asOf ${new Date(options.asOf).toISOString()}`, ['asOf']);
  const last = closed[closed.length - 1]!;
  const lastCloseTime = last.openTime + step;
  const from = (target: number): HorizonReturn | null => {
    const ref = closeAtOrBefore(closed, target, step);
    return ref === null
      ? null
      : { value: last.close / ref.close - 1, fromTime: ref.openTime + step, fromClose: ref.close };
  };
  const returns = {} as Record<ReturnHorizon, HorizonReturn | null>;
  for (const h of RETURN_HORIZONS) {
    returns[h] =
      h === 'ytd'
        ? from(Date.UTC(new Date(lastCloseTime).getUTCFullYear(), 0, 1))
        : from(lastCloseTime - HORIZON_DAYS[h] * DAY_MS);
  }
  return { asOf: options.asOf, lastCloseTime, lastClose: last.close, returns };
}
