import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';

/** Options of {@link wma}. */
export type WmaOptions = { period?: number };

/** Parameters of {@link wma}, for validation and the registry. */
export const WMA_PARAMS: readonly ParamSpec[] = [
  periodParam('period', 20, 'Number of bars, weighted 1..period'),
];

/**
 * Linearly weighted moving average (TA-Lib `WMA`): weights 1..period, newest heaviest, divided
 * by period·(period+1)/2. NaN for the first `period - 1` values. Uses TA-Lib's incremental
 * periodSum/periodSub update, so results are TA-Lib's bit for bit.
 * @example wma(closes, { period: 20 })
 */
export function wma(values: Float64Array, options: WmaOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('wma', WMA_PARAMS, options) as Required<WmaOptions>;
  const n = values.length;
  const out = outArray(into, n);
  const lb = period - 1;
  if (n <= lb) return out.fill(Number.NaN);
  out.fill(Number.NaN, 0, lb);
  const divider = (period * (period + 1)) / 2;
  let periodSum = 0;
  let periodSub = 0;
  for (let i = 0; i < lb; i++) {
    const x = values[i]!;
    periodSub += x;
    periodSum += x * (i + 1);
  }
  let trailing = 0;
  for (let i = lb, t = 0; i < n; i++, t++) {
    const x = values[i]!;
    periodSub += x;
    periodSub -= trailing;
    periodSum += x * period;
    trailing = values[t]!;
    out[i] = periodSum / divider;
    periodSum -= periodSub;
  }
  return out;
}

/** Streaming {@link wma}. */
export interface WmaState {
  update(value: number): number;
  readonly value: number;
}

/** Create a streaming WMA equal, bit for bit, to {@link wma} on every prefix. */
export function createWmaState(options: WmaOptions = {}): WmaState {
  const { period } = resolveParams('wma', WMA_PARAMS, options) as Required<WmaOptions>;
  return new WmaStateImpl(period);
}

class WmaStateImpl implements WmaState {
  value = Number.NaN;
  private readonly period: number;
  private readonly divider: number;
  private readonly ring: Float64Array;
  private pos = 0;
  private count = 0;
  private periodSum = 0;
  private periodSub = 0;
  private trailing = 0;

  constructor(period: number) {
    this.period = period;
    this.divider = (period * (period + 1)) / 2;
    this.ring = new Float64Array(period);
  }

  update(x: number): number {
    const p = this.period;
    const ring = this.ring;
    const c = ++this.count;
    let pos = this.pos;
    ring[pos] = x;
    pos = pos + 1 === p ? 0 : pos + 1;
    this.pos = pos;
    if (c < p) {
      this.periodSub += x;
      this.periodSum += x * c;
      return Number.NaN;
    }
    this.periodSub += x;
    this.periodSub -= this.trailing;
    this.periodSum += x * p;
    // The oldest value of this window leaves the running sums on the next bar.
    this.trailing = ring[pos]!;
    const v = this.periodSum / this.divider;
    this.periodSum -= this.periodSub;
    this.value = v;
    return v;
  }
}
