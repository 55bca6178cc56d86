import { checkNumbers, checkOpenRange } from './validate.js';

/** Historical value at risk and expected shortfall at one confidence level, in loss terms. */
export type ValueAtRisk = {
  confidence: number;
  /** Loss (positive fraction, 0.05 = lose 5 %) not exceeded with probability `confidence`. */
  var: number;
  /** Mean loss over the tail beyond VaR (expected shortfall); always >= `var`. */
  cvar: number;
  observations: number;
  /** How many worst returns form the tail: `ceil(n * (1 - confidence))`, at least 1. */
  tailCount: number;
};

/**
 * Historical-simulation VaR and CVaR of per-period simple `returns` (no distribution assumed).
 * Losses are `-r`; the tail is the `k = ceil(n (1 - confidence))` largest losses; VaR is the
 * smallest loss in that tail (the k-th largest) and CVaR their mean, so CVaR >= VaR always.
 * @example historicalVaR(simpleReturns(closes), 0.99) // { var: 0.12, cvar: 0.16, … }
 */
export function historicalVaR(returns: ArrayLike<number>, confidence = 0.95): ValueAtRisk {
  checkNumbers(returns, 'returns', 1);
  checkOpenRange(confidence, 'confidence', 0, 1);
  const n = returns.length;
  const losses = Float64Array.from(returns as ArrayLike<number>, (r) => -r)
    .sort()
    .reverse();
  // Round before ceil: (1 - 0.95) * 100 is 5.000000000000004 in floating point, not 5.
  const k = Math.max(1, Math.ceil(Math.round(n * (1 - confidence) * 1e9) / 1e9));
  let s = 0;
  for (let i = 0; i < k; i++) s += losses[i]!;
  return { confidence, var: losses[k - 1]!, cvar: s / k, observations: n, tailCount: k };
}
