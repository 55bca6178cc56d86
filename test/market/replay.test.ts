import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANDLE_TOPIC, type CandleUpdate, PRICE_TOPIC, type PriceQuote } from '../../src/market/index.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';
import { makeFixtureBars } from './sourceContract.js';

const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const btc = makeFixtureBars(T0, '1h', 72, 11);
const eth = makeFixtureBars(T0, '1h', 72, 12).map((b) => ({
  ...b,
  open: b.open / 10,
  high: b.high / 10,
  low: b.low / 10,
  close: b.close / 10,
}));

const csv = (rows: typeof btc) =>
  `timestamp,open,high,low,close,volume\n${rows.map((b) => `${b.openTime},${b.open},${b.high},${b.low},${b.close},${b.volume}`).join('\n')}\n`;

describe('serve --replay', () => {
  let server: TestServer;
  let dir: string;
  const candles: CandleUpdate[] = [];
  const prices: PriceQuote[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sextant-replay-'));
    writeFileSync(join(dir, 'BTCUSDT_1h.csv'), csv(btc));
    writeFileSync(join(dir, 'ETHUSDT_1h.csv'), csv(eth));
    // 10 market hours per second: the 72 bars play in ~7 s, so the subscription below (made once
    // the server is up, on a busy CI machine seconds later) still sees at least half of them.
    server = await startTestServer({ REPLAY_DIR: dir, REPLAY_SPEED: '36000', REPLAY_FROM: '2024-01-01' });
    server.services.common.bus.subscribe(CANDLE_TOPIC, (m) => candles.push(m as CandleUpdate));
    server.services.common.bus.subscribe(PRICE_TOPIC, (m) => prices.push(m as PriceQuote));
    await server.feed.replay!.finished();
    await new Promise((r) => setTimeout(r, 400)); // the last throttled price update
  });
  afterAll(async () => {
    await stopTestServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports the directory and publishes every bar once, in order, as final', () => {
    expect(server.feed.mode).toBe('replay');
    for (const [asset, bars] of [
      ['bitcoin', btc],
      ['ethereum', eth],
    ] as const) {
      const got = candles.filter((c) => c.asset === asset && c.interval === '1h');
      // Bars already closed when the bus subscription started may be missed: compare the tail.
      expect(got.length).toBeGreaterThanOrEqual(36);
      expect(got.map((c) => c.bar)).toEqual(bars.slice(bars.length - got.length));
      expect(got.every((c) => c.final && c.venue === 'binance' && c.symbol.endsWith('/USDT'))).toBe(true);
    }
  });

  it('publishes aggregate prices on the replay clock, fresh and with a 24 h change', async () => {
    const last = prices.filter((p) => p.asset === 'bitcoin').at(-1)!;
    expect(last.price).toBe(btc.at(-1)!.close);
    expect(last.asOf).toBe(new Date(btc.at(-1)!.openTime + HOUR).toISOString());
    expect(last.stale).toBe(false);
    expect(last.change24hPct).toBeCloseTo((btc.at(-1)!.close / btc.at(-25)!.close - 1) * 100, 3);
    const r = await server.app.inject({ method: 'GET', url: '/v1/prices?ids=bitcoin,ethereum' });
    const body = r.json() as { data: PriceQuote[] };
    expect(body.data.map((q) => [q.asset, q.price])).toEqual([
      ['bitcoin', btc.at(-1)!.close],
      ['ethereum', eth.at(-1)!.close],
    ]);
  });

  it('serves only bars closed by the replay clock', async () => {
    const r = await server.app.inject({
      method: 'GET',
      url: `/v1/ohlcv?asset=bitcoin&interval=1h&from=${T0}&limit=1000`,
    });
    const body = r.json() as { bars: { openTime: number }[] };
    const now = server.services.marketClock.now();
    expect(body.bars.length).toBe(72);
    expect(body.bars.every((b) => b.openTime + HOUR <= now)).toBe(true);
  });
});
