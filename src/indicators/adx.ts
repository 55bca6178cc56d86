import { outArray, type ParamSpec, periodParam, resolveParams, TA_EPSILON } from './params.js';
import type { HlcBars } from './types.js';

/** Options of {@link adx}. */
export type AdxOptions = { period?: number };

/** ADX with the two directional indicators. */
export type AdxOutput = { adx: Float64Array; plusDi: Float64Array; minusDi: Float64Array };

/** Parameters of {@link adx}, for validation and the registry. */
export const ADX_PARAMS: readonly ParamSpec[] = [periodParam('period', 14, "Wilder's smoothing period")];

/**
 * Average directional index with +DI and −DI (TA-Lib `ADX`, `PLUS_DI`, `MINUS_DI`; Wilder,
 * without his integer rounding). +DM/−DM and TR are summed over the first `period − 1` changes,
 * then Wilder-smoothed (`s = s − s/period + x`); DI = 100·DM/TR (0 when TR ≈ 0);
 * DX = 100·|−DI − +DI| / (−DI + +DI); the first ADX is the mean of `period` DX values, then
 * `adx = (adx·(period−1) + dx) / period`. +DI/−DI are NaN for the first `period` bars, ADX for
 * the first `2·period − 1`.
 * @example adx({ high, low, close }, { period: 14 }).adx
 */
export function adx(bars: HlcBars, options: AdxOptions = {}, into?: Partial<AdxOutput>): AdxOutput {
  const { period } = resolveParams('adx', ADX_PARAMS, options) as Required<AdxOptions>;
  const { high, low, close } = bars;
  const n = close.length;
  const out = {
    adx: outArray(into?.adx, n),
    plusDi: outArray(into?.plusDi, n),
    minusDi: outArray(into?.minusDi, n),
  };
  const s = new AdxStateImpl(period);
  for (let i = 0; i < n; i++) {
    s.update(high[i]!, low[i]!, close[i]!);
    out.adx[i] = s.adx;
    out.plusDi[i] = s.plusDi;
    out.minusDi[i] = s.minusDi;
  }
  return out;
}

/** Current ADX/DI values: the state's own object, updated in place by each `update`. */
export type AdxValues = { readonly adx: number; readonly plusDi: number; readonly minusDi: number };

/** Streaming {@link adx}. `update` returns the state's reused values object. */
export interface AdxState extends AdxValues {
  update(high: number, low: number, close: number): AdxValues;
}

/** Create a streaming ADX equal, bit for bit, to {@link adx} on every prefix. */
export function createAdxState(options: AdxOptions = {}): AdxState {
  const { period } = resolveParams('adx', ADX_PARAMS, options) as Required<AdxOptions>;
  return new AdxStateImpl(period);
}

const isZero = (v: number): boolean => v > -TA_EPSILON && v < TA_EPSILON;

class AdxStateImpl implements AdxState {
  adx = Number.NaN;
  plusDi = Number.NaN;
  minusDi = Number.NaN;
  private readonly period: number;
  private count = 0;
  private prevHigh = 0;
  private prevLow = 0;
  private prevClose = 0;
  private plusDm = 0;
  private minusDm = 0;
  private tr = 0;
  private sumDx = 0;

  constructor(period: number) {
    this.period = period;
  }

  update(high: number, low: number, close: number): AdxValues {
    const c = this.count++;
    const p = this.period;
    if (c === 0) {
      this.prevHigh = high;
      this.prevLow = low;
      this.prevClose = close;
      return this;
    }
    const diffP = high - this.prevHigh;
    const diffM = this.prevLow - low;
    this.prevHigh = high;
    this.prevLow = low;
    let tr = high - low;
    const a = Math.abs(high - this.prevClose);
    if (a > tr) tr = a;
    const b = Math.abs(low - this.prevClose);
    if (b > tr) tr = b;
    this.prevClose = close;
    const minusCase = diffM > 0 && diffP < diffM;
    const plusCase = diffP > 0 && diffP > diffM;
    if (c < p) {
      // Bars 1 .. period−1: plain sums.
      if (minusCase) this.minusDm += diffM;
      else if (plusCase) this.plusDm += diffP;
      this.tr += tr;
      return this;
    }
    let mdm = this.minusDm;
    let pdm = this.plusDm;
    mdm -= mdm / p;
    pdm -= pdm / p;
    if (minusCase) mdm += diffM;
    else if (plusCase) pdm += diffP;
    const str = this.tr - this.tr / p + tr;
    this.minusDm = mdm;
    this.plusDm = pdm;
    this.tr = str;
    let dx = Number.NaN;
    if (isZero(str)) {
      this.minusDi = 0;
      this.plusDi = 0;
    } else {
      const mdi = 100.0 * (mdm / str);
      const pdi = 100.0 * (pdm / str);
      this.minusDi = mdi;
      this.plusDi = pdi;
      const sum = mdi + pdi;
      if (!isZero(sum)) dx = 100.0 * (Math.abs(mdi - pdi) / sum);
    }
    // Bars period .. 2·period−1 build the first ADX; TA-Lib skips bars whose DX is undefined.
    if (c < 2 * p) {
      if (!Number.isNaN(dx)) this.sumDx += dx;
      if (c === 2 * p - 1) this.adx = this.sumDx / p;
    } else if (!Number.isNaN(dx)) {
      this.adx = (this.adx * (p - 1) + dx) / p;
    }
    return this;
  }
}
