import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest, smaCross } from '../../src/backtest/index.js';
import type { Db } from '../../src/db/index.js';
import { barsToColumns, writeBars } from '../../src/market/store.js';
import type { Bar } from '../../src/market/types.js';
import { startTestServer, stopTestServer, type TestEnv, type TestServer, testEnv } from '../helpers.js';
import { makeFixtureBars } from '../market/sourceContract.js';

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

const START = Date.UTC(2023, 0, 1);
const N_BARS = 700;

async function seed(db: Db, bars: Bar[]): Promise<void> {
  await db.transaction((tx) =>
    writeBars(
      tx,
      { venue: 'binance', symbol: 'BTC/USDT', interval: '1d', assetId: 'bitcoin', quote: 'USDT' },
      barsToColumns(bars),
      Date.now(),
    ),
  );
}

async function waitFor<T>(fn: () => Promise<T | null | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Read a whole SSE response (it ends by itself after `done`). */
function readSse(
  url: string,
  apiKey: string,
): Promise<{ status: number; events: { event: string; data: Json }[] }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { 'x-api-key': apiKey } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        const events = text
          .split('\n\n')
          .filter((b) => b.startsWith('event: '))
          .map((b) => {
            const [ev, data] = b.split('\n');
            return { event: ev!.slice(7), data: JSON.parse(data!.slice(6)) as Json };
          });
        resolve({ status: res.statusCode ?? 0, events });
      });
    });
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error('SSE timeout')));
    req.end();
  });
}

