import { outArray, resolveParams } from './params.js';
import type { Bars } from './types.js';

/** On-balance volume takes no parameters. */
export type ObvOptions = object;

/**
 * On-balance volume (Granville; TA-Lib `OBV`): starts at the first bar's volume, then adds the
 * bar's volume when close rose, subtracts it when close fell, and keeps it when unchanged.
 * Defined from the first bar.
 * @example obv({ close, volume })
 */
export function obv(
  bars: Pick<Bars, 'close' | 'volume'>,
  options: ObvOptions = {},
  into?: Float64Array,
): Float64Array {
  resolveParams('obv', [], options);
  const { close, volume } = bars;
  const n = close.length;
  const out = outArray(into, n);
  if (n === 0) return out;
  let acc = volume[0]!;
  let prev = close[0]!;
  for (let i = 0; i < n; i++) {
    const x = close[i]!;
    if (x > prev) acc += volume[i]!;
    else if (x < prev) acc -= volume[i]!;
    out[i] = acc;
    prev = x;
  }
  return out;
}

/** Streaming {@link obv}. */
export interface ObvState {
  update(close: number, volume: number): number;
  readonly value: number;
}

/** Create a streaming OBV equal, bit for bit, to {@link obv} on every prefix. */
export function createObvState(options: ObvOptions = {}): ObvState {
  resolveParams('obv', [], options);
  return new ObvStateImpl();
}

class ObvStateImpl implements ObvState {
  value = Number.NaN;
  private prev = 0;
  private started = false;

  update(close: number, volume: number): number {
    if (!this.started) {
      this.started = true;
      this.prev = close;
      this.value = volume;
      return volume;
    }
    let acc = this.value;
    if (close > this.prev) acc += volume;
    else if (close < this.prev) acc -= volume;
    this.prev = close;
    this.value = acc;
    return acc;
  }
}
