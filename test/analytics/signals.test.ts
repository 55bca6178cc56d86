import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Grade, INVESTOR_MIN_BARS, investorGrade, traderGrade } from '../../src/grades/index.js';
import { barsToColumns } from '../../src/market/index.js';
import type { Bar } from '../../src/market/types.js';
import {
  batchSignals,
  type RecordedSignal,
  SIGNAL_TOPIC,
  SIGNAL_WINDOW_BARS,
  type SignalEvent,
  STRATEGIES,
} from '../../src/signals/index.js';
import {
  HAVE_SHARED_DATA,
  SHARED_DATA,
  startTestServer,
  stopTestServer,
  type TestServer,
} from '../helpers.js';

/**
 * Acceptance: replaying real bars through the live pipeline (replay → bus → signal runner →
 * ledger and grades) produces exactly the signals of the batch computation over the same bars,
 * and exactly the grades `traderGrade` / `investorGrade` give over the daily bars closed at each
 * UTC day close; a query `asOf` a past time later returns exactly what it returned then.
 *
 * Bounded so it stays fast: BTC and ETH hourly plus BTC, ETH and SOL daily, replayed over the
 * last REPLAY_DAYS days of the shared data, with just enough history before for a full signal
 * window (hourly) and a full investor grade (daily).
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;
const REPLAY_DAYS = 14;
// Market hours played per wall second (the runner may lag behind and catch up at the end).
const REPLAY_HOURS_PER_S = 150;
// One as-of snapshot per this many new signals (each costs two queries).
const SNAPSHOT_EVERY_SIGNALS = 6;
const HOURLY = ['BTCUSDT_1h.csv', 'ETHUSDT_1h.csv'];
const DAILY = ['BTCUSDT_1d.csv', 'ETHUSDT_1d.csv', 'SOLUSDT_1d.csv'];

const strip = ({ id: _i, knownAt: _k, ...e }: RecordedSignal): SignalEvent => e;
const order = (a: SignalEvent, b: SignalEvent) =>
  a.asset.localeCompare(b.asset) ||
  a.interval.localeCompare(b.interval) ||
  a.issuedAt - b.issuedAt ||
  a.strategy.localeCompare(b.strategy);
/** Open time of a CSV row of the shared data (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS+0000`). */
const openTimeOf = (row: string) => {
  const ts = row.slice(0, row.indexOf(','));
  return Date.parse(ts.length === 10 ? `${ts}T00:00:00Z` : `${ts.slice(0, 19).replace(' ', 'T')}Z`);
};

/** Copy the rows of `src` opening in [from, to) to `dest` (a scratch directory, never committed). */
function sliceCsv(src: string, dest: string, from: number, to: number): number {
  const lines = readFileSync(src, 'utf8').trim().split('\n');
  const rows = lines.slice(1).filter((r) => {
    const t = openTimeOf(r);
    return t >= from && t < to;
  });
  writeFileSync(dest, `${lines[0]}\n${rows.join('\n')}\n`);
  return rows.length;
}

describe.runIf(!HAVE_SHARED_DATA)('signals pipeline', () => {
  it.skip(`skipped: ${SHARED_DATA} not found`, () => {});
});

