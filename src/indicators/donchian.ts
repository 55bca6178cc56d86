import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import type { Bars } from './types.js';
import { RollingMax, RollingMin } from './window.js';

/** Options of {@link donchian}. */
export type DonchianOptions = { period?: number };

/** Donchian channel lines. */
export type DonchianOutput = { upper: Float64Array; middle: Float64Array; lower: Float64Array };

/** Parameters of {@link donchian}, for validation and the registry. */
export const DONCHIAN_PARAMS: readonly ParamSpec[] = [periodParam('period', 20, 'Channel window', 1)];

/**
 * Donchian channel (Richard Donchian; not a TA-Lib function, equal to TA-Lib `MAX(high)`,
 * `MIN(low)` and `MIDPRICE`): upper = highest high and lower = lowest low of the last `period`
 * bars including the current one; middle = (upper + lower) / 2. NaN for `period − 1` bars.
 * @example donchian({ high, low }, { period: 20 })
 */
export function donchian(
  bars: Pick<Bars, 'high' | 'low'>,
  options: DonchianOptions = {},
  into?: Partial<DonchianOutput>,
): DonchianOutput {
  const { period } = resolveParams('donchian', DONCHIAN_PARAMS, options) as Required<DonchianOptions>;
  const { high, low } = bars;
  const n = high.length;
  const upper = outArray(into?.upper, n);
  const middle = outArray(into?.middle, n);
  const lower = outArray(into?.lower, n);
  const lb = Math.min(period - 1, n);
  upper.fill(Number.NaN, 0, lb);
  middle.fill(Number.NaN, 0, lb);
  lower.fill(Number.NaN, 0, lb);
  const hi = new RollingMax(period);
  const lo = new RollingMin(period);
  for (let i = 0; i < n; i++) {
    const u = hi.push(high[i]!);
    const l = lo.push(low[i]!);
    if (i < lb) continue;
    upper[i] = u;
    lower[i] = l;
    middle[i] = (u + l) / 2.0;
  }
  return { upper, middle, lower };
}

/** Current channel values: the state's own object, updated in place by each `update`. */
export type DonchianValues = { readonly upper: number; readonly middle: number; readonly lower: number };

/** Streaming {@link donchian}. `update` returns the state's reused values object. */
export interface DonchianState extends DonchianValues {
  update(high: number, low: number): DonchianValues;
}

/** Create a streaming Donchian channel equal, bit for bit, to {@link donchian} on every prefix. */
export function createDonchianState(options: DonchianOptions = {}): DonchianState {
  const { period } = resolveParams('donchian', DONCHIAN_PARAMS, options) as Required<DonchianOptions>;
  return new DonchianStateImpl(period);
}

class DonchianStateImpl implements DonchianState {
  upper = Number.NaN;
  middle = Number.NaN;
  lower = Number.NaN;
  private readonly period: number;
  private readonly hi: RollingMax;
  private readonly lo: RollingMin;
  private count = 0;

  constructor(period: number) {
    this.period = period;
    this.hi = new RollingMax(period);
    this.lo = new RollingMin(period);
  }

  update(high: number, low: number): DonchianValues {
    const u = this.hi.push(high);
    const l = this.lo.push(low);
    if (++this.count < this.period) return this;
    this.upper = u;
    this.lower = l;
    this.middle = (u + l) / 2.0;
    return this;
  }
}
