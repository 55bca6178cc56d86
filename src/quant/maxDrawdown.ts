import type { SeriesPoint } from './series.js';
import { checkSeries } from './validate.js';

/** A point of a drawdown: its index in the input, time and value. */
export type DrawdownPoint = { index: number; time: number; value: number };

/** The deepest peak-to-trough fall of a series. */
export type MaxDrawdown = {
  /** Fall from peak to trough as a positive fraction of the peak (0.25 = -25 %); 0 when none. */
  maxDrawdown: number;
  /** The running high before the trough (first time it was reached); null when no drawdown. */
  peak: DrawdownPoint | null;
  trough: DrawdownPoint | null;
  /** First point after the trough back at or above the peak value; null if not (yet) recovered. */
  recovery: DrawdownPoint | null;
};

/**
 * Maximum drawdown of a price or equity series (strictly ascending times, positive values).
 * Ties keep the earliest peak and the earliest trough.
 * @example maxDrawdown([100, 120, 90, 130].map((value, time) => ({ time, value })))
 * // { maxDrawdown: 0.25, peak: { index: 1, … }, trough: { index: 2, … }, recovery: { index: 3, … } }
 */
export function maxDrawdown(series: readonly SeriesPoint[]): MaxDrawdown {
  checkSeries(series, 'series', 1, true);
  let peakIdx = 0;
  let best = 0;
  let bestPeak = -1;
  let bestTrough = -1;
  for (let i = 1; i < series.length; i++) {
    const v = series[i]!.value;
    if (v > series[peakIdx]!.value) {
      peakIdx = i;
      continue;
    }
    const dd = 1 - v / series[peakIdx]!.value;
    if (dd > best) {
      best = dd;
      bestPeak = peakIdx;
      bestTrough = i;
    }
  }
  if (bestTrough < 0) return { maxDrawdown: 0, peak: null, trough: null, recovery: null };
  const point = (index: number): DrawdownPoint => ({
    index,
    time: series[index]!.time,
    value: series[index]!.value,
  });
  const peakValue = series[bestPeak]!.value;
  let recovery: DrawdownPoint | null = null;
  for (let i = bestTrough + 1; i < series.length; i++) {
    if (series[i]!.value >= peakValue) {
      recovery = point(i);
      break;
    }
  }
  return { maxDrawdown: best, peak: point(bestPeak), trough: point(bestTrough), recovery };
}
