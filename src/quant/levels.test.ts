import { describe, expect, it } from 'vitest';
import { ValidationError } from '../internal/errors.js';
import type { Bar } from '../market/types.js';
import {
  betaCorrelation,
  correlationMatrix,
  marketRegime,
  type SeriesPoint,
  supportResistance,
} from './index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2023, 0, 1);

function bar(i: number, high: number, low: number, close: number, volume = 1): Bar {
  return { openTime: T0 + i * DAY, open: close, high, low, close, volume };
}

describe('supportResistance', () => {
  // Hand-checked with pivotWindow 1. Swing highs: 12 (i1), 13 (i3), 12.1 (i5); swing lows:
  // 8 (i2), 8.1 (i4). With a 2 % tolerance the clusters are {8, 8.1}, {12, 12.1}, {13}.
  const bars = [
    bar(0, 10, 9, 9.5),
    bar(1, 12, 10, 11),
    bar(2, 11, 8, 9),
    bar(3, 13, 9, 12),
    bar(4, 12, 8.1, 9),
    bar(5, 12.1, 9.5, 11, 3),
    bar(6, 11, 10, 10.5),
  ];

  it('clusters pivots and weighs touches by recency and volume', () => {
    const r = supportResistance(bars, { pivotWindow: 1, tolerance: 0.02, halfLifeBars: 2 });
    expect(r.lastClose).toBe(10.5);
    // Mean volume 9/7; weight = 0.5^((6 - i) / 2) * volume / (9/7).
    const w = (i: number, v = 1) => 0.5 ** ((6 - i) / 2) * (v / (9 / 7));
    const rawA = w(2) + w(4);
    const rawB = w(1) + w(5, 3);
    const rawC = w(3);
    expect(r.levels.map((l) => [l.kind, l.touches, l.low, l.high])).toEqual([
      ['resistance', 2, 12, 12.1],
      ['support', 2, 8, 8.1],
      ['resistance', 1, 13, 13],
    ]);
    const [b, a, c] = r.levels;
    expect(b!.price).toBeCloseTo((12 * 1 + 12.1 * 3) / 4, 12);
    expect(a!.price).toBeCloseTo(8.05, 12);
    expect(b!.strength).toBe(1);
    expect(a!.strength).toBeCloseTo(rawA / rawB, 12);
    expect(c!.strength).toBeCloseTo(rawC / rawB, 12);
    expect(b!.lastTouchTime).toBe(T0 + 5 * DAY);
    expect(a!.lastTouchTime).toBe(T0 + 4 * DAY);
    expect(a!.distance).toBeCloseTo(8.05 / 10.5 - 1, 12);
  });

  it('limits to maxLevels and splits clusters by tolerance', () => {
    expect(supportResistance(bars, { pivotWindow: 1, maxLevels: 1 }).levels).toHaveLength(1);
    // 0.5 % tolerance: 12 and 12.1 are 0.83 % apart, so every pivot but 8/8.1 (1.25 %) stands alone.
    const tight = supportResistance(bars, { pivotWindow: 1, tolerance: 0.005, maxLevels: 10 });
    expect(tight.levels).toHaveLength(5);
  });

  it('finds the two levels of a range-bound market', () => {
    // Triangle wave between 100 and 120, period 20 bars, ending mid-range.
    const closes = Array.from({ length: 205 }, (_, i) => {
      const p = i % 20;
      return p <= 10 ? 100 + 2 * p : 120 - 2 * (p - 10);
    });
    const bs = closes.map((c, i) => bar(i, c + 0.5, c - 0.5, c));
    const r = supportResistance(bs, { pivotWindow: 5 });
    expect(r.lastClose).toBe(108);
    expect(r.levels).toHaveLength(2);
    const res = r.levels.find((l) => l.kind === 'resistance')!;
    const sup = r.levels.find((l) => l.kind === 'support')!;
    expect(res.price).toBeCloseTo(120.5, 12);
    expect(sup.price).toBeCloseTo(99.5, 12);
    // Peaks at i = 10, 30, …, 190; troughs at 20, …, 180 (0 and 200 lack a full window).
    expect(res.touches).toBe(10);
    expect(sup.touches).toBe(9);
    for (const l of r.levels) expect(l.strength).toBeGreaterThan(0);
  });

  it('honours asOf and rejects a window longer than the history', () => {
    const r = supportResistance(bars, { pivotWindow: 1, asOf: T0 + 5 * DAY });
    expect(r.lastTime).toBe(T0 + 4 * DAY);
    expect(() => supportResistance(bars, { pivotWindow: 4 })).toThrow(ValidationError);
    expect(() => supportResistance([], {})).toThrow(ValidationError);
    expect(() => supportResistance(bars, { tolerance: 0 })).toThrow(ValidationError);
  });
});

