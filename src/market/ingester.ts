import type { Bus } from '../bus/index.js';
import type { Db } from '../db/index.js';
import type { Logger } from '../internal/logger.js';
import { CandleBuilder } from './candles.js';
import { CANDLE_TOPIC, type CandleUpdate, PRICE_TOPIC } from './events.js';
import type { MarketResolver } from './importer.js';
import { aggregatePrice, USD_QUOTES, type VenueInput } from './prices.js';
import { barsToColumns, writeBars } from './store.js';
import { type Bar, INTERVAL_MS, type Interval, type MarketEvent } from './types.js';

export type IngesterOptions = {
  db: Db;
  bus: Bus;
  logger: Logger;
  resolveMarket: MarketResolver;
  /** The feed's clock (replay clock during a replay). */
  clock: () => number;
  /** Write closed bars to storage (false for a replay of stored bars). */
  persist: boolean;
  staleAfterMs: number;
  outlierFraction: number;
  /**
   * How often (wall ms) bars built here are checked against `clock` and closed once their
   * interval is over (default 1 s); null: never (a replay delivers closed bars itself, and its
   * clock runs ahead of what it has delivered).
   */
  closeCheckMs?: number | null;
};

/** Consumes a source's events: builds candles, stores closed ones, publishes candles and prices. */
export type Ingester = {
  handle(event: MarketEvent): void;
  /** Bars published so far (closed and updates). */
  readonly published: number;
  /** Write buffered bars now. */
  flush(): Promise<void>;
  close(): Promise<void>;
};

const DAY_MS = 86_400_000;
// Write closed bars in batches at most this often (ms): no row-at-a-time ingestion.
const PERSIST_INTERVAL_MS = 1_000;
// Publish an asset's aggregate price at most this often (ms) on the feed's clock... in wall time.
const PRICE_PUBLISH_MIN_MS = 250;
// Check open bars against the clock this often (wall ms): in a quiet market no trade comes to
// close the last bar, so a timer must finalise it once its interval is over.
const CLOSE_CHECK_MS = 1_000;
// Bars close this long after their interval ended: venues stamp trades a little before they
// reach us, and a trade for a bar that was already closed would be dropped as late.
const CLOSE_GRACE_MS = 2_000;

type VenueState = {
  venue: string;
  symbol: string;
  assetId: string;
  price: number;
  asOf: number;
  /** Finest bars of the last 24 h (close time, close, volume), for volume and change. */
  window: { close: number; price: number; volume: number }[];
  windowStep: number;
  baseVolume24h?: number;
  open24h?: number;
};

/**
 * The ingest side of market data: one per process that runs a source. Everything it publishes
 * goes through the bus, so with Redis every API process sees every update.
 */