describe('backtest jobs', () => {
  let server: TestServer;
  let key: string;
  let otherKey: string;
  const bars = makeFixtureBars(START, '1d', N_BARS, 7);
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, k = key) => {
    const r = await server.app.inject({
      method,
      url,
      headers: k ? { 'x-api-key': k } : {},
      ...(body === undefined ? {} : { payload: body as Json }),
    });
    return { status: r.statusCode, body: r.json() as Json };
  };
  const finished = (id: string) =>
    waitFor(async () => {
      const r = await call('GET', `/v1/backtests/${id}`);
      return ['succeeded', 'failed', 'canceled'].includes(r.body.status) ? r.body : null;
    });

  beforeAll(async () => {
    server = await startTestServer();
    await seed(server.services.db, bars);
    key = (await server.services.keys.create({ name: 'bt', tier: 'pro' })).secret;
    otherKey = (await server.services.keys.create({ name: 'bt-other', tier: 'pro' })).secret;
  }, 60_000);
  afterAll(async () => {
    if (process.env.SHOW_LOGS) console.log(server.logs.text);
    await stopTestServer(server);
  });

  it('needs an API key', async () => {
    const r = await call(
      'POST',
      '/v1/backtests',
      { asset: 'bitcoin', interval: '1d', strategy: { type: 'buy-and-hold' } },
      '',
    );
    expect(r.status).toBe(401);
  });

  it('answers 202, runs the job, and the result equals the library run on the same bars', async () => {
    const r = await call('POST', '/v1/backtests', {
      asset: 'bitcoin',
      interval: '1d',
      from: '2023-03-01',
      strategy: { type: 'sma-cross', fast: 10, slow: 30 },
      mode: 'long-short',
      fees: 10,
      slippage: 5,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.id).toMatch(/^job_[0-9a-f]{32}$/);
    expect(r.body.status).toBe('queued');
    expect(r.body.request.asset).toBe('bitcoin');
    expect(r.body.links.events).toBe(`/v1/backtests/${r.body.id}/events`);

    const job = await finished(r.body.id);
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.progress).toBe(1);
    const res = job.result;
    const startIndex = bars.findIndex((b) => b.openTime === Date.UTC(2023, 2, 1));
    const direct = runBacktest({
      bars,
      strategy: smaCross({ fast: 10, slow: 30 }),
      initialCash: 10_000,
      fees: 10,
      slippage: 5,
      mode: 'long-short',
      interval: '1d',
      startIndex,
    });
    expect(res.from).toBe('2023-03-01T00:00:00.000Z');
    expect(res.bars).toBe(N_BARS - startIndex);
    expect(res.tradeCount).toBe(direct.trades.length);
    expect(Math.abs(res.metrics.totalReturn - direct.metrics.totalReturn)).toBeLessThan(1e-9);
    expect(res.metrics.sharpe).toBeCloseTo(direct.metrics.sharpe!, 12);
    expect(res.equity.at(-1).equity).toBeCloseTo(direct.equity.at(-1)!.equity, 6);
    expect(res.equity.length).toBeLessThanOrEqual(1001);
    expect(res.benchmark.trades).toBe(1);

    // Listed for its key, invisible to another key.
    const list = await call('GET', '/v1/backtests');
    expect(list.body.data.map((j: Json) => j.id)).toContain(r.body.id);
    expect(list.body.data[0].result).toBeUndefined();
    expect((await call('GET', `/v1/backtests/${r.body.id}`, undefined, otherKey)).status).toBe(404);
    expect((await call('GET', '/v1/backtests', undefined, otherKey)).body.data).toEqual([]);
  });

  it("uses only bars closed by 'to': the bar opening at 'to' closes after it and is left out", async () => {
    // No 'from': every stored bar up to 'to' is read (the bars open daily from 2023-01-01).
    const r = await call('POST', '/v1/backtests', {
      asset: 'bitcoin',
      interval: '1d',
      to: '2023-06-01',
      strategy: { type: 'sma-cross', fast: 10, slow: 30 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const job = await finished(r.body.id);
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    // The last bar used opens 2023-05-31 and closes at 'to'.
    expect(job.result.to).toBe('2023-06-01T00:00:00.000Z');
  });

  it('streams progress over SSE and ends with the result (signals strategy)', async () => {
    const r = await call('POST', '/v1/backtests', {
      asset: 'bitcoin',
      interval: '1d',
      strategy: { type: 'signals', strategy: 'macd-momentum' },
    });
    expect(r.status).toBe(202);
    const { status, events } = await readSse(`${server.url}/v1/backtests/${r.body.id}/events`, key);
    expect(status).toBe(200);
    expect(events[0]!.event).toBe('status');
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.status).toBe('succeeded');
    expect(done.data.result.signals.count).toBeGreaterThan(0);
    expect(done.data.result.warmupBars).toBe(300);
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data.progress as number);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);
    // A finished job's stream answers at once with status + done.
    const again = await readSse(`${server.url}/v1/backtests/${r.body.id}/events`, key);
    expect(again.events.map((e) => e.event)).toEqual(['status', 'done']);
    // Someone else's job: a 404 problem, not a stream.
    expect((await readSse(`${server.url}/v1/backtests/${r.body.id}/events`, otherKey)).status).toBe(404);
  });

  it.each([
    [
      { asset: 'bitcoin', interval: '1d', strategy: { type: 'sma-cross', fast: 30, slow: 10 } },
      400,
      /fast < slow/,
    ],
    [{ asset: 'bitcoin', interval: '1d', strategy: { type: 'astrology' } }, 400, /strategy/],
    [{ asset: 'bitcoin', interval: '7m', strategy: { type: 'buy-and-hold' } }, 400, /interval/],
    [
      {
        asset: 'bitcoin',
        interval: '1d',
        from: '2024-01-01',
        to: '2023-01-01',
        strategy: { type: 'buy-and-hold' },
      },
      400,
      /before/,
    ],
    [
      { asset: 'bitcoin', interval: '1d', from: 'yesterday-ish', strategy: { type: 'buy-and-hold' } },
      400,
      /from/,
    ],
    [{ asset: 'bitcoin', interval: '1d', strategy: { type: 'buy-and-hold' }, fees: -1 }, 400, /fees/],
    [
      { asset: 'bitcoin', interval: '1d', strategy: { type: 'buy-and-hold' }, initialCash: 0 },
      400,
      /initialCash/,
    ],
    [{ asset: 'no-such-coin', interval: '1d', strategy: { type: 'buy-and-hold' } }, 404, /no-such-coin/],
    // JSON bodies are typed: a string is not silently turned into a number.
    [{ asset: 'bitcoin', interval: '1d', strategy: { type: 'buy-and-hold' }, fees: '10' }, 400, /fees/],
    [{ asset: 'bitcoin', interval: '1d', strategy: { type: 'sma-cross', fast: '5', slow: 20 } }, 400, /fast/],
  ])('rejects %j with %i', async (body, status, message) => {
    const r = await call('POST', '/v1/backtests', body);
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(JSON.stringify(r.body)).toMatch(message);
  });

  it('fails the job with a clear error when there is no data', async () => {
    const r = await call('POST', '/v1/backtests', {
      asset: 'ethereum',
      interval: '1d',
      strategy: { type: 'buy-and-hold' },
    });
    expect(r.status).toBe(202);
    const job = await finished(r.body.id);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('NO_MARKET_DATA');
  });

  it('documents fields with defaults as optional (OpenAPI body and query)', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
    const body = doc.paths['/v1/backtests'].post.requestBody.content['application/json'].schema;
    expect(body.required.sort()).toEqual(['asset', 'interval', 'strategy']);
    expect(body.properties.fees.default).toBe(10);
    const limit = doc.paths['/v1/backtests'].get.parameters.find((p: Json) => p.name === 'limit');
    expect(limit.required).toBeFalsy();
  });

  it('rejects malformed and unknown job ids', async () => {
    expect((await call('GET', '/v1/backtests/nope')).status).toBe(400);
    expect((await call('GET', `/v1/backtests/job_${'0'.repeat(32)}`)).status).toBe(404);
    expect((await call('DELETE', `/v1/backtests/job_${'0'.repeat(32)}`)).status).toBe(404);
  });
});

