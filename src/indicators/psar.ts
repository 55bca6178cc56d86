import { outArray, type ParamSpec, resolveParams } from './params.js';
import type { Bars } from './types.js';

/** Options of {@link psar}. */
export type PsarOptions = { acceleration?: number; maximum?: number };

/** Parameters of {@link psar}, for validation and the registry. */
export const PSAR_PARAMS: readonly ParamSpec[] = [
  {
    name: 'acceleration',
    type: 'number',
    minimum: 0.0001,
    maximum: 1,
    default: 0.02,
    description: 'Acceleration factor: start value and step',
  },
  {
    name: 'maximum',
    type: 'number',
    minimum: 0.0001,
    maximum: 1,
    default: 0.2,
    description: 'Cap of the acceleration factor (must be >= acceleration)',
  },
];

function resolvePsar(options: PsarOptions): Required<PsarOptions> {
  return resolveParams('psar', PSAR_PARAMS, options, (p) =>
    p.acceleration! > p.maximum!
      ? [{ path: ['acceleration'], message: 'must be <= maximum', in: 'query' }]
      : [],
  ) as Required<PsarOptions>;
}

/**
 * Parabolic SAR (Wilder; TA-Lib `SAR`). As in TA-Lib, the first bar is consumed: the initial
 * direction is short if bar 1's −DM (low drop) exceeds its +DM, else long, and the first SAR is
 * bar 0's low (long) or high (short). The SAR never enters the previous or current bar's range;
 * on a reversal it is reset to the extreme point. NaN for the first bar.
 * @example psar({ high, low }, { acceleration: 0.02, maximum: 0.2 })
 */
export function psar(
  bars: Pick<Bars, 'high' | 'low'>,
  options: PsarOptions = {},
  into?: Float64Array,
): Float64Array {
  const { acceleration, maximum } = resolvePsar(options);
  const { high, low } = bars;
  const n = high.length;
  const out = outArray(into, n);
  const s = new PsarStateImpl(acceleration, maximum);
  for (let i = 0; i < n; i++) out[i] = s.update(high[i]!, low[i]!);
  return out;
}

/** Streaming {@link psar}. */
export interface PsarState {
  update(high: number, low: number): number;
  readonly value: number;
  /** +1 while long (SAR below price), −1 while short; NaN before the second bar. */
  readonly direction: number;
}

/** Create a streaming Parabolic SAR equal, bit for bit, to {@link psar} on every prefix. */
export function createPsarState(options: PsarOptions = {}): PsarState {
  const { acceleration, maximum } = resolvePsar(options);
  return new PsarStateImpl(acceleration, maximum);
}

class PsarStateImpl implements PsarState {
  value = Number.NaN;
  direction = Number.NaN;
  private readonly accel: number;
  private readonly max: number;
  private count = 0;
  private isLong = true;
  private af: number;
  private ep = 0;
  private sar = 0;
  private newHigh = 0;
  private newLow = 0;

  constructor(acceleration: number, maximum: number) {
    this.accel = acceleration;
    this.max = maximum;
    this.af = acceleration;
  }

  update(high: number, low: number): number {
    const c = this.count;
    if (c === 0) {
      this.count = 1;
      this.newHigh = high;
      this.newLow = low;
      return Number.NaN;
    }
    if (c === 1) {
      this.count = 2;
      // TA-Lib: MINUS_DM(1) between bar 0 and bar 1 decides the initial direction.
      const diffP = high - this.newHigh;
      const diffM = this.newLow - low;
      const minusDm = diffM > 0 && diffP < diffM ? diffM : 0;
      this.isLong = !(minusDm > 0);
      if (this.isLong) {
        this.ep = high;
        this.sar = this.newLow;
      } else {
        this.ep = low;
        this.sar = this.newHigh;
      }
      // TA-Lib "cheats" on the first iteration: yesterday's range is today's.
      this.newLow = low;
      this.newHigh = high;
    }
    const prevLow = this.newLow;
    const prevHigh = this.newHigh;
    this.newLow = low;
    this.newHigh = high;
    let sar = this.sar;
    let out: number;
    if (this.isLong) {
      if (low <= sar) {
        this.isLong = false;
        sar = this.ep;
        if (sar < prevHigh) sar = prevHigh;
        if (sar < high) sar = high;
        out = sar;
        this.af = this.accel;
        this.ep = low;
        sar = sar + this.af * (this.ep - sar);
        if (sar < prevHigh) sar = prevHigh;
        if (sar < high) sar = high;
      } else {
        out = sar;
        if (high > this.ep) {
          this.ep = high;
          this.af += this.accel;
          if (this.af > this.max) this.af = this.max;
        }
        sar = sar + this.af * (this.ep - sar);
        if (sar > prevLow) sar = prevLow;
        if (sar > low) sar = low;
      }
    } else if (high >= sar) {
      this.isLong = true;
      sar = this.ep;
      if (sar > prevLow) sar = prevLow;
      if (sar > low) sar = low;
      out = sar;
      this.af = this.accel;
      this.ep = high;
      sar = sar + this.af * (this.ep - sar);
      if (sar > prevLow) sar = prevLow;
      if (sar > low) sar = low;
    } else {
      out = sar;
      if (low < this.ep) {
        this.ep = low;
        this.af += this.accel;
        if (this.af > this.max) this.af = this.max;
      }
      sar = sar + this.af * (this.ep - sar);
      if (sar < prevHigh) sar = prevHigh;
      if (sar < high) sar = high;
    }
    this.sar = sar;
    this.value = out;
    // Direction of the position the output SAR belongs to (after any reversal on this bar).
    this.direction = this.isLong ? 1 : -1;
    return out;
  }
}
