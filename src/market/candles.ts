import { type Bar, INTERVAL_MS, INTERVALS, type Interval } from './types.js';

/** Start of the UTC-aligned interval containing `ts`. */
export function alignTime(ts: number, interval: Interval): number {
  const step = INTERVAL_MS[interval];
  return ts - (((ts % step) + step) % step);
}

/** True when `lower` bars roll up into `higher` bars (it divides it and is smaller). */
export function canAggregate(lower: Interval, higher: Interval): boolean {
  const a = INTERVAL_MS[lower];
  const b = INTERVAL_MS[higher];
  return a < b && b % a === 0;
}

/** A rolled-up bar with how many lower bars it was built from and how many it should have. */
export type AggregatedBar = Bar & { parts: number; expectedParts: number };

/**
 * Roll sorted lower-interval bars up into `interval` bars, UTC-aligned: first open, highest
 * high, lowest low, last close, summed volume. A bucket with missing lower bars is still
 * built; `parts < expectedParts` tells so.
 * @example aggregateBars(hourly, '1h', '1d') // daily bars from hourly ones
 */
export function aggregateBars(bars: readonly Bar[], from: Interval, to: Interval): AggregatedBar[] {
  if (!canAggregate(from, to) && from !== to) throw new Error(`cannot build ${to} bars from ${from} bars`);
  const expectedParts = INTERVAL_MS[to] / INTERVAL_MS[from];
  const out: AggregatedBar[] = [];
  let cur: AggregatedBar | null = null;
  for (const b of bars) {
    const t = alignTime(b.openTime, to);
    if (cur && cur.openTime === t) {
      if (b.high > cur.high) cur.high = b.high;
      if (b.low < cur.low) cur.low = b.low;
      cur.close = b.close;
      cur.volume += b.volume;
      cur.parts++;
    } else {
      if (cur) out.push(cur);
      cur = {
        openTime: t,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
        parts: 1,
        expectedParts,
      };
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** A bar being built: plain mutable numbers, no allocation per trade. */
type Acc = { openTime: number; open: number; high: number; low: number; close: number; volume: number };

/** Called with every bar that closed (final) while building. */
export type BarSink = (interval: Interval, bar: Bar) => void;

/**
 * Builds candles of every interval from a stream of trades (or of closed 1m bars) of one
 * market. Each trade touches only the 1m bar; higher intervals are merged from closed 1m bars,
 * and `current()` merges in the open 1m bar on demand. A bar is emitted as final once a trade
 * (or `closeUntil(now)`) shows its interval is over.
 *
 * Trades older than the open 1m bar arrive too late to change a closed bar: they are counted
 * in `lateTrades` and dropped, as exchanges finalize bars the same way.
 */
export class CandleBuilder {
  /** Trades dropped because their minute had already closed. */
  lateTrades = 0;
  private readonly higher: Interval[];
  private readonly acc = new Map<Interval, Acc>();
  private m: Acc | null = null;

  constructor(
    private readonly onClose: BarSink,
    intervals: readonly Interval[] = INTERVALS,
  ) {
    this.higher = intervals.filter((i) => i !== '1m');
    for (const i of this.higher)
      if (!canAggregate('1m', i)) throw new Error(`interval ${i} is not a multiple of 1m`);
  }

  /** Add one trade: `ts` ms, `price`, `amount` in the base asset. */
  addTrade(ts: number, price: number, amount: number): void {
    const minute = ts - (ts % 60_000);
    const m = this.m;
    if (m !== null && minute === m.openTime) {
      if (price > m.high) m.high = price;
      else if (price < m.low) m.low = price;
      m.close = price;
      m.volume += amount;
      return;
    }
    if (m !== null && minute < m.openTime) {
      this.lateTrades++;
      return;
    }
    if (m !== null) this.closeMinute(m, minute);
    this.m = { openTime: minute, open: price, high: price, low: price, close: price, volume: amount };
  }

  /** Add a closed 1m bar (e.g. from a venue's kline stream or a replay). */
  addMinuteBar(bar: Bar): void {
    const m = this.m;
    if (m !== null && bar.openTime <= m.openTime) {
      if (bar.openTime === m.openTime) this.m = { ...bar };
      else {
        this.lateTrades++;
        return;
      }
    } else {
      if (m !== null) this.closeMinute(m, bar.openTime);
      this.m = { ...bar };
    }
    // The bar is closed by definition: finalize it now rather than at the next one.
    const closed = this.m!;
    this.m = null;
    this.closeMinute(closed, closed.openTime + 60_000);
  }

  /** Close every bar whose interval ended at or before `now` (call from a timer). */
  closeUntil(now: number): void {
    const m = this.m;
    if (m !== null && m.openTime + 60_000 <= now) {
      this.m = null;
      this.closeMinute(m, alignTime(now, '1m'));
    } else this.flushHigher(alignTime(now, '1m'));
  }

  /** The bar of `interval` being built now (including the open minute), or null. */
  current(interval: Interval): Bar | null {
    const m = this.m;
    if (interval === '1m') return m ? { ...m } : null;
    const a = this.acc.get(interval);
    if (!m) return a ? { ...a } : null;
    const t = alignTime(m.openTime, interval);
    if (!a || a.openTime !== t) return { ...m, openTime: t };
    return {
      openTime: a.openTime,
      open: a.open,
      high: Math.max(a.high, m.high),
      low: Math.min(a.low, m.low),
      close: m.close,
      volume: a.volume + m.volume,
    };
  }

  private closeMinute(m: Acc, nextMinute: number): void {
    this.onClose('1m', { ...m });
    for (const i of this.higher) {
      const t = alignTime(m.openTime, i);
      const a = this.acc.get(i);
      if (a && a.openTime === t) {
        if (m.high > a.high) a.high = m.high;
        if (m.low < a.low) a.low = m.low;
        a.close = m.close;
        a.volume += m.volume;
      } else {
        if (a) this.onClose(i, { ...a });
        this.acc.set(i, { ...m, openTime: t });
      }
    }
    this.flushHigher(nextMinute);
  }

  /** Emit higher bars whose interval ended before `nextMinute`. */
  private flushHigher(nextMinute: number): void {
    for (const i of this.higher) {
      const a = this.acc.get(i);
      if (a && a.openTime + INTERVAL_MS[i] <= nextMinute) {
        this.onClose(i, { ...a });
        this.acc.delete(i);
      }
    }
  }
}
