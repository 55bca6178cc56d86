import { describe, expect, it } from 'vitest';
import type { Bar, Interval, MarketEvent, MarketRef, MarketSource } from '../../src/market/types.js';
import { INTERVAL_MS } from '../../src/market/types.js';

/**
 * Deterministic OHLCV fixture: a random walk with prices rounded to cents, `count` bars from
 * `start` (which must be aligned to the interval).
 */
export function makeFixtureBars(start: number, interval: Interval, count: number, seed = 1): Bar[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    // xorshift32: reproducible without a dependency.
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
  const step = INTERVAL_MS[interval];
  const bars: Bar[] = [];
  let price = 30_000;
  for (let i = 0; i < count; i++) {
    const open = Math.round(price * 100) / 100;
    const close = Math.round(open * (1 + (rnd() - 0.5) * 0.01) * 100) / 100;
    const high = Math.round(Math.max(open, close) * (1 + rnd() * 0.003) * 100) / 100;
    const low = Math.round(Math.min(open, close) * (1 - rnd() * 0.003) * 100) / 100;
    const volume = Math.round(rnd() * 1e6) / 1e3;
    bars.push({ openTime: start + i * step, open, high, low, close, volume });
    price = close;
  }
  return bars;
}

/** What a contract run needs from one implementation. */
export type SourceContractSetup = {
  source: MarketSource;
  market: MarketRef;
  interval: Interval;
  /** Every bar the source holds for `market`/`interval`, ascending. */
  bars: Bar[];
  /**
   * For sources with a live feed: make the source deliver at least one event for `market`
   * after `watch` was called (a replay just runs; a fake exchange pushes a message).
   */
  live?: { drive(): Promise<void> | void };
  cleanup?(): Promise<void> | void;
};

async function collect(it: AsyncIterable<Bar[]>): Promise<{ bars: Bar[]; batches: number }> {
  const bars: Bar[] = [];
  let batches = 0;
  for await (const batch of it) {
    expect(batch.length, 'a batch is never empty').toBeGreaterThan(0);
    batches++;
    bars.push(...batch);
  }
  return { bars, batches };
}

/**
 * The shared contract every `MarketSource` passes.
 * @example runSourceContract('csv', async () => ({ source: createCsvSource(...), ... }))
 */
export function runSourceContract(name: string, setup: () => Promise<SourceContractSetup>): void {
  describe(`MarketSource contract: ${name}`, () => {
    it('fetchBars over the whole range returns every bar once, ascending', async () => {
      const s = await setup();
      try {
        const first = s.bars[0]!.openTime;
        const last = s.bars.at(-1)!.openTime;
        const { bars } = await collect(
          s.source.fetchBars(s.market, s.interval, { from: first, to: last + INTERVAL_MS[s.interval] }),
        );
        expect(bars.length).toBe(s.bars.length);
        expect(bars).toEqual(s.bars);
      } finally {
        await s.source.close();
        await s.cleanup?.();
      }
    });

    it('fetchBars honours a half-open [from, to) range with unaligned bounds', async () => {
      const s = await setup();
      try {
        const step = INTERVAL_MS[s.interval];
        const i = Math.floor(s.bars.length / 3);
        const j = Math.floor((2 * s.bars.length) / 3);
        const from = s.bars[i]!.openTime - Math.floor(step / 2); // bar i-1 opens before from: excluded
        const to = s.bars[j]!.openTime; // bar j opens at to: excluded
        const { bars } = await collect(s.source.fetchBars(s.market, s.interval, { from, to }));
        expect(bars).toEqual(s.bars.slice(i, j));
      } finally {
        await s.source.close();
        await s.cleanup?.();
      }
    });

    it('fetchBars over an empty range or a range without data yields nothing', async () => {
      const s = await setup();
      try {
        const t = s.bars[5]!.openTime;
        expect((await collect(s.source.fetchBars(s.market, s.interval, { from: t, to: t }))).bars).toEqual(
          [],
        );
        const after = s.bars.at(-1)!.openTime + 10 * INTERVAL_MS[s.interval];
        const r = await collect(
          s.source.fetchBars(s.market, s.interval, { from: after, to: after + 5 * INTERVAL_MS[s.interval] }),
        );
        expect(r.bars).toEqual([]);
      } finally {
        await s.source.close();
        await s.cleanup?.();
      }
    });

    it('fetchBars stops when its signal is aborted', async () => {
      const s = await setup();
      try {
        const ac = new AbortController();
        let batches = 0;
        await expect(async () => {
          for await (const batch of s.source.fetchBars(
            s.market,
            s.interval,
            { from: s.bars[0]!.openTime, to: s.bars.at(-1)!.openTime + 1 },
            { signal: ac.signal },
          )) {
            expect(batch.length).toBeGreaterThan(0);
            batches++;
            ac.abort();
          }
        }).rejects.toThrow();
        // Nothing more is delivered once the signal is aborted.
        expect(batches).toBe(1);
      } finally {
        await s.source.close();
        await s.cleanup?.();
      }
    });

    it('watch delivers events for the market and nothing after close', async () => {
      const s = await setup();
      try {
        if (!s.live) {
          expect(() => s.source.watch({ markets: [s.market], kinds: ['candles'] }, () => {})).toThrow();
          return;
        }
        const events: MarketEvent[] = [];
        const sub = s.source.watch(
          { markets: [s.market], kinds: ['trades', 'tickers', 'candles'], interval: s.interval },
          (e) => events.push(e),
        );
        await s.live.drive();
        const deadline = Date.now() + 10_000;
        while (!events.some((e) => e.type !== 'status') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        const data = events.filter((e) => e.type !== 'status');
        expect(data.length).toBeGreaterThan(0);
        for (const e of data) {
          expect(e.venue).toBe(s.market.venue);
          if ('symbol' in e) expect(e.symbol).toBe(s.market.symbol);
        }
        await sub.close();
        const n = events.length;
        await new Promise((r) => setTimeout(r, 200));
        expect(events.length).toBe(n);
      } finally {
        await s.source.close();
        await s.cleanup?.();
      }
    });
  });
}
