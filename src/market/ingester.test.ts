import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LogCapture, type TestEnv, testEnv } from '../../test/helpers.js';
import { type Bus, createMemoryBus } from '../bus/index.js';
import { createLogger } from '../internal/logger.js';
import { createMarketResolver, openServices, type Services } from '../services/index.js';
import { CANDLE_TOPIC, type CandleUpdate, PRICE_TOPIC, type PriceQuote } from './events.js';
import { createIngester, type Ingester } from './ingester.js';
import type { MarketEvent } from './types.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const CHECK_MS = 1_000;
// The ingester closes bars this long after their interval ended (CLOSE_GRACE_MS).
const GRACE_MS = 2_000;

const trade = (venue: string, symbol: string, ts: number, price: number, amount: number): MarketEvent => ({
  type: 'trade',
  venue,
  symbol,
  trade: { ts, price, amount },
});

describe('live ingester', () => {
  let env: TestEnv;
  let services: Services;
  let bus: Bus;
  let ingester: Ingester | undefined;
  let now = T0;
  const candles: CandleUpdate[] = [];
  const prices: PriceQuote[] = [];
  const logs = new LogCapture();

  beforeAll(async () => {
    env = testEnv();
    services = await openServices(env.config, { command: 'test' });
  });
  afterAll(async () => {
    await services?.close();
    await env?.cleanup();
  });
  afterEach(async () => {
    await ingester?.close();
    ingester = undefined;
    await bus?.close();
    vi.useRealTimers();
    candles.length = 0;
    prices.length = 0;
  });

  function start(): Ingester {
    bus = createMemoryBus();
    bus.subscribe(CANDLE_TOPIC, (m) => candles.push(m as CandleUpdate));
    bus.subscribe(PRICE_TOPIC, (m) => prices.push(m as PriceQuote));
    ingester = createIngester({
      db: services.db,
      bus,
      logger: createLogger({ level: 'warn', destination: logs }),
      resolveMarket: createMarketResolver(services.assets),
      clock: () => now,
      persist: true,
      staleAfterMs: 60_000,
      outlierFraction: 0.05,
      closeCheckMs: CHECK_MS,
    });
    return ingester;
  }

  /** Fire the close timer `n` times and let the bus deliver. */
  async function tick(n = 1): Promise<void> {
    vi.advanceTimersByTime(CHECK_MS * n);
    await new Promise((r) => setImmediate(r));
  }

  const key = { venue: 'kraken', symbol: 'BTC/USD' };
  const stored = (interval: '1m' | '5m' | '1h') =>
    services.market.store.bars({ ...key, interval }, { from: T0 - 86_400_000, to: T0 + 86_400_000 }, 100);

  it('finalises and stores the last bar of a quiet market once its interval closed, by the clock', async () => {
    // Only the timers are faked: the database and the bus run for real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    now = T0 + 10_000;
    const ing = start();
    ing.handle(trade(key.venue, key.symbol, T0 + 10_000, 42_000, 0.5));
    ing.handle(trade(key.venue, key.symbol, T0 + 40_000, 42_100, 0.25));
    // The minute has not closed (nor its grace period): nothing is final, nothing stored.
    now = T0 + MIN + GRACE_MS - 1;
    await tick(3);
    await ing.flush();
    expect(candles).toEqual([]);
    expect(await stored('1m')).toEqual([]);

    // No further trade comes; the clock alone closes the 1m bar.
    now = T0 + MIN + GRACE_MS;
    await tick();
    const bar1m = { openTime: T0, open: 42_000, high: 42_100, low: 42_000, close: 42_100, volume: 0.75 };
    expect(candles).toEqual([
      { asset: 'bitcoin', venue: 'kraken', symbol: 'BTC/USD', interval: '1m', bar: bar1m, final: true },
    ]);
    await ing.flush();
    expect(await stored('1m')).toEqual([bar1m]);
    // The 5m bar stays open until its own interval is over.
    expect(await stored('5m')).toEqual([]);
    now = T0 + 5 * MIN + GRACE_MS;
    await tick();
    expect(candles.map((c) => [c.interval, c.final])).toEqual([
      ['1m', true],
      ['5m', true],
    ]);
    // The persist timer (also faked) has written it; flush to be sure of the order.
    await ing.flush();
    expect(await stored('5m')).toEqual([bar1m]);
    expect(await stored('1h')).toEqual([]);
    // Closing again changes nothing: every bar is final exactly once.
    await tick(5);
    expect(candles).toHaveLength(2);
  });

  it('close() stops the timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    now = T0 + 2 * 86_400_000;
    const ing = start();
    ing.handle(trade(key.venue, key.symbol, now, 43_000, 1));
    await ing.close();
    ingester = undefined;
    // Shutdown finalises nothing early (the minute is open) and no timer is left behind.
    expect(candles).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('builds candles from the trades of several venues, stores them and publishes candles and prices', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const D = T0 + 5 * 86_400_000;
    now = D;
    const ing = start();
    const feed: [string, string, number, number, number][] = [
      ['binance', 'BTC/USDT', D + 1_000, 100, 2],
      ['coinbase', 'BTC/USD', D + 5_000, 100.5, 1],
      ['kraken', 'BTC/USD', D + 10_000, 100, 0.5],
      ['binanceusdm', 'BTC/USDT:USDT', D + 12_000, 99, 10],
      ['binance', 'BTC/USDT', D + 30_000, 102, 1],
      ['binance', 'BTC/USDT', D + 50_000, 101, 1],
      ['coinbase', 'BTC/USD', D + 55_000, 101.5, 3],
      // A market no asset is known for is ignored, not an error.
      ['binance', 'NOSUCHCOIN/USDT', D + 56_000, 1, 1],
      // The next minute's trades close minute 0 on binance and coinbase; kraken stays quiet.
      ['binance', 'BTC/USDT', D + MIN + 1_000, 103, 1],
      ['coinbase', 'BTC/USD', D + MIN + 2_000, 102, 1],
    ];
    for (const [venue, symbol, ts, price, amount] of feed) {
      now = ts;
      ing.handle(trade(venue, symbol, ts, price, amount));
    }
    // The quiet venue's minute and the perpetual's are closed by the clock.
    now = D + MIN + GRACE_MS + 500;
    await tick();

    const m0 = (c: CandleUpdate) => c.interval === '1m' && c.bar.openTime === D;
    const byVenue = Object.fromEntries(candles.filter(m0).map((c) => [`${c.venue} ${c.symbol}`, c]));
    expect(Object.keys(byVenue).sort()).toEqual([
      'binance BTC/USDT',
      'binanceusdm BTC/USDT:USDT',
      'coinbase BTC/USD',
      'kraken BTC/USD',
    ]);
    expect(byVenue['binance BTC/USDT']).toEqual({
      asset: 'bitcoin',
      venue: 'binance',
      symbol: 'BTC/USDT',
      interval: '1m',
      bar: { openTime: D, open: 100, high: 102, low: 100, close: 101, volume: 4 },
      final: true,
    });
    expect(byVenue['coinbase BTC/USD']!.bar).toEqual({
      openTime: D,
      open: 100.5,
      high: 101.5,
      low: 100.5,
      close: 101.5,
      volume: 4,
    });
    expect(byVenue['kraken BTC/USD']!.bar).toEqual({
      openTime: D,
      open: 100,
      high: 100,
      low: 100,
      close: 100,
      volume: 0.5,
    });
    // Each bar once; the open minute is not final, nothing else was.
    expect(candles.filter(m0)).toHaveLength(4);
    expect(candles.every((c) => c.final && c.interval === '1m' && c.bar.openTime === D)).toBe(true);
    expect(candles.some((c) => c.symbol.startsWith('NOSUCHCOIN'))).toBe(false);

    await ing.flush();
    for (const c of Object.values(byVenue)) {
      const rows = await services.market.store.bars(
        { venue: c.venue, symbol: c.symbol, interval: '1m' },
        { from: D, to: D + 86_400_000 },
        10,
      );
      expect(rows, `${c.venue} ${c.symbol}`).toEqual([c.bar]);
    }
    const series = await services.market.store.series({ assetId: 'bitcoin', interval: '1m' });
    expect(series.find((s) => s.venue === 'binance')).toMatchObject({ quote: 'USDT', bars: 1 });

    // Prices: spot USD-like markets only (not the perpetual), volume-weighted over closed bars.
    const latest = () => prices.filter((p) => p.asset === 'bitcoin').at(-1);
    const want = (103 * 4 + 102 * 4 + 100 * 0.5) / 8.5;
    await waitFor(
      () => Math.abs((latest()?.price ?? 0) - want) < 1e-9,
      () => JSON.stringify(latest()),
    );
    const q = latest()!;
    expect(q.venues.map((x) => [x.venue, x.symbol, x.price, x.volume24h, x.used]).sort()).toEqual([
      ['binance', 'BTC/USDT', 103, 4, true],
      ['coinbase', 'BTC/USD', 102, 4, true],
      ['kraken', 'BTC/USD', 100, 0.5, true],
    ]);
    expect(q.stale).toBe(false);
    expect(q.volume24h).toBe(8.5);
    expect(q.asOf).toBe(new Date(D + MIN + 2_000).toISOString());
    expect(q.deviationBps).toBeCloseTo(Math.abs(100 / want - 1) * 10_000, 1);
  });

  it('close() waits for a write the persist timer started, so no closed bar is lost at shutdown', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const D = T0 + 7 * 86_400_000;
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let writes = 0;
    // The database, with every transaction held until the gate opens.
    const db = new Proxy(services.db, {
      get(target, prop) {
        if (prop === 'transaction')
          return async (fn: Parameters<typeof target.transaction>[0]) => {
            writes++;
            await gate;
            return target.transaction(fn);
          };
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    bus = createMemoryBus();
    const ing = createIngester({
      db,
      bus,
      logger: createLogger({ level: 'warn', destination: logs }),
      resolveMarket: createMarketResolver(services.assets),
      clock: () => now,
      persist: true,
      staleAfterMs: 60_000,
      outlierFraction: 0.05,
      closeCheckMs: CHECK_MS,
    });
    now = D + 1_000;
    ing.handle(trade('kraken', 'BTC/USD', now, 50_000, 1));
    now = D + MIN + GRACE_MS;
    // One tick closes the bar (close timer) and starts writing it (persist timer).
    await tick();
    expect(writes).toBe(1);
    let closed = false;
    const closing = ing.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    open();
    await closing;
    const rows = await services.market.store.bars(
      { venue: 'kraken', symbol: 'BTC/USD', interval: '1m' },
      { from: D, to: D + MIN },
      10,
    );
    expect(rows.map((b) => b.close)).toEqual([50_000]);
  });
});

/** Poll until `ok()` (the bus and the price throttle are asynchronous); no timing is asserted. */
async function waitFor(ok: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out; last: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
