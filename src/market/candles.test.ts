import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateBars, alignTime, CandleBuilder } from './candles.js';
import { type Bar, INTERVAL_MS, type Interval } from './types.js';

/** The obvious implementation: bucket every trade into every interval. */
function naive(trades: [number, number, number][], interval: Interval): Bar[] {
  const m = new Map<number, Bar>();
  for (const [ts, price, amount] of trades) {
    const t = alignTime(ts, interval);
    const b = m.get(t);
    if (!b) m.set(t, { openTime: t, open: price, high: price, low: price, close: price, volume: amount });
    else {
      b.high = Math.max(b.high, price);
      b.low = Math.min(b.low, price);
      b.close = price;
      b.volume += amount;
    }
  }
  return [...m.values()].sort((a, b) => a.openTime - b.openTime);
}

const T0 = Date.UTC(2024, 0, 1);

describe('aggregateBars', () => {
  it('rolls hourly bars into daily ones and counts parts', () => {
    const hourly: Bar[] = Array.from({ length: 48 }, (_, i) => ({
      openTime: T0 + i * 3_600_000,
      open: i + 1,
      high: i + 3,
      low: i,
      close: i + 2,
      volume: 1,
    }));
    const daily = aggregateBars(hourly.slice(1), '1h', '1d');
    expect(daily).toHaveLength(2);
    expect(daily[0]).toMatchObject({
      openTime: T0,
      open: 2,
      high: 26,
      low: 1,
      close: 25,
      volume: 23,
      parts: 23,
    });
    expect(daily[1]).toMatchObject({
      openTime: T0 + 86_400_000,
      open: 25,
      close: 49,
      parts: 24,
      expectedParts: 24,
    });
  });

  it('refuses intervals that do not divide', () => {
    expect(() => aggregateBars([], '4h', '1h')).toThrow();
  });
});

describe('CandleBuilder', () => {
  it('matches the naive bucketing for every interval on random trade streams', () => {
    const intervals: Interval[] = ['1m', '5m', '15m', '1h', '4h', '1d'];
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 400_000 }),
            fc.integer({ min: 1, max: 10_000 }),
            fc.integer({ min: 0, max: 1000 }),
          ),
          {
            minLength: 1,
            maxLength: 300,
          },
        ),
        (raw) => {
          // Increasing timestamps spread over ~3 days; prices in cents.
          let ts = T0;
          const trades: [number, number, number][] = raw.map(([dt, p, a]) => {
            ts += dt * 3;
            return [ts, p / 100, a / 10];
          });
          const closed = new Map<Interval, Bar[]>();
          const b = new CandleBuilder((i, bar) => closed.set(i, [...(closed.get(i) ?? []), bar]), intervals);
          for (const [t, p, a] of trades) b.addTrade(t, p, a);
          for (const i of intervals) {
            const expected = naive(trades, i);
            const got = [...(closed.get(i) ?? [])];
            const open = b.current(i);
            if (open) got.push(open);
            expect(got.map((x) => ({ ...x, volume: Math.round(x.volume * 1e6) }))).toEqual(
              expected.map((x) => ({ ...x, volume: Math.round(x.volume * 1e6) })),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finalizes bars on the clock and drops late trades', () => {
    const closed: [Interval, Bar][] = [];
    const b = new CandleBuilder((i, bar) => closed.push([i, bar]), ['1m', '5m']);
    b.addTrade(T0 + 1_000, 10, 1);
    b.addTrade(T0 + 61_000, 11, 1);
    b.addTrade(T0 + 30_000, 9, 1); // its minute already closed
    expect(b.lateTrades).toBe(1);
    expect(closed.map(([i]) => i)).toEqual(['1m']);
    b.closeUntil(T0 + INTERVAL_MS['5m']);
    expect(closed.map(([i, bar]) => [i, bar.openTime, bar.close])).toEqual([
      ['1m', T0, 10],
      ['1m', T0 + 60_000, 11],
      ['5m', T0, 11],
    ]);
  });
});
