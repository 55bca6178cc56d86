import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Grade, INVESTOR_MIN_BARS, investorGrade, traderGrade } from '../../src/grades/index.js';
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
const DAILY_DIR = join(SHARED_DATA, 'binance-ohlcv-yanniedog', '1d');
// Imported in two steps by the point-in-time grades test (earlier bars, then later ones).
const LATE_FILE = 'LTCUSDT_1d.csv';

describe.runIf(!HAVE_SHARED_DATA)('analytics operations', () => {
  it.skip(`skipped: ${SHARED_DATA} not found`, () => {});
});

describe.runIf(HAVE_SHARED_DATA)('analytics operations on the shared daily bars', () => {
  let server: TestServer;
  const get = async (url: string) => {
    const r = await server.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() as Json };
  };

  let dir: string;
  const importFiles = (files: string[]) =>
    importMarketFiles(
      { db: server.services.db, resolveMarket: createMarketResolver(server.services.assets) },
      files,
    );

  beforeAll(async () => {
    // More requests than an anonymous client may make per minute.
    server = await startTestServer({ ANONYMOUS_RPM: '100000' });
    dir = mkdtempSync(join(tmpdir(), 'sextant-analytics-'));
    await importFiles(
      readdirSync(DAILY_DIR)
        .filter((f) => f.endsWith('.csv') && f !== LATE_FILE)
        .map((f) => join(DAILY_DIR, f)),
    );
  }, 120_000);
  afterAll(async () => {
    await stopTestServer(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

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

  it('pages forward from `from` with a cursor when the range holds more than `limit` bars', async () => {
    const base = '/v1/indicators?asset=bitcoin&interval=1d&name=sma&period=20';
    const range = '&from=2024-01-01&to=2025-01-01';
    const whole = await get(`${base}${range}&limit=5000`);
    expect(whole.status).toBe(200);
    expect(whole.body.values).toHaveLength(366);
    expect(whole.body.nextCursor).toBeNull();
    const pages: Json[][] = [];
    let url = `${base}${range}&limit=100`;
    for (let i = 0; i < 10; i++) {
      const r = await get(url);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      pages.push(r.body.values);
      if (r.body.nextCursor === null) break;
      url = `${base}${range}&limit=100&cursor=${r.body.nextCursor}`;
    }
    expect(pages.map((p) => p.length)).toEqual([100, 100, 100, 66]);
    // The first page starts at `from` (not the last 100 bars before `to`).
    expect(pages[0]![0]!.time).toBe('2024-01-01T00:00:00.000Z');
    // Together the pages are the whole range, in order, once each; SMA needs no warm-up beyond
    // its window, so the values agree whatever the page (to rounding: a running sum).
    const flat = pages.flat();
    expect(flat.map((v) => v.time)).toEqual(whole.body.values.map((v: Json) => v.time));
    flat.forEach((v, i) => {
      expect(Math.abs(v.sma / whole.body.values[i].sma - 1)).toBeLessThan(1e-12);
    });
    // Without `from`: the last `limit` bars before `to`, no cursor.
    const last = await get(`${base}&to=2025-01-01&limit=10`);
    expect(last.body.values.map((v: Json) => v.time)).toEqual(
      whole.body.values.slice(-10).map((v: Json) => v.time),
    );
    expect(last.body.nextCursor).toBeNull();
    // Up to the end of the stored data: no cursor once no bar follows.
    const tail = await get(`${base}&from=2025-06-01&limit=500`);
    expect(tail.body.values).toHaveLength(30);
    expect(tail.body.nextCursor).toBeNull();
    expect((await get(`${base}${range}&cursor=bm9wZQ`)).status).toBe(400);
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

  it('a window longer than the stored history is a 400 saying how many days are available', async () => {
    // Solana's daily bars start 2020-08-11: by 2021-01-01, 143 of them have closed.
    const asOf = '2021-01-01';
    // (closedBars bounds open times: the bars closed by Jan 1 open by Dec 31.)
    const have = (await server.services.market.closedBars('solana', '1d', {
      to: Date.UTC(2020, 11, 31),
      limit: 5000,
    }))!.bars.length;
    expect(have).toBe(143);
    const cases: [string, number, string][] = [
      // quant: `days` returns need days + 1 closes
      [`/v1/quant?asset=solana&asOf=${asOf}&days=${have - 1}`, 200, ''],
      [`/v1/quant?asset=solana&asOf=${asOf}&days=${have}`, 400, 'days'],
      [`/v1/quant?asset=solana&asOf=${asOf}&days=3650`, 400, 'days'],
      [`/v1/quant?asset=bitcoin&benchmark=solana&asOf=${asOf}&days=365`, 400, 'benchmark'],
      [`/v1/correlation?assets=bitcoin,solana&asOf=${asOf}&days=${have - 1}`, 200, ''],
      [`/v1/correlation?assets=bitcoin,solana&asOf=${asOf}&days=${have}`, 400, 'days'],
      // levels: `days` bars
      [`/v1/levels?asset=solana&asOf=${asOf}&days=${have}`, 200, ''],
      [`/v1/levels?asset=solana&asOf=${asOf}&days=${have + 1}`, 400, 'days'],
      [`/v1/levels?asset=solana&asOf=2020-09-01&days=30`, 400, 'days'],
    ];
    for (const [url, status, param] of cases) {
      const r = await get(url);
      expect(r.status, `${url}: ${JSON.stringify(r.body)}`).toBe(status);
      if (status === 200) continue;
      expect(r.body.code).toBe('VALIDATION_FAILED');
      expect(r.body.issues[0].path).toEqual([param]);
      expect(r.body.detail).toMatch(
        /longer than the stored history: (benchmark )?solana has \d+ daily bars closed by/,
      );
    }
    const quant = await get(`/v1/quant?asset=solana&asOf=${asOf}&days=${have}`);
    expect(quant.body.detail).toContain(
      `solana has ${have} daily bars closed by 2021-01-01, enough for days=${have - 1} at most`,
    );
    const levels = await get(`/v1/levels?asset=solana&asOf=2020-09-01&days=30`);
    expect(levels.body.detail).toMatch(/enough for \d+ day\(s\), below the 30-day minimum window/);
  });

  it('quant and levels as of a past time use only the bars closed by then', async () => {
    const closedBy = async (asset: string, asOf: number) =>
      (await server.services.market.closedBars(asset, '1d', {
        to: Date.UTC(2025, 5, 30),
        limit: 5000,
      }))!.bars.filter((b) => b.openTime + DAY <= asOf);
    const volatility = (bars: { close: number }[]) => {
      const r = bars.slice(1).map((b, i) => Math.log(b.close / bars[i]!.close));
      const mean = r.reduce((a, x) => a + x, 0) / r.length;
      return Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / (r.length - 1)) * Math.sqrt(365);
    };
    // Mid-day: the bar opening that day has not closed. Solana's short history at the start of
    // 2021 is shorter than what the handler reads, so nothing trims the bar still open.
    for (const [asset, asOf] of [
      ['solana', Date.UTC(2021, 0, 1, 12)],
      ['bitcoin', Date.UTC(2025, 5, 15, 12)],
    ] as const) {
      const upTo = await closedBy(asset, asOf);
      expect(upTo.at(-1)!.openTime).toBe(asOf - DAY / 2 - DAY);
      const quant = await get(`/v1/quant?asset=${asset}&asOf=${asOf}&days=100`);
      expect(quant.status, JSON.stringify(quant.body)).toBe(200);
      expect(quant.body.risk.volatility).toBeCloseTo(volatility(upTo.slice(-101)), 10);
      const levels = await get(`/v1/levels?asset=${asset}&asOf=${asOf}&days=100`);
      expect(levels.body.lastClose).toBe(upTo.at(-1)!.close);
    }
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
  it('appending later bars changes neither earlier grades nor /v1/grades?asOf for earlier times', async () => {
    // Litecoin's daily bars opening before CUT first, the three months after later.
    const CUT = Date.UTC(2025, 3, 1);
    const early = [Date.UTC(2025, 1, 1), Date.UTC(2025, 2, 1), CUT];
    const late = [Date.UTC(2025, 4, 1), Date.UTC(2025, 5, 1), Date.UTC(2025, 6, 1)];
    const lines = readFileSync(join(DAILY_DIR, LATE_FILE), 'utf8').trim().split('\n');
    const importRows = async (from: number, to: number) => {
      const part = lines.slice(1).filter((r) => {
        const t = Date.parse(`${r.slice(0, 10)}T00:00:00Z`);
        return t >= from && t < to;
      });
      // A scratch copy of a slice (never committed).
      const file = join(dir, LATE_FILE);
      writeFileSync(file, `${lines[0]}\n${part.join('\n')}\n`);
      await importFiles([file]);
      return part.length;
    };
    /** Grades as the runner makes them at a day close: from the stored bars closed by then. */
    const gradesAt = async (day: number): Promise<Grade[]> => {
      const r = (await server.services.market.closedBars('litecoin', '1d', {
        to: day - 1,
        limit: INVESTOR_MIN_BARS,
      }))!;
      expect(r.bars.at(-1)!.openTime + DAY).toBe(day);
      return [traderGrade('litecoin', r.bars)!, investorGrade('litecoin', r.bars)!];
    };
    const ok = async (url: string) => {
      const r = await get(url);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    const urls = early.flatMap((d) => [
      `/v1/grades?asset=litecoin&asOf=${d}`,
      `/v1/grades?asset=litecoin&asOf=${d + DAY / 2}`,
      `/v1/grades?asset=litecoin&from=2024-01-01&to=2026-01-01&asOf=${d + DAY / 2}`,
    ]);

    expect(await importRows(CUT - 2 * INVESTOR_MIN_BARS * DAY, CUT)).toBeGreaterThan(INVESTOR_MIN_BARS);
    const stored: Grade[] = [];
    for (const day of early) {
      const g = await gradesAt(day);
      // Known a second after the day close, as a runner records them.
      await server.services.grades.append(g, day + 1000);
      stored.push(...g);
    }
    const before = new Map<string, Json>();
    for (const url of urls) before.set(url, await ok(url));
    // At the close of April 1 its grades are not known yet (recorded a second later): March's are.
    expect(
      before.get(`/v1/grades?asset=litecoin&asOf=${CUT}`)!.data.map((g: Json) => [g.kind, g.asOf]),
    ).toEqual([
      ['investor', '2025-03-01T00:00:00.000Z'],
      ['trader', '2025-03-01T00:00:00.000Z'],
    ]);

    // Later bars arrive and the days after are graded.
    expect(await importRows(CUT, Date.UTC(2025, 6, 1))).toBeGreaterThan(80);
    for (const day of late) await server.services.grades.append(await gradesAt(day), day + 1000);

    // Recomputing an earlier grade from storage gives the stored one: later bars are not read.
    for (const day of early) expect(await gradesAt(day)).toEqual(stored.filter((g) => g.asOf === day));
    // Earlier answers are exactly what they were.
    for (const [url, body] of before) expect(await ok(url), url).toEqual(body);
    // The history holds the earlier grades unchanged, then the later ones.
    const hist = await ok('/v1/grades?asset=litecoin&kind=trader&from=2024-01-01&to=2026-01-01');
    expect(hist.data.map((g: Json) => Date.parse(g.asOf))).toEqual([...early, ...late]);
    expect(hist.data.slice(0, 3).map((g: Json) => [g.score, g.factors])).toEqual(
      stored.filter((g) => g.kind === 'trader').map((g) => [g.score, JSON.parse(JSON.stringify(g.factors))]),
    );
    const latest = await ok('/v1/grades?asset=litecoin');
    expect(latest.data.map((g: Json) => g.asOf)).toEqual([
      '2025-07-01T00:00:00.000Z',
      '2025-07-01T00:00:00.000Z',
    ]);
    // A grade recorded again (same asset, kind, model and day) is ignored, never overwritten.
    expect(
      await server.services.grades.append([{ ...stored[0]!, score: 1, letter: 'F' }], Date.UTC(2025, 6, 2)),
    ).toBe(0);
    for (const [url, body] of before) expect(await ok(url), url).toEqual(body);
  });

  it('the grades table refuses UPDATE, DELETE and TRUNCATE', async () => {
    const db = server.services.db;
    const count = async () => (await db.query<{ n: number }>('select count(*)::int as n from grades'))[0]!.n;
    const n = await count();
    expect(n).toBeGreaterThan(0);
    await expect(db.query('update grades set score = 0')).rejects.toThrow(/append-only/);
    await expect(db.query('delete from grades')).rejects.toThrow(/append-only/);
    await expect(db.query('truncate grades')).rejects.toThrow(
      /table grades is append-only: TRUNCATE is not allowed/,
    );
    expect(await count()).toBe(n);
  });
});
