import type { Bar } from '../market/types.js';
import { LookAheadError } from './errors.js';

/**
 * What a strategy sees of the bars: those closed up to and including the current one, read
 * only. Reading an index at or beyond `length` throws `LookAheadError` (never `undefined`);
 * negative indices count back from the current bar, as `Array.prototype.at` does.
 */
export type BarView = {
  /** Bars closed so far: the current bar's index + 1. */
  readonly length: number;
  /** `view[i]` works like `view.at(i)` for i >= 0. */
  readonly [index: number]: Readonly<Bar>;
  at(index: number): Readonly<Bar>;
  time(index: number): number;
  open(index: number): number;
  high(index: number): number;
  low(index: number): number;
  close(index: number): number;
  volume(index: number): number;
  /** A copy of the last `count` closes (default: all visible), oldest first. */
  closes(count?: number): Float64Array;
  [Symbol.iterator](): Iterator<Readonly<Bar>>;
};

const INDEX_KEY = /^-?(0|[1-9]\d*)$/;

function readOnly(): never {
  throw new TypeError('the bar view is read-only');
}

// Every mutation of the view fails loudly, in strict and sloppy code alike.
const HANDLER: ProxyHandler<object> = {
  set: readOnly,
  defineProperty: readOnly,
  deleteProperty: readOnly,
  setPrototypeOf: readOnly,
};

/**
 * A view of the first `length` bars of `bars`. `bars` must hold frozen bars and is never
 * reachable through the view: the methods close over it and the returned object is a Proxy
 * around a frozen target that holds only those methods and `length`.
 */
export function createBarView(bars: readonly Readonly<Bar>[], length: number): BarView {
  const resolve = (index: number): number => {
    if (typeof index !== 'number') throw new TypeError(`bar index must be a number, got ${typeof index}`);
    if (index >= length) {
      throw new LookAheadError(`strategy read bar ${index} but only bars 0..${length - 1} have closed`);
    }
    if (!Number.isInteger(index)) throw new RangeError(`bar index must be an integer, got ${index}`);
    const k = index < 0 ? length + index : index;
    if (k < 0) throw new RangeError(`bar index ${index} is before the first bar (${length} visible)`);
    return k;
  };
  const at = (index: number): Readonly<Bar> => bars[resolve(index)]!;
  const target = Object.freeze({
    length,
    at,
    time: (i: number) => at(i).openTime,
    open: (i: number) => at(i).open,
    high: (i: number) => at(i).high,
    low: (i: number) => at(i).low,
    close: (i: number) => at(i).close,
    volume: (i: number) => at(i).volume,
    closes(count: number = length): Float64Array {
      if (!Number.isInteger(count) || count < 0)
        throw new RangeError(`count must be an integer >= 0, got ${count}`);
      if (count > length)
        throw new RangeError(`asked for ${count} closes but only ${length} bars are visible`);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = bars[length - count + i]!.close;
      return out;
    },
    *[Symbol.iterator](): Generator<Readonly<Bar>> {
      for (let i = 0; i < length; i++) yield bars[i]!;
    },
  });
  return new Proxy(target, {
    ...HANDLER,
    get(t, prop, receiver) {
      // Bracket indexing, `view[3]`, goes through the same bounds check as `at`.
      if (typeof prop === 'string' && INDEX_KEY.test(prop)) return at(Number(prop));
      return Reflect.get(t, prop, receiver);
    },
  }) as unknown as BarView;
}
