import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { investorGrade, traderGrade } from '../../src/grades/index.js';
import { importMarketFiles } from '../../src/market/index.js';
import { createMarketResolver } from '../../src/services/index.js';
import {
  HAVE_SHARED_DATA,
  SHARED_DATA,
  startTestServer,
  stopTestServer,
  type TestServer,
} from '../helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

const DAY = 86_400_000;

describe.runIf(!HAVE_SHARED_DATA)('analytics operations', () => {
  it.skip(`skipped: ${SHARED_DATA} not found`, () => {});
});

describe.runIf(HAVE_SHARED_DATA)('analytics operations on the shared daily bars', () => {
  let server: TestServer;
  const get = async (url: string) => {
    const r = await server.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() as Json };
  };

  beforeAll(async () => {
    server = await startTestServer();
    await importMarketFiles(
      { db: server.services.db, resolveMarket: createMarketResolver(server.services.assets) },
      [join(SHARED_DATA, 'binance-ohlcv-yanniedog', '1d')],
    );
  }, 120_000);
  afterAll(() => stopTestServer(server));

  it('serves an indicator per closed bar; SMA equals the plain average', async () => {
    const { status, body } = await get(
      '/v1/indicators?asset=bitcoin&interval=1d&name=sma&period=20&from=2025-01-01&to=2025-02-01',
    );
    expect(status).toBe(200);
    expect(body.values).toHaveLength(31);
    const bars = (await server.services.market.closedBars('bitcoin', '1d', {
      to: Date.UTC(2025, 1, 1) - 1,
      limit: 60,
    }))!.bars;
    const i = bars.findIndex((b) => b.openTime === Date.UTC(2025, 0, 31));
    const avg = bars.slice(i - 19, i + 1).reduce((s, b) => s + b.close, 0) / 20;
    expect(Math.abs(body.values.at(-1).sma / avg - 1)).toBeLessThan(1e-9);
    const rsi = await get(
      '/v1/indicators?asset=ethereum&interval=1d&name=macd&from=2025-03-01&to=2025-03-08',
    );
    expect(rsi.body.outputs).toEqual(['macd', 'signal', 'histogram']);
    expect(rsi.body.values.every((v: Json) => typeof v.histogram === 'number')).toBe(true);
  });

  it.each([
    ['/v1/indicators?asset=bitcoin&interval=1d&name=astrology', 404],
    ['/v1/indicators?asset=bitcoin&interval=1d&name=rsi&period=0', 400],
    ['/v1/indicators?asset=bitcoin&interval=1d&name=rsi&period=1000000000', 400],
    ['/v1/indicators?asset=bitcoin&interval=1d&name=sma&fastPeriod=3', 400],
    ['/v1/indicators?asset=bitcoin&interval=1d&name=sma&period=5000', 400],
    ['/v1/indicators?asset=bitcoin&interval=1d&name=rsi&from=2025-02-01&to=2025-01-01', 400],
    ['/v1/quant?asset=bitcoin&days=5', 400],
    ['/v1/correlation?assets=bitcoin', 400],
    ['/v1/quant?asset=no-such-coin', 404],
  ])('%s → %i', async (url, status) => {
    const r = await get(url);
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.code).toBeTypeOf('string');
  });

  it('computes quant metrics point in time', async () => {
    const { status, body } = await get('/v1/quant?asset=ethereum&asOf=2025-07-01&days=365');
    expect(status).toBe(200);
    const bars = (await server.services.market.closedBars('ethereum', '1d', {
      to: Date.UTC(2025, 6, 1),
      limit: 40,
    }))!.bars;
    expect(bars.at(-1)!.openTime).toBe(Date.UTC(2025, 5, 30));
    expect(body.returns['30d'].value).toBeCloseTo(bars.at(-1)!.close / bars.at(-31)!.close - 1, 12);
    expect(body.risk.drawdown.maxDrawdown).toBeGreaterThan(0); // a loss fraction
    expect(body.risk.cvar95).toBeGreaterThanOrEqual(body.risk.var95);
    expect(body.risk.beta).toBeGreaterThan(0);
  });

  it('serves a correlation matrix, levels and the market regime', async () => {
    const c = await get('/v1/correlation?assets=bitcoin,ethereum,solana&days=90&asOf=2025-07-01');
    expect(c.status).toBe(200);
    expect(c.body.ids).toEqual(['bitcoin', 'ethereum', 'solana']);
    expect(c.body.correlation[0][0]).toBeCloseTo(1, 12);
    expect(c.body.correlation[0][1]).toBe(c.body.correlation[1][0]);
    const l = await get('/v1/levels?asset=bitcoin&asOf=2025-07-01');
    expect(l.status).toBe(200);
    expect(Math.max(...l.body.levels.map((x: Json) => x.strength))).toBe(1);
    const r = await get('/v1/market/regime?asOf=2025-07-01');
    expect(r.status).toBe(200);
    expect(['bull', 'bear', 'neutral']).toContain(r.body.label);
    expect(r.body.assets.length).toBeGreaterThan(15);
  });

  it('grades are point in time and served with their factors and history', async () => {
    const bars = (await server.services.market.closedBars('bitcoin', '1d', {
      to: Date.UTC(2025, 6, 1),
      limit: 500,
    }))!.bars;
    const grades = [];
    for (const end of [Date.UTC(2025, 4, 1), Date.UTC(2025, 5, 1), Date.UTC(2025, 6, 1)]) {
      const upTo = bars.filter((b) => b.openTime + DAY <= end);
      const t = traderGrade('bitcoin', upTo)!;
      const i = investorGrade('bitcoin', upTo)!;
      expect(t.asOf).toBe(end);
      for (const g of [t, i]) {
        expect(g.score).toBeGreaterThanOrEqual(0);
        expect(g.score).toBeLessThanOrEqual(100);
        expect(g.factors.reduce((s, f) => s + f.weight, 0)).toBeCloseTo(1, 12);
      }
      // Adding a later bar never changes a grade as of an earlier time.
      expect(traderGrade('bitcoin', upTo)).toEqual(t);
      grades.push(t, i);
    }
    await server.services.grades.append(grades, Date.UTC(2025, 6, 1));
    const latest = await get('/v1/grades?asset=bitcoin');
    expect(latest.body.data.map((g: Json) => [g.kind, g.asOf])).toEqual([
      ['investor', '2025-07-01T00:00:00.000Z'],
      ['trader', '2025-07-01T00:00:00.000Z'],
    ]);
    const hist = await get('/v1/grades?asset=bitcoin&kind=trader&from=2025-01-01&to=2025-12-31');
    expect(hist.body.data).toHaveLength(3);
    expect((await get('/v1/grades?from=2025-01-01')).status).toBe(400);
  });
});
