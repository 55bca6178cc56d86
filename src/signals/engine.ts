import { createHash } from 'node:crypto';
import type { BarColumns } from '../market/store.js';
import { INTERVAL_MS, type Interval } from '../market/types.js';
import { computeFeatures } from './features.js';
import type { Decision, Features, Strategy } from './strategies.js';
import type { Direction, SignalEvent } from './types.js';

/**
 * Every signal is computed from exactly the last `SIGNAL_WINDOW_BARS` closed bars: the batch
 * computation over a history and the live pipeline after each bar close see the same window,
 * so they produce the same signals bit for bit (EMA-based inputs depend on where they start).
 */
export const SIGNAL_WINDOW_BARS = 300;

/** Which market a series of bars belongs to. */
export type SeriesRef = { asset: string; venue: string; symbol: string; interval: Interval };

/** Run a strategy's rules over one window; the decision at its last bar. */
export function evaluateWindow(strategy: Strategy, window: BarColumns): Decision | null {
  return window.length <= strategy.warmup ? null : decide(strategy, computeFeatures(window), window.length);
}

/** A strategy's decision at the last of `n` bars whose features are `f`. */
function decide(strategy: Strategy, f: Features, n: number): Decision | null {
  if (n <= strategy.warmup) return null;
  let prev: Direction = 'flat';
  let d: Decision | null = null;
  for (let i = strategy.warmup; i < n; i++) {
    d = strategy.decide(f, i, prev);
    prev = d.direction;
  }
  return d;
}

/** SHA-256 of the strategy id and version and every bar of the window (hex, 32 chars). */
export function inputsHash(strategy: Strategy, window: BarColumns): string {
  const buf = Buffer.allocUnsafe(window.length * 48);
  for (let i = 0; i < window.length; i++) {
    const o = i * 48;
    buf.writeDoubleLE(window.openTime[i]!, o);
    buf.writeDoubleLE(window.open[i]!, o + 8);
    buf.writeDoubleLE(window.high[i]!, o + 16);
    buf.writeDoubleLE(window.low[i]!, o + 24);
    buf.writeDoubleLE(window.close[i]!, o + 32);
    buf.writeDoubleLE(window.volume[i]!, o + 40);
  }
  return createHash('sha256')
    .update(`${strategy.id}@${strategy.version}\n`)
    .update(buf)
    .digest('hex')
    .slice(0, 32);
}

function sub(c: BarColumns, from: number, to: number): BarColumns {
  const s = (a: ArrayLike<number>) =>
    a instanceof Float64Array
      ? a.subarray(from, to)
      : Float64Array.from({ length: to - from }, (_, i) => a[from + i]!);
  return {
    openTime: s(c.openTime),
    open: s(c.open),
    high: s(c.high),
    low: s(c.low),
    close: s(c.close),
    volume: s(c.volume),
    length: to - from,
  };
}

function event(
  ref: SeriesRef,
  strategy: Strategy,
  d: Decision,
  window: BarColumns,
  features?: Features,
): SignalEvent {
  const last = window.length - 1;
  return {
    ...ref,
    strategy: strategy.id,
    modelVersion: strategy.version,
    direction: d.direction,
    strength: d.strength,
    // Recomputed from the same window: the reason is only built for bars that issue a signal.
    reason: strategy.reason(features ?? computeFeatures(window), last),
    issuedAt: window.openTime[last]! + INTERVAL_MS[ref.interval],
    inputsHash: inputsHash(strategy, window),
  };
}

/**
 * The signal issued at the close of bar `t` of `bars`, if any: one is issued when the
 * strategy's direction at `t` differs from its direction at `t - 1`, or at the first bar with a
 * full window. Live pipelines call this after each bar close with the newest bar at `t`.
 */
export function signalAt(
  ref: SeriesRef,
  strategy: Strategy,
  bars: BarColumns,
  t: number,
): SignalEvent | null {
  return signalsAt(ref, [strategy], bars, t)[0] ?? null;
}

/**
 * `signalAt` for several strategies at once, in their order: the indicators of the two windows
 * (ending at `t` and at `t - 1`) are computed once and shared, which gives the same signals
 * (features are a pure function of the window) for a fraction of the work.
 */
export function signalsAt(
  ref: SeriesRef,
  strategies: readonly Strategy[],
  bars: BarColumns,
  t: number,
): SignalEvent[] {
  const w = SIGNAL_WINDOW_BARS;
  if (t < w - 1 || t >= bars.length) return [];
  const window = sub(bars, t - w + 1, t + 1);
  const f = computeFeatures(window);
  const fPrev = t >= w ? computeFeatures(sub(bars, t - w, t)) : null;
  const out: SignalEvent[] = [];
  for (const strategy of strategies) {
    const d = decide(strategy, f, w);
    if (!d) continue;
    if (fPrev) {
      const prev = decide(strategy, fPrev, w);
      if (prev && prev.direction === d.direction) continue;
    }
    out.push(event(ref, strategy, d, window, f));
  }
  return out;
}

/** Every signal of a whole history (the batch computation): the same as `signalAt` at each bar. */
export function batchSignals(ref: SeriesRef, strategy: Strategy, bars: BarColumns): SignalEvent[] {
  const out: SignalEvent[] = [];
  for (const e of signalSteps(ref, strategy, bars)) if (e) out.push(e);
  return out;
}

/**
 * `batchSignals` in chunks of `chunkBars` bars, awaiting `onProgress(done, total)` between
 * chunks (to report progress, yield to the event loop, or stop by throwing).
 */
export async function batchSignalsAsync(
  ref: SeriesRef,
  strategy: Strategy,
  bars: BarColumns,
  onProgress: (done: number, total: number) => Promise<void> | void,
  chunkBars = 500,
): Promise<SignalEvent[]> {
  const out: SignalEvent[] = [];
  const total = Math.max(0, bars.length - SIGNAL_WINDOW_BARS + 1);
  let done = 0;
  for (const e of signalSteps(ref, strategy, bars)) {
    if (e) out.push(e);
    if (++done % chunkBars === 0) await onProgress(done, total);
  }
  await onProgress(total, total);
  return out;
}

/** One step per bar from the first full window: the signal issued at its close, or null. */
function* signalSteps(ref: SeriesRef, strategy: Strategy, bars: BarColumns): Generator<SignalEvent | null> {
  const w = SIGNAL_WINDOW_BARS;
  let prev: Direction | null = null;
  for (let t = w - 1; t < bars.length; t++) {
    const window = sub(bars, t - w + 1, t + 1);
    const d = evaluateWindow(strategy, window);
    if (!d) {
      yield null;
      continue;
    }
    const changed = d.direction !== prev;
    prev = d.direction;
    yield changed ? event(ref, strategy, d, window) : null;
  }
}
