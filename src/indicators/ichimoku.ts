import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import type { Bars } from './types.js';
import { RollingMax, RollingMin } from './window.js';

/** Options of {@link ichimoku}. */
export type IchimokuOptions = {
  tenkanPeriod?: number;
  kijunPeriod?: number;
  senkouBPeriod?: number;
  displacement?: number;
};

/** Ichimoku lines (the lagging span is left out: see {@link ichimoku}). */
export type IchimokuOutput = {
  tenkan: Float64Array;
  kijun: Float64Array;
  senkouA: Float64Array;
  senkouB: Float64Array;
};

/** Parameters of {@link ichimoku}, for validation and the registry. */
export const ICHIMOKU_PARAMS: readonly ParamSpec[] = [
  periodParam('tenkanPeriod', 9, 'Conversion line window', 1),
  periodParam('kijunPeriod', 26, 'Base line window', 1),
  periodParam('senkouBPeriod', 52, 'Leading span B window', 1),
  periodParam('displacement', 26, 'Bars the leading spans are shifted forward', 0),
];

/**
 * Ichimoku Kinko Hyo (Goichi Hosoda; not in TA-Lib, its midpoints equal TA-Lib `MIDPRICE`):
 * tenkan = (highest high + lowest low)/2 over `tenkanPeriod` bars; kijun the same over
 * `kijunPeriod`; senkouA = (tenkan + kijun)/2 and senkouB = the midpoint over `senkouBPeriod`,
 * both as computed `displacement` bars earlier (the value plotted at this bar; TradingView's
 * script draws them with an offset of displacement − 1). The lagging span (chikou, the close
 * plotted `displacement` bars back) is not an output: at any bar it would need future closes,
 * which a point-in-time series cannot have; clients draw it from the closes. Each line is NaN
 * until its own window (plus the displacement for the spans) is filled.
 * @example ichimoku({ high, low }, { tenkanPeriod: 9, kijunPeriod: 26, senkouBPeriod: 52, displacement: 26 })
 */
export function ichimoku(
  bars: Pick<Bars, 'high' | 'low'>,
  options: IchimokuOptions = {},
  into?: Partial<IchimokuOutput>,
): IchimokuOutput {
  const o = resolveParams('ichimoku', ICHIMOKU_PARAMS, options) as Required<IchimokuOptions>;
  const { high, low } = bars;
  const n = high.length;
  const out = {
    tenkan: outArray(into?.tenkan, n),
    kijun: outArray(into?.kijun, n),
    senkouA: outArray(into?.senkouA, n),
    senkouB: outArray(into?.senkouB, n),
  };
  const s = new IchimokuStateImpl(o);
  for (let i = 0; i < n; i++) {
    s.update(high[i]!, low[i]!);
    out.tenkan[i] = s.tenkan;
    out.kijun[i] = s.kijun;
    out.senkouA[i] = s.senkouA;
    out.senkouB[i] = s.senkouB;
  }
  return out;
}

/** Current Ichimoku values: the state's own object, updated in place by each `update`. */
export type IchimokuValues = {
  readonly tenkan: number;
  readonly kijun: number;
  readonly senkouA: number;
  readonly senkouB: number;
};

/** Streaming {@link ichimoku}. `update` returns the state's reused values object. */
export interface IchimokuState extends IchimokuValues {
  update(high: number, low: number): IchimokuValues;
}

/** Create a streaming Ichimoku equal, bit for bit, to {@link ichimoku} on every prefix. */
export function createIchimokuState(options: IchimokuOptions = {}): IchimokuState {
  const o = resolveParams('ichimoku', ICHIMOKU_PARAMS, options) as Required<IchimokuOptions>;
  return new IchimokuStateImpl(o);
}

class IchimokuStateImpl implements IchimokuState {
  tenkan = Number.NaN;
  kijun = Number.NaN;
  senkouA = Number.NaN;
  senkouB = Number.NaN;
  private readonly o: Required<IchimokuOptions>;
  private readonly tHi: RollingMax;
  private readonly tLo: RollingMin;
  private readonly kHi: RollingMax;
  private readonly kLo: RollingMin;
  private readonly bHi: RollingMax;
  private readonly bLo: RollingMin;
  // Delay lines of the spans as computed on each of the last `displacement` bars.
  private readonly delayA: Float64Array;
  private readonly delayB: Float64Array;
  private pos = 0;
  private count = 0;

  constructor(o: Required<IchimokuOptions>) {
    this.o = o;
    this.tHi = new RollingMax(o.tenkanPeriod);
    this.tLo = new RollingMin(o.tenkanPeriod);
    this.kHi = new RollingMax(o.kijunPeriod);
    this.kLo = new RollingMin(o.kijunPeriod);
    this.bHi = new RollingMax(o.senkouBPeriod);
    this.bLo = new RollingMin(o.senkouBPeriod);
    this.delayA = new Float64Array(o.displacement).fill(Number.NaN);
    this.delayB = new Float64Array(o.displacement).fill(Number.NaN);
  }

  update(high: number, low: number): IchimokuValues {
    const o = this.o;
    const c = ++this.count;
    const th = this.tHi.push(high);
    const tl = this.tLo.push(low);
    const kh = this.kHi.push(high);
    const kl = this.kLo.push(low);
    const bh = this.bHi.push(high);
    const bl = this.bLo.push(low);
    const tenkan = c >= o.tenkanPeriod ? (th + tl) / 2.0 : Number.NaN;
    const kijun = c >= o.kijunPeriod ? (kh + kl) / 2.0 : Number.NaN;
    const spanA = (tenkan + kijun) / 2.0;
    const spanB = c >= o.senkouBPeriod ? (bh + bl) / 2.0 : Number.NaN;
    this.tenkan = tenkan;
    this.kijun = kijun;
    const d = o.displacement;
    if (d === 0) {
      this.senkouA = spanA;
      this.senkouB = spanB;
      return this;
    }
    const pos = this.pos;
    this.senkouA = this.delayA[pos]!;
    this.senkouB = this.delayB[pos]!;
    this.delayA[pos] = spanA;
    this.delayB[pos] = spanB;
    this.pos = pos + 1 === d ? 0 : pos + 1;
    return this;
  }
}