describe('backtest jobs survive a restart', () => {
  let env: TestEnv;
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.close('test');
    await env?.cleanup();
  });

  it('a queued job runs after a restart; a job left running by a dead process is taken up again; cancel works', async () => {
    env = testEnv({ JOB_CONCURRENCY: '0', JOB_STALE_MS: '1000' });
    // First process: runs no jobs (an API-only replica), so jobs stay queued.
    server = await startTestServer({}, { env });
    await seed(server.services.db, makeFixtureBars(START, '1d', 200, 8));
    const key = (await server.services.keys.create({ name: 'restart', tier: 'pro' })).secret;
    const submit = async () => {
      const r = await server!.app.inject({
        method: 'POST',
        url: '/v1/backtests',
        headers: { 'x-api-key': key },
        payload: { asset: 'bitcoin', interval: '1d', strategy: { type: 'sma-cross', fast: 5, slow: 20 } },
      });
      expect(r.statusCode).toBe(202);
      return r.json().id as string;
    };
    const queued = await submit();
    const orphan = await submit();
    const toCancel = await submit();
    const c = await server.app.inject({
      method: 'DELETE',
      url: `/v1/backtests/${toCancel}`,
      headers: { 'x-api-key': key },
    });
    expect(c.json().status).toBe('canceled');
    // As if a process had claimed it and died mid-run: running, heartbeat long stale.
    await server.services.db.query(
      `update jobs set status = 'running', locked_by = 'dead:1', heartbeat_at = 0, attempts = 1, progress = 0.4 where id = $1`,
      [orphan],
    );
    await server.close('test');

    // Second process on the same storage, with a runner.
    const env2: TestEnv = { config: { ...env.config, jobConcurrency: 1 }, cleanup: env.cleanup };
    server = await startTestServer({}, { env: env2 });
    await server.jobRunner!.idle();
    const get = async (id: string) =>
      (
        await server!.app.inject({ method: 'GET', url: `/v1/backtests/${id}`, headers: { 'x-api-key': key } })
      ).json();
    const a = await waitFor(async () => ((await get(queued)).status === 'succeeded' ? get(queued) : null));
    const b = await waitFor(async () => ((await get(orphan)).status === 'succeeded' ? get(orphan) : null));
    expect(a.result.metrics.totalReturn).toBeCloseTo(b.result.metrics.totalReturn, 12);
    expect(b.attempts).toBe(2);
    expect((await get(toCancel)).status).toBe('canceled');
  }, 60_000);
});
