import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import type { HlcBars } from './types.js';
import { RollingMax, RollingMin } from './window.js';

/** Options of {@link williamsR}. */
export type WilliamsROptions = { period?: number };

/** Parameters of {@link williamsR}, for validation and the registry. */
export const WILLIAMS_R_PARAMS: readonly ParamSpec[] = [
  periodParam('period', 14, 'Look-back window of the highest high / lowest low'),
];

/**
 * Williams %R (TA-Lib `WILLR`): (highest high − close) / ((highest high − lowest low) / −100)
 * over `period` bars, in [−100, 0]; 0 when the range is 0. NaN for the first `period − 1` bars.
 * @example williamsR({ high, low, close }, { period: 14 })
 */
export function williamsR(bars: HlcBars, options: WilliamsROptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('williamsR', WILLIAMS_R_PARAMS, options) as Required<WilliamsROptions>;
  const { high, low, close } = bars;
  const n = close.length;
  const out = outArray(into, n);
  const s = new WilliamsRStateImpl(period);
  for (let i = 0; i < n; i++) out[i] = s.update(high[i]!, low[i]!, close[i]!);
  return out;
}

/** Streaming {@link williamsR}. */
export interface WilliamsRState {
  update(high: number, low: number, close: number): number;
  readonly value: number;
}

/** Create a streaming Williams %R equal, bit for bit, to {@link williamsR} on every prefix. */
export function createWilliamsRState(options: WilliamsROptions = {}): WilliamsRState {
  const { period } = resolveParams('williamsR', WILLIAMS_R_PARAMS, options) as Required<WilliamsROptions>;
  return new WilliamsRStateImpl(period);
}

class WilliamsRStateImpl implements WilliamsRState {
  value = Number.NaN;
  private readonly period: number;
  private readonly hi: RollingMax;
  private readonly lo: RollingMin;
  private count = 0;

  constructor(period: number) {
    this.period = period;
    this.hi = new RollingMax(period);
    this.lo = new RollingMin(period);
  }

  update(high: number, low: number, close: number): number {
    const hh = this.hi.push(high);
    const ll = this.lo.push(low);
    if (++this.count < this.period) return Number.NaN;
    const diff = (hh - ll) / -100.0;
    const v = diff !== 0 ? (hh - close) / diff : 0;
    this.value = v;
    return v;
  }
}
