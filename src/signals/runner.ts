import type { Bus } from '../bus/index.js';
import { type GradeStore, INVESTOR_MIN_BARS, investorGrade, traderGrade } from '../grades/index.js';
import type { Logger } from '../internal/logger.js';
import { CANDLE_TOPIC, type CandleUpdate } from '../market/events.js';
import { barsToColumns, type CandleStore } from '../market/store.js';
import { type Bar, INTERVAL_MS, type Interval } from '../market/types.js';
import { SIGNAL_WINDOW_BARS, signalAt } from './engine.js';
import type { SignalLedger } from './ledger.js';
import { STRATEGIES, type Strategy } from './strategies.js';
import type { SignalEvent } from './types.js';

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
  // One grade computation per asset and day, whichever interval's bar closes the day first.
  const gradedDays = new Set<string>();
  let closed = false;
  const unsubscribe = o.bus.subscribe(CANDLE_TOPIC, (m) => {
    const c = m as CandleUpdate;
    if (closed || !c.final || !SIGNAL_INTERVALS.includes(c.interval)) return;
    // One bar at a time, in arrival order: each bar's signals depend on the previous ones being known.
    queue = queue.then(() => onBar(c)).catch((err) => o.logger.warn({ err }, 'signal computation failed'));
  });

  async function onBar(c: CandleUpdate): Promise<void> {
    const key = { venue: c.venue, symbol: c.symbol, interval: c.interval };
    // Point in time: bars up to and including the one that just closed, never later ones.
    const desc = await o.store.barsDesc(key, { from: 0, to: c.bar.openTime + 1 }, SIGNAL_WINDOW_BARS + 1);
    if (desc.length < SIGNAL_WINDOW_BARS || desc[0]!.openTime !== c.bar.openTime) return;
    const cols = barsToColumns(desc.reverse());
    const ref = { asset: c.asset, venue: c.venue, symbol: c.symbol, interval: c.interval };
    const events: SignalEvent[] = [];
    for (const s of strategies) {
      const e = signalAt(ref, s, cols, cols.length - 1);
      if (e) events.push(e);
    }
    const knownAt = o.clock();
    if (events.length > 0) {
      await o.ledger.append(events, knownAt);
      for (const e of events) o.bus.publish(SIGNAL_TOPIC, { ...e, knownAt });
    }
    const close = c.bar.openTime + INTERVAL_MS[c.interval];
    if (o.grades && close % DAY_MS === 0 && !gradedDays.has(`${c.asset}|${close}`)) {
      gradedDays.add(`${c.asset}|${close}`);
      const daily = await o.grades.dailyBars(c.asset, close - 1, INVESTOR_MIN_BARS);
      const grades = [traderGrade(c.asset, daily), investorGrade(c.asset, daily)].filter((g) => g !== null);
      if (grades.length > 0) await o.grades.store.append(grades, knownAt);
    }
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
