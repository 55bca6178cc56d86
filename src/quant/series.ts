import { type Bar, INTERVAL_MS, type Interval } from '../market/types.js';
import { checkBars, checkNumbers, checkSeries, invalid } from './validate.js';

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;
/** A year for annualising: 365 days, since crypto trades every day. */
export const YEAR_MS = 365 * DAY_MS;
/** Daily observations per year for crypto (no weekends or holidays). */
export const CRYPTO_PERIODS_PER_YEAR = 365;

/**
 * One observation of a price or equity series. `time` is ms since the epoch (Sextant uses the
 * bar's `openTime`; any convention works as long as the series being compared share it).
 */
export type SeriesPoint = { time: number; value: number };

/** Closes of `bars` as a series keyed by `openTime`. */
export function closeSeries(bars: readonly Bar[]): SeriesPoint[] {
  return bars.map((b) => ({ time: b.openTime, value: b.close }));
}

/**
 * The bars of `bars` (ascending) that have closed by `asOf` (ms): `openTime + interval <= asOf`.
 * A bar still open at `asOf` is not final and never enters a point-in-time computation.
 */
export function closedBars(bars: readonly Bar[], asOf: number, interval: Interval): readonly Bar[] {
  if (!Number.isFinite(asOf)) invalid('asOf must be a finite timestamp in ms', ['asOf']);
  const step = INTERVAL_MS[interval];
  if (step === undefined) invalid(`unknown interval ${String(interval)}`, ['interval']);
  // Binary search: bars are ascending, so the closed ones are a prefix.
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bars[mid]!.openTime + step <= asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo === bars.length ? bars : bars.slice(0, lo);
}

/** Validate `bars` and keep those closed by `asOf` when given (see `closedBars`). */
export function barsAsOf(
  bars: readonly Bar[],
  options: { asOf?: number | undefined; interval?: Interval | undefined },
  name = 'bars',
): readonly Bar[] {
  checkBars(bars, name, 1);
  return options.asOf === undefined ? bars : closedBars(bars, options.asOf, options.interval ?? '1d');
}

/** Simple returns `v[i] / v[i-1] - 1` (length n - 1). Values must be positive. */
export function simpleReturns(values: ArrayLike<number>): Float64Array {
  checkPositive(values);
  const out = new Float64Array(values.length - 1);
  for (let i = 1; i < values.length; i++) out[i - 1] = values[i]! / values[i - 1]! - 1;
  return out;
}

/** Log returns `ln(v[i] / v[i-1])` (length n - 1). Values must be positive. */
export function logReturns(values: ArrayLike<number>): Float64Array {
  checkPositive(values);
  const out = new Float64Array(values.length - 1);
  for (let i = 1; i < values.length; i++) out[i - 1] = Math.log(values[i]! / values[i - 1]!);
  return out;
}

function checkPositive(values: ArrayLike<number>): void {
  checkNumbers(values, 'values', 2);
  for (let i = 0; i < values.length; i++)
    if (values[i]! <= 0) invalid(`values[${i}] must be positive`, ['values', i]);
}

/**
 * Compound annual growth rate of a positive series over its time span, with 365-day years:
 * `(last / first) ^ (1 / years) - 1`.
 */
export function cagr(series: readonly SeriesPoint[]): number {
  checkSeries(series, 'series', 2, true);
  const first = series[0]!;
  const last = series[series.length - 1]!;
  return (last.value / first.value) ** (YEAR_MS / (last.time - first.time)) - 1;
}

/**
 * Align two series on their common timestamps (merge join; both strictly ascending).
 * @example alignSeries(eth, btc) // { times, a: eth values, b: btc values } on dates both have
 */
export function alignSeries(
  a: readonly SeriesPoint[],
  b: readonly SeriesPoint[],
): { times: number[]; a: number[]; b: number[] } {
  const times: number[] = [];
  const va: number[] = [];
  const vb: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ta = a[i]!.time;
    const tb = b[j]!.time;
    if (ta === tb) {
      times.push(ta);
      va.push(a[i]!.value);
      vb.push(b[j]!.value);
      i++;
      j++;
    } else if (ta < tb) i++;
    else j++;
  }
  return { times, a: va, b: vb };
}
