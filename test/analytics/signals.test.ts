import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barsToColumns } from '../../src/market/index.js';
import {
  batchSignals,
  type RecordedSignal,
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
 * ledger) produces exactly the signals of the batch computation over the same bars, and a query
 * `asOf` a past time later returns exactly what it returned then.
 */

const BARS = 1000;
const strip = ({ id: _i, knownAt: _k, ...e }: RecordedSignal): SignalEvent => e;

describe.runIf(!HAVE_SHARED_DATA)('signals pipeline', () => {
  it.skip(`skipped: ${SHARED_DATA} not found`, () => {});
});

describe.runIf(HAVE_SHARED_DATA)('signals: live pipeline = batch, and asOf never repaints', () => {
  let server: TestServer;
  let dir: string;
  let rows: string[];
  let replayFrom: number;
  const snapshots: { asOf: number; ids: number[] }[] = [];

  beforeAll(async () => {
    // The last 1,000 hourly BTC bars of the shared data, in a scratch directory (not committed).
    const text = readFileSync(join(SHARED_DATA, 'binance-btc-eth-elvistv', 'data', 'BTCUSDT_1h.csv'), 'utf8');
    const lines = text.trim().split('\n');
    rows = lines.slice(-BARS);
    dir = mkdtempSync(join(tmpdir(), 'sextant-signals-'));
    writeFileSync(join(dir, 'BTCUSDT_1h.csv'), `${lines[0]}\n${rows.join('\n')}\n`);
    // Replay from the bar that first has a full window, 60 market hours per second.
    replayFrom = Date.parse(`${rows[SIGNAL_WINDOW_BARS]!.slice(0, 19).replace(' ', 'T')}Z`);
    server = await startTestServer({
      REPLAY_DIR: dir,
      REPLAY_SPEED: String(3600 * 60),
      REPLAY_FROM: new Date(replayFrom).toISOString(),
    });
    const done = server.feed.replay!.finished();
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished) {
      await new Promise((r) => setTimeout(r, 700));
      const asOf = server.services.marketClock.now();
      const seen = await server.services.signals.query({ asOf, limit: 100_000 });
      snapshots.push({ asOf, ids: seen.map((s) => s.id) });
    }
    await server.signalRunner!.idle();
  }, 180_000);
  afterAll(async () => {
    await stopTestServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('records exactly the signals the batch computation issues over the same bars', async () => {
    const store = server.services.market.store;
    const key = { venue: 'binance', symbol: 'BTC/USDT', interval: '1h' as const };
    const bars = await store.bars(key, { from: 0, to: Number.MAX_SAFE_INTEGER }, 10_000);
    expect(bars).toHaveLength(BARS);
    const ref = { asset: 'bitcoin', ...key };
    const expected = STRATEGIES.flatMap((s) => batchSignals(ref, s, barsToColumns(bars)))
      // The replay plays every bar closing at or after replayFrom.
      .filter((e) => e.issuedAt >= replayFrom)
      .sort((a, b) => a.issuedAt - b.issuedAt || a.strategy.localeCompare(b.strategy));
    const recorded = (await server.services.signals.query({ asset: 'bitcoin', limit: 100_000 }))
      .map(strip)
      .sort((a, b) => a.issuedAt - b.issuedAt || a.strategy.localeCompare(b.strategy));
    expect(expected.length).toBeGreaterThan(20);
    expect(recorded).toEqual(expected);
  });

  it('a query asOf a past time returns what it returned then', async () => {
    expect(snapshots.length).toBeGreaterThan(3);
    expect(snapshots.some((s) => s.ids.length > 0)).toBe(true);
    for (const s of snapshots) {
      const later = await server.services.signals.query({ asOf: s.asOf, limit: 100_000 });
      expect(later.map((x) => x.id)).toEqual(s.ids);
    }
  });

  it('the ledger refuses updates and deletes', async () => {
    await expect(server.services.db.query('update signals set strength = 0')).rejects.toThrow(/append-only/);
    await expect(server.services.db.query('delete from signals')).rejects.toThrow(/append-only/);
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
    const bad = await server.app.inject({ method: 'GET', url: '/v1/signals?strategy=astrology' });
    expect(bad.statusCode).toBe(400);
    const strategies = (await server.app.inject({ method: 'GET', url: '/v1/strategies' })).json() as {
      data: unknown[];
    };
    expect(strategies.data).toHaveLength(STRATEGIES.length);
  });
});
