import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import type { HlcBars } from './types.js';

/** Options of {@link cci}. */
export type CciOptions = { period?: number };

/** Parameters of {@link cci}, for validation and the registry. */
export const CCI_PARAMS: readonly ParamSpec[] = [periodParam('period', 20, 'Window of the typical price')];

/**
 * Commodity channel index (Lambert; TA-Lib `CCI`): tp = (high+low+close)/3;
 * CCI = (tp − mean) / (0.015 · mean absolute deviation) over `period` bars (0 when either is 0).
 * NaN for the first `period − 1` bars. The mean absolute deviation has to be recomputed over the
 * window on every bar (it is not a running quantity), so batch and streaming cost O(period) per
 * bar, like TA-Lib; sums run over the ring buffer in TA-Lib's slot order for bit-exact results.
 * @example cci({ high, low, close }, { period: 20 })
 */
export function cci(bars: HlcBars, options: CciOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('cci', CCI_PARAMS, options) as Required<CciOptions>;
  const { high, low, close } = bars;
  const n = close.length;
  const out = outArray(into, n);
  const s = new CciStateImpl(period);
  for (let i = 0; i < n; i++) out[i] = s.update(high[i]!, low[i]!, close[i]!);
  return out;
}

/** Streaming {@link cci} (O(period) per update: see {@link cci}). */
export interface CciState {
  update(high: number, low: number, close: number): number;
  readonly value: number;
}

/** Create a streaming CCI equal, bit for bit, to {@link cci} on every prefix. */
export function createCciState(options: CciOptions = {}): CciState {
  const { period } = resolveParams('cci', CCI_PARAMS, options) as Required<CciOptions>;
  return new CciStateImpl(period);
}

class CciStateImpl implements CciState {
  value = Number.NaN;
  private readonly period: number;
  private readonly ring: Float64Array;
  private pos = 0;
  private count = 0;

  constructor(period: number) {
    this.period = period;
    this.ring = new Float64Array(period);
  }

  update(high: number, low: number, close: number): number {
    const p = this.period;
    const ring = this.ring;
    const tp = (high + low + close) / 3;
    ring[this.pos] = tp;
    this.pos = this.pos + 1 === p ? 0 : this.pos + 1;
    if (++this.count < p) return Number.NaN;
    let avg = 0;
    for (let j = 0; j < p; j++) avg += ring[j]!;
    avg /= p;
    let dev = 0;
    for (let j = 0; j < p; j++) dev += Math.abs(ring[j]! - avg);
    const t = tp - avg;
    const v = t !== 0 && dev !== 0 ? t / (0.015 * (dev / p)) : 0;
    this.value = v;
    return v;
  }
}
