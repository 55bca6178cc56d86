import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import type { HlcBars } from './types.js';

/** Options of {@link atr}. */
export type AtrOptions = { period?: number };

/** Parameters of {@link atr}, for validation and the registry. */
export const ATR_PARAMS: readonly ParamSpec[] = [
  periodParam('period', 14, "Wilder's smoothing period (1 = raw true range)", 1),
];

/**
 * Average true range (TA-Lib `ATR`): true range from the second bar on
 * (max(high−low, |prevClose−high|, |prevClose−low|)); the first ATR, at bar `period`, is the mean
 * of the first `period` true ranges, then Wilder smoothing `atr = (atr·(period−1) + tr) / period`.
 * NaN for the first `period` bars.
 * @example atr({ high, low, close }, { period: 14 })
 */
export function atr(bars: HlcBars, options: AtrOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('atr', ATR_PARAMS, options) as Required<AtrOptions>;
  return atrRaw(bars.high, bars.low, bars.close, period, into);
}

/** ATR without validation (Keltner and Supertrend call it with a checked period). */
export function atrRaw(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  period: number,
  into?: Float64Array,
): Float64Array {
  const n = close.length;
  const out = outArray(into, n);
  if (n <= period) return out.fill(Number.NaN);
  out.fill(Number.NaN, 0, period);
  if (period === 1) {
    for (let i = 1; i < n; i++) out[i] = trueRange(high[i]!, low[i]!, close[i - 1]!);
    return out;
  }
  let total = 0;
  for (let i = 1; i <= period; i++) total += trueRange(high[i]!, low[i]!, close[i - 1]!);
  let prev = total / period;
  out[period] = prev;
  const pm1 = period - 1;
  let yc = close[period]!;
  for (let i = period + 1; i < n; i++) {
    // The benchmarked hot path: trueRange() unrolled by where the previous close lies. For
    // high >= low this picks the same difference TA-Lib's max-of-three does (rounding is
    // monotonic), so results stay bit-identical; other bars take TA-Lib's chain.
    const h = high[i]!;
    const l = low[i]!;
    let tr: number;
    if (h >= l) tr = yc > h ? yc - l : yc < l ? h - yc : h - l;
    else tr = trueRange(h, l, yc);
    yc = close[i]!;
    prev *= pm1;
    prev += tr;
    prev /= period;
    out[i] = prev;
  }
  return out;
}

/** TA-Lib's `TRANGE` for one bar: the largest of high−low, |prevClose−high|, |prevClose−low|. */
export function trueRange(high: number, low: number, prevClose: number): number {
  let tr = high - low;
  const a = Math.abs(prevClose - high);
  if (a > tr) tr = a;
  const b = Math.abs(prevClose - low);
  if (b > tr) tr = b;
  return tr;
}

/** Streaming {@link atr}. */
export interface AtrState {
  update(high: number, low: number, close: number): number;
  readonly value: number;
}

/** Create a streaming ATR equal, bit for bit, to {@link atr} on every prefix. */
export function createAtrState(options: AtrOptions = {}): AtrState {
  const { period } = resolveParams('atr', ATR_PARAMS, options) as Required<AtrOptions>;
  return new AtrCore(period);
}

/** Wilder ATR core (also used by Keltner and Supertrend). */
export class AtrCore implements AtrState {
  value = Number.NaN;
  private readonly period: number;
  private count = 0;
  private prevClose = 0;
  private total = 0;

  constructor(period: number) {
    this.period = period;
  }

  update(high: number, low: number, close: number): number {
    const c = this.count;
    const p = this.period;
    if (c === 0) {
      this.count = 1;
      this.prevClose = close;
      return Number.NaN;
    }
    const tr = trueRange(high, low, this.prevClose);
    this.prevClose = close;
    let v: number;
    if (c > p || p === 1) {
      if (p === 1) v = tr;
      else {
        v = this.value * (p - 1);
        v += tr;
        v /= p;
      }
    } else {
      this.total += tr;
      this.count = c + 1;
      if (c < p) return Number.NaN;
      v = this.total / p;
    }
    this.value = v;
    return v;
  }
}
