import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';

/** Options of {@link ema}. */
export type EmaOptions = { period?: number };

/** Parameters of {@link ema}, for validation and the registry. */
export const EMA_PARAMS: readonly ParamSpec[] = [
  periodParam('period', 20, 'Number of bars (k = 2 / (period + 1))'),
];

/**
 * Exponential moving average (TA-Lib `EMA`, default compatibility): seeded with the SMA of the
 * first `period` values, then `ema = (x - ema) * k + ema` with `k = 2 / (period + 1)`.
 * NaN for the first `period - 1` values.
 * @example ema(closes, { period: 20 })
 */
export function ema(values: Float64Array, options: EmaOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('ema', EMA_PARAMS, options) as Required<EmaOptions>;
  const out = outArray(into, values.length);
  emaInto(values, 0, period, 2 / (period + 1), out);
  return out;
}

/**
 * EMA of `input` seeded with the mean of `input[seedStart .. seedStart + period - 1]`, written
 * into `out` from index `seedStart + period - 1` (NaN before). Exactly TA-Lib's `TA_INT_EMA`
 * arithmetic; `seedStart` lets MACD reproduce TA-Lib's alignment of its fast EMA.
 */
export function emaInto(
  input: Float64Array,
  seedStart: number,
  period: number,
  k: number,
  out: Float64Array,
): void {
  const n = input.length;
  const first = seedStart + period - 1;
  if (n <= first) {
    out.fill(Number.NaN);
    return;
  }
  out.fill(Number.NaN, 0, first);
  let sum = 0;
  for (let i = seedStart; i <= first; i++) sum += input[i]!;
  let prev = sum / period;
  out[first] = prev;
  for (let i = first + 1; i < n; i++) {
    prev = (input[i]! - prev) * k + prev;
    out[i] = prev;
  }
}

/** Streaming {@link ema}: one `update` per bar returns the current value (NaN while warming up). */
export interface EmaState {
  update(value: number): number;
  /** Last value returned by `update`. */
  readonly value: number;
}

/** Create a streaming EMA equal, bit for bit, to {@link ema} on every prefix. */
export function createEmaState(options: EmaOptions = {}): EmaState {
  const { period } = resolveParams('ema', EMA_PARAMS, options) as Required<EmaOptions>;
  return new EmaCore(period, 2 / (period + 1));
}

/** SMA-seeded EMA core (also used by DEMA, TEMA, MACD and Keltner). */
export class EmaCore implements EmaState {
  value = Number.NaN;
  private readonly period: number;
  private readonly k: number;
  private count = 0;
  private sum = 0;

  constructor(period: number, k: number) {
    this.period = period;
    this.k = k;
  }

  update(x: number): number {
    const c = this.count;
    if (c >= this.period) {
      const v = (x - this.value) * this.k + this.value;
      this.value = v;
      return v;
    }
    this.count = c + 1;
    this.sum += x;
    if (c + 1 < this.period) return Number.NaN;
    const v = this.sum / this.period;
    this.value = v;
    return v;
  }

  /** Start from an already computed seed (MACD's fast EMA is seeded over a later window). */
  seed(value: number): void {
    this.count = this.period;
    this.value = value;
  }
}