export function createIngester(o: IngesterOptions): Ingester {
  const venues = new Map<string, VenueState>();
  // Per market: its candle builder, and whether the venue sends its own 1m bars (then the
  // builder only rolls those up and must not emit 1m bars a second time).
  const builders = new Map<string, { builder: CandleBuilder; klines: boolean }>();
  const pending = new Map<
    string,
    { venue: string; symbol: string; interval: Interval; bars: Map<number, Bar> }
  >();
  const lastPricePublish = new Map<string, number>();
  const pricePending = new Set<string>();
  // Time of the newest event behind a pending price: staleness is judged as of the event, not
  // after delivery and the publish throttle (which, in a fast replay, span market hours). Once a
  // feed stops, readers flag its last quote stale by wall time (see the market service).
  const priceEventAt = new Map<string, number>();
  let published = 0;
  let priceTimer: NodeJS.Timeout | null = null;

  const persistTimer = o.persist
    ? setInterval(() => {
        flush().catch((err) => o.logger.warn({ err }, 'writing live bars failed'));
      }, PERSIST_INTERVAL_MS)
    : null;
  persistTimer?.unref();
  // Finalise bars whose interval is over by the feed's clock, traded on or not.
  const closeTimer = o.closeCheckMs === null ? null : setInterval(closeDue, o.closeCheckMs ?? CLOSE_CHECK_MS);
  closeTimer?.unref();

  function closeDue(): void {
    const until = o.clock() - CLOSE_GRACE_MS;
    for (const b of builders.values()) b.builder.closeUntil(until);
  }

  function publishCandle(venue: string, symbol: string, interval: Interval, bar: Bar, final: boolean): void {
    const m = o.resolveMarket(venue, symbol);
    if (!m) return;
    const update: CandleUpdate = { asset: m.assetId, venue, symbol, interval, bar, final };
    o.bus.publish(CANDLE_TOPIC, update);
    published++;
    if (final && o.persist) {
      const k = `${venue}|${symbol}|${interval}`;
      let p = pending.get(k);
      if (!p) {
        p = { venue, symbol, interval, bars: new Map() };
        pending.set(k, p);
      }
      p.bars.set(bar.openTime, bar);
    }
  }

  function venueState(venue: string, symbol: string): VenueState | null {
    const k = `${venue}|${symbol}`;
    let v = venues.get(k);
    if (!v) {
      const m = o.resolveMarket(venue, symbol);
      // Aggregate USD prices from spot markets in USD-like quotes only.
      if (!m || symbol.includes(':') || !USD_QUOTES.has(m.quote)) return null;
      v = {
        venue,
        symbol,
        assetId: m.assetId,
        price: 0,
        asOf: 0,
        window: [],
        windowStep: Number.POSITIVE_INFINITY,
      };
      venues.set(k, v);
    }
    return v;
  }

  function schedulePrice(assetId: string, eventTs: number): void {
    pricePending.add(assetId);
    priceEventAt.set(assetId, Math.max(eventTs, priceEventAt.get(assetId) ?? 0));
    if (priceTimer) return;
    priceTimer = setTimeout(publishPrices, 0);
  }

  function publishPrices(): void {
    priceTimer = null;
    const wallNow = Date.now();
    for (const assetId of pricePending) {
      const last = lastPricePublish.get(assetId) ?? 0;
      if (wallNow - last < PRICE_PUBLISH_MIN_MS) {
        if (!priceTimer) priceTimer = setTimeout(publishPrices, PRICE_PUBLISH_MIN_MS - (wallNow - last));
        continue;
      }
      pricePending.delete(assetId);
      lastPricePublish.set(assetId, wallNow);
      const inputs: VenueInput[] = [];
      for (const v of venues.values()) {
        if (v.assetId !== assetId || v.asOf === 0) continue;
        // The window holds the bar closing 24 h before the newest one (the reference price)
        // and the bars after it (the 24 h volume).
        const w = v.window;
        const first = w[0];
        const full = first !== undefined && first.close <= v.asOf - DAY_MS;
        const volume =
          v.baseVolume24h ??
          (w.length > 0 ? w.reduce((s, x, i) => s + (full && i === 0 ? 0 : x.volume), 0) : null);
        const price24hAgo = v.open24h ?? (full ? first.price : null);
        inputs.push({
          venue: v.venue,
          symbol: v.symbol,
          price: v.price,
          volume24h: volume,
          asOf: v.asOf,
          price24hAgo,
        });
      }
      const quote = aggregatePrice(assetId, inputs, {
        now: priceEventAt.get(assetId) ?? o.clock(),
        staleAfterMs: o.staleAfterMs,
        outlierFraction: o.outlierFraction,
      });
      if (quote) o.bus.publish(PRICE_TOPIC, quote);
    }
  }

  function onBarClosed(venue: string, symbol: string, interval: Interval, bar: Bar): void {
    publishCandle(venue, symbol, interval, bar, true);
    const v = venueState(venue, symbol);
    if (!v) return;
    const step = INTERVAL_MS[interval];
    // The finest interval seen drives the rolling 24 h window.
    if (step < v.windowStep) {
      v.windowStep = step;
      v.window = [];
    }
    if (step === v.windowStep) {
      const close = bar.openTime + step;
      v.window.push({ close, price: bar.close, volume: bar.volume });
      while (v.window.length > 1 && v.window[1]!.close <= close - DAY_MS) v.window.shift();
      if (close >= v.asOf) {
        v.price = bar.close;
        v.asOf = close;
      }
      schedulePrice(v.assetId, close);
    }
  }

  // Writes run one after another: `flush()` (and so `close()`) resolves only once every bar
  // taken before it is written, including by a timer-started write still in flight.
  let writing: Promise<void> = Promise.resolve();
  function flush(): Promise<void> {
    const next = writing.then(writePending);
    writing = next.catch(() => {});
    return next;
  }

  async function writePending(): Promise<void> {
    if (pending.size === 0) return;
    const batches = [...pending.values()];
    pending.clear();
    for (const b of batches) {
      const m = o.resolveMarket(b.venue, b.symbol);
      if (!m) continue;
      const bars = [...b.bars.values()].sort((x, y) => x.openTime - y.openTime);
      await o.db.transaction((tx) =>
        writeBars(
          tx,
          { venue: b.venue, symbol: b.symbol, interval: b.interval, assetId: m.assetId, quote: m.quote },
          barsToColumns(bars),
          o.clock(),
        ),
      );
    }
  }

  return {
    get published() {
      return published;
    },
    handle(e) {
      switch (e.type) {
        case 'candle': {
          if (e.final) onBarClosed(e.venue, e.symbol, e.interval, e.bar);
          else publishCandle(e.venue, e.symbol, e.interval, e.bar, false);
          // A venue's closed 1m bars also build every higher interval here.
          if (e.final && e.interval === '1m') {
            const entry = builderFor(e.venue, e.symbol);
            entry.klines = true;
            entry.builder.addMinuteBar(e.bar);
          }
          break;
        }
        case 'trade': {
          const b = builderFor(e.venue, e.symbol).builder;
          b.addTrade(e.trade.ts, e.trade.price, e.trade.amount);
          const v = venueState(e.venue, e.symbol);
          if (v && e.trade.ts >= v.asOf) {
            v.price = e.trade.price;
            v.asOf = e.trade.ts;
            schedulePrice(v.assetId, e.trade.ts);
          }
          break;
        }
        case 'ticker': {
          const v = venueState(e.venue, e.symbol);
          if (!v || e.ticker.ts < v.asOf) break;
          v.price = e.ticker.last;
          v.asOf = e.ticker.ts;
          if (e.ticker.baseVolume24h !== undefined) v.baseVolume24h = e.ticker.baseVolume24h;
          if (e.ticker.open24h !== undefined) v.open24h = e.ticker.open24h;
          schedulePrice(v.assetId, e.ticker.ts);
          break;
        }
        case 'status':
          o.logger.info({ venue: e.venue, state: e.state, detail: e.detail }, 'market feed status');
          break;
      }
    },
    flush,
    async close() {
      if (persistTimer) clearInterval(persistTimer);
      if (closeTimer) clearInterval(closeTimer);
      if (priceTimer) clearTimeout(priceTimer);
      for (const b of builders.values()) b.builder.closeUntil(o.clock());
      await flush();
    },
  };

  function builderFor(venue: string, symbol: string): { builder: CandleBuilder; klines: boolean } {
    const k = `${venue}|${symbol}`;
    let entry = builders.get(k);
    if (!entry) {
      const e: { builder: CandleBuilder; klines: boolean } = {
        klines: false,
        builder: new CandleBuilder((interval, bar) => {
          if (interval === '1m' && e.klines) return;
          onBarClosed(venue, symbol, interval, bar);
        }),
      };
      entry = e;
      builders.set(k, entry);
    }
    return entry;
  }
}
