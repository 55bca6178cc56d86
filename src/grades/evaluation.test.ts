import { describe, expect, it } from 'vitest';
import type { Bar } from '../market/types.js';
import {
  evaluateGrades,
  type GradeSeries,
  gradeEvaluationMarkdown,
  gradePanel,
  quintileMeans,
  spearman,
} from './evaluation.js';
import { traderGrade } from './grades.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2020, 0, 1);
const SWING = 0.01;

/**
 * Daily bars whose close moves by `1 + g + 0.01` on even steps and `1 + g − 0.01` on odd ones:
 * the same swings for every asset, so a higher drift `g` is a better trend, RSI, Sharpe and
 * drawdown on every day, and a higher forward return.
 */
function drifting(asset: string, g: number, n: number): GradeSeries {
  const bars: Bar[] = [];
  let p = 100;
  for (let i = 0; i < n; i++) {
    const prev = p;
    if (i > 0) p *= 1 + g + (i % 2 === 0 ? SWING : -SWING);
    bars.push({
      openTime: T0 + i * DAY,
      open: prev,
      high: Math.max(prev, p),
      low: Math.min(prev, p),
      close: p,
      volume: 1000,
    });
  }
  return { asset, bars };
}

const DRIFTS = [-0.004, -0.002, 0.001, 0.003, 0.005];
const universe = (n = 420) => DRIFTS.map((g, k) => drifting(`a${k}`, g, n));

/** Forward h-day return from day i of an asset with drift g (steps i+1 … i+h). */
function forwardOf(g: number, i: number, h: number): number {
  let m = 1;
  for (let j = i + 1; j <= i + h; j++) m *= 1 + g + (j % 2 === 0 ? SWING : -SWING);
  return m - 1;
}

describe('quintiles and rank correlation', () => {
  it('averages returns per score quintile, lowest scores in Q1', () => {
    const obs = Array.from({ length: 10 }, (_, i) => ({
      asset: `x${i}`,
      score: 10 - i,
      ret: (10 - i) / 100,
    }));
    const q = quintileMeans(obs);
    for (const [k, v] of [0.015, 0.035, 0.055, 0.075, 0.095].entries()) expect(q[k]).toBeCloseTo(v, 12);
  });

  it('splits 7 assets 2-1-2-1-1 and needs at least 5', () => {
    const obs = [1, 2, 3, 4, 5, 6, 7].map((s) => ({ asset: `x${s}`, score: s, ret: s }));
    expect(quintileMeans(obs)).toEqual([1.5, 3, 4.5, 6, 7]);
    expect(() => quintileMeans(obs.slice(0, 4))).toThrow(/at least 5/);
  });

  it('computes Spearman with average ranks for ties', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Ranks of y: 1.5, 1.5, 3.5, 3.5 → 4 / √(5 · 4).
    expect(spearman([1, 2, 3, 4], [1, 1, 2, 2])).toBeCloseTo(4 / Math.sqrt(20), 12);
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNull();
  });
});

describe('evaluateGrades', () => {
  it('ranks a universe whose better-graded assets do better, with hand-checked spreads', () => {
    const n = 420;
    const e = evaluateGrades(universe(n));
    expect(e.assets).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    for (const k of e.kinds) {
      const first = k.kind === 'trader' ? 89 : 364;
      for (const h of k.horizons) {
        // Graded days: first..n-1; with a known forward return: first..n-1-h.
        const days = n - h.horizonDays - first;
        expect(h.days).toBe(days);
        expect(h.observations).toBe(5 * days);
        expect(h.spearman.mean).toBeCloseTo(1, 12);
        expect(h.spearman.positiveShare).toBe(1);
        let spread = 0;
        let q1 = 0;
        for (let i = first; i < first + days; i++) {
          spread += forwardOf(0.005, i, h.horizonDays) - forwardOf(-0.004, i, h.horizonDays);
          q1 += forwardOf(-0.004, i, h.horizonDays);
        }
        expect(h.spread).toBeCloseTo(spread / days, 12);
        expect(h.quintiles[0]!.meanReturn).toBeCloseTo(q1 / days, 12);
        expect(h.quintiles.map((q) => q.observations)).toEqual([days, days, days, days, days]);
        // Every horizonDays-th day only.
        expect(h.spreadNonOverlapping.days).toBe(Math.ceil(days / h.horizonDays));
      }
    }
    expect(gradeEvaluationMarkdown(e)).toMatch(/\| trader +\| 7 d +\|/);
  });

  it('leaves out days with fewer than 5 graded assets', () => {
    const e = evaluateGrades(universe().slice(0, 4));
    for (const k of e.kinds)
      for (const h of k.horizons) {
        expect(h.days).toBe(0);
        expect(h.spread).toBeNull();
      }
  });

  it('grades from closed bars up to the day and looks forward only for the outcome', () => {
    const base = universe(200);
    const panel = gradePanel(base, 'trader');
    const day = panel.find((d) => d.asOf === T0 + 120 * DAY + DAY)!;
    const o = day.observations.find((x) => x.asset === 'a2')!;
    const bars = base[2]!.bars;
    expect(o.score).toBe(traderGrade('a2', bars.slice(31, 121))!.score);
    expect(o.forward[0]).toBe(bars[127]!.close / bars[120]!.close - 1);
    expect(o.forward[1]).toBe(bars[150]!.close / bars[120]!.close - 1);

    // Change every bar of a2 after day 120: no grade up to day 120 moves, its outcomes do.
    const changed = base.map((s) =>
      s.asset !== 'a2'
        ? s
        : {
            ...s,
            bars: s.bars.map((b, i) => (i > 120 ? { ...b, close: b.close * 3, high: b.high * 3 } : b)),
          },
    );
    const after = gradePanel(changed, 'trader');
    const scores = (p: typeof panel) =>
      p.filter((d) => d.asOf <= T0 + 121 * DAY).map((d) => d.observations.map((x) => x.score));
    expect(scores(after)).toEqual(scores(panel));
    const o2 = after.find((d) => d.asOf === day.asOf)!.observations.find((x) => x.asset === 'a2')!;
    expect(o2.forward[0]).not.toBe(o.forward[0]);
  });

  it('has no forward return across a gap or past the end', () => {
    const s = drifting('gap', 0.001, 130);
    const bars = s.bars.filter((_, i) => i !== 105);
    const panel = gradePanel([{ asset: 'gap', bars }], 'trader');
    const at = (i: number) => panel.find((d) => d.asOf === T0 + (i + 1) * DAY)!.observations[0]!;
    expect(at(98).forward[0]).toBeNull();
    expect(at(97).forward[0]).not.toBeNull();
    expect(at(129).forward).toEqual([null, null]);
  });

  it('rejects bars that are not UTC days', () => {
    const s = drifting('x', 0, 100);
    const bad = { asset: 'x', bars: s.bars.map((b) => ({ ...b, openTime: b.openTime + 3_600_000 })) };
    expect(() => gradePanel([bad], 'trader')).toThrow(/UTC-aligned/);
  });
});
