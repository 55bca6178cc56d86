import { EmaCore, emaInto } from './ema.js';
import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';

/** Options of {@link tema}. */
export type TemaOptions = { period?: number };

/** Parameters of {@link tema}, for validation and the registry. */
export const TEMA_PARAMS: readonly ParamSpec[] = [periodParam('period', 20, 'EMA period')];

/**
 * Triple exponential moving average (Mulloy; TA-Lib `TEMA`): `3·EMA1 − 3·EMA2 + EMA3` where each
 * EMA is the SMA-seeded EMA of the previous one. NaN for the first `3·(period − 1)` values.
 * @example tema(closes, { period: 20 })
 */
export function tema(values: Float64Array, options: TemaOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('tema', TEMA_PARAMS, options) as Required<TemaOptions>;
  const n = values.length;
  const k = 2 / (period + 1);
  const e1 = new Float64Array(n);
  emaInto(values, 0, period, k, e1);
  const e2 = new Float64Array(n);
  emaInto(e1, period - 1, period, k, e2);
  const out = outArray(into, n);
  emaInto(e2, 2 * (period - 1), period, k, out);
  // TA-Lib's order: EMA3 + ((3·EMA1) − (3·EMA2)).
  for (let i = 3 * (period - 1); i < n; i++) out[i] = out[i]! + (3.0 * e1[i]! - 3.0 * e2[i]!);
  return out;
}

/** Streaming {@link tema}. */
export interface TemaState {
  update(value: number): number;
  readonly value: number;
}

/** Create a streaming TEMA equal, bit for bit, to {@link tema} on every prefix. */
export function createTemaState(options: TemaOptions = {}): TemaState {
  const { period } = resolveParams('tema', TEMA_PARAMS, options) as Required<TemaOptions>;
  return new TemaStateImpl(period);
}

class TemaStateImpl implements TemaState {
  value = Number.NaN;
  private readonly e1: EmaCore;
  private readonly e2: EmaCore;
  private readonly e3: EmaCore;

  constructor(period: number) {
    const k = 2 / (period + 1);
    this.e1 = new EmaCore(period, k);
    this.e2 = new EmaCore(period, k);
    this.e3 = new EmaCore(period, k);
  }

  update(x: number): number {
    const a = this.e1.update(x);
    if (Number.isNaN(a)) return Number.NaN;
    const b = this.e2.update(a);
    if (Number.isNaN(b)) return Number.NaN;
    const c = this.e3.update(b);
    if (Number.isNaN(c)) return Number.NaN;
    const v = c + (3.0 * a - 3.0 * b);
    this.value = v;
    return v;
  }
}
