import type { Bus } from '../bus/index.js';
import type { Db } from '../db/index.js';
import { aggregateBars, alignTime, canAggregate } from './candles.js';
import { PRICE_TOPIC, type PriceQuote } from './events.js';
import { aggregatePrice, USD_QUOTES, type VenueInput } from './prices.js';
import { type CandleSeries, type CandleStore, createCandleStore } from './store.js';
import { type Bar, INTERVAL_MS, INTERVALS, type Interval } from './types.js';

/** A bar as served: open time in ms and ISO, and whether its interval has closed. */
export type ServedBar = Bar & { time: string; final: boolean };

export type OhlcvQuery = {
  assetId: string;
  interval: Interval;
  venue?: string;
  quote?: string;
  /** Build from this lower interval instead of using stored bars of `interval`. */
  buildFrom?: Interval;
  from: number;
  to: number;
  limit: number;
};

export type OhlcvResult = {
  venue: string;
  symbol: string;
  interval: Interval;
  /** Null when the bars are stored at this interval; else the interval they were built from. */
  builtFrom: Interval | null;
  bars: ServedBar[];
  /** Open time to continue from (pass back as `cursor`), or null at the end of the range. */
  next: number | null;
};

export type MarketServiceOptions = {
  db: Db;
  bus: Bus;
  /** ms; the feed's clock (wall clock live, replay clock in a replay). */
  clock: () => number;
  staleAfterMs: number;
  outlierFraction: number;
  /** Wall clock, for how long ago a live quote was received. */
  wallClock?: () => number;
};

export type MarketService = {
  store: CandleStore;
  /** Stored series of an asset (all venues/intervals). */
  seriesOf(assetId: string): Promise<CandleSeries[]>;
  ohlcv(q: OhlcvQuery): Promise<OhlcvResult | null>;
  /** Aggregate price of each asset that has data; assets without data are absent. */
  prices(assetIds: readonly string[]): Promise<Map<string, PriceQuote>>;
  /** Asset ids with stored or live data. */
  assetsWithData(): Promise<string[]>;
  /**
   * Up to `limit` bars of the asset's main market closed by `to` (default: the market clock),
   * oldest first, stored or built from a lower interval; null when there is no data.
   */
  closedBars(
    assetId: string,
    interval: Interval,
    options: { to?: number; limit: number; venue?: string; quote?: string },
  ): Promise<{ venue: string; symbol: string; builtFrom: Interval | null; bars: Bar[] } | null>;
  close(): void;
};

// Lower-interval rows read to build one page of higher bars (bounds memory per request).
const MAX_BUILD_SOURCE_ROWS = 200_000;
const DAY_MS = 86_400_000;
const PRICE_CACHE_MS = 1_000;

