import { describe, expect, it } from 'vitest';
import { ValidationError } from '../internal/errors.js';
import type { Bar } from '../market/types.js';
import { runBacktest, type Strategy, smaCross, walkForward } from './index.js';

const DAY = 86_400_000;
const BARS: Bar[] = Array.from({ length: 500 }, (_, i) => {
  const c = 100 + 20 * Math.sin(i / 15) + i * 0.05;
  return {
    openTime: Date.UTC(2021, 0, 1) + i * DAY,
    open: c - 0.3,
    high: c + 1,
    low: c - 1,
    close: c,
    volume: 1,
  };
});

/** "Fits" by picking the SMA pair with the best in-sample return, recording what it was given. */
function fitter(log: { from: number; to: number; length: number }[]) {
  return (train: readonly Readonly<Bar>[]): Strategy => {
    log.push({ from: train[0]!.openTime, to: train.at(-1)!.openTime, length: train.length });
    let best = smaCross({ fast: 5, slow: 20 });
    let bestRet = Number.NEGATIVE_INFINITY;
    for (const [fast, slow] of [
      [5, 20],
      [10, 30],
      [3, 15],
    ] as const) {
      const s = smaCross({ fast, slow });
      const r = runBacktest({ bars: [...train], strategy: s, initialCash: 1 }).metrics.totalReturn;
      if (r > bestRet) {
        bestRet = r;
        best = s;
      }
    }
    return best;
  };
}

describe('walkForward', () => {
  it('never lets a training window overlap its test window, and tests are disjoint', () => {
    const log: { from: number; to: number; length: number }[] = [];
    const wf = walkForward({
      bars: BARS,
      makeStrategy: fitter(log),
      trainBars: 120,
      testBars: 60,
      initialCash: 1000,
      fees: 10,
    });
    // (500 - 120) / 60 = 6 full windows.
    expect(wf.windows).toHaveLength(6);
    wf.windows.forEach((w, k) => {
      expect(w.trainStart).toBe(k * 60);
      expect(w.trainEnd - w.trainStart).toBe(120);
      expect(w.testStart).toBe(w.trainEnd);
      expect(w.testEnd - w.testStart).toBe(60);
      // The strategy was built from exactly the training bars, all before the first test bar.
      expect(log[k]).toEqual({
        from: BARS[w.trainStart]!.openTime,
        to: BARS[w.trainEnd - 1]!.openTime,
        length: 120,
      });
      expect(log[k]!.to).toBeLessThan(w.testFrom);
      expect(w.trainTo).toBeLessThan(w.testFrom);
      // The out-of-sample run covers the test bars only.
      expect(w.result.equity.map((e) => e.time)).toEqual(
        BARS.slice(w.testStart, w.testEnd).map((b) => b.openTime),
      );
      for (const t of w.result.trades) {
        expect(t.entryTime).toBeGreaterThanOrEqual(w.testFrom);
        expect(t.exitTime).toBeLessThanOrEqual(w.testTo + DAY);
      }
      if (k > 0) {
        const prev = wf.windows[k - 1]!;
        expect(w.testStart).toBeGreaterThanOrEqual(prev.testEnd);
        // Each window starts with the previous one's final equity.
        const initial = w.result.equity.at(-1)!.equity / (1 + w.result.metrics.totalReturn);
        expect(initial).toBeCloseTo(prev.result.equity.at(-1)!.equity, 6);
      }
    });
    // Concatenated out-of-sample equity: ascending, exactly the test bars, no duplicates.
    const times = wf.equity.map((e) => e.time);
    expect(times).toEqual(BARS.slice(120, 480).map((b) => b.openTime));
    let growth = 1;
    for (const w of wf.windows) growth *= 1 + w.result.metrics.totalReturn;
    expect(wf.metrics.totalReturn).toBeCloseTo(growth - 1, 9);
    expect(wf.metrics.trades).toBe(wf.windows.reduce((s, w) => s + w.result.trades.length, 0));
  });

  it('chains capital: a window with no trades keeps the previous final equity', () => {
    const flatThenLong = (train: readonly Readonly<Bar>[]): Strategy => ({
      name: 'alt',
      warmup: 0,
      // Long in windows whose training data starts on an even window index, flat otherwise.
      onBar: () => ({
        target: ((train[0]!.openTime - BARS[0]!.openTime) / DAY / 50) % 2 === 0 ? 'long' : 'flat',
      }),
    });
    const wf = walkForward({
      bars: BARS,
      makeStrategy: flatThenLong,
      trainBars: 100,
      testBars: 50,
      initialCash: 1000,
    });
    const w0 = wf.windows[0]!;
    const w1 = wf.windows[1]!;
    expect(w1.result.trades).toHaveLength(0);
    expect(w1.result.equity.every((e) => e.equity === w0.result.equity.at(-1)!.equity)).toBe(true);
    // The first test decision is made at the last training close and fills at the first test open.
    expect(w0.result.trades[0]!.entryTime).toBe(w0.testFrom);
  });

  it('the strategy sees the training bars as history in its test run, never test bars ahead', () => {
    const lengths: number[] = [];
    const wf = walkForward({
      bars: BARS.slice(0, 100),
      trainBars: 40,
      testBars: 30,
      step: 30,
      initialCash: 1,
      makeStrategy: () => ({
        name: 'len',
        warmup: 0,
        onBar(ctx) {
          lengths.push(ctx.bars.length);
          expect(() => ctx.bars.at(ctx.bars.length)).toThrow();
          return null;
        },
      }),
    });
    expect(wf.windows).toHaveLength(2);
    // Window 0: decisions at training close (40 visible) through the test's second-to-last bar (69).
    expect(lengths.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, k) => 40 + k));
  });

  it('allows gaps between test windows (step > testBars) and rejects overlaps', () => {
    const wf = walkForward({
      bars: BARS,
      makeStrategy: () => smaCross({ fast: 3, slow: 10 }),
      trainBars: 50,
      testBars: 20,
      step: 100,
      initialCash: 1,
    });
    expect(wf.windows.map((w) => w.testStart)).toEqual([50, 150, 250, 350, 450]);
    expect(() =>
      walkForward({
        bars: BARS,
        makeStrategy: () => smaCross({ fast: 3, slow: 10 }),
        trainBars: 50,
        testBars: 20,
        step: 10,
        initialCash: 1,
      }),
    ).toThrow(ValidationError);
    expect(() =>
      walkForward({
        bars: BARS,
        makeStrategy: () => smaCross({ fast: 3, slow: 10 }),
        trainBars: 400,
        testBars: 200,
        initialCash: 1,
      }),
    ).toThrow(ValidationError);
    expect(() =>
      walkForward({
        bars: BARS,
        makeStrategy: () => smaCross({ fast: 3, slow: 10 }),
        trainBars: 0,
        testBars: 20,
        initialCash: 1,
      }),
    ).toThrow(ValidationError);
  });

  it('passes frozen copies of the training bars', () => {
    walkForward({
      bars: BARS,
      trainBars: 100,
      testBars: 100,
      initialCash: 1,
      makeStrategy: (train) => {
        expect(Object.isFrozen(train)).toBe(true);
        expect(Object.isFrozen(train[0])).toBe(true);
        expect(train[0]).not.toBe(BARS[0]);
        return smaCross({ fast: 3, slow: 10 });
      },
    });
  });
});
