import { alignSeries, type SeriesPoint, simpleReturns } from './series.js';
import { pairStats } from './stats.js';
import { checkNumbers, checkSeries, invalid } from './validate.js';

/** Beta and correlation of an asset against a benchmark. */
export type BetaCorrelation = {
  /** `cov(asset, benchmark) / var(benchmark)`; null when the benchmark returns do not vary. */
  beta: number | null;
  /** Pearson correlation in [-1, 1]; null when either side does not vary. */
  correlation: number | null;
  /** Number of return pairs used (common timestamps minus one). */
  observations: number;
};

/**
 * Correlation of two equal-length return arrays (Pearson). Null when either does not vary.
 * @example correlation([0.01, -0.02, 0.03], [0.02, -0.01, 0.02])
 */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  if (x.length !== y.length) invalid(`lengths differ: ${x.length} vs ${y.length}`, ['y']);
  checkNumbers(x, 'x', 2);
  checkNumbers(y, 'y', 2);
  return pairStats(x, y).correlation;
}

/**
 * Beta and correlation of `asset` vs `benchmark` prices (positive, strictly ascending times).
 * Method: keep the timestamps both series have, then take simple returns between consecutive
 * common points, so each pair of returns covers the same span. Needs >= 3 common points.
 * @example betaCorrelation(closeSeries(ethBars), closeSeries(btcBars)) // { beta: 1.1, correlation: 0.8, … }
 */
export function betaCorrelation(
  asset: readonly SeriesPoint[],
  benchmark: readonly SeriesPoint[],
): BetaCorrelation {
  checkSeries(asset, 'asset', 1, true);
  checkSeries(benchmark, 'benchmark', 1, true);
  const al = alignSeries(asset, benchmark);
  if (al.times.length < 3) {
    invalid(`asset and benchmark need at least 3 common timestamps, got ${al.times.length}`, ['benchmark']);
  }
  const { beta, correlation } = pairStats(simpleReturns(al.a), simpleReturns(al.b));
  return { beta, correlation, observations: al.times.length - 1 };
}
