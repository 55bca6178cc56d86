import { describe, expect, it } from 'vitest';
import { aggregatePrice, type VenueInput } from './prices.js';

const NOW = Date.UTC(2024, 0, 1, 12);
const opts = { now: NOW, staleAfterMs: 60_000, outlierFraction: 0.05 };

const v = (
  venue: string,
  price: number,
  volume24h: number | null,
  o: Partial<VenueInput> = {},
): VenueInput => ({
  venue,
  symbol: 'BTC/USD',
  price,
  volume24h,
  asOf: NOW - 1_000,
  price24hAgo: null,
  ...o,
});

describe('aggregatePrice', () => {
  it('answers null without inputs', () => {
    expect(aggregatePrice('bitcoin', [], opts)).toBeNull();
  });

  it('weights venues by their 24 h volume', () => {
    const q = aggregatePrice('bitcoin', [v('binance', 100, 300), v('kraken', 104, 100)], opts)!;
    // (100·300 + 104·100) / 400
    expect(q.price).toBeCloseTo(101, 12);
    expect(q.volume24h).toBe(400);
    expect(q.venues.map((x) => [x.venue, x.used])).toEqual([
      ['binance', true],
      ['kraken', true],
    ]);
  });

  it('weights equally when no venue reports a volume', () => {
    const q = aggregatePrice('bitcoin', [v('binance', 100, null), v('kraken', 104, null)], opts)!;
    expect(q.price).toBeCloseTo(102, 12);
    expect(q.volume24h).toBeNull();
  });

  it('counts a venue of unknown volume as a typical one, not as zero, when others report theirs', () => {
    // A venue that is "used" must move the price: it weighs the median of the known volumes.
    const q = aggregatePrice(
      'bitcoin',
      [v('binance', 100, 100), v('coinbase', 100, 300), v('kraken', 104, null)],
      opts,
    )!;
    // weights 100, 300, median(100, 300) = 200 → (100·400 + 104·200) / 600
    expect(q.price).toBeCloseTo((100 * 400 + 104 * 200) / 600, 9);
    expect(q.venues.every((x) => x.used)).toBe(true);
    // The reported volume is what venues reported: unknown is not invented.
    expect(q.volume24h).toBe(400);
  });

  it('drops a venue further than the outlier fraction from the median (3+ venues)', () => {
    const q = aggregatePrice(
      'bitcoin',
      [v('binance', 100, 10), v('coinbase', 101, 10), v('kraken', 99, 10), v('thin', 130, 1_000)],
      opts,
    )!;
    expect(q.price).toBeCloseTo(100, 12);
    const thin = q.venues.find((x) => x.venue === 'thin')!;
    expect(thin).toMatchObject({ used: false, reason: 'outlier', price: 130 });
    // The outlier's volume is not counted either.
    expect(q.volume24h).toBe(30);
    // Deviation is measured over the venues used: 1 % at most.
    expect(q.deviationBps).toBeCloseTo(100, 6);
  });

  it('keeps both venues when there are only two (no median to judge by) and reports their deviation', () => {
    const q = aggregatePrice('bitcoin', [v('binance', 100, 1), v('kraken', 120, 1)], opts)!;
    expect(q.price).toBeCloseTo(110, 12);
    expect(q.venues.every((x) => x.used)).toBe(true);
    // |120/110 - 1| = 909.09 bps
    expect(q.deviationBps).toBeCloseTo(909.09, 2);
  });

  it('reports zero deviation when the venues agree', () => {
    const q = aggregatePrice('bitcoin', [v('a', 100, 1), v('b', 100, 2), v('c', 100, 3)], opts)!;
    expect(q.deviationBps).toBe(0);
  });

  it('leaves out stale venues while fresh ones exist, and says why', () => {
    const q = aggregatePrice(
      'bitcoin',
      [v('binance', 100, 10), v('kraken', 200, 1_000, { asOf: NOW - 120_000 })],
      opts,
    )!;
    expect(q.price).toBe(100);
    expect(q.stale).toBe(false);
    expect(q.asOf).toBe(new Date(NOW - 1_000).toISOString());
    expect(q.venues.find((x) => x.venue === 'kraken')).toMatchObject({ used: false, reason: 'stale' });
    expect(q.volume24h).toBe(10);
  });

  it('serves the last prices flagged stale when every venue is stale', () => {
    const q = aggregatePrice(
      'bitcoin',
      [v('binance', 100, 1, { asOf: NOW - 90_000 }), v('kraken', 102, 1, { asOf: NOW - 120_000 })],
      opts,
    )!;
    expect(q.stale).toBe(true);
    expect(q.price).toBeCloseTo(101, 12);
    expect(q.asOf).toBe(new Date(NOW - 90_000).toISOString());
    expect(q.venues.every((x) => x.used)).toBe(true);
  });

  it('is fresh exactly up to the configured age', () => {
    const at = (age: number) => aggregatePrice('bitcoin', [v('binance', 100, 1, { asOf: NOW - age })], opts)!;
    expect(at(60_000).stale).toBe(false);
    expect(at(60_001).stale).toBe(true);
  });

  it('averages the 24 h change over the venues that know it', () => {
    const q = aggregatePrice(
      'bitcoin',
      [v('binance', 110, 1, { price24hAgo: 100 }), v('kraken', 105, 1, { price24hAgo: 100 }), v('c', 107, 1)],
      opts,
    )!;
    expect(q.change24hPct).toBeCloseTo(7.5, 9);
    expect(aggregatePrice('bitcoin', [v('a', 1, 1)], opts)!.change24hPct).toBeNull();
  });

  it('ignores inputs without a usable price instead of answering NaN', () => {
    const q = aggregatePrice(
      'bitcoin',
      [v('binance', 100, 1), v('broken', Number.NaN, 1), v('zero', 0, 1), v('kraken', 102, 1)],
      opts,
    )!;
    expect(q.price).toBeCloseTo(101, 12);
    expect(Number.isFinite(q.deviationBps)).toBe(true);
    expect(q.venues.map((x) => x.venue)).toEqual(['binance', 'kraken']);
    expect(aggregatePrice('bitcoin', [v('zero', 0, 1)], opts)).toBeNull();
  });
});
