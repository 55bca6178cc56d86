import { describe, expect, it } from 'vitest';
import type { BarColumns } from '../market/store.js';
import { batchSignals, type SeriesRef } from './engine.js';
import {
  distribution,
  type SignalPerformance,
  signalPerformance,
  signalPerformanceMarkdown,
  summarizeSignalPerformance,
} from './performance.js';
import { macdMomentum, type Strategy } from './strategies.js';

const DAY = 86_400_000;
// Bar 305 opens on 2021-01-01, so the evaluation spans two calendar years.
const T0 = Date.UTC(2021, 0, 1) - 305 * DAY;
const REF: SeriesRef = { asset: 'test', venue: 'binance', symbol: 'TEST/USDT', interval: '1d' };

/** Long above 100, short below, flat at 100: its signals sit exactly where the closes cross 100. */
const level: Strategy = {
  id: 'test-level',
  version: '1',
  title: 'level',
  description: 'long above 100, short below, flat at 100',
  warmup: 0,
  reason: () => ({}),
  decide(f, i) {
    const c = f.close[i]!;
    return { direction: c > 100 ? 'long' : c < 100 ? 'short' : 'flat', strength: 1 };
  },
};

/** Bars from closes: each bar opens at the previous close. */
function barsFrom(closes: readonly number[], start = T0): BarColumns {
  const n = closes.length;
  const c = Float64Array.from(closes);
  const open = Float64Array.from(closes, (_, i) => (i === 0 ? c[0]! : c[i - 1]!));
  return {
    openTime: Float64Array.from({ length: n }, (_, i) => start + i * DAY),
    open,
    high: Float64Array.from(c, (x, i) => Math.max(x, open[i]!)),
    low: Float64Array.from(c, (x, i) => Math.min(x, open[i]!)),
    close: c,
    volume: new Float64Array(n).fill(1),
    length: n,
  };
}

/**
 * 340 bars: 100 up to bar 299 (first full window: a flat signal), 110, 111, … 119 on bars
 * 300–309 (a long signal at 300), then 90, 89, … 61 on bars 310–339 (a short signal at 310).
 */
function scenario(): BarColumns {
  const closes: number[] = [];
  for (let i = 0; i < 340; i++) closes.push(i < 300 ? 100 : i < 310 ? 110 + (i - 300) : 90 - (i - 310));
  return barsFrom(closes);
}

function randomWalk(n: number, seed: number): BarColumns {
  let s = seed;
  const rnd = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  const closes: number[] = [];
  let p = 100;
  for (let i = 0; i < n; i++) {
    p *= 1 + (rnd() - 0.5) * 0.06;
    closes.push(p);
  }
  return barsFrom(closes);
}

const free = { fees: 0, slippage: 0 };

