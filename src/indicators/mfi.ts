import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import type { HlcvBars } from './types.js';

/** Options of {@link mfi}. */
export type MfiOptions = { period?: number };

/** Parameters of {@link mfi}, for validation and the registry. */
export const MFI_PARAMS: readonly ParamSpec[] = [periodParam('period', 14, 'Window of money flows')];

/**
 * Money flow index (TA-Lib `MFI`): tp = (high+low+close)/3, money flow = tp·volume, counted as
 * positive when tp rose from the previous bar, negative when it fell, neither when equal;
 * MFI = 100·pos/(pos+neg) over the last `period` flows. NaN for the first `period` bars.
 * As in TA-Lib, MFI is 0 when pos+neg < 1 (in quote-currency units), e.g. windows without volume.
 * @example mfi({ high, low, close, volume }, { period: 14 })
 */
export function mfi(bars: HlcvBars, options: MfiOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('mfi', MFI_PARAMS, options) as Required<MfiOptions>;
  const { high, low, close, volume } = bars;
  const n = close.length;
  const out = outArray(into, n);
  const s = new MfiStateImpl(period);
  for (let i = 0; i < n; i++) out[i] = s.update(high[i]!, low[i]!, close[i]!, volume[i]!);
  return out;
}

/** Streaming {@link mfi}. */
export interface MfiState {
  update(high: number, low: number, close: number, volume: number): number;
  readonly value: number;
}

/** Create a streaming MFI equal, bit for bit, to {@link mfi} on every prefix. */
export function createMfiState(options: MfiOptions = {}): MfiState {
  const { period } = resolveParams('mfi', MFI_PARAMS, options) as Required<MfiOptions>;
  return new MfiStateImpl(period);
}

class MfiStateImpl implements MfiState {
  value = Number.NaN;
  private readonly period: number;
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;
  private slot = 0;
  private count = 0;
  private prevTp = 0;
  private posSum = 0;
  private negSum = 0;

  constructor(period: number) {
    this.period = period;
    this.pos = new Float64Array(period);
    this.neg = new Float64Array(period);
  }

  update(high: number, low: number, close: number, volume: number): number {
    const c = this.count;
    const p = this.period;
    const tp = (high + low + close) / 3.0;
    if (c === 0) {
      this.count = 1;
      this.prevTp = tp;
      return Number.NaN;
    }
    const slot = this.slot;
    if (c > p) {
      // The slot about to be overwritten holds the flow that leaves the window.
      this.posSum -= this.pos[slot]!;
      this.negSum -= this.neg[slot]!;
    } else {
      this.count = c + 1;
    }
    const d = tp - this.prevTp;
    this.prevTp = tp;
    const mf = tp * volume;
    if (d < 0) {
      this.neg[slot] = mf;
      this.negSum += mf;
      this.pos[slot] = 0;
    } else if (d > 0) {
      this.pos[slot] = mf;
      this.posSum += mf;
      this.neg[slot] = 0;
    } else {
      this.pos[slot] = 0;
      this.neg[slot] = 0;
    }
    this.slot = slot + 1 === p ? 0 : slot + 1;
    if (c < p) return Number.NaN;
    const total = this.posSum + this.negSum;
    const v = total < 1.0 ? 0 : 100.0 * (this.posSum / total);
    this.value = v;
    return v;
  }
}
