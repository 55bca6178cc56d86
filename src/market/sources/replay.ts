import type { CandleSeries, CandleStore } from '../store.js';
import {
  type Bar,
  INTERVAL_MS,
  type Interval,
  type MarketEvent,
  type MarketRef,
  type MarketSource,
  type Subscription,
  type WatchRequest,
} from '../types.js';

export type ReplayOptions = {
  store: CandleStore;
  /** Market seconds per wall-clock second (3600 = an hour of bars per second). */
  speed: number;
  /** Simulated start time (ms); default: the earliest bar of the watched series. */
  from?: number;
  /** Wall clock (tests). */
  now?: () => number;
};

/** A replay: stored bars played back as a live feed, with its simulated clock. */
export type ReplaySource = MarketSource & {
  /** The simulated market time now (ms). */
  clock(): number;
  /** Resolves when every watched series has been played to its end. */
  finished(): Promise<void>;
};

// Bars read from storage per series and round trip.
const REPLAY_PAGE_BARS = 2000;
// Longest sleep between checks (ms): keeps `close()` and speed changes responsive.
const REPLAY_MAX_SLEEP_MS = 100;
const FETCH_PAGE_BARS = 5000;

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * Plays stored bars as a live feed: every bar is delivered as a final `candle` event (and a
 * `ticker` at its close) when the simulated clock passes its close time, all series merged in
 * time order. `fetchBars` reads the stored history like any other source.
 */
export function createReplaySource(o: ReplayOptions): ReplaySource {
  const wall = o.now ?? Date.now;
  let startWall = 0;
  let startSim = o.from ?? 0;
  let started = false;
  let done: () => void = () => {};
  const finishedP = new Promise<void>((r) => {
    done = r;
  });
  const subs = new Set<{ stop: () => void }>();

  const clock = () => (started ? startSim + (wall() - startWall) * o.speed : startSim);

  async function seriesFor(markets: MarketRef[], interval?: Interval): Promise<CandleSeries[]> {
    const all = await o.store.series();
    return all.filter(
      (s) =>
        markets.some((m) => m.venue === s.venue && m.symbol === s.symbol) &&
        (interval === undefined || s.interval === interval),
    );
  }

  return {
    name: 'replay',
    venues: [],
    clock,
    finished: () => finishedP,
    async *fetchBars(market, interval, range, options = {}) {
      const key = { venue: market.venue, symbol: market.symbol, interval };
      let from = range.from;
      while (from < range.to) {
        if (options.signal?.aborted) throw abortError();
        const page = await o.store.bars(key, { from, to: range.to }, FETCH_PAGE_BARS);
        if (page.length === 0) return;
        yield page;
        from = page.at(-1)!.openTime + 1;
      }
      if (options.signal?.aborted) throw abortError();
    },
    watch(request: WatchRequest, onEvent: (e: MarketEvent) => void): Subscription {
      let stopped = false;
      let wake: (() => void) | null = null;
      const sub = {
        stop() {
          stopped = true;
          wake?.();
        },
      };
      subs.add(sub);
      const sleep = (ms: number) =>
        new Promise<void>((r) => {
          const t = setTimeout(r, ms);
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
      const loop = (async () => {
        // Only intervals asked for when the request names one; else every stored interval.
        const series = await seriesFor(request.markets, request.interval);
        if (series.length === 0) {
          done();
          return;
        }
        if (!started) {
          startSim = o.from ?? Math.min(...series.map((s) => s.firstOpen));
          startWall = wall();
          started = true;
        }
        // Per series: a buffer of upcoming bars and where to read next.
        const state = series.map((s) => ({
          s,
          step: INTERVAL_MS[s.interval],
          buf: [] as Bar[],
          next: startSim - INTERVAL_MS[s.interval], // the bar closing at/after start is the first
          ended: false,
        }));
        onEvent({ type: 'status', venue: 'replay', state: 'connected' });
        while (!stopped) {
          let nextClose = Number.POSITIVE_INFINITY;
          for (const st of state) {
            if (st.buf.length === 0 && !st.ended) {
              st.buf = await o.store.bars(
                st.s,
                { from: st.next, to: Number.MAX_SAFE_INTEGER },
                REPLAY_PAGE_BARS,
              );
              if (st.buf.length === 0) st.ended = true;
              else st.next = st.buf.at(-1)!.openTime + 1;
            }
            if (st.buf.length > 0) nextClose = Math.min(nextClose, st.buf[0]!.openTime + st.step);
          }
          if (nextClose === Number.POSITIVE_INFINITY) break;
          const now = clock();
          if (nextClose > now) {
            await sleep(Math.min(REPLAY_MAX_SLEEP_MS, Math.max(1, (nextClose - now) / o.speed)));
            continue;
          }
          // Deliver every bar closed by now, oldest close first (ties: finer interval first).
          const due: { st: (typeof state)[number]; bar: Bar; close: number }[] = [];
          for (const st of state)
            while (st.buf.length > 0 && st.buf[0]!.openTime + st.step <= now) {
              const bar = st.buf.shift()!;
              due.push({ st, bar, close: bar.openTime + st.step });
            }
          due.sort((a, b) => a.close - b.close || a.st.step - b.st.step);
          for (const d of due) {
            if (stopped) break;
            const { venue, symbol, interval } = d.st.s;
            onEvent({ type: 'candle', venue, symbol, interval, bar: d.bar, final: true });
            onEvent({ type: 'ticker', venue, symbol, ticker: { ts: d.close, last: d.bar.close } });
          }
        }
        if (!stopped) done();
      })();
      return {
        async close() {
          sub.stop();
          subs.delete(sub);
          await loop.catch(() => {});
        },
      };
    },
    async close() {
      for (const s of subs) s.stop();
      subs.clear();
    },
  };
}
