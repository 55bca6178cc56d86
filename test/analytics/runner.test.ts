import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/bus/index.js';
import {
  type Grade,
  type GradeStore,
  INVESTOR_MIN_BARS,
  investorGrade,
  traderGrade,
} from '../../src/grades/index.js';
import { createLogger } from '../../src/internal/logger.js';
import { CANDLE_TOPIC, type CandleUpdate } from '../../src/market/events.js';
import { barsToColumns, type CandleStore } from '../../src/market/store.js';
import type { Bar, Interval } from '../../src/market/types.js';
import {
  batchSignals,
  createSignalRunner,
  SIGNAL_WINDOW_BARS,
  type SignalEvent,
  type SignalLedger,
  STRATEGIES,
} from '../../src/signals/index.js';
import { LogCapture } from '../helpers.js';

/**
 * The live signal runner against in-memory storage, for the orderings a live ingester produces
 * and a replay never does: the bar that just closed published before it is stored, and the
 * hourly bar closing a UTC day arriving before that day's daily bar.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;
const REF = { asset: 'bitcoin', venue: 'binance', symbol: 'BTC/USDT' };

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic random walk of `n` bars of `step` ms opening at `start`. */
function walk(n: number, start: number, step: number, seed: number): Bar[] {
  const rnd = mulberry32(seed);
  const out: Bar[] = [];
  let price = 100;
  for (let i = 0; i < n; i++) {
    const open = price;
    price = Math.max(1, price * (1 + (rnd() - 0.5) * 0.06));
    const high = Math.max(open, price) * (1 + rnd() * 0.01);
    const low = Math.min(open, price) * (1 - rnd() * 0.01);
    out.push({ openTime: start + i * step, open, high, low, close: price, volume: 1000 + rnd() * 500 });
  }
  return out;
}

/** What the runner reads, held in memory; tests move bars in and out to mimic a live ingester. */
function harness() {
  const stored: Record<'1h' | '1d', Bar[]> = { '1h': [], '1d': [] };
  const store = {
    async barsDesc(key: { interval: Interval }, range: { from: number; to: number }, limit: number) {
      const list = stored[key.interval as '1h' | '1d'] ?? [];
      return list
        .filter((b) => b.openTime >= range.from && b.openTime < range.to)
        .reverse()
        .slice(0, limit);
    },
  } as unknown as CandleStore;
  const signals: SignalEvent[] = [];
  const ledger = {
    async append(events: readonly SignalEvent[]) {
      signals.push(...events);
      return events.length;
    },
  } as unknown as SignalLedger;
  const grades: Grade[] = [];
  const gradeStore = {
    async append(gs: readonly Grade[]) {
      grades.push(...gs);
      return gs.length;
    },
  } as unknown as GradeStore;
  const dailyReads: number[] = [];
  const bus = createMemoryBus();
  const runner = createSignalRunner({
    bus,
    store,
    ledger,
    logger: createLogger({ level: 'warn', destination: new LogCapture() }),
    clock: () => 0,
    grades: {
      store: gradeStore,
      async dailyBars(_asset, to, limit) {
        dailyReads.push(to);
        return stored['1d'].filter((b) => b.openTime + DAY <= to + 1).slice(-limit);
      },
    },
  });
  return {
    stored,
    signals,
    grades,
    dailyReads,
    runner,
    /** Publish a final bar and wait until the runner has handled it. */
    async close(interval: '1h' | '1d', bar: Bar) {
      const m: CandleUpdate = { ...REF, interval, bar, final: true };
      bus.publish(CANDLE_TOPIC, m);
      await new Promise((r) => setImmediate(r));
      await runner.idle();
    },
  };
}

