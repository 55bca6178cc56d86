import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateBars, importMarketFiles, PRICE_TOPIC, type PriceQuote } from '../../src/market/index.js';
import { createMarketResolver } from '../../src/services/index.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';
import { makeFixtureBars } from './sourceContract.js';

const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const bars = makeFixtureBars(T0, '1h', 72, 7);

function csv(rows: typeof bars): string {
  return `timestamp,open,high,low,close,volume\n${rows
    .map((b) => `${new Date(b.openTime).toISOString()},${b.open},${b.high},${b.low},${b.close},${b.volume}`)
    .join('\n')}\n`;
}

describe('market operations', () => {
  let server: TestServer;
  let dir: string;
  const get = async (url: string) => {
    const r = await server.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() as Record<string, any> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sextant-mkt-'));
    writeFileSync(join(dir, 'BTCUSDT_1h.csv'), csv(bars));
    server = await startTestServer();
    await importMarketFiles(
      { db: server.services.db, resolveMarket: createMarketResolver(server.services.assets) },
      [dir],
    );
  });
  afterAll(async () => {
    await stopTestServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages through stored bars with a cursor, none missing or repeated', async () => {
    const seen: number[] = [];
    let url = `/v1/ohlcv?asset=bitcoin&interval=1h&from=${T0}&to=${T0 + 100 * HOUR}&limit=10`;
    for (let page = 0; page < 20; page++) {
      const { status, body } = await get(url);
      expect(status).toBe(200);
      expect(body).toMatchObject({ asset: 'bitcoin', venue: 'binance', symbol: 'BTC/USDT', builtFrom: null });
      seen.push(...body.bars.map((b: { openTime: number }) => b.openTime));
      if (!body.nextCursor) break;
      url = `/v1/ohlcv?asset=bitcoin&interval=1h&from=${T0}&to=${T0 + 100 * HOUR}&limit=10&cursor=${body.nextCursor}`;
    }
    expect(seen).toEqual(bars.map((b) => b.openTime));
    const first = (await get(`/v1/ohlcv?asset=bitcoin&interval=1h&from=2024-01-01T00:00:00Z&limit=1`)).body
      .bars[0];
    expect(first).toEqual({ ...bars[0], time: '2024-01-01T00:00:00.000Z', final: true });
  });

  it('builds an interval that is not stored from a lower one', async () => {
    const { status, body } = await get(`/v1/ohlcv?asset=bitcoin&interval=4h&from=${T0}&to=${T0 + 72 * HOUR}`);
    expect(status).toBe(200);
    expect(body.builtFrom).toBe('1h');
    const expected = aggregateBars(bars, '1h', '4h').map(({ parts: _p, expectedParts: _e, ...b }) => b);
    expect(body.bars.map(({ time: _t, final: _f, ...b }: Record<string, unknown>) => b)).toEqual(expected);
  });

  it.each([
    ['/v1/ohlcv?asset=bitcoin&interval=1h&from=2024-02-01&to=2024-01-01', 400, 'VALIDATION_FAILED', 'from'],
    ['/v1/ohlcv?asset=bitcoin&interval=1h&limit=1000000', 400, 'VALIDATION_FAILED', 'limit'],
    ['/v1/ohlcv?asset=bitcoin&interval=2h', 400, 'VALIDATION_FAILED', 'interval'],
    ['/v1/ohlcv?asset=bitcoin&interval=1h&from=yesterday', 400, 'VALIDATION_FAILED', 'from'],
    ['/v1/ohlcv?asset=bitcoin&interval=1h&cursor=zzz', 400, 'VALIDATION_FAILED', 'cursor'],
    ['/v1/ohlcv?asset=bitcoin&interval=1d&buildFrom=1d', 400, 'VALIDATION_FAILED', 'buildFrom'],
    ['/v1/ohlcv?asset=no-such-coin&interval=1h', 404, 'ASSET_NOT_FOUND', null],
    ['/v1/ohlcv?asset=ethereum&interval=1h', 404, 'NO_MARKET_DATA', null],
    ['/v1/ohlcv?asset=bitcoin&interval=1h&venue=kraken', 404, 'NO_MARKET_DATA', null],
    ['/v1/prices?ids=bitcoin,no-such-coin', 404, 'ASSET_NOT_FOUND', null],
    ['/v1/prices?ids=', 400, 'VALIDATION_FAILED', null],
  ])('%s → %i %s', async (url, status, code, path) => {
    const r = await get(url);
    expect(r.status).toBe(status);
    expect(r.body.code).toBe(code);
    if (path) expect(r.body.issues?.[0]?.path).toEqual([path]);
  });

  it('answers 409 with candidates for an ambiguous symbol', async () => {
    const ambiguous = server.services.assets
      .list({ limit: 10_000 })
      .items.map((a) => a.symbol)
      .find((s) => server.services.assets.bySymbol(s).length > 1);
    expect(ambiguous).toBeDefined();
    const r = await get(`/v1/ohlcv?asset=${encodeURIComponent(ambiguous!)}&interval=1h`);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('AMBIGUOUS_SYMBOL');
    expect(r.body.candidates.length).toBeGreaterThan(1);
  });

  it('prices carry provenance and flag stored history as stale', async () => {
    const { status, body } = await get('/v1/prices?ids=bitcoin,ethereum');
    expect(status).toBe(200);
    expect(body.unavailable).toEqual(['ethereum']);
    const q = body.data[0] as PriceQuote;
    expect(q).toMatchObject({ asset: 'bitcoin', price: bars.at(-1)!.close, quote: 'USD', stale: true });
    expect(q.asOf).toBe(new Date(bars.at(-1)!.openTime + HOUR).toISOString());
    expect(q.venues).toEqual([expect.objectContaining({ venue: 'binance', symbol: 'BTC/USDT', used: true })]);
    expect(q.change24hPct).toBeCloseTo((bars.at(-1)!.close / bars.at(-25)!.close - 1) * 100, 3);
    const vol = bars.slice(-24).reduce((s, b) => s + b.volume, 0);
    expect(q.volume24h).toBeCloseTo(vol, 6);
  });

  it('serves a live quote from the bus, fresh until its feed stops', async () => {
    const live: PriceQuote = {
      asset: 'solana',
      price: 150,
      quote: 'USD',
      asOf: new Date().toISOString(),
      stale: false,
      deviationBps: 0,
      change24hPct: 1.5,
      volume24h: 10,
      venues: [
        {
          venue: 'binance',
          symbol: 'SOL/USDT',
          price: 150,
          volume24h: 10,
          asOf: new Date().toISOString(),
          used: true,
        },
      ],
    };
    server.services.common.bus.publish(PRICE_TOPIC, live);
    await new Promise((r) => setTimeout(r, 20));
    const { body } = await get('/v1/prices?ids=solana');
    expect(body.data[0]).toMatchObject({ asset: 'solana', price: 150, stale: false });
  });

  it('lists markets with price, change and volume', async () => {
    const { status, body } = await get('/v1/markets?limit=5');
    expect(status).toBe(200);
    const btc = body.items.find((i: { asset: string }) => i.asset === 'bitcoin');
    expect(btc).toMatchObject({ symbol: 'BTC', price: bars.at(-1)!.close, venues: 1 });
    expect(btc.volume24hUsd).toBeCloseTo(btc.volume24h * btc.price, 3);
  });
});
