import { EmaCore, emaInto } from './ema.js';
import { outArray, type ParamSpec, periodParam, resolveParams } from './params.js';

/** Options of {@link macd}. */
export type MacdOptions = { fastPeriod?: number; slowPeriod?: number; signalPeriod?: number };

/** The three MACD lines. */
export type MacdOutput = { macd: Float64Array; signal: Float64Array; histogram: Float64Array };

/** Parameters of {@link macd}, for validation and the registry. */
export const MACD_PARAMS: readonly ParamSpec[] = [
  periodParam('fastPeriod', 12, 'Fast EMA period (must be < slowPeriod)'),
  periodParam('slowPeriod', 26, 'Slow EMA period'),
  periodParam('signalPeriod', 9, 'Signal EMA period'),
];

/** Validate MACD options (fast < slow) and fill defaults. */
export function resolveMacdOptions(options: MacdOptions): Required<MacdOptions> {
  return resolveParams('macd', MACD_PARAMS, options, (p) =>
    p.fastPeriod! >= p.slowPeriod!
      ? [{ path: ['fastPeriod'], message: 'must be < slowPeriod', in: 'query' }]
      : [],
  ) as Required<MacdOptions>;
}

/**
 * MACD with TA-Lib's alignment (TA-Lib `MACD`): the slow EMA is seeded with the SMA of bars
 * `0..slow−1`; the fast EMA is seeded with the SMA of the `fast` bars that end on the same bar
 * (`slow−fast .. slow−1`), not of the first `fast` bars; macd = fast − slow; signal = EMA of macd
 * (SMA-seeded); histogram = macd − signal. All three lines are NaN for the first
 * `slow + signal − 2` bars, as in TA-Lib.
 * @example macd(closes, { fastPeriod: 12, slowPeriod: 26, signalPeriod: 9 })
 */
export function macd(
  values: Float64Array,
  options: MacdOptions = {},
  into?: Partial<MacdOutput>,
): MacdOutput {
  const { fastPeriod, slowPeriod, signalPeriod } = resolveMacdOptions(options);
  const n = values.length;
  const out = {
    macd: outArray(into?.macd, n),
    signal: outArray(into?.signal, n),
    histogram: outArray(into?.histogram, n),
  };
  const lb = slowPeriod - 1 + signalPeriod - 1;
  if (n <= lb) {
    out.macd.fill(Number.NaN);
    out.signal.fill(Number.NaN);
    out.histogram.fill(Number.NaN);
    return out;
  }
  const line = out.histogram; // scratch: the full macd line, overwritten below
  const k1 = 2 / (slowPeriod + 1);
  const k2 = 2 / (fastPeriod + 1);
  const first = slowPeriod - 1;
  // Both EMAs run together in one pass from bar `first`.
  let sum = 0;
  for (let i = 0; i <= first; i++) sum += values[i]!;
  let slow = sum / slowPeriod;
  sum = 0;
  for (let i = slowPeriod - fastPeriod; i <= first; i++) sum += values[i]!;
  let fast = sum / fastPeriod;
  line[first] = fast - slow;
  for (let i = first + 1; i < n; i++) {
    const x = values[i]!;
    slow = (x - slow) * k1 + slow;
    fast = (x - fast) * k2 + fast;
    line[i] = fast - slow;
  }
  emaInto(line, first, signalPeriod, 2 / (signalPeriod + 1), out.signal);
  const m = out.macd;
  const s = out.signal;
  const h = out.histogram;
  m.fill(Number.NaN, 0, lb);
  for (let i = lb; i < n; i++) {
    const v = line[i]!;
    m[i] = v;
    h[i] = v - s[i]!;
  }
  h.fill(Number.NaN, 0, lb);
  return out;
}

/** Current MACD values: the state's own object, updated in place by each `update`. */
export type MacdValues = { readonly macd: number; readonly signal: number; readonly histogram: number };

/** Streaming {@link macd}. `update` returns the state's reused values object. */
export interface MacdState extends MacdValues {
  update(value: number): MacdValues;
}

/** Create a streaming MACD equal, bit for bit, to {@link macd} on every prefix. */
export function createMacdState(options: MacdOptions = {}): MacdState {
  const o = resolveMacdOptions(options);
  return new MacdStateImpl(o.fastPeriod, o.slowPeriod, o.signalPeriod);
}

class MacdStateImpl implements MacdState {
  macd = Number.NaN;
  signal = Number.NaN;
  histogram = Number.NaN;
  private readonly fastPeriod: number;
  private readonly slowPeriod: number;
  private readonly slowEma: EmaCore;
  private readonly fastEma: EmaCore;
  private readonly signalEma: EmaCore;
  // The last `fastPeriod` values before the slow EMA is seeded: the fast seed's window.
  private readonly seedRing: Float64Array;
  private count = 0;

  constructor(fast: number, slow: number, signal: number) {
    this.fastPeriod = fast;
    this.slowPeriod = slow;
    this.slowEma = new EmaCore(slow, 2 / (slow + 1));
    this.fastEma = new EmaCore(fast, 2 / (fast + 1));
    this.signalEma = new EmaCore(signal, 2 / (signal + 1));
    this.seedRing = new Float64Array(fast);
  }

  update(x: number): MacdValues {
    const c = this.count;
    const slow = this.slowEma.update(x);
    if (c < this.slowPeriod) {
      this.count = c + 1;
      const f = this.fastPeriod;
      this.seedRing[c % f] = x;
      if (c + 1 < this.slowPeriod) return this;
      // Seed the fast EMA over bars slow−fast .. slow−1, summed oldest first like TA-Lib.
      let sum = 0;
      for (let j = c + 1 - f; j <= c; j++) sum += this.seedRing[j % f]!;
      this.fastEma.seed(sum / f);
    } else {
      this.fastEma.update(x);
    }
    const line = this.fastEma.value - slow;
    const sig = this.signalEma.update(line);
    if (Number.isNaN(sig)) return this;
    this.macd = line;
    this.signal = sig;
    this.histogram = line - sig;
    return this;
  }
}
