import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import type { HlcvBars } from './types.js';

/** Options of {@link vwap}. */
export type VwapOptions = { period?: number };

/** Parameters of {@link vwap}, for validation and the registry. */
export const VWAP_PARAMS: readonly ParamSpec[] = [
  periodParam('period', 20, 'Rolling window in bars; 0 = cumulative from the first bar given (anchored)', 0),
];

/**
 * Volume-weighted average price (not in TA-Lib): Σ(tp·volume) / Σ(volume) with
 * tp = (high+low+close)/3, the usual definition (e.g. StockCharts, TradingView). The default is
 * a rolling VWAP over the last `period` bars (running sums), which depends only on those bars;
 * `period = 0` anchors it at the first bar given instead (pass bars from the session start for
 * a session VWAP: the value then depends on where the series starts). NaN where the bars summed
 * have no volume, and for the first `period − 1` bars of a rolling VWAP.
 * @example vwap({ high, low, close, volume }, { period: 0 }) // anchored at the first bar
 */
export function vwap(bars: HlcvBars, options: VwapOptions = {}, into?: Float64Array): Float64Array {
  const { period } = resolveParams('vwap', VWAP_PARAMS, options) as Required<VwapOptions>;
  const { high, low, close, volume } = bars;
  const n = close.length;
  const out = outArray(into, n);
  const s = new VwapStateImpl(period);
  for (let i = 0; i < n; i++) out[i] = s.update(high[i]!, low[i]!, close[i]!, volume[i]!);
  return out;
}

/** Streaming {@link vwap}. */
export interface VwapState {
  update(high: number, low: number, close: number, volume: number): number;
  readonly value: number;
}

/** Create a streaming VWAP equal, bit for bit, to {@link vwap} on every prefix. */
export function createVwapState(options: VwapOptions = {}): VwapState {
  const { period } = resolveParams('vwap', VWAP_PARAMS, options) as Required<VwapOptions>;
  return new VwapStateImpl(period);
}

class VwapStateImpl implements VwapState {
  value = Number.NaN;
  private readonly period: number;
  private readonly pv: Float64Array;
  private readonly vol: Float64Array;
  private pos = 0;
  private count = 0;
  private sumPv = 0;
  private sumV = 0;
  // Bars with non-zero volume in the window: when none is left the sums are reset to exact 0.
  private nonZero = 0;

  constructor(period: number) {
    this.period = period;
    this.pv = new Float64Array(period);
    this.vol = new Float64Array(period);
  }

  update(high: number, low: number, close: number, volume: number): number {
    const tp = (high + low + close) / 3;
    const pv = tp * volume;
    const p = this.period;
    this.sumPv += pv;
    this.sumV += volume;
    if (volume !== 0) this.nonZero++;
    if (p > 0) {
      const pos = this.pos;
      if (this.count >= p) {
        const oldV = this.vol[pos]!;
        this.sumPv -= this.pv[pos]!;
        this.sumV -= oldV;
        if (oldV !== 0) this.nonZero--;
      }
      this.pv[pos] = pv;
      this.vol[pos] = volume;
      this.pos = pos + 1 === p ? 0 : pos + 1;
      if (++this.count < p) return Number.NaN;
      if (this.nonZero === 0) {
        this.sumPv = 0;
        this.sumV = 0;
      }
    }
    const v = this.nonZero === 0 ? Number.NaN : this.sumPv / this.sumV;
    this.value = v;
    return v;
  }
}