describe('correlationMatrix', () => {
  const s = (values: number[], start = 0): SeriesPoint[] =>
    values.map((value, i) => ({ time: (start + i) * DAY, value }));
  const a = s([100, 110, 99, 108.9, 120, 115]);
  const b = s([100, 120, 96, 115.2, 140.8, 129.07]); // first three returns exactly 2x a's
  const c = s([50, 52, 51, 49, 53], 2); // overlaps a on days 2..5
  const d = s([1, 2], 10); // no overlap

  it('computes pairwise on common dates with observation counts', () => {
    const m = correlationMatrix([
      { id: 'a', series: a },
      { id: 'b', series: b },
      { id: 'c', series: c },
      { id: 'd', series: d },
    ]);
    expect(m.ids).toEqual(['a', 'b', 'c', 'd']);
    expect(m.observations).toEqual([
      [5, 5, 3, 0],
      [5, 5, 3, 0],
      [3, 3, 4, 0],
      [0, 0, 0, 1],
    ]);
    expect(m.correlation[0]![0]).toBe(1);
    expect(m.correlation[3]![3]).toBeNull(); // one return: below minObservations 2
    expect(m.correlation[0]![3]).toBeNull();
    expect(m.correlation[0]![1]).toBeCloseTo(betaCorrelation(a, b).correlation!, 14);
    expect(m.correlation[2]![0]).toBeCloseTo(betaCorrelation(c, a).correlation!, 14);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) expect(m.correlation[i]![j]).toBe(m.correlation[j]![i]);
  });

  it('applies minObservations and rejects bad input', () => {
    const m = correlationMatrix(
      [
        { id: 'a', series: a },
        { id: 'c', series: c },
      ],
      { minObservations: 4 },
    );
    expect(m.correlation[0]![1]).toBeNull();
    expect(() => correlationMatrix([])).toThrow(ValidationError);
    expect(() =>
      correlationMatrix([
        { id: 'x', series: a },
        { id: 'x', series: b },
      ]),
    ).toThrow(ValidationError);
  });
});

describe('marketRegime', () => {
  const geometric = (g: number, n = 250, start = 0): Bar[] =>
    Array.from({ length: n }, (_, i) => {
      const c = 100 * (1 + g) ** i;
      return { openTime: T0 + (start + i) * DAY, open: c, high: c, low: c, close: c, volume: 1 };
    });
  const ret30 = (g: number) => (1 + g) ** 30 - 1;

  it('combines breadth and median return as documented', () => {
    const r = marketRegime([
      { id: 'up', bars: geometric(0.01) },
      { id: 'down', bars: geometric(-0.01) },
      { id: 'upSmall', bars: geometric(0.001) },
      { id: 'downSmall', bars: geometric(-0.002) },
    ]);
    expect(r.included).toBe(4);
    expect(r.breadth).toBe(0.5);
    const median = (ret30(-0.002) + ret30(0.001)) / 2;
    expect(r.medianReturn).toBeCloseTo(median, 12);
    expect(r.score).toBeCloseTo(0.5 * 0 + 0.5 * (median / 0.2), 12);
    expect(r.label).toBe('neutral');
    const up = r.assets[0]!;
    let sma = 0;
    for (let i = 50; i < 250; i++) sma += 100 * 1.01 ** i;
    expect(up.sma).toBeCloseTo(sma / 200, 9);
    expect(up).toMatchObject({ included: true, aboveSma: true });
    expect(up.return).toBeCloseTo(ret30(0.01), 12);
  });

  it('labels bull and bear, excludes short and stale assets with a reason', () => {
    const bull = marketRegime([
      { id: 'a', bars: geometric(0.01) },
      { id: 'b', bars: geometric(0.005) },
      { id: 'young', bars: geometric(0.01, 100, 150) },
      { id: 'stale', bars: geometric(-0.01, 240) },
    ]);
    expect(bull.label).toBe('bull');
    expect(bull.score).toBe(1);
    expect(bull.included).toBe(2);
    expect(bull.assets[2]).toMatchObject({ included: false, reason: 'fewer than 200 closed bars' });
    expect(bull.assets[3]).toMatchObject({ included: false, reason: 'stale: last close too old' });
    const bear = marketRegime([{ id: 'a', bars: geometric(-0.01) }]);
    expect(bear.label).toBe('bear');
    expect(bear.score).toBe(-1);
  });

  it('is point-in-time with asOf', () => {
    // Up for 250 days, then down for 60: bull at day 250, bearish breadth at day 310.
    const upDown = [
      ...geometric(0.01),
      ...geometric(-0.02, 60, 250).map((b) => ({ ...b, close: b.close * 1.01 ** 249 })),
    ];
    expect(marketRegime([{ id: 'x', bars: upDown }], { asOf: T0 + 250 * DAY }).label).toBe('bull');
    expect(marketRegime([{ id: 'x', bars: upDown }]).label).toBe('bear');
  });

  it('throws when no asset has enough history', () => {
    try {
      marketRegime([{ id: 'x', bars: geometric(0.01, 100) }], { smaPeriod: 200 });
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues?.[0]?.message).toContain('x: fewer than 200 closed bars');
    }
    expect(() => marketRegime([])).toThrow(ValidationError);
  });
});