describe('signalPerformance', () => {
  it('finds the signals where they are and measures entry-at-next-open forward returns', () => {
    const r = signalPerformance({ ref: REF, strategy: level, bars: scenario(), ...free })!;
    expect(r.outcomes.map((o) => [o.index, o.direction])).toEqual([
      [299, 'flat'],
      [300, 'long'],
      [310, 'short'],
    ]);
    const [flat, long, short] = r.outcomes;
    // Entry at the open after the signal's bar (= that bar's close here), exit 1/5/20 opens later.
    expect(long!.entryPrice).toBe(110);
    expect(flat!.forward).toEqual([110 / 100 - 1, 114 / 100 - 1, 81 / 100 - 1]);
    expect(long!.forward).toEqual([111 / 110 - 1, 115 / 110 - 1, 80 / 110 - 1]);
    expect(short!.forward).toEqual([89 / 90 - 1, 85 / 90 - 1, 70 / 90 - 1]);
    expect(r.signals).toEqual({ long: 1, short: 1, flat: 1, total: 3 });

    const [h1, h5, h20] = r.horizons;
    expect(h1!.long.hitRate).toBe(1);
    expect(h5!.long.hitRate).toBe(1);
    expect(h20!.long.hitRate).toBe(0);
    expect([h1!.short.hitRate, h5!.short.hitRate, h20!.short.hitRate]).toEqual([1, 1, 1]);
    expect(h1!.flat.hitRate).toBeNull();
    expect(h1!.flat.meanReturn).toBeCloseTo(0.1, 12);
    expect(h20!.directional.hitRate).toBe(0.5);
    expect(h20!.directional.meanReturn).toBeCloseTo((80 / 110 - 1 - (70 / 90 - 1)) / 2, 12);
    // Baseline at h=1: bars 299..337 have a known outcome; the next open rises after 299 and 300..308.
    expect(h1!.baseline.count).toBe(39);
    expect(h1!.baseline.hits).toBe(10);
    expect(h1!.pending).toBe(0);
  });

  it('backtests the signals from the next open, against buy-and-hold over the same bars', () => {
    const r = signalPerformance({ ref: REF, strategy: level, bars: scenario(), ...free })!;
    expect(r.from).toBe(T0 + 300 * DAY);
    expect(r.to).toBe(T0 + 340 * DAY);
    expect(r.bars).toBe(40);
    // Long 110 → 90, then short 90 → 61 (liquidated at the last close): 90/110 · 119/90.
    expect(r.longShort.totalReturn).toBeCloseTo(119 / 110 - 1, 12);
    expect(r.longShort.trades).toBe(2);
    expect(r.longOnly.totalReturn).toBeCloseTo(90 / 110 - 1, 12);
    expect(r.longOnly.trades).toBe(1);
    expect(r.buyAndHold.totalReturn).toBeCloseTo(61 / 100 - 1, 12);

    const costly = signalPerformance({ ref: REF, strategy: level, bars: scenario() })!;
    // 4 fills at 15 bps each cost about 0.6% of equity.
    expect(costly.longShort.totalReturn).toBeLessThan(r.longShort.totalReturn);
    expect(costly.longShort.totalReturn).toBeGreaterThan(r.longShort.totalReturn - 0.01);
    // Costs do not move the signals or their (gross) outcomes.
    expect(costly.horizons).toEqual(r.horizons);
  });

  it('breaks the record down by calendar year, adding up to the whole', () => {
    const r = signalPerformance({ ref: REF, strategy: level, bars: scenario(), ...free })!;
    expect(r.years.map((y) => [y.year, y.bars])).toEqual([
      [2020, 5],
      [2021, 35],
    ]);
    const [y20, y21] = r.years;
    expect(y20!.signals).toEqual({ long: 1, short: 0, flat: 1, total: 2 });
    expect(y21!.signals).toEqual({ long: 0, short: 1, flat: 0, total: 1 });
    // Long from 110, marked at the 2020 year-end close of 114.
    expect(y20!.longShort.totalReturn).toBeCloseTo(114 / 110 - 1, 12);
    expect((1 + y20!.longShort.totalReturn) * (1 + y21!.longShort.totalReturn)).toBeCloseTo(119 / 110, 12);
    expect((1 + y20!.buyAndHold.totalReturn) * (1 + y21!.buyAndHold.totalReturn)).toBeCloseTo(0.61, 12);
    for (const k of [0, 1, 2])
      expect(y20!.horizons[k]!.baseline.count + y21!.horizons[k]!.baseline.count).toBe(
        r.horizons[k]!.baseline.count,
      );
  });

  it('counts a signal without a known outcome as pending, not as a miss', () => {
    const bars = scenario();
    const cut = { ...bars, length: 312 };
    const r = signalPerformance({ ref: REF, strategy: level, bars: cut, ...free })!;
    // The short at 310 enters at the open of 311 and has no later open yet.
    expect(r.outcomes.at(-1)!.forward).toEqual([null, null, null]);
    expect(r.horizons[0]!.short.count).toBe(0);
    expect(r.horizons[0]!.pending).toBe(1);
  });

  it('returns null without a bar to trade after the first full window', () => {
    expect(signalPerformance({ ref: REF, strategy: level, bars: randomWalk(301, 1) })).toBeNull();
  });
});

