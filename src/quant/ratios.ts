import { maxDrawdown } from './maxDrawdown.js';
import { CRYPTO_PERIODS_PER_YEAR, cagr, type SeriesPoint } from './series.js';
import { mean, sampleStdev } from './stats.js';
import { checkNumbers, invalid } from './validate.js';

/** Annualisation and hurdle options shared by the ratio functions. */
export type RatioOptions = {
  /** Observations per year; 365 for daily crypto returns (the default). */
  periodsPerYear?: number;
  /** Annual risk-free rate (Sharpe) or minimum acceptable return (Sortino) as a fraction; default 0. */
  riskFreeRate?: number;
};

function periods(options: RatioOptions): number {
  const p = options.periodsPerYear ?? CRYPTO_PERIODS_PER_YEAR;
  if (!(Number.isFinite(p) && p > 0))
    invalid(`periodsPerYear must be positive, got ${p}`, ['periodsPerYear']);
  return p;
}

function hurdle(options: RatioOptions, perYear: number): number {
  const r = options.riskFreeRate ?? 0;
  if (!Number.isFinite(r)) invalid('riskFreeRate must be a finite number', ['riskFreeRate']);
  // Spread the annual rate evenly over the periods (simple, not compounded: the difference is
  // far below the noise of any Sharpe estimate).
  return r / perYear;
}

/**
 * Annualised volatility: sample standard deviation (n - 1) of per-period `returns` times
 * `sqrt(periodsPerYear)` (365 for daily crypto). Sextant feeds it **log** returns (they add up
 * over time and are symmetric); simple returns work too and differ by O(r²).
 * @example volatility(logReturns(closes)) // 0.65 = 65 % a year
 */
export function volatility(
  returns: ArrayLike<number>,
  options: Pick<RatioOptions, 'periodsPerYear'> = {},
): number {
  checkNumbers(returns, 'returns', 2);
  return sampleStdev(returns) * Math.sqrt(periods(options));
}

/**
 * Annualised Sharpe ratio of per-period simple `returns`:
 * `mean(r - rf/p) / stdev(r - rf/p) * sqrt(p)`, sample stdev (n - 1), p = periodsPerYear.
 * Null when the returns do not vary (the ratio is undefined).
 */
export function sharpeRatio(returns: ArrayLike<number>, options: RatioOptions = {}): number | null {
  checkNumbers(returns, 'returns', 2);
  const p = periods(options);
  const rf = hurdle(options, p);
  const excess = Float64Array.from(returns as ArrayLike<number>, (r) => r - rf);
  const sd = sampleStdev(excess);
  return sd > 0 ? (mean(excess) / sd) * Math.sqrt(p) : null;
}

/**
 * Downside deviation per period (not annualised): `sqrt(sum(min(0, r - mar)^2) / n)` over all n
 * returns, where `mar` is the per-period minimum acceptable return (Sortino & Price).
 */
export function downsideDeviation(returns: ArrayLike<number>, mar = 0): number {
  checkNumbers(returns, 'returns', 1);
  let s = 0;
  for (let i = 0; i < returns.length; i++) {
    const d = Math.min(0, returns[i]! - mar);
    s += d * d;
  }
  return Math.sqrt(s / returns.length);
}

/**
 * Annualised Sortino ratio: `mean(r - mar) / downsideDeviation(r, mar) * sqrt(p)`, with the
 * annual minimum acceptable return `riskFreeRate` (default 0) spread over p periods. Null when
 * no return falls below the hurdle (no downside: the ratio is undefined).
 */
export function sortinoRatio(returns: ArrayLike<number>, options: RatioOptions = {}): number | null {
  checkNumbers(returns, 'returns', 2);
  const p = periods(options);
  const mar = hurdle(options, p);
  const dd = downsideDeviation(returns, mar);
  return dd > 0 ? ((mean(returns) - mar) / dd) * Math.sqrt(p) : null;
}

/**
 * Calmar ratio of a positive price or equity series: CAGR over its whole time span (365-day
 * years) divided by its maximum drawdown (a fraction). Null when there is no drawdown.
 */
export function calmarRatio(series: readonly SeriesPoint[]): number | null {
  const dd = maxDrawdown(series).maxDrawdown;
  return dd > 0 ? cagr(series) / dd : null;
}
