import { outArray, type ParamSpec, periodParam, resolveParams, TA_EPSILON } from './params.js';

/** Options of {@link bollinger}. */
export type BollingerOptions = { period?: number; stdDev?: number };

/** Upper, middle and lower bands. */
export type BollingerOutput = { upper: Float64Array; middle: Float64Array; lower: Float64Array };

/** Parameters of {@link bollinger}, for validation and the registry. */
export const BOLLINGER_PARAMS: readonly ParamSpec[] = [
  periodParam('period', 20, 'SMA and standard-deviation window'),
  {
    name: 'stdDev',
    type: 'number',
    minimum: 0,
    maximum: 100,
    default: 2,
    description: 'Band width in population standard deviations',
  },
];

/**
 * Bollinger Bands (TA-Lib `BBANDS` with `matype = SMA`, `nbdevup = nbdevdn = stdDev`):
 * middle = SMA(period); sd = population standard deviation of the window computed as
 * `sqrt(mean(x²) − middle²)` from running sums, 0 when that is below 1e-14 (TA-Lib's
 * arithmetic, kept for bit-exact results); bands = middle ± stdDev·sd. NaN for `period − 1` bars.
 * @example bollinger(closes, { period: 20, stdDev: 2 })
 */
export function bollinger(
  values: Float64Array,
  options: BollingerOptions = {},
  into?: Partial<BollingerOutput>,
): BollingerOutput {
  const { period, stdDev } = resolveParams(
    'bollinger',
    BOLLINGER_PARAMS,
    options,
  ) as Required<BollingerOptions>;
  const n = values.length;
  const upper = outArray(into?.upper, n);
  const middle = outArray(into?.middle, n);
  const lower = outArray(into?.lower, n);
  const lb = period - 1;
  if (n <= lb) {
    upper.fill(Number.NaN);
    middle.fill(Number.NaN);
    lower.fill(Number.NaN);
    return { upper, middle, lower };
  }
  upper.fill(Number.NaN, 0, lb);
  middle.fill(Number.NaN, 0, lb);
  lower.fill(Number.NaN, 0, lb);
  let total = 0;
  let total2 = 0;
  for (let i = 0; i < lb; i++) {
    const x = values[i]!;
    total += x;
    total2 += x * x;
  }
  for (let i = lb, t = 0; i < n; i++, t++) {
    const x = values[i]!;
    const old = values[t]!;
    total += x;
    const mean = total / period;
    total -= old;
    total2 += x * x;
    let mean2 = total2 / period;
    total2 -= old * old;
    mean2 -= mean * mean;
    const sd = mean2 < TA_EPSILON ? 0 : Math.sqrt(mean2);
    const w = sd * stdDev;
    middle[i] = mean;
    upper[i] = mean + w;
    lower[i] = mean - w;
  }
  return { upper, middle, lower };
}

/** Current band values: the state's own object, updated in place by each `update`. */
export type BollingerValues = { readonly upper: number; readonly middle: number; readonly lower: number };

/** Streaming {@link bollinger}. `update` returns the state's reused values object. */
export interface BollingerState extends BollingerValues {
  update(value: number): BollingerValues;
}

/** Create streaming Bollinger Bands equal, bit for bit, to {@link bollinger} on every prefix. */
export function createBollingerState(options: BollingerOptions = {}): BollingerState {
  const { period, stdDev } = resolveParams(
    'bollinger',
    BOLLINGER_PARAMS,
    options,
  ) as Required<BollingerOptions>;
  return new BollingerStateImpl(period, stdDev);
}

class BollingerStateImpl implements BollingerState {
  upper = Number.NaN;
  middle = Number.NaN;
  lower = Number.NaN;
  private readonly period: number;
  private readonly stdDev: number;
  private readonly ring: Float64Array;
  private pos = 0;
  private count = 0;
  private total = 0;
  private total2 = 0;

  constructor(period: number, stdDev: number) {
    this.period = period;
    this.stdDev = stdDev;
    this.ring = new Float64Array(period);
  }

  update(x: number): BollingerValues {
    const p = this.period;
    const ring = this.ring;
    let pos = this.pos;
    ring[pos] = x;
    pos = pos + 1 === p ? 0 : pos + 1;
    this.pos = pos;
    this.total += x;
    this.total2 += x * x;
    if (++this.count < p) return this;
    const old = ring[pos]!;
    const mean = this.total / p;
    this.total -= old;
    let mean2 = this.total2 / p;
    this.total2 -= old * old;
    mean2 -= mean * mean;
    const sd = mean2 < TA_EPSILON ? 0 : Math.sqrt(mean2);
    const w = sd * this.stdDev;
    this.middle = mean;
    this.upper = mean + w;
    this.lower = mean - w;
    return this;
  }
}