describe('point in time', () => {
  it('makes every signal from bars up to its own bar only', () => {
    const bars = randomWalk(360, 7);
    const r = signalPerformance({ ref: REF, strategy: macdMomentum, bars })!;
    expect(r.outcomes.length).toBeGreaterThan(3);
    const full = batchSignals(REF, macdMomentum, bars);
    for (const [k, o] of r.outcomes.entries()) {
      // The history cut right after the signal's bar issues the same signal.
      const past = batchSignals(REF, macdMomentum, { ...bars, length: o.index + 1 });
      expect(past.at(-1)).toEqual(full[k]);
    }
  });

  it('changes only outcomes when the bars after a signal change', () => {
    const bars = randomWalk(360, 11);
    const a = signalPerformance({ ref: REF, strategy: macdMomentum, bars })!;
    // Change every bar from a few bars after the second signal on.
    const k = a.outcomes[1]!.index + 3;
    expect(k).toBeLessThan(340);
    const changed = randomWalk(360, 11);
    for (const key of ['open', 'high', 'low', 'close'] as const)
      for (let i = k + 1; i < 360; i++) (changed[key] as Float64Array)[i]! *= 1.5 + Math.sin(i);
    const b = signalPerformance({ ref: REF, strategy: macdMomentum, bars: changed })!;
    const upTo = (r: SignalPerformance) =>
      r.outcomes.filter((o) => o.index <= k).map((o) => [o.index, o.issuedAt, o.direction]);
    expect(upTo(b)).toEqual(upTo(a));
    // A signal whose 20-bar window reaches past bar k sees a different outcome.
    expect(b.outcomes[1]!.forward[2]).not.toBe(a.outcomes[1]!.forward[2]);
    expect(b.outcomes[1]!.forward[0]).toBe(a.outcomes[1]!.forward[0]);
    // And the backtests differ only through what happened after bar k.
    expect(b.years).not.toEqual(a.years);
  });
});

describe('aggregation', () => {
  it('gives mean and median of the finite values', () => {
    expect(distribution([3, 1, null, 2])).toEqual({ n: 3, mean: 2, median: 2 });
    expect(distribution([1, 2, 3, 10])).toEqual({ n: 4, mean: 4, median: 2.5 });
    expect(distribution([null, Number.NaN])).toEqual({ n: 0, mean: null, median: null });
  });

  it('pools signals across assets and summarises per-asset metrics', () => {
    const a = signalPerformance({ ref: REF, strategy: level, bars: scenario(), ...free })!;
    const b = signalPerformance({
      ref: { ...REF, asset: 'other' },
      strategy: level,
      // Swings around 100: long and short in turn.
      bars: barsFrom(Array.from({ length: 400 }, (_, i) => 100 + 10 * Math.sin(i / 5) + (i % 3))),
      ...free,
    })!;
    const s = summarizeSignalPerformance([a, b]);
    expect(s.assets).toEqual(['test', 'other']);
    expect(s.signals.total).toBe(a.signals.total + b.signals.total);
    const h = s.pooled[1]!;
    expect(h.long.count).toBe(a.horizons[1]!.long.count + b.horizons[1]!.long.count);
    expect(h.long.hitRate).toBe(
      (a.horizons[1]!.long.hits + b.horizons[1]!.long.hits) /
        (a.horizons[1]!.long.count + b.horizons[1]!.long.count),
    );
    expect(s.longShort.totalReturn.mean).toBeCloseTo(
      (a.longShort.totalReturn + b.longShort.totalReturn) / 2,
      12,
    );
    expect(s.beatsBuyAndHold.compared).toBe(2);
    expect(s.years.find((y) => y.year === 2020)!.assets).toBe(2);
    expect(() => summarizeSignalPerformance([a, { ...b, strategy: 'x' }])).toThrow(/mix/);

    const md = signalPerformanceMarkdown([s], [a, b]);
    expect(md).toMatch(/\| test-level +\| +5 \|/);
    expect(md).toMatch(/\| buy-and-hold +\|/);
  });
});