describe('signal runner: live orderings', () => {
  it('computes signals from the published bar when it is not stored yet', async () => {
    const bars = walk(700, Date.UTC(2024, 0, 1), HOUR, 7);
    const ref = { ...REF, interval: '1h' as const };
    const batch = STRATEGIES.flatMap((s) => batchSignals(ref, s, barsToColumns(bars)));
    // A bar at which at least two strategies issue a signal.
    const counts = new Map<number, number>();
    for (const e of batch) counts.set(e.issuedAt, (counts.get(e.issuedAt) ?? 0) + 1);
    const issuedAt = [...counts].filter(([t, n]) => n >= 2 && t > bars[400]!.openTime).at(-1)![0];
    const t = bars.findIndex((b) => b.openTime + HOUR === issuedAt);
    const h = harness();
    h.stored['1h'] = bars.slice(0, t); // bar t is published, not stored yet
    await h.close('1h', bars[t]!);
    const expected = batch.filter((e) => e.issuedAt === issuedAt);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(h.signals).toEqual(expected);
    await h.runner.close();
  });

  it('does not compute from a history with a hole before the published bar', async () => {
    const bars = walk(400, Date.UTC(2024, 0, 1), HOUR, 8);
    const h = harness();
    h.stored['1h'] = bars.slice(0, 398); // bar 398 missing, bar 399 published
    await h.close('1h', bars[399]!);
    expect(h.signals).toEqual([]);
    await h.runner.close();
  });

  it('grades a day only with its daily bar: the hourly bar closing the day comes first', async () => {
    const daily = walk(INVESTOR_MIN_BARS + 40, Date.UTC(2023, 0, 1), DAY, 9);
    const last = daily.at(-1)!;
    const dayClose = last.openTime + DAY;
    // More hourly bars than a signal window, so the bar closing the day also computes signals.
    const hourly = walk(SIGNAL_WINDOW_BARS + 20, dayClose - (SIGNAL_WINDOW_BARS + 18) * HOUR, HOUR, 10);
    const closing = hourly.find((b) => b.openTime + HOUR === dayClose)!;
    const h = harness();
    h.stored['1d'] = daily.slice(0, -1); // the day's daily bar is not there yet
    h.stored['1h'] = hourly.filter((b) => b.openTime <= closing.openTime);
    await h.close('1h', closing);
    // Nothing graded from a history that stops a day short.
    expect(h.grades).toEqual([]);
    h.stored['1d'] = daily;
    await h.close('1d', last);
    const expected = [traderGrade('bitcoin', daily)!, investorGrade('bitcoin', daily)!];
    expect(expected.every((g) => g.asOf === dayClose)).toBe(true);
    expect(h.grades).toEqual(expected);
    // The next hours of the day after do not grade it again.
    await h.close('1h', hourly.find((b) => b.openTime === dayClose)!);
    expect(h.grades).toHaveLength(2);
    await h.runner.close();
  });

  it('grades with the published daily bar when it is not stored yet', async () => {
    const daily = walk(INVESTOR_MIN_BARS + 5, Date.UTC(2023, 0, 1), DAY, 11);
    const h = harness();
    h.stored['1d'] = daily.slice(0, -1);
    await h.close('1d', daily.at(-1)!);
    expect(h.grades).toEqual([traderGrade('bitcoin', daily)!, investorGrade('bitcoin', daily)!]);
    await h.runner.close();
  });

  it('waits for the hourly bar closing the day to be stored before grading', async () => {
    const daily = walk(INVESTOR_MIN_BARS + 5, Date.UTC(2023, 0, 1), DAY, 12);
    const dayClose = daily.at(-1)!.openTime + DAY;
    const hourly = walk(3, dayClose - HOUR, HOUR, 13);
    const h = harness();
    h.stored['1d'] = daily;
    h.stored['1h'] = [];
    // The hourly bar closing the day is published before it is stored (and before any other):
    // daily bars built from stored hourly ones would lack it, so nothing is read or graded.
    await h.close('1h', hourly[0]!);
    expect(h.dailyReads).toEqual([]);
    expect(h.grades).toEqual([]);
    // The next hour, with the bars stored: graded as of the day close, not of this hour.
    h.stored['1h'] = hourly.slice(0, 2);
    await h.close('1h', hourly[1]!);
    expect(h.dailyReads).toEqual([dayClose - 1]);
    expect(h.grades.map((g) => [g.kind, g.asOf])).toEqual([
      ['trader', dayClose],
      ['investor', dayClose],
    ]);
    await h.runner.close();
  });
});
