/**
 * Sliding-window extremes in amortized O(1) per bar: monotonic deques over a ring buffer.
 * Used by every indicator that needs the highest high / lowest low of the last N bars
 * (Stochastic, Williams %R, Donchian, Ichimoku, StochRSI), in batch and streaming alike, so
 * both forms see the very same values.
 */

/** Highest of the last `period` values pushed. */
export class RollingMax {
  private readonly idx: Float64Array;
  private readonly val: Float64Array;
  private readonly period: number;
  private head = 0;
  private size = 0;
  private n = 0;

  constructor(period: number) {
    this.period = period;
    this.idx = new Float64Array(period);
    this.val = new Float64Array(period);
  }

  /** Push the next value and return the maximum of the window that ends with it. */
  push(v: number): number {
    const cap = this.period;
    const i = this.n++;
    const idx = this.idx;
    const val = this.val;
    // One push per bar, so at most the front element can have left the window.
    if (this.size > 0 && idx[this.head]! <= i - cap) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.size--;
    }
    while (this.size > 0) {
      let back = this.head + this.size - 1;
      if (back >= cap) back -= cap;
      if (val[back]! <= v) this.size--;
      else break;
    }
    let pos = this.head + this.size;
    if (pos >= cap) pos -= cap;
    idx[pos] = i;
    val[pos] = v;
    this.size++;
    return val[this.head]!;
  }
}

/** Lowest of the last `period` values pushed. */
export class RollingMin {
  private readonly idx: Float64Array;
  private readonly val: Float64Array;
  private readonly period: number;
  private head = 0;
  private size = 0;
  private n = 0;

  constructor(period: number) {
    this.period = period;
    this.idx = new Float64Array(period);
    this.val = new Float64Array(period);
  }

  /** Push the next value and return the minimum of the window that ends with it. */
  push(v: number): number {
    const cap = this.period;
    const i = this.n++;
    const idx = this.idx;
    const val = this.val;
    if (this.size > 0 && idx[this.head]! <= i - cap) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.size--;
    }
    while (this.size > 0) {
      let back = this.head + this.size - 1;
      if (back >= cap) back -= cap;
      if (val[back]! >= v) this.size--;
      else break;
    }
    let pos = this.head + this.size;
    if (pos >= cap) pos -= cap;
    idx[pos] = i;
    val[pos] = v;
    this.size++;
    return val[this.head]!;
  }
}
