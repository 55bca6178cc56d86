import type { Bus } from '../bus/index.js';
import { type GradeStore, INVESTOR_MIN_BARS, investorGrade, traderGrade } from '../grades/index.js';
import type { Logger } from '../internal/logger.js';
import { CANDLE_TOPIC, type CandleUpdate } from '../market/events.js';
import { barsToColumns, type CandleStore } from '../market/store.js';
import { type Bar, INTERVAL_MS, type Interval } from '../market/types.js';
import { SIGNAL_WINDOW_BARS, signalsAt } from './engine.js';
import type { SignalLedger } from './ledger.js';
import { STRATEGIES, type Strategy } from './strategies.js';

/** Bus topic of newly issued signals; the message is a `SignalEvent` with its `knownAt`. */
export const SIGNAL_TOPIC = 'signals.issued';

/** Intervals signals are computed on. */
export const SIGNAL_INTERVALS: readonly Interval[] = ['1h', '1d'];
const DAY_MS = 86_400_000;

export type SignalRunnerOptions = {
  bus: Bus;
  store: CandleStore;
  ledger: SignalLedger;
  logger: Logger;
  /** The feed's clock: what `knownAt` records (replay time during a replay). */
  clock: () => number;
  strategies?: readonly Strategy[];
  /** Grades are recomputed at every UTC day close of an asset's bars when given. */
  grades?: {
    store: GradeStore;
    /** Closed daily bars of an asset up to `to` (ms), oldest first. */
    dailyBars(asset: string, to: number, limit: number): Promise<Bar[]>;
  };
};

export type SignalRunner = {
  /** Resolves once every bar received so far has been processed. */
  idle(): Promise<void>;
  close(): Promise<void>;
};

/**
 * The live side of signals: after each final 1h/1d bar on the bus, read the last closed bars of
 * that market from storage (never a bar after the one that just closed), run every strategy
 * with the same code as the batch computation, append what is new to the ledger and publish it.
 */
export function createSignalRunner(o: SignalRunnerOptions): SignalRunner {
  const strategies = o.strategies ?? STRATEGIES;
  let queue: Promise<void> = Promise.resolve();
  // Per asset: the newest UTC day close graded, and a day close still waiting for its bars.
  const gradedThrough = new Map<string, number>();
  const pendingDay = new Map<string, number>();
  let closed = false;
  const unsubscribe = o.bus.subscribe(CANDLE_TOPIC, (m) => {
    const c = m as CandleUpdate;
    if (closed || !c.final || !SIGNAL_INTERVALS.includes(c.interval)) return;
    // One bar at a time, in arrival order: each bar's signals depend on the previous ones being known.
    queue = queue.then(() => onBar(c)).catch((err) => o.logger.warn({ err }, 'signal computation failed'));
  });

  async function onBar(c: CandleUpdate): Promise<void> {
    const step = INTERVAL_MS[c.interval];
    const key = { venue: c.venue, symbol: c.symbol, interval: c.interval };
    // Point in time: bars up to and including the one that just closed, never later ones.
    const desc = await o.store.barsDesc(key, { from: 0, to: c.bar.openTime + 1 }, SIGNAL_WINDOW_BARS + 1);
    // A live ingester stores closed bars shortly after publishing them: the bar that just closed
    // may not be stored yet. It is the bar of the message then, when the stored ones reach the
    // bar right before it (the same bars a batch computation reads once it is stored).
    const stored = desc[0]?.openTime === c.bar.openTime;
    if (!stored && desc[0]?.openTime === c.bar.openTime - step) {
      desc.unshift(c.bar);
      if (desc.length > SIGNAL_WINDOW_BARS + 1) desc.pop();
    }
    if (desc.length >= SIGNAL_WINDOW_BARS && desc[0]!.openTime === c.bar.openTime) {
      const cols = barsToColumns(desc.reverse());
      const ref = { asset: c.asset, venue: c.venue, symbol: c.symbol, interval: c.interval };
      const events = signalsAt(ref, strategies, cols, cols.length - 1);
      if (events.length > 0) {
        // Stamped right before the write (no await in between), so nothing stamped earlier is still unwritten.
        const knownAt = o.clock();
        await o.ledger.append(events, knownAt);
        for (const e of events) o.bus.publish(SIGNAL_TOPIC, { ...e, knownAt });
      }
    }
    if (o.grades) await grade(o.grades, c, stored);
  }

  /**
   * Grades at each UTC day close of an asset, from daily bars up to that close. The first bar
   * closing the day (often an hourly one) may arrive before the day's daily bar is stored: the
   * day then stays pending and is graded at the asset's next bar whose reads include that
   * daily bar, never from a history that stops a day short.
   */
  async function grade(
    g: NonNullable<SignalRunnerOptions['grades']>,
    c: CandleUpdate,
    stored: boolean,
  ): Promise<void> {
    const close = c.bar.openTime + INTERVAL_MS[c.interval];
    if (close % DAY_MS === 0 && close > (gradedThrough.get(c.asset) ?? Number.NEGATIVE_INFINITY))
      pendingDay.set(c.asset, close);
    const day = pendingDay.get(c.asset);
    if (day === undefined) return;
    // Daily bars built from stored hourly ones would lack this hour: wait until it is stored.
    if (!stored && c.interval !== '1d') return;
    const daily = await g.dailyBars(c.asset, day - 1, INVESTOR_MIN_BARS);
    // The day's own daily bar, published but not stored yet.
    if (c.interval === '1d' && close === day && daily.at(-1)?.openTime === c.bar.openTime - DAY_MS) {
      daily.push(c.bar);
      if (daily.length > INVESTOR_MIN_BARS) daily.shift();
    }
    if (daily.at(-1)?.openTime !== day - DAY_MS) {
      o.logger.debug({ asset: c.asset, day: new Date(day).toISOString() }, 'grades wait for the daily bar');
      return;
    }
    pendingDay.delete(c.asset);
    gradedThrough.set(c.asset, day);
    const grades = [traderGrade(c.asset, daily), investorGrade(c.asset, daily)].filter((x) => x !== null);
    if (grades.length > 0) await g.store.append(grades, o.clock());
  }

  return {
    idle: () => queue,
    async close() {
      closed = true;
      unsubscribe();
      await queue;
    },
  };
}
