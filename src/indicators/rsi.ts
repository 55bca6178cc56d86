import { outArray, type ParamSpec, periodParam, resolveParams, TA_EPSILON } from './params.js';

/** Options of {@link rsi}. */
export type RsiOptions = { period?: number };

/** Parameters of {@link rsi}, for validation and the registry. */
export const RSI_PARAMS: readonly ParamSpec[] = [periodParam('period', 14, "Wilder's smoothing period")];

/**
 * Relative strength index with Wilder smoothing (TA-Lib `RSI`, default compatibility):
 * average gain/loss seeded by the plain mean of the first `period` changes, then
 * `avg = (avg·(period−1) + change) / period`; RSI = 100·gain/(gain+loss). NaN for the first
 * `period` values; 0 when gain+loss is zero (|sum| < 1e-14), as in TA-Lib.
 * @example rsi(closes, { period: 14 })
 */
export function rsi(values: Float64Array, options: RsiOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('rsi', RSI_PARAMS, options) as Required<RsiOptions>;
  return rsiRaw(values, period, into);
}

/** RSI without validation (StochRSI calls it with a checked period). */
export function rsiRaw(values: Float64Array, period: number, into?: Float64Array): Float64Array {
  const n = values.length;
  const out = outArray(into, n);
  if (n <= period) return out.fill(Number.NaN);
  out.fill(Number.NaN, 0, period);
  const pm1 = period - 1;
  let prev = values[0]!;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const x = values[i]!;
    const d = x - prev;
    prev = x;
    if (d < 0) loss -= d;
    else gain += d;
  }
  loss /= period;
  gain /= period;
  let s = gain + loss;
  out[period] = s > -TA_EPSILON && s < TA_EPSILON ? 0 : 100.0 * (gain / s);
  for (let i = period + 1; i < n; i++) {
    const x = values[i]!;
    const d = x - prev;
    prev = x;
    loss *= pm1;
    gain *= pm1;
    if (d < 0) loss -= d;
    else gain += d;
    loss /= period;
    gain /= period;
    s = gain + loss;
    out[i] = s > -TA_EPSILON && s < TA_EPSILON ? 0 : 100.0 * (gain / s);
  }
  return out;
}

/** Streaming {@link rsi}. */
export interface RsiState {
  update(value: number): number;
  readonly value: number;
}

/** Create a streaming RSI equal, bit for bit, to {@link rsi} on every prefix. */
export function createRsiState(options: RsiOptions = {}): RsiState {
  const { period } = resolveParams('rsi', RSI_PARAMS, options) as Required<RsiOptions>;
  return new RsiCore(period);
}

/** Wilder RSI core (also used by StochRSI). */
export class RsiCore implements RsiState {
  value = Number.NaN;
  private readonly period: number;
  private count = 0;
  private prev = 0;
  private gain = 0;
  private loss = 0;

  constructor(period: number) {
    this.period = period;
  }

  update(x: number): number {
    const c = this.count;
    const p = this.period;
    if (c === 0) {
      this.count = 1;
      this.prev = x;
      return Number.NaN;
    }
    const d = x - this.prev;
    this.prev = x;
    let gain = this.gain;
    let loss = this.loss;
    if (c < p) {
      // Seeding: plain sums of the first `period` changes.
      if (d < 0) loss -= d;
      else gain += d;
      this.gain = gain;
      this.loss = loss;
      this.count = c + 1;
      return Number.NaN;
    }
    if (c === p) {
      if (d < 0) loss -= d;
      else gain += d;
      loss /= p;
      gain /= p;
      this.count = c + 1;
    } else {
      const pm1 = p - 1;
      loss *= pm1;
      gain *= pm1;
      if (d < 0) loss -= d;
      else gain += d;
      loss /= p;
      gain /= p;
    }
    this.gain = gain;
    this.loss = loss;
    const s = gain + loss;
    const v = s > -TA_EPSILON && s < TA_EPSILON ? 0 : 100.0 * (gain / s);
    this.value = v;
    return v;
  }
}
