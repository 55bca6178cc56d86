import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';

/** Options of {@link roc}. */
export type RocOptions = { period?: number };

/** Parameters of {@link roc}, for validation and the registry. */
export const ROC_PARAMS: readonly ParamSpec[] = [periodParam('period', 10, 'Bars back to compare with', 1)];

/**
 * Rate of change in percent (TA-Lib `ROC`): ((x / x[period bars ago]) − 1) · 100, 0 when the
 * old value is 0. NaN for the first `period` bars.
 * @example roc(closes, { period: 10 })
 */
export function roc(values: Float64Array, options: RocOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('roc', ROC_PARAMS, options) as Required<RocOptions>;
  const n = values.length;
  const out = outArray(into, n);
  if (n <= period) return out.fill(Number.NaN);
  out.fill(Number.NaN, 0, period);
  for (let i = period; i < n; i++) {
    const old = values[i - period]!;
    out[i] = old !== 0 ? (values[i]! / old - 1.0) * 100.0 : 0;
  }
  return out;
}

/** Streaming {@link roc}. */
export interface RocState {
  update(value: number): number;
  readonly value: number;
}

/** Create a streaming ROC equal, bit for bit, to {@link roc} on every prefix. */
export function createRocState(options: RocOptions = {}): RocState {
  const { period } = resolveParams('roc', ROC_PARAMS, options) as Required<RocOptions>;
  return new RocStateImpl(period);
}

class RocStateImpl implements RocState {
  value = Number.NaN;
  private readonly period: number;
  // The last period+1 values: the newest and the one `period` bars before it.
  private readonly ring: Float64Array;
  private pos = 0;
  private count = 0;

  constructor(period: number) {
    this.period = period;
    this.ring = new Float64Array(period + 1);
  }

  update(x: number): number {
    const size = this.period + 1;
    const ring = this.ring;
    ring[this.pos] = x;
    this.pos = this.pos + 1 === size ? 0 : this.pos + 1;
    if (++this.count < size) return Number.NaN;
    // After advancing, `pos` is the slot of the value `period` bars back.
    const old = ring[this.pos]!;
    const v = old !== 0 ? (x / old - 1.0) * 100.0 : 0;
    this.value = v;
    return v;
  }
}
