import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barsToColumns, writeBars } from '../../src/market/store.js';
import { batchSignals, macdMomentum, STRATEGIES } from '../../src/signals/index.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';
import { makeFixtureBars } from '../market/sourceContract.js';

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

const DAY = 86_400_000;
const START = Date.UTC(2022, 0, 1);

describe('GET /v1/signals/performance', () => {
  let server: TestServer;
  const series = makeFixtureBars(START, '1d', 800, 11);
  const ref = { asset: 'bitcoin', venue: 'binance', symbol: 'BTC/USDT', interval: '1d' as const };
  const get = async (url: string) => {
    const r = await server.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() as Json };
  };

  beforeAll(async () => {
    server = await startTestServer();
    await server.services.db.transaction((tx) =>
      writeBars(tx, { ...ref, assetId: 'bitcoin', quote: 'USDT' }, barsToColumns(series), Date.now()),
    );
  }, 60_000);
  afterAll(() => stopTestServer(server));

  it('recompute: every strategy, with outcomes that add up and a hit rate checked by hand', async () => {
    const { status, body } = await get('/v1/signals/performance?asset=bitcoin&interval=1d&source=recompute');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.data.map((d: Json) => d.strategy).sort()).toEqual(STRATEGIES.map((s) => s.id).sort());
    const macd = body.data.find((d: Json) => d.strategy === 'macd-momentum');
    const events = batchSignals(ref, macdMomentum, barsToColumns(series));
    expect(macd.signals.total).toBe(events.length);
    // Horizon 1 by hand: entry at the open after the signal's bar, exit one bar later.
    const byClose = new Map(series.map((b, i) => [b.openTime + DAY, i]));
    let n = 0;
    let hits = 0;
    for (const e of events) {
      if (e.direction !== 'long') continue;
      const t = byClose.get(e.issuedAt)!;
      if (t + 2 >= series.length) continue;
      n++;
      if (series[t + 2]!.open / series[t + 1]!.open - 1 > 0) hits++;
    }
    const h1 = macd.horizons.find((h: Json) => h.horizon === 1);
    expect(h1.long.count).toBe(n);
    expect(h1.long.hitRate).toBeCloseTo(hits / n, 12);
    for (const h of macd.horizons) {
      expect(h.directional.count).toBe(h.long.count + h.short.count);
      expect(h.long.count + h.short.count).toBeLessThanOrEqual(macd.signals.long + macd.signals.short);
    }
    expect(macd.buyAndHold.trades).toBe(1);
  });

  it('ledger: judges only the signals recorded as known at asOf', async () => {
    const events = batchSignals(ref, macdMomentum, barsToColumns(series));
    expect(events.length).toBeGreaterThan(6);
    // Recorded live as each bar closed (knownAt a second after issuedAt).
    for (const e of events) await server.services.signals.append([e], e.issuedAt + 1000);
    const empty = await get('/v1/signals/performance?asset=bitcoin&interval=1d&strategy=trend-regime');
    expect(empty.body.data).toEqual([]);
    const all = await get('/v1/signals/performance?asset=bitcoin&interval=1d&strategy=macd-momentum');
    expect(all.body.data).toHaveLength(1);
    expect(all.body.data[0].source).toBe('ledger');
    expect(all.body.data[0].signals.total).toBe(events.length);
    const cut = events[5]!.issuedAt + 1000;
    const past = await get(
      `/v1/signals/performance?asset=bitcoin&interval=1d&strategy=macd-momentum&asOf=${new Date(cut).toISOString()}`,
    );
    expect(past.body.data[0].signals.total).toBe(6);
    expect(past.body.asOf).toBe(new Date(cut).toISOString());
    // The same answer as recomputing over the same bars: nothing was repainted.
    const recomputed = await get(
      '/v1/signals/performance?asset=bitcoin&interval=1d&strategy=macd-momentum&source=recompute',
    );
    expect(recomputed.body.data[0].horizons).toEqual(all.body.data[0].horizons);
    expect(recomputed.body.data[0].longShort).toEqual(all.body.data[0].longShort);
  });

  it.each([
    ['/v1/signals/performance?interval=1d', 400],
    ['/v1/signals/performance?asset=bitcoin&interval=5m', 400],
    ['/v1/signals/performance?asset=bitcoin&strategy=astrology', 400],
    ['/v1/signals/performance?asset=bitcoin&source=vibes', 400],
    ['/v1/signals/performance?asset=bitcoin&from=2024-01-01&asOf=2023-01-01', 400],
    ['/v1/signals/performance?asset=no-such-coin', 404],
    ['/v1/signals/performance?asset=ethereum', 404],
  ])('%s → %i', async (url, status) => {
    const r = await get(url);
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.code).toBeTypeOf('string');
  });
});
