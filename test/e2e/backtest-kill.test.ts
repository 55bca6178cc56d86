import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/internal/config.js';
import { barsToColumns, writeBars } from '../../src/market/store.js';
import { openServices } from '../../src/services/index.js';
import { BUILD_WAIT_MS, type CliChild, childEnv, ensureBuilt, listening, spawnSextant } from '../build.js';
import { type TestEnv, testEnv } from '../helpers.js';
import { makeFixtureBars } from '../market/sourceContract.js';

/**
 * A backtest job survives its server being killed: SIGKILL `sextant serve` while the job runs,
 * start it again on the same storage, and the job is taken up and finishes with the same result
 * a job that was never interrupted gets.
 */

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

// ~3 years of hourly bars: the signals backtest takes a few seconds, time to kill it midway.
const N_BARS = 26_000;
const children = new Set<CliChild>();

describe('backtest job across a SIGKILL', () => {
  let env: TestEnv;
  let key: string;
  const vars = (): Record<string, string> => {
    const c = env.config;
    return {
      LOG_LEVEL: 'info',
      PORT: '0',
      MARKET_SOURCE: 'none',
      JOB_STALE_MS: '1500',
      ...(c.databaseUrl
        ? { DATABASE_URL: c.databaseUrl, DATABASE_SCHEMA: c.databaseSchema, DATABASE_POOL_SIZE: '4' }
        : { SEXTANT_DATA_DIR: c.dataDirAbs }),
    };
  };

  beforeAll(async () => {
    await ensureBuilt();
    env = testEnv();
    const services = await openServices(loadConfig({ env: vars() }), { command: 'test' });
    try {
      await services.db.transaction((tx) =>
        writeBars(
          tx,
          { venue: 'binance', symbol: 'BTC/USDT', interval: '1h', assetId: 'bitcoin', quote: 'USDT' },
          barsToColumns(makeFixtureBars(Date.UTC(2021, 0, 1), '1h', N_BARS, 99)),
          Date.now(),
        ),
      );
      key = (await services.keys.create({ name: 'kill', tier: 'enterprise' })).secret;
    } finally {
      await services.close();
    }
  }, BUILD_WAIT_MS + 120_000);

  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL');
    await Promise.all([...children].map((c) => c.closed));
    await env?.cleanup();
  });

  it('is taken up again after a restart and finishes with the uninterrupted result', async () => {
    const api = (base: string) => async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: r.status, body: (await r.json()) as Json };
    };
    const spec = {
      asset: 'bitcoin',
      interval: '1h',
      strategy: { type: 'signals', strategy: 'trend-regime' },
    };

    const first = spawnSextant(['serve'], childEnv(vars()), children);
    const call1 = api(await listening(first));
    const created = await call1('POST', '/v1/backtests', spec);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.id as string;
    // Kill it in the middle of the run.
    let seen = 0;
    for (const end = Date.now() + 60_000; Date.now() < end; ) {
      const j = (await call1('GET', `/v1/backtests/${id}`)).body;
      expect(j.status).not.toBe('succeeded');
      seen = j.progress;
      if (j.status === 'running' && j.progress >= 0.2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toBeGreaterThanOrEqual(0.2);
    first.proc.kill('SIGKILL');
    expect((await first.closed).signal).toBe('SIGKILL');

    const second = spawnSextant(['serve'], childEnv(vars()), children);
    const call2 = api(await listening(second));
    let job: Json = {};
    for (const end = Date.now() + 120_000; Date.now() < end; ) {
      job = (await call2('GET', `/v1/backtests/${id}`)).body;
      if (job.status === 'succeeded' || job.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.attempts).toBe(2);

    // The same request, never interrupted, gives the same result.
    const again = await call2('POST', '/v1/backtests', spec);
    let clean: Json = {};
    for (const end = Date.now() + 120_000; Date.now() < end; ) {
      clean = (await call2('GET', `/v1/backtests/${again.body.id}`)).body;
      if (clean.status === 'succeeded' || clean.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(clean.attempts).toBe(1);
    expect(clean.result.metrics).toEqual(job.result.metrics);
    expect(clean.result.signals).toEqual(job.result.signals);
    second.proc.kill('SIGTERM');
    await second.closed;
  }, 300_000);
});
