import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';

/** Options of {@link sma}. */
export type SmaOptions = { period?: number };

/** Parameters of {@link sma}, for validation and the registry. */
export const SMA_PARAMS: readonly ParamSpec[] = [periodParam('period', 20, 'Number of bars averaged')];

/**
 * Simple moving average (TA-Lib `SMA`): the mean of the last `period` values, NaN for the first
 * `period - 1`. Uses TA-Lib's running sum (add the new value, divide, drop the oldest) so the
 * result is bit-for-bit TA-Lib's.
 * @example sma(closes, { period: 20 })
 */
export function sma(values: Float64Array, options: SmaOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('sma', SMA_PARAMS, options) as Required<SmaOptions>;
  return smaRaw(values, period, into);
}

/** SMA without validation (callers have checked `period >= 1`). */
export function smaRaw(values: Float64Array, period: number, into?: Float64Array): Float64Array {
  const n = values.length;
  const out = outArray(into, n);
  const lb = period - 1;
  if (n <= lb) return out.fill(Number.NaN);
  out.fill(Number.NaN, 0, lb);
  let total = 0;
  for (let i = 0; i < lb; i++) total += values[i]!;
  for (let i = lb, t = 0; i < n; i++, t++) {
    total += values[i]!;
    out[i] = total / period;
    total -= values[t]!;
  }
  return out;
}

/** Streaming {@link sma}: one `update` per bar returns the current value (NaN while warming up). */
export interface SmaState {
  update(value: number): number;
  /** Last value returned by `update` (NaN before the first full window). */
  readonly value: number;
}

/** Create a streaming SMA equal, bar for bar, to {@link sma} on the same prefix. */
export function createSmaState(options: SmaOptions = {}): SmaState {
  const { period } = resolveParams('sma', SMA_PARAMS, options) as Required<SmaOptions>;
  return new SmaCore(period);
}

/** Running-sum SMA core (also used inside Stochastic, Bollinger and StochRSI). */
export class SmaCore implements SmaState {
  value = Number.NaN;
  private readonly ring: Float64Array;
  private readonly period: number;
  private pos = 0;
  private count = 0;
  private total = 0;

  constructor(period: number) {
    this.period = period;
    this.ring = new Float64Array(period);
  }

  update(x: number): number {
    const p = this.period;
    const ring = this.ring;
    let pos = this.pos;
    ring[pos] = x;
    pos = pos + 1 === p ? 0 : pos + 1;
    this.pos = pos;
    this.total += x;
    if (++this.count < p) return Number.NaN;
    // `pos` now points at the oldest value of the window: TA-Lib drops it after dividing.
    const v = this.total / p;
    this.total -= ring[pos]!;
    this.value = v;
    return v;
  }
}
