import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggregateBars,
  barsToColumns,
  ImportRejectedError,
  importMarketFiles,
  writeBars,
} from '../../src/market/index.js';
import { createMarketResolver, openServices, type Services } from '../../src/services/index.js';
import { HAVE_SHARED_DATA, SHARED_DATA, type TestEnv, testEnv } from '../helpers.js';
import { candleChecksum } from './checksum.js';

const YANNIEDOG = join(SHARED_DATA, 'binance-ohlcv-yanniedog');
const ELVISTV = join(SHARED_DATA, 'binance-btc-eth-elvistv');
const DAY_MS = 86_400_000;

describe.runIf(!HAVE_SHARED_DATA)('shared data import', () => {
  it.skip(`skipped: ${SHARED_DATA} not found (real market data lives beside the project)`, () => {});
});

describe.runIf(HAVE_SHARED_DATA)('importing the shared Binance data', () => {
  let env: TestEnv;
  let services: Services;
  let tmp: string;
  let first: Awaited<ReturnType<typeof importMarketFiles>>;
  const imp = (paths: string[]) =>
    importMarketFiles({ db: services.db, resolveMarket: createMarketResolver(services.assets) }, paths);

  beforeAll(async () => {
    env = testEnv();
    services = await openServices(env.config, { command: 'test' });
    tmp = mkdtempSync(join(tmpdir(), 'sextant-import-'));
    first = await imp([YANNIEDOG, ELVISTV]);
  }, 120_000);
  afterAll(async () => {
    await services?.close();
    await env?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('imports every file of both directories', async () => {
    // 21 daily + 20 4h files, 2 x (1h, 30m, 4h) spot, the perpetual 1h and its funding rates.
    expect(first.files).toHaveLength(21 + 20 + 6 + 1 + 1);
    expect(first.rows).toBeGreaterThan(400_000);
    const series = await services.market.store.series();
    expect(series.find((s) => s.venue === 'binanceusdm' && s.symbol === 'BTC/USDT:USDT')?.assetId).toBe(
      'bitcoin',
    );
    expect(series.find((s) => s.symbol === 'MATIC/USDT' && s.interval === '1d')?.bars).toBe(1965);
    // BTC and ETH 4h are in both directories: the overlap agrees, so each bar is stored once.
    const btc4h = series.find((s) => s.venue === 'binance' && s.symbol === 'BTC/USDT' && s.interval === '4h');
    expect(btc4h?.firstOpen).toBe(Date.UTC(2017, 7, 17, 4));
    const { n } = await candleChecksum(services.db);
    expect(n).toBe(first.inserted);
  });

  it('the 1d bars built from imported 1h bars equal the imported daily bars', async () => {
    for (const asset of ['bitcoin', 'ethereum']) {
      const series = await services.market.seriesOf(asset);
      const hourly = series.find((s) => s.venue === 'binance' && s.interval === '1h')!;
      const daily = series.find((s) => s.venue === 'binance' && s.interval === '1d')!;
      const from = hourly.firstOpen;
      const to = hourly.lastOpen + 3_600_000;
      const built = aggregateBars(
        await services.market.store.bars(hourly, { from, to }, 1e6),
        '1h',
        '1d',
      ).filter((b) => b.parts === 24);
      const stored = new Map(
        (await services.market.store.bars(daily, { from, to }, 1e6)).map((b) => [b.openTime, b] as const),
      );
      let compared = 0;
      for (const b of built) {
        const d = stored.get(b.openTime);
        if (!d) continue;
        expect([b.open, b.high, b.low, b.close], `${asset} ${new Date(b.openTime).toISOString()}`).toEqual([
          d.open,
          d.high,
          d.low,
          d.close,
        ]);
        expect(Math.abs(b.volume - d.volume) / d.volume).toBeLessThan(1e-9);
        compared++;
      }
      // 2024-01-01 … 2025-06-30 (the shared copies end there).
      expect(compared).toBe((Date.UTC(2025, 5, 30) - Date.UTC(2024, 0, 1)) / DAY_MS + 1);

      // The API path builds the same bars when asked to.
      const page = await services.market.ohlcv({
        assetId: asset,
        interval: '1d',
        venue: 'binance',
        quote: 'USDT',
        buildFrom: '1h',
        from: Date.UTC(2025, 0, 1),
        to: Date.UTC(2025, 1, 1),
        limit: 100,
      });
      expect(page?.builtFrom).toBe('1h');
      expect(page?.bars).toHaveLength(31);
      for (const b of page!.bars) expect(b.close).toBe(stored.get(b.openTime)!.close);
    }
  });

  it('re-importing the same files changes nothing', async () => {
    const before = await candleChecksum(services.db);
    const again = await imp([YANNIEDOG, ELVISTV]);
    expect(again.inserted).toBe(0);
    expect(again.updated).toBe(0);
    expect(await candleChecksum(services.db)).toEqual(before);
  }, 120_000);

  it('a malformed file among good ones is rejected whole and the store is unchanged', async () => {
    const before = await candleChecksum(services.db);
    const good = join(tmp, 'SOLUSDT_1h.csv');
    writeFileSync(good, 'timestamp,open,high,low,close,volume\n2030-01-01 00:00:00,1,2,0.5,1.5,3\n');
    const bad = join(tmp, 'BTCUSDT_1d.csv');
    writeFileSync(
      bad,
      'timestamp,open,high,low,close,volume\n2030-01-01,1,2,0.5,1.5,3\n2030-01-02,1,0.4,0.5,1.5,3\n',
    );
    const err = await imp([good, bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRejectedError);
    expect((err as ImportRejectedError).issues[0]).toMatchObject({ file: bad, line: 3, column: 'high' });
    expect(await candleChecksum(services.db)).toEqual(before);
  });

  it('a file that contradicts another one in the same run is rejected', async () => {
    const before = await candleChecksum(services.db);
    const dir = join(tmp, 'contradiction');
    const { mkdirSync, readFileSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const orig = readFileSync(join(YANNIEDOG, '1d', 'BTCUSDT_1d.csv'), 'utf8').split('\n');
    orig[1] = orig[1]!.replace(/,([\d.]+)(\r?)$/, ',1.5$2'); // change one volume (the file has CRLF)
    writeFileSync(join(dir, 'BTCUSDT_1d.csv'), orig.join('\n'));
    const err = await imp([join(YANNIEDOG, '1d', 'BTCUSDT_1d.csv'), join(dir, 'BTCUSDT_1d.csv')]).catch(
      (e: unknown) => e,
    );
    expect(err, String(err)).toBeInstanceOf(ImportRejectedError);
    expect((err as ImportRejectedError).issues[0]!.message).toContain('differs from the same bar');
    expect(await candleChecksum(services.db)).toEqual(before);
  });

  it('an unknown market or a missing path is a clear error', async () => {
    const f = join(tmp, 'FOOBARUSDT_1h.csv');
    writeFileSync(f, 'timestamp,open,high,low,close,volume\n2030-01-01 00:00:00,1,2,0.5,1.5,3\n');
    await expect(imp([f])).rejects.toThrow(/unknown asset for market FOOBAR\/USDT/);
    await expect(imp([join(tmp, 'nope')])).rejects.toThrow(/no such file or directory/);
  });
});

describe('a header-only (empty) file', () => {
  let env: TestEnv;
  let services: Services;
  let tmp: string;
  const counts = async () => {
    const [r] = await services.db.query<{ series: number; imports: number; candles: number }>(
      `select (select count(*)::int from candle_series) as series,
              (select count(*)::int from market_imports) as imports,
              (select count(*)::int from candles) as candles`,
    );
    return r;
  };

  beforeAll(async () => {
    env = testEnv();
    services = await openServices(env.config, { command: 'test' });
    tmp = mkdtempSync(join(tmpdir(), 'sextant-empty-'));
  });
  afterAll(async () => {
    await services?.close();
    await env?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is rejected naming the file, alone or beside a good file, and nothing is written', async () => {
    const empty = join(tmp, 'BTCUSDT_1h.csv');
    writeFileSync(empty, 'timestamp,open,high,low,close,volume\n');
    const good = join(tmp, 'ETHUSDT_1h.csv');
    writeFileSync(good, 'timestamp,open,high,low,close,volume\n2030-01-01 00:00:00,1,2,0.5,1.5,3\n');
    const deps = { db: services.db, resolveMarket: createMarketResolver(services.assets) };
    for (const paths of [[empty], [good, empty], [tmp]]) {
      const err = await importMarketFiles(deps, paths).catch((e: unknown) => e);
      expect(err, paths.join(' ')).toBeInstanceOf(ImportRejectedError);
      expect((err as ImportRejectedError).issues).toEqual([
        { file: empty, line: 1, column: null, message: 'no data rows: the file has a header line only' },
      ]);
      expect((err as Error).message).toContain(empty);
      expect(await counts()).toEqual({ series: 0, imports: 0, candles: 0 });
    }
  });

  it('writing no bars creates no (empty) series', async () => {
    const w = await services.db.transaction((tx) =>
      writeBars(
        tx,
        { venue: 'binance', symbol: 'BTC/USDT', interval: '1h', assetId: 'bitcoin', quote: 'USDT' },
        barsToColumns([]),
        Date.now(),
      ),
    );
    expect(w).toEqual({ inserted: 0, updated: 0 });
    expect(await counts()).toEqual({ series: 0, imports: 0, candles: 0 });
  });
});

const BINANCEUS = join(SHARED_DATA, 'binanceus-btc-1m-2023-03-iaqf', 'data', 'binance', 'raw');

describe.runIf(HAVE_SHARED_DATA)('importing the Binance.US folder (venue from its metadata file)', () => {
  let env: TestEnv;
  let services: Services;
  const imp = (paths: string[]) =>
    importMarketFiles({ db: services.db, resolveMarket: createMarketResolver(services.assets) }, paths);

  beforeAll(async () => {
    env = testEnv();
    services = await openServices(env.config, { command: 'test' });
  });
  afterAll(async () => {
    await services?.close();
    await env?.cleanup();
  });

  it('a single file takes its venue from the metadata file beside it', async () => {
    const one = await imp([join(BINANCEUS, 'BTCUSD_1m_20230301_20230321.csv')]);
    expect(one.metadataFiles).toEqual([join(BINANCEUS, 'metadata_range_1m_20230301_20230321.csv')]);
    expect(one.files.map((f) => [f.venue, f.symbol, f.interval, f.rows])).toEqual([
      ['binanceus', 'BTC/USD', '1m', 30_240],
    ]);
  });

  it('the whole folder: three Binance.US 1m series of bitcoin, none stored as Binance', async () => {
    const s = await imp([join(SHARED_DATA, 'binanceus-btc-1m-2023-03-iaqf')]);
    expect(s.metadataFiles).toEqual([join(BINANCEUS, 'metadata_range_1m_20230301_20230321.csv')]);
    expect(s.files.map((f) => [f.venue, f.symbol, f.interval, f.assetId, f.rows])).toEqual([
      ['binanceus', 'BTC/USD', '1m', 'bitcoin', 30_240],
      ['binanceus', 'BTC/USDC', '1m', 'bitcoin', 30_240],
      ['binanceus', 'BTC/USDT', '1m', 'bitcoin', 30_240],
    ]);
    // The file imported alone before is unchanged by the second import.
    expect(s.files.find((f) => f.symbol === 'BTC/USD')).toMatchObject({ inserted: 0, updated: 0 });
    const series = await services.market.store.series({ assetId: 'bitcoin' });
    expect(series.map((x) => [x.venue, x.symbol, x.quote, x.bars])).toEqual([
      ['binanceus', 'BTC/USD', 'USD', 30_240],
      ['binanceus', 'BTC/USDC', 'USDC', 30_240],
      ['binanceus', 'BTC/USDT', 'USDT', 30_240],
    ]);
    expect(
      series.every(
        (x) => x.firstOpen === Date.UTC(2023, 2, 1) && x.lastOpen === Date.UTC(2023, 2, 21, 23, 59),
      ),
    ).toBe(true);
    // Known prints of the window (shared/data README): the SVB low and the BTCUSDC spike wick.
    const at = async (symbol: string, t: number) =>
      (
        await services.market.store.bars(
          { venue: 'binanceus', symbol, interval: '1m' },
          { from: t, to: t + 60_000 },
          1,
        )
      )[0];
    expect((await at('BTC/USDT', Date.UTC(2023, 2, 10, 10, 48)))?.low).toBe(19_565.4);
    expect((await at('BTC/USDC', Date.UTC(2023, 2, 14, 14, 24)))?.high).toBe(31_000);
  }, 60_000);
});
