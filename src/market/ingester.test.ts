import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LogCapture, type TestEnv, testEnv } from '../../test/helpers.js';
import { type Bus, createMemoryBus } from '../bus/index.js';
import { createLogger } from '../internal/logger.js';
import { createMarketResolver, openServices, type Services } from '../services/index.js';
import { CANDLE_TOPIC, type CandleUpdate } from './events.js';
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
  });

  function start(): Ingester {
    bus = createMemoryBus();
    bus.subscribe(CANDLE_TOPIC, (m) => candles.push(m as CandleUpdate));
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
});
