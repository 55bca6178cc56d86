import { AtrCore } from './atr.js';
import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import type { HlcBars } from './types.js';

/** Options of {@link supertrend}. */
export type SupertrendOptions = { period?: number; multiplier?: number };

/** The Supertrend line and the trend direction (+1 up, −1 down). */
export type SupertrendOutput = { supertrend: Float64Array; direction: Float64Array };

/** Parameters of {@link supertrend}, for validation and the registry. */
export const SUPERTREND_PARAMS: readonly ParamSpec[] = [
  periodParam('period', 10, 'ATR period', 1),
  {
    name: 'multiplier',
    type: 'number',
    minimum: 0.01,
    maximum: 100,
    default: 3,
    description: 'Band distance in ATRs',
  },
];

/**
 * Supertrend (Olivier Seban; not in TA-Lib), computed exactly as TradingView's
 * `ta.supertrend` / `pine_supertrend` but on the Wilder ATR of {@link atr} (TA-Lib's, first
 * value at bar `period`; TradingView's `ta.atr` also counts bar 0's high−low, so its first
 * values differ, converging as Wilder smoothing forgets them). hl2 = (high+low)/2; basic bands
 * hl2 ± multiplier·ATR; the lower band only rises (it keeps its previous value unless the new
 * one is higher or the previous close fell below it), the upper band only falls (symmetrically);
 * the trend turns up when close rises above the upper band and down when close falls below the
 * lower band; the line is the lower band in an up-trend, the upper band in a down-trend. The
 * first defined bar is a down-trend. Direction is +1 up / −1 down (TradingView's sign is the
 * opposite). NaN for the first `period` bars.
 * @example supertrend({ high, low, close }, { period: 10, multiplier: 3 })
 */
export function supertrend(
  bars: HlcBars,
  options: SupertrendOptions = {},
  into?: Partial<SupertrendOutput>,
): SupertrendOutput {
  const { period, multiplier } = resolveParams(
    'supertrend',
    SUPERTREND_PARAMS,
    options,
  ) as Required<SupertrendOptions>;
  const { high, low, close } = bars;
  const n = close.length;
  const line = outArray(into?.supertrend, n);
  const direction = outArray(into?.direction, n);
  const s = new SupertrendStateImpl(period, multiplier);
  for (let i = 0; i < n; i++) {
    s.update(high[i]!, low[i]!, close[i]!);
    line[i] = s.supertrend;
    direction[i] = s.direction;
  }
  return { supertrend: line, direction };
}

/** Current Supertrend values: the state's own object, updated in place by each `update`. */
export type SupertrendValues = { readonly supertrend: number; readonly direction: number };

/** Streaming {@link supertrend}. `update` returns the state's reused values object. */
export interface SupertrendState extends SupertrendValues {
  update(high: number, low: number, close: number): SupertrendValues;
}

/** Create a streaming Supertrend equal, bit for bit, to {@link supertrend} on every prefix. */
export function createSupertrendState(options: SupertrendOptions = {}): SupertrendState {
  const { period, multiplier } = resolveParams(
    'supertrend',
    SUPERTREND_PARAMS,
    options,
  ) as Required<SupertrendOptions>;
  return new SupertrendStateImpl(period, multiplier);
}

class SupertrendStateImpl implements SupertrendState {
  supertrend = Number.NaN;
  direction = Number.NaN;
  private readonly atr: AtrCore;
  private readonly multiplier: number;
  private upper = 0;
  private lower = 0;
  private prevClose = Number.NaN;

  constructor(period: number, multiplier: number) {
    this.atr = new AtrCore(period);
    this.multiplier = multiplier;
  }

  update(high: number, low: number, close: number): SupertrendValues {
    const a = this.atr.update(high, low, close);
    const prevClose = this.prevClose;
    this.prevClose = close;
    if (Number.isNaN(a)) return this;
    const hl2 = (high + low) / 2;
    const basicUpper = hl2 + this.multiplier * a;
    const basicLower = hl2 - this.multiplier * a;
    // TradingView's pine_supertrend, literally: na previous bands count as 0 (`nz`), and the
    // previous trend is read as "the line was the upper band" (so equal bands read as down).
    const first = Number.isNaN(this.direction);
    const pu = first ? 0 : this.upper;
    const pl = first ? 0 : this.lower;
    const lower = basicLower > pl || prevClose < pl ? basicLower : pl;
    const upper = basicUpper < pu || prevClose > pu ? basicUpper : pu;
    let dir: number;
    if (first) dir = -1;
    else if (this.supertrend === pu) dir = close > upper ? 1 : -1;
    else dir = close < lower ? -1 : 1;
    this.lower = lower;
    this.upper = upper;
    this.direction = dir;
    this.supertrend = dir > 0 ? this.lower : this.upper;
    return this;
  }
}
