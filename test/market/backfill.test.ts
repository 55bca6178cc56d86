import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  barsToColumns,
  createCsvSource,
  fillGaps,
  type MarketSource,
  writeBars,
} from '../../src/market/index.js';
import { createMarketResolver, openServices, type Services } from '../../src/services/index.js';
import { type TestEnv, testEnv } from '../helpers.js';
import { makeFixtureBars } from './sourceContract.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const all = makeFixtureBars(T0, '1m', 600, 5);
const market = { venue: 'binance', symbol: 'BTC/USDT' };

describe('gap detection and backfill', () => {
  let env: TestEnv;
  let services: Services;
  let dir: string;
  let source: MarketSource;
  const asked: { from: number; to: number }[] = [];

  beforeAll(async () => {
    env = testEnv();
    services = await openServices(env.config, { command: 'test' });
    dir = mkdtempSync(join(tmpdir(), 'sextant-gaps-'));
    writeFileSync(
      join(dir, 'BTCUSDT_1m.csv'),
      `timestamp,open,high,low,close,volume\n${all.map((b) => `${b.openTime},${b.open},${b.high},${b.low},${b.close},${b.volume}`).join('\n')}\n`,
    );
    const csv = createCsvSource([dir]);
    // The CSV source plays the exchange; record which ranges are asked for.
    source = {
      ...csv,
      fetchBars(m, i, range, o) {
        asked.push(range);
        return csv.fetchBars(m, i, range, o);
      },
    };
    // Stored: bars 10-99, 120-199 and 300-399 (holes 100-119 and 200-299, tail 400-599).
    const stored = [...all.slice(10, 100), ...all.slice(120, 200), ...all.slice(300, 400)];
    await services.db.transaction((tx) =>
      writeBars(
        tx,
        { ...market, interval: '1m', assetId: 'bitcoin', quote: 'USDT' },
        barsToColumns(stored),
        Date.now(),
      ),
    );
  });
  afterAll(async () => {
    await services?.close();
    await env?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the holes inside a stored series', async () => {
    const gaps = await services.market.store.gaps(
      { ...market, interval: '1m' },
      { from: T0, to: T0 + 600 * MIN },
    );
    expect(gaps).toEqual([
      { from: T0 + 100 * MIN, to: T0 + 120 * MIN, missing: 20 },
      { from: T0 + 200 * MIN, to: T0 + 300 * MIN, missing: 100 },
    ]);
  });

  it('fetches exactly the missing ranges (head, holes, tail) and then nothing more', async () => {
    const deps = {
      db: services.db,
      store: services.market.store,
      source,
      resolveMarket: createMarketResolver(services.assets),
    };
    const range = { from: T0, to: T0 + 600 * MIN };
    const now = T0 + 600 * MIN + 30_000; // bar 600 is still open
    const r = await fillGaps(deps, market, '1m', range, { now });
    expect(asked).toEqual([
      { from: T0, to: T0 + 10 * MIN },
      { from: T0 + 100 * MIN, to: T0 + 120 * MIN },
      { from: T0 + 200 * MIN, to: T0 + 300 * MIN },
      { from: T0 + 400 * MIN, to: T0 + 600 * MIN },
    ]);
    expect(r.fetched).toBe(10 + 20 + 100 + 200);
    expect(r.inserted).toBe(r.fetched);
    const stored = await services.market.store.bars({ ...market, interval: '1m' }, range, 10_000);
    expect(stored).toEqual(all);
    asked.length = 0;
    const again = await fillGaps(deps, market, '1m', range, { now });
    expect(again.gaps).toEqual([]);
    expect(asked).toEqual([]);
  });
});
