import { EmaCore, emaInto } from './ema.js';
import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';

/** Options of {@link dema}. */
export type DemaOptions = { period?: number };

/** Parameters of {@link dema}, for validation and the registry. */
export const DEMA_PARAMS: readonly ParamSpec[] = [periodParam('period', 20, 'EMA period')];

/**
 * Double exponential moving average (Mulloy; TA-Lib `DEMA`): `2·EMA(x) − EMA(EMA(x))`, both
 * EMAs SMA-seeded. NaN for the first `2·(period − 1)` values.
 * @example dema(closes, { period: 20 })
 */
export function dema(values: Float64Array, options: DemaOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('dema', DEMA_PARAMS, options) as Required<DemaOptions>;
  const n = values.length;
  const k = 2 / (period + 1);
  const e1 = new Float64Array(n);
  emaInto(values, 0, period, k, e1);
  const out = outArray(into, n);
  emaInto(e1, period - 1, period, k, out);
  for (let i = 2 * (period - 1); i < n; i++) out[i] = 2.0 * e1[i]! - out[i]!;
  return out;
}

/** Streaming {@link dema}. */
export interface DemaState {
  update(value: number): number;
  readonly value: number;
}

/** Create a streaming DEMA equal, bit for bit, to {@link dema} on every prefix. */
export function createDemaState(options: DemaOptions = {}): DemaState {
  const { period } = resolveParams('dema', DEMA_PARAMS, options) as Required<DemaOptions>;
  return new DemaStateImpl(period);
}

class DemaStateImpl implements DemaState {
  value = Number.NaN;
  private readonly e1: EmaCore;
  private readonly e2: EmaCore;

  constructor(period: number) {
    const k = 2 / (period + 1);
    this.e1 = new EmaCore(period, k);
    this.e2 = new EmaCore(period, k);
  }

  update(x: number): number {
    const a = this.e1.update(x);
    if (Number.isNaN(a)) return Number.NaN;
    const b = this.e2.update(a);
    if (Number.isNaN(b)) return Number.NaN;
    const v = 2.0 * a - b;
    this.value = v;
    return v;
  }
}