describe.runIf(HAVE_SHARED_DATA)('signals and grades: live pipeline = batch, and asOf never repaints', () => {
  let server: TestServer;
  let dir: string;
  let replayFrom: number;
  let end: number;
  const snapshots: { asOf: number; ids: number[]; grades: string[] }[] = [];
  const gradeKeys = async (asOf: number) =>
    (await server.services.grades.latest({ asOf })).map((g) => `${g.asset}|${g.kind}|${g.asOf}|${g.knownAt}`);

  beforeAll(async () => {
    // The end of the held-in history (2025-07-01 00:00 UTC: later bars are held out).
    end =
      openTimeOf(
        readFileSync(join(SHARED_DATA, 'binance-btc-eth-elvistv', 'data', HOURLY[0]!), 'utf8')
          .trim()
          .split('\n')
          .at(-1)!,
      ) + HOUR;
    replayFrom = end - REPLAY_DAYS * DAY;
    dir = mkdtempSync(join(tmpdir(), 'sextant-signals-'));
    mkdirSync(join(dir, '1h'));
    mkdirSync(join(dir, '1d'));
    // Exactly one signal window before the first replayed close: its bar is the window's last.
    for (const f of HOURLY)
      sliceCsv(
        join(SHARED_DATA, 'binance-btc-eth-elvistv', 'data', f),
        join(dir, '1h', f),
        replayFrom - SIGNAL_WINDOW_BARS * HOUR,
        end,
      );
    for (const f of DAILY)
      sliceCsv(
        join(SHARED_DATA, 'binance-ohlcv-yanniedog', '1d', f),
        join(dir, '1d', f),
        replayFrom - (INVESTOR_MIN_BARS + 30) * DAY,
        end,
      );
    server = await startTestServer({
      REPLAY_DIR: dir,
      REPLAY_SPEED: String(3600 * REPLAY_HOURS_PER_S),
      REPLAY_FROM: new Date(replayFrom).toISOString(),
    });
    // Snapshots: on each new signal the runner publishes (after writing it), what a query as of
    // just before its knownAt returns. The runner stamps knownAt right before each write, one
    // bar at a time, so everything stamped earlier is already written: the snapshot is exactly
    // what a client asking at that moment for that time got, on PGlite and on PostgreSQL alike.
    let busy = false;
    let seenSignals = 0;
    const taking: Promise<void>[] = [];
    const unsubscribe = server.services.common.bus.subscribe(SIGNAL_TOPIC, (m) => {
      if (busy || seenSignals++ % SNAPSHOT_EVERY_SIGNALS !== 0) return;
      busy = true;
      const asOf = (m as RecordedSignal).knownAt - 1;
      taking.push(
        (async () => {
          const seen = await server.services.signals.query({ asOf, limit: 100_000 });
          snapshots.push({ asOf, ids: seen.map((s) => s.id), grades: await gradeKeys(asOf) });
        })().finally(() => {
          busy = false;
        }),
      );
    });
    await server.feed.replay!.finished();
    await server.signalRunner!.idle();
    unsubscribe();
    await Promise.all(taking);
  }, 180_000);
  afterAll(async () => {
    await stopTestServer(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const allBars = async (s: { venue: string; symbol: string; interval: '1h' | '1d' }) =>
    server.services.market.store.bars(s, { from: 0, to: Number.MAX_SAFE_INTEGER }, 100_000);

  it('records exactly the signals the batch computation issues, for every series', async () => {
    const series = await server.services.market.store.series();
    expect(series.map((s) => `${s.assetId} ${s.interval}`).sort()).toEqual([
      'bitcoin 1d',
      'bitcoin 1h',
      'ethereum 1d',
      'ethereum 1h',
      'solana 1d',
    ]);
    const expected: SignalEvent[] = [];
    for (const s of series) {
      const bars = await allBars(s as typeof s & { interval: '1h' | '1d' });
      const ref = { asset: s.assetId, venue: s.venue, symbol: s.symbol, interval: s.interval };
      for (const st of STRATEGIES)
        expected.push(
          // The replay plays every bar closing at or after replayFrom.
          ...batchSignals(ref, st, barsToColumns(bars)).filter((e) => e.issuedAt >= replayFrom),
        );
    }
    expected.sort(order);
    const recorded = (await server.services.signals.query({ limit: 100_000 })).map(strip).sort(order);
    // Enough of each kind for the comparison to mean something.
    for (const a of ['bitcoin', 'ethereum', 'solana'])
      expect(expected.filter((e) => e.asset === a && e.interval === '1d').length).toBeGreaterThan(2);
    expect(expected.filter((e) => e.interval === '1h').length).toBeGreaterThan(40);
    expect(recorded).toEqual(expected);
  });

  it('grades every asset at each UTC day close exactly as the batch grades over the same closed bars', async () => {
    const series = (await server.services.market.store.series()).filter((s) => s.interval === '1d');
    const expected: Grade[] = [];
    for (const s of series) {
      const bars: Bar[] = await allBars({ ...s, interval: '1d' });
      for (let day = replayFrom; day <= end; day += DAY) {
        const closed = bars.filter((b) => b.openTime + DAY <= day);
        expected.push(traderGrade(s.assetId, closed)!, investorGrade(s.assetId, closed)!);
      }
    }
    // JSON as stored (a NaN input is null).
    const norm = (g: Grade) => JSON.parse(JSON.stringify(g)) as Grade;
    const key = (g: Grade) => `${g.asset}|${g.asOf}|${g.kind}`;
    const byKey = (a: Grade, b: Grade) => key(a).localeCompare(key(b));
    const recorded: Grade[] = [];
    for (const a of ['bitcoin', 'ethereum', 'solana'])
      for (const { knownAt, ...g } of await server.services.grades.history({ asset: a, limit: 10_000 })) {
        // Known at or after the close of the last bar used, never before.
        expect(knownAt).toBeGreaterThanOrEqual(g.asOf);
        recorded.push(g);
      }
    expect(expected).toHaveLength(3 * (REPLAY_DAYS + 1) * 2);
    expect(expected.every((g) => g !== null)).toBe(true);
    expect(recorded.map(norm).sort(byKey)).toEqual(expected.map(norm).sort(byKey));
  });

  it('a query asOf a past time returns what it returned then (signals and grades)', async () => {
    expect(snapshots.length).toBeGreaterThan(5);
    // The ledger grew while the snapshots were taken: they saw different, growing sets.
    expect(new Set(snapshots.map((s) => s.ids.length)).size).toBeGreaterThan(2);
    expect(snapshots.some((s) => s.grades.length > 0)).toBe(true);
    for (const s of snapshots) {
      const later = await server.services.signals.query({ asOf: s.asOf, limit: 100_000 });
      expect(later.map((x) => x.id)).toEqual(s.ids);
      expect(await gradeKeys(s.asOf)).toEqual(s.grades);
    }
  });

  it('the ledger refuses updates, deletes and truncation', async () => {
    const db = server.services.db;
    const count = async () => (await db.query<{ n: number }>('select count(*)::int as n from signals'))[0]!.n;
    const n = await count();
    expect(n).toBeGreaterThan(0);
    await expect(db.query('update signals set strength = 0')).rejects.toThrow(/append-only/);
    await expect(db.query('delete from signals')).rejects.toThrow(/append-only/);
    await expect(db.query('truncate signals')).rejects.toThrow(/append-only: TRUNCATE is not allowed/);
    await expect(db.query('truncate grades, signals')).rejects.toThrow(/append-only/);
    expect(await count()).toBe(n);
  });

  it('serves signals with filters, asOf and a cursor', async () => {
    const all = (
      await server.app.inject({ method: 'GET', url: '/v1/signals?asset=bitcoin&limit=1000' })
    ).json() as {
      data: { id: number; strategy: string; issuedAt: string }[];
    };
    const pages: number[] = [];
    let url = '/v1/signals?asset=bitcoin&limit=7';
    for (let i = 0; i < 1000; i++) {
      const r = (await server.app.inject({ method: 'GET', url })).json() as {
        data: { id: number }[];
        nextCursor: string | null;
      };
      pages.push(...r.data.map((d) => d.id));
      if (!r.nextCursor) break;
      url = `/v1/signals?asset=bitcoin&limit=7&cursor=${r.nextCursor}`;
    }
    expect(pages).toEqual(all.data.map((d) => d.id));
    const mid = snapshots[Math.floor(snapshots.length / 2)]!;
    const asOf = (
      await server.app.inject({ method: 'GET', url: `/v1/signals?limit=1000&asOf=${mid.asOf}` })
    ).json() as {
      data: { id: number }[];
    };
    expect(asOf.data.map((d) => d.id)).toEqual(mid.ids);
    const grades = (
      await server.app.inject({ method: 'GET', url: `/v1/grades?asOf=${mid.asOf}` })
    ).json() as { data: { asset: string; kind: string; asOf: string; knownAt: string }[] };
    expect(
      grades.data.map((g) => `${g.asset}|${g.kind}|${Date.parse(g.asOf)}|${Date.parse(g.knownAt)}`),
    ).toEqual(mid.grades);
    const bad = await server.app.inject({ method: 'GET', url: '/v1/signals?strategy=astrology' });
    expect(bad.statusCode).toBe(400);
    const strategies = (await server.app.inject({ method: 'GET', url: '/v1/strategies' })).json() as {
      data: unknown[];
    };
    expect(strategies.data).toHaveLength(STRATEGIES.length);
  });
});
