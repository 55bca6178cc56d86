import { AtrCore, atrRaw } from './atr.js';
import { EmaCore, emaInto } from './ema.js';
import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';
import type { HlcBars } from './types.js';

/** Options of {@link keltner}. */
export type KeltnerOptions = { period?: number; atrPeriod?: number; multiplier?: number };

/** Keltner channel lines. */
export type KeltnerOutput = { upper: Float64Array; middle: Float64Array; lower: Float64Array };

/** Parameters of {@link keltner}, for validation and the registry. */
export const KELTNER_PARAMS: readonly ParamSpec[] = [
  periodParam('period', 20, 'EMA period of the middle line'),
  periodParam('atrPeriod', 10, 'ATR period of the band width', 1),
  {
    name: 'multiplier',
    type: 'number',
    minimum: 0,
    maximum: 100,
    default: 2,
    description: 'Band distance in ATRs',
  },
];

/**
 * Keltner channel, modern form (Linda Raschke; StockCharts' definition; not in TA-Lib):
 * middle = EMA(close, period) (SMA-seeded, as {@link ema}); upper/lower = middle ±
 * multiplier·ATR(atrPeriod) (Wilder, as {@link atr}). Equals TA-Lib `EMA` ± multiplier·`ATR`.
 * All lines are NaN until both the EMA and the ATR are defined (max(period − 1, atrPeriod) bars).
 * @example keltner({ high, low, close }, { period: 20, atrPeriod: 10, multiplier: 2 })
 */
export function keltner(
  bars: HlcBars,
  options: KeltnerOptions = {},
  into?: Partial<KeltnerOutput>,
): KeltnerOutput {
  const { period, atrPeriod, multiplier } = resolveParams(
    'keltner',
    KELTNER_PARAMS,
    options,
  ) as Required<KeltnerOptions>;
  const { high, low, close } = bars;
  const n = close.length;
  const middle = outArray(into?.middle, n);
  emaInto(close, 0, period, 2 / (period + 1), middle);
  const upper = atrRaw(high, low, close, atrPeriod, outArray(into?.upper, n));
  const lower = outArray(into?.lower, n);
  const lb = Math.min(Math.max(period - 1, atrPeriod), n);
  for (let i = lb; i < n; i++) {
    const m = middle[i]!;
    const w = multiplier * upper[i]!;
    upper[i] = m + w;
    lower[i] = m - w;
  }
  upper.fill(Number.NaN, 0, lb);
  middle.fill(Number.NaN, 0, lb);
  lower.fill(Number.NaN, 0, lb);
  return { upper, middle, lower };
}

/** Current channel values: the state's own object, updated in place by each `update`. */
export type KeltnerValues = { readonly upper: number; readonly middle: number; readonly lower: number };

/** Streaming {@link keltner}. `update` returns the state's reused values object. */
export interface KeltnerState extends KeltnerValues {
  update(high: number, low: number, close: number): KeltnerValues;
}

/** Create a streaming Keltner channel equal, bit for bit, to {@link keltner} on every prefix. */
export function createKeltnerState(options: KeltnerOptions = {}): KeltnerState {
  const { period, atrPeriod, multiplier } = resolveParams(
    'keltner',
    KELTNER_PARAMS,
    options,
  ) as Required<KeltnerOptions>;
  return new KeltnerStateImpl(period, atrPeriod, multiplier);
}

class KeltnerStateImpl implements KeltnerState {
  upper = Number.NaN;
  middle = Number.NaN;
  lower = Number.NaN;
  private readonly ema: EmaCore;
  private readonly atr: AtrCore;
  private readonly multiplier: number;

  constructor(period: number, atrPeriod: number, multiplier: number) {
    this.ema = new EmaCore(period, 2 / (period + 1));
    this.atr = new AtrCore(atrPeriod);
    this.multiplier = multiplier;
  }

  update(high: number, low: number, close: number): KeltnerValues {
    const m = this.ema.update(close);
    const a = this.atr.update(high, low, close);
    if (Number.isNaN(m) || Number.isNaN(a)) return this;
    const w = this.multiplier * a;
    this.middle = m;
    this.upper = m + w;
    this.lower = m - w;
    return this;
  }
}
