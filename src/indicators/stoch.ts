import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import { SmaCore } from './sma.js';
import type { HlcBars } from './types.js';
import { RollingMax, RollingMin } from './window.js';

/** Options of {@link stoch}. */
export type StochOptions = { fastKPeriod?: number; slowKPeriod?: number; slowDPeriod?: number };

/** Slow %K and %D. */
export type StochOutput = { k: Float64Array; d: Float64Array };

/** Parameters of {@link stoch}, for validation and the registry. */
export const STOCH_PARAMS: readonly ParamSpec[] = [
  periodParam('fastKPeriod', 14, 'Look-back window of the highest high / lowest low', 1),
  periodParam('slowKPeriod', 3, 'SMA smoothing of fast %K into slow %K', 1),
  periodParam('slowDPeriod', 3, 'SMA of slow %K into %D', 1),
];

/**
 * Slow stochastic oscillator (TA-Lib `STOCH` with SMA smoothing): fast %K =
 * (close − lowest low) / ((highest high − lowest low) / 100) over `fastKPeriod` bars (0 when the
 * range is 0); k = SMA(fast %K, slowKPeriod); d = SMA(k, slowDPeriod). Both lines are NaN for
 * the first `fastKPeriod + slowKPeriod + slowDPeriod − 3` bars, as in TA-Lib.
 * @example stoch({ high, low, close }, { fastKPeriod: 14, slowKPeriod: 3, slowDPeriod: 3 })
 */
export function stoch(bars: HlcBars, options: StochOptions = {}, into?: Partial<StochOutput>): StochOutput {
  const o = resolveParams('stoch', STOCH_PARAMS, options) as Required<StochOptions>;
  const { high, low, close } = bars;
  const n = close.length;
  const k = outArray(into?.k, n);
  const d = outArray(into?.d, n);
  const s = new StochStateImpl(o.fastKPeriod, o.slowKPeriod, o.slowDPeriod);
  for (let i = 0; i < n; i++) {
    s.update(high[i]!, low[i]!, close[i]!);
    k[i] = s.k;
    d[i] = s.d;
  }
  return { k, d };
}

/** Current %K/%D: the state's own object, updated in place by each `update`. */
export type StochValues = { readonly k: number; readonly d: number };

/** Streaming {@link stoch}. `update` returns the state's reused values object. */
export interface StochState extends StochValues {
  update(high: number, low: number, close: number): StochValues;
}

/** Create a streaming Stochastic equal, bit for bit, to {@link stoch} on every prefix. */
export function createStochState(options: StochOptions = {}): StochState {
  const o = resolveParams('stoch', STOCH_PARAMS, options) as Required<StochOptions>;
  return new StochStateImpl(o.fastKPeriod, o.slowKPeriod, o.slowDPeriod);
}

class StochStateImpl implements StochState {
  k = Number.NaN;
  d = Number.NaN;
  private readonly fastK: number;
  private readonly hi: RollingMax;
  private readonly lo: RollingMin;
  private readonly slowK: SmaCore;
  private readonly slowD: SmaCore;
  private count = 0;

  constructor(fastK: number, slowK: number, slowD: number) {
    this.fastK = fastK;
    this.hi = new RollingMax(fastK);
    this.lo = new RollingMin(fastK);
    this.slowK = new SmaCore(slowK);
    this.slowD = new SmaCore(slowD);
  }

  update(high: number, low: number, close: number): StochValues {
    const hh = this.hi.push(high);
    const ll = this.lo.push(low);
    if (++this.count < this.fastK) return this;
    // TA-Lib divides by range/100 rather than multiplying by 100: same rounding as TA-Lib.
    const diff = (hh - ll) / 100.0;
    const fastK = diff !== 0 ? (close - ll) / diff : 0;
    const k = this.slowK.update(fastK);
    if (Number.isNaN(k)) return this;
    const d = this.slowD.update(k);
    if (Number.isNaN(d)) return this;
    this.k = k;
    this.d = d;
    return this;
  }
}
