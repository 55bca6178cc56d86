import { alignSeries, type SeriesPoint, simpleReturns } from './series.js';
import { pairStats } from './stats.js';
import { checkPositiveInt, checkSeries, invalid } from './validate.js';

/** Pairwise return correlations of many assets. */
export type CorrelationMatrix = {
  ids: string[];
  /** `correlation[i][j]` of assets `ids[i]` and `ids[j]`; null with too few observations or no variance. */
  correlation: (number | null)[][];
  /** Return pairs each correlation used (common timestamps of the pair minus one). */
  observations: number[][];
};

/**
 * Correlation matrix of simple returns across assets. Each pair is computed on the timestamps
 * both assets have (pairwise, not on the intersection of all), returns taken between
 * consecutive common points. A pair with fewer than `minObservations` return pairs (default 2,
 * the minimum for a defined correlation; raise it for meaningful numbers) gets null.
 * @example correlationMatrix([{ id: 'BTC', series: btc }, { id: 'ETH', series: eth }], { minObservations: 30 })
 */
export function correlationMatrix(
  assets: readonly { id: string; series: readonly SeriesPoint[] }[],
  options: { minObservations?: number } = {},
): CorrelationMatrix {
  if (assets.length === 0) invalid('assets must not be empty', ['assets']);
  const minObs = options.minObservations ?? 2;
  checkPositiveInt(minObs, 'minObservations');
  if (minObs < 2) invalid('minObservations must be at least 2', ['minObservations']);
  const seen = new Set<string>();
  assets.forEach((a, i) => {
    if (seen.has(a.id)) invalid(`duplicate asset id ${a.id}`, ['assets', i, 'id']);
    seen.add(a.id);
    checkSeries(a.series, `assets[${i}].series`, 1, true);
  });
  const n = assets.length;
  const correlation = Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
  const observations = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const al = alignSeries(assets[i]!.series, assets[j]!.series);
      const obs = Math.max(0, al.times.length - 1);
      let c: number | null = null;
      if (obs >= minObs) {
        c = pairStats(simpleReturns(al.a), simpleReturns(al.b)).correlation;
        // Exactly 1 on the diagonal rather than 0.9999999999999998.
        if (i === j && c !== null) c = 1;
      }
      correlation[i]![j] = c;
      correlation[j]![i] = c;
      observations[i]![j] = obs;
      observations[j]![i] = obs;
    }
  }
  return { ids: assets.map((a) => a.id), correlation, observations };
}
