import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import { RsiCore } from './rsi.js';
import { SmaCore } from './sma.js';
import { RollingMax, RollingMin } from './window.js';

/** Options of {@link stochRsi}. */
export type StochRsiOptions = { rsiPeriod?: number; kPeriod?: number; dPeriod?: number };

/** Fast %K and %D of the RSI. */
export type StochRsiOutput = { k: Float64Array; d: Float64Array };

/** Parameters of {@link stochRsi}, for validation and the registry. */
export const STOCH_RSI_PARAMS: readonly ParamSpec[] = [
  periodParam('rsiPeriod', 14, 'RSI period'),
  periodParam('kPeriod', 14, 'Look-back window of the highest / lowest RSI', 1),
  periodParam('dPeriod', 3, 'SMA of %K into %D', 1),
];

/**
 * Stochastic RSI (Chande & Kroll; TA-Lib `STOCHRSI` with SMA %D): k = 100·(rsi − min rsi) /
 * (max rsi − min rsi) over `kPeriod` RSI values (0 when the range is 0), unsmoothed as in
 * TA-Lib; d = SMA(k, dPeriod). NaN for the first `rsiPeriod + kPeriod + dPeriod − 2` bars.
 * Charting packages that smooth %K first (TradingView's "K" = SMA(k, 3)) differ by that SMA.
 * @example stochRsi(closes, { rsiPeriod: 14, kPeriod: 14, dPeriod: 3 })
 */
export function stochRsi(
  values: Float64Array,
  options: StochRsiOptions = {},
  into?: Partial<StochRsiOutput>,
): StochRsiOutput {
  const o = resolveParams('stochRsi', STOCH_RSI_PARAMS, options) as Required<StochRsiOptions>;
  const n = values.length;
  const k = outArray(into?.k, n);
  const d = outArray(into?.d, n);
  const s = new StochRsiStateImpl(o.rsiPeriod, o.kPeriod, o.dPeriod);
  for (let i = 0; i < n; i++) {
    s.update(values[i]!);
    k[i] = s.k;
    d[i] = s.d;
  }
  return { k, d };
}

/** Current %K/%D: the state's own object, updated in place by each `update`. */
export type StochRsiValues = { readonly k: number; readonly d: number };

/** Streaming {@link stochRsi}. `update` returns the state's reused values object. */
export interface StochRsiState extends StochRsiValues {
  update(value: number): StochRsiValues;
}

/** Create a streaming StochRSI equal, bit for bit, to {@link stochRsi} on every prefix. */
export function createStochRsiState(options: StochRsiOptions = {}): StochRsiState {
  const o = resolveParams('stochRsi', STOCH_RSI_PARAMS, options) as Required<StochRsiOptions>;
  return new StochRsiStateImpl(o.rsiPeriod, o.kPeriod, o.dPeriod);
}

class StochRsiStateImpl implements StochRsiState {
  k = Number.NaN;
  d = Number.NaN;
  private readonly kPeriod: number;
  private readonly rsi: RsiCore;
  private readonly hi: RollingMax;
  private readonly lo: RollingMin;
  private readonly sma: SmaCore;
  private count = 0;

  constructor(rsiPeriod: number, kPeriod: number, dPeriod: number) {
    this.kPeriod = kPeriod;
    this.rsi = new RsiCore(rsiPeriod);
    this.hi = new RollingMax(kPeriod);
    this.lo = new RollingMin(kPeriod);
    this.sma = new SmaCore(dPeriod);
  }

  update(x: number): StochRsiValues {
    const r = this.rsi.update(x);
    if (Number.isNaN(r)) return this;
    const hh = this.hi.push(r);
    const ll = this.lo.push(r);
    if (++this.count < this.kPeriod) return this;
    const diff = (hh - ll) / 100.0;
    const k = diff !== 0 ? (r - ll) / diff : 0;
    const d = this.sma.update(k);
    if (Number.isNaN(d)) return this;
    this.k = k;
    this.d = d;
    return this;
  }
}
