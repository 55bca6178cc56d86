import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/internal/logger.js';
import { importMarketFiles, startMarketFeed } from '../../src/market/index.js';
import { createMarketResolver, openServices, type Services } from '../../src/services/index.js';
import {
  LogCapture,
  startTestServer,
  stopTestServer,
  type TestEnv,
  type TestServer,
  testEnv,
} from '../helpers.js';
import { makeFixtureBars } from './sourceContract.js';

// The CommonJS module object, whose `lookup` node:net calls (the ESM namespace is read-only).
const dns = createRequire(import.meta.url)('node:dns') as { lookup: (...args: unknown[]) => void };

/**
 * Live mode at start-up (`MARKET_SOURCE=auto`): when the venue cannot be reached the process
 * logs one clear warning, runs no live feed, and serves what is stored.
 */

const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const bars = makeFixtureBars(T0, '1h', 48, 3);
const LIVE = { MARKET_SOURCE: 'auto', MARKET_VENUES: 'binance', MARKET_ASSETS: 'bitcoin' };
const NO_NETWORK = 'no network: live market data is off';

const csv = `timestamp,open,high,low,close,volume\n${bars
  .map((b) => `${b.openTime},${b.open},${b.high},${b.low},${b.close},${b.volume}`)
  .join('\n')}\n`;

type LogLine = { level: string; msg: string; venue?: string; detail?: string };
const warnOrWorse = (l: LogLine) => ['warn', 'error', 'fatal'].includes(l.level);

describe('auto mode without network: a whole server', () => {
  let server: TestServer;
  let env: TestEnv;
  let dir: string;
  const lookup = dns.lookup;

  beforeAll(async () => {
    // This worker process is offline whatever the machine's network: names do not resolve
    // (databases are reached by IP address and are unaffected).
    const offline = (...args: unknown[]) => {
      const host = String(args[0]);
      if (isIP(host) || host === 'localhost') return lookup(...args);
      const cb = args.at(-1) as (e: Error) => void;
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: 'ENOTFOUND',
        hostname: host,
      });
      process.nextTick(cb, err);
    };
    dns.lookup = offline;
    dir = mkdtempSync(join(tmpdir(), 'sextant-feed-'));
    writeFileSync(join(dir, 'BTCUSDT_1h.csv'), csv);
    env = testEnv(LIVE);
    // Bars stored by an earlier run.
    const services = await openServices(env.config, { command: 'test' });
    try {
      await importMarketFiles({ db: services.db, resolveMarket: createMarketResolver(services.assets) }, [
        dir,
      ]);
    } finally {
      await services.close();
    }
    server = await startTestServer({}, { env });
  });
  afterAll(async () => {
    dns.lookup = lookup;
    await stopTestServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts without a live feed and logs one clear warning', () => {
    expect(server.feed.mode).toBe('none');
    const lines = server.logs.json() as LogLine[];
    const market = lines.filter((l) => /market|network|venue/i.test(l.msg) && warnOrWorse(l));
    expect(market).toHaveLength(1);
    expect(market[0]).toMatchObject({ level: 'warn', venue: 'binance', detail: 'NetworkError' });
    expect(market[0]!.msg).toBe(
      `${NO_NETWORK}; serving stored data (import files or use --replay for an offline feed)`,
    );
  });

  it('serves the stored bars and the last stored price, flagged stale', async () => {
    const ohlcv = await server.app.inject({
      method: 'GET',
      url: `/v1/ohlcv?asset=bitcoin&interval=1h&from=${T0}&to=${T0 + 48 * HOUR}&limit=100`,
    });
    expect(ohlcv.statusCode).toBe(200);
    const body = ohlcv.json() as { bars: { openTime: number; close: number }[] };
    expect(body.bars.map((b) => [b.openTime, b.close])).toEqual(bars.map((b) => [b.openTime, b.close]));
    const prices = await server.app.inject({ method: 'GET', url: '/v1/prices?ids=bitcoin' });
    expect(prices.statusCode).toBe(200);
    const quote = JSON.stringify(prices.json());
    expect(quote).toContain(`"price":${bars.at(-1)!.close}`);
    expect(quote).toContain('"stale":true');
  });
});

describe('auto mode with an injected exchange', () => {
  let env: TestEnv;
  let services: Services;
  const logs = new LogCapture();

  beforeAll(async () => {
    env = testEnv(LIVE);
    services = await openServices(env.config, { command: 'test' });
  });
  afterAll(async () => {
    await services?.close();
    await env?.cleanup();
  });

  const start = (fetchImpl: (url: string, init: { signal?: AbortSignal }) => Promise<Response>) => {
    const urls: string[] = [];
    const feed = startMarketFeed({
      config: env.config,
      db: services.db,
      bus: services.common.bus,
      logger: createLogger({ level: 'info', destination: logs }),
      assets: services.assets,
      store: services.market.store,
      resolveMarket: createMarketResolver(services.assets),
      marketClock: { now: Date.now },
      exchangeFactory: () => {
        const ex = new ccxt.binance();
        ex.fetchImplementation = (url: string, init: { signal?: AbortSignal }) => {
          urls.push(url);
          return fetchImpl(url, init);
        };
        return ex;
      },
    });
    return { feed, urls };
  };

  it('a venue that never answers: one warning after the probe timeout, no feed', async () => {
    logs.lines.length = 0;
    const { feed, urls } = start(
      (_url, init) =>
        new Promise((_, reject) =>
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        ),
    );
    const f = await feed;
    expect(f.mode).toBe('none');
    expect(urls).toEqual(['https://api.binance.com/api/v3/time']);
    const warned = (logs.json() as LogLine[]).filter(warnOrWorse);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ venue: 'binance', detail: 'timeout' });
    expect(warned[0]!.msg).toContain(NO_NETWORK);
    await f.close();
  });
});