/** Reads of stored and live market data behind the operations. */
export function createMarketService(o: MarketServiceOptions): MarketService {
  const store = createCandleStore(o.db);
  const wall = o.wallClock ?? Date.now;
  const live = new Map<string, { quote: PriceQuote; receivedAt: number }>();
  const cache = new Map<string, { quote: PriceQuote | null; at: number }>();
  const unsubscribe = o.bus.subscribe(PRICE_TOPIC, (m) => {
    const q = m as PriceQuote;
    if (q && typeof q.asset === 'string' && typeof q.price === 'number')
      live.set(q.asset, { quote: q, receivedAt: wall() });
  });

  async function seriesOf(assetId: string): Promise<CandleSeries[]> {
    return store.series({ assetId });
  }

  /** The series to serve: the asked venue/quote, else the one with most bars (spot before perps). */
  function pick(series: CandleSeries[], q: { venue?: string; quote?: string }): CandleSeries[] {
    return series
      .filter((s) => (!q.venue || s.venue === q.venue) && (!q.quote || s.quote === q.quote.toUpperCase()))
      .sort(
        (a, b) =>
          Number(a.symbol.includes(':')) - Number(b.symbol.includes(':')) ||
          Number(!USD_QUOTES.has(a.quote)) - Number(!USD_QUOTES.has(b.quote)) ||
          b.bars - a.bars,
      );
  }

  function serve(bars: Bar[], interval: Interval, now: number): ServedBar[] {
    const step = INTERVAL_MS[interval];
    return bars.map((b) => ({
      ...b,
      time: new Date(b.openTime).toISOString(),
      final: b.openTime + step <= now,
    }));
  }

  async function ohlcv(q: OhlcvQuery): Promise<OhlcvResult | null> {
    const all = await seriesOf(q.assetId);
    const now = o.clock();
    const step = INTERVAL_MS[q.interval];
    if (!q.buildFrom) {
      const native = pick(
        all.filter((s) => s.interval === q.interval),
        q,
      )[0];
      if (native) {
        // Point in time: only bars closed by the market clock (a replay has the future stored).
        const to = Math.min(q.to, now - step + 1);
        const bars = await store.bars(native, { from: q.from, to }, q.limit + 1);
        const more = bars.length > q.limit;
        const page = more ? bars.slice(0, q.limit) : bars;
        return {
          venue: native.venue,
          symbol: native.symbol,
          interval: q.interval,
          builtFrom: null,
          bars: serve(page, q.interval, now),
          next: more ? bars[q.limit]!.openTime : null,
        };
      }
    }
    // Build from the coarsest stored lower interval that divides this one (fewest rows to read).
    const lowers = (q.buildFrom ? [q.buildFrom] : [...INTERVALS].reverse()).filter((i) =>
      canAggregate(i, q.interval),
    );
    for (const lower of lowers) {
      const src = pick(
        all.filter((s) => s.interval === lower),
        q,
      )[0];
      if (!src) continue;
      const ratio = step / INTERVAL_MS[lower];
      const limit = Math.max(1, Math.min(q.limit, Math.floor(MAX_BUILD_SOURCE_ROWS / ratio)));
      // Whole buckets only: start at the first bucket opening at or after `from`.
      let start = alignTime(q.from, q.interval);
      if (start < q.from) start += step;
      // Skip empty stretches quickly: begin at the first stored bar of the series.
      if (src.firstOpen > start) start = alignTime(src.firstOpen, q.interval);
      const end = Math.min(q.to, start + limit * step);
      if (start >= end)
        return {
          venue: src.venue,
          symbol: src.symbol,
          interval: q.interval,
          builtFrom: lower,
          bars: [],
          next: null,
        };
      // Only lower bars closed by the market clock: the last bucket may be partial (not final).
      const lowerTo = Math.min(end, now - INTERVAL_MS[lower] + 1);
      const lowerBars = await store.bars(src, { from: start, to: lowerTo }, limit * ratio);
      const bars = aggregateBars(lowerBars, lower, q.interval).map(
        ({ parts: _p, expectedParts: _e, ...b }) => b,
      );
      const next = end < q.to && end <= src.lastOpen && end <= now ? end : null;
      return {
        venue: src.venue,
        symbol: src.symbol,
        interval: q.interval,
        builtFrom: lower,
        bars: serve(bars, q.interval, now),
        next,
      };
    }
    return null;
  }

  async function priceFromStore(assetId: string): Promise<PriceQuote | null> {
    const series = (await seriesOf(assetId)).filter(
      (s) => USD_QUOTES.has(s.quote) && !s.symbol.includes(':'),
    );
    // Per market, the finest interval stored gives the freshest close.
    const finest = new Map<string, CandleSeries>();
    for (const s of series) {
      const k = `${s.venue}|${s.symbol}`;
      const cur = finest.get(k);
      if (!cur || INTERVAL_MS[s.interval] < INTERVAL_MS[cur.interval]) finest.set(k, s);
    }
    const now = o.clock();
    const inputs: VenueInput[] = [];
    for (const s of finest.values()) {
      // The newest bar closed by the market clock.
      const last = await store.latest(s, now - INTERVAL_MS[s.interval]);
      if (!last) continue;
      const step = INTERVAL_MS[s.interval];
      const asOf = Math.min(last.openTime + step, now);
      const dayAgo = await store.latest(s, asOf - DAY_MS - step);
      const volume = await store.volume(s, { from: asOf - DAY_MS, to: asOf });
      inputs.push({
        venue: s.venue,
        symbol: s.symbol,
        price: last.close,
        volume24h: volume,
        asOf,
        price24hAgo: dayAgo && dayAgo.openTime + step >= asOf - DAY_MS - step ? dayAgo.close : null,
      });
    }
    return aggregatePrice(assetId, inputs, {
      now,
      staleAfterMs: o.staleAfterMs,
      outlierFraction: o.outlierFraction,
    });
  }

  return {
    store,
    seriesOf,
    ohlcv,
    async prices(assetIds) {
      const out = new Map<string, PriceQuote>();
      const w = wall();
      for (const id of assetIds) {
        const l = live.get(id);
        if (l) {
          // A live quote goes stale when its feed stops updating it.
          out.set(id, { ...l.quote, stale: l.quote.stale || w - l.receivedAt > o.staleAfterMs });
          continue;
        }
        const c = cache.get(id);
        if (c && w - c.at < PRICE_CACHE_MS) {
          if (c.quote) out.set(id, c.quote);
          continue;
        }
        const quote = await priceFromStore(id);
        cache.set(id, { quote, at: w });
        if (quote) out.set(id, quote);
      }
      return out;
    },
    async closedBars(assetId, interval, opts) {
      const step = INTERVAL_MS[interval];
      const to = Math.min(opts.to ?? o.clock(), o.clock()) + 1;
      const out: Bar[] = [];
      let from = alignTime(to, interval) - opts.limit * step;
      let meta: { venue: string; symbol: string; builtFrom: Interval | null } | null = null;
      // Page through (built bars come in pages bounded by MAX_BUILD_SOURCE_ROWS).
      while (out.length < opts.limit) {
        const r = await ohlcv({
          assetId,
          interval,
          ...(opts.venue ? { venue: opts.venue } : {}),
          ...(opts.quote ? { quote: opts.quote } : {}),
          from,
          to,
          limit: opts.limit,
        });
        if (!r) return null;
        meta ??= { venue: r.venue, symbol: r.symbol, builtFrom: r.builtFrom };
        for (const b of r.bars)
          if (b.final)
            out.push({
              openTime: b.openTime,
              open: b.open,
              high: b.high,
              low: b.low,
              close: b.close,
              volume: b.volume,
            });
        if (r.next === null) break;
        from = r.next;
      }
      return meta ? { ...meta, bars: out.slice(-opts.limit) } : null;
    },
    async assetsWithData() {
      const ids = new Set((await store.series()).map((s) => s.assetId));
      for (const id of live.keys()) ids.add(id);
      return [...ids];
    },
    close() {
      unsubscribe();
    },
  };
}
