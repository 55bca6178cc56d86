import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  barsToColumns,
  createCandleStore,
  createCsvSource,
  createReplaySource,
  writeBars,
} from '../../src/market/index.js';
import { openServices } from '../../src/services/index.js';
import { testEnv } from '../helpers.js';
import { makeFixtureBars, runSourceContract } from './sourceContract.js';

const T0 = Date.UTC(2024, 0, 1);
const bars = makeFixtureBars(T0, '1h', 600, 3);
const market = { venue: 'binance', symbol: 'BTC/USDT' };

runSourceContract('csv', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-csv-'));
  writeFileSync(
    join(dir, 'BTCUSDT_1h.csv'),
    `timestamp,open,high,low,close,volume\n${bars.map((b) => `${b.openTime},${b.open},${b.high},${b.low},${b.close},${b.volume}`).join('\n')}\n`,
  );
  return {
    source: createCsvSource([dir]),
    market,
    interval: '1h',
    bars,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
});

runSourceContract('replay', async () => {
  const env = testEnv();
  const services = await openServices(env.config, { command: 'test' });
  await services.db.transaction((tx) =>
    writeBars(
      tx,
      { ...market, interval: '1h', assetId: 'bitcoin', quote: 'USDT' },
      barsToColumns(bars),
      Date.now(),
    ),
  );
  // Fast enough that the first bars are due at once.
  const source = createReplaySource({ store: createCandleStore(services.db), speed: 3_600_000, from: T0 });
  return {
    source,
    market,
    interval: '1h',
    bars,
    live: { drive() {} },
    async cleanup() {
      await services.close();
      await env.cleanup();
    },
  };
});
