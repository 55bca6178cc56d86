import type { AssetRegistry } from '../assets/index.js';
import type { Bus } from '../bus/index.js';
import type { Db } from '../db/index.js';
import type { Config } from '../internal/config.js';
import type { Logger } from '../internal/logger.js';
import { fillGaps } from './backfill.js';
import { importMarketFiles, type MarketResolver } from './importer.js';
import { createIngester, type Ingester } from './ingester.js';
import { createCcxtSource, type ExchangeFactory, probeReachable } from './sources/ccxt.js';
import { createReplaySource, type ReplaySource } from './sources/replay.js';
import type { CandleStore } from './store.js';
import { parseTimestamp } from './time.js';
import type { MarketRef, MarketSource, Subscription } from './types.js';

export type FeedDeps = {
  config: Config;
  db: Db;
  bus: Bus;
  logger: Logger;
  assets: AssetRegistry;
  store: CandleStore;
  resolveMarket: MarketResolver;
  /** The market clock of the process; a replay points it at its simulated time. */
  marketClock: { now: () => number };
  /** Builds the ccxt exchange of a venue (tests: one with a replaced transport); default ccxt's. */
  exchangeFactory?: ExchangeFactory;
};

/** The running live feed of one process (replay, exchange, or nothing). */
export type MarketFeed = {
  mode: 'replay' | 'exchange' | 'none';
  source: MarketSource | null;
  ingester: Ingester | null;
  /** The replay, when mode is replay. */
  replay: ReplaySource | null;
  close(): Promise<void>;
};

const PROBE_TIMEOUT_MS = 3_000;
// Live mode keeps the last day of 1m bars complete (2 REST pages on most venues).
const GAP_FILL_INTERVAL = '1m';
const GAP_FILL_LOOKBACK_MS = 86_400_000;
const REPLAY_DEFAULT_LOOKBACK_MS = 30 * 86_400_000;

/**
 * Start the process's market feed from the configuration: `--replay DIR` imports DIR and plays
 * it; otherwise the CCXT source for MARKET_VENUES × MARKET_ASSETS when MARKET_SOURCE allows and
 * the network answers (`auto` logs one warning and serves stored data when it does not).
 */
export async function startMarketFeed(d: FeedDeps): Promise<MarketFeed> {
  const { config, logger } = d;
  const none: MarketFeed = {
    mode: 'none',
    source: null,
    ingester: null,
    replay: null,
    close: async () => {},
  };
  const ingesterFor = (persist: boolean, clock: () => number, closeCheckMs?: null) =>
    createIngester({
      db: d.db,
      bus: d.bus,
      logger,
      resolveMarket: d.resolveMarket,
      clock,
      persist,
      ...(closeCheckMs === null ? { closeCheckMs } : {}),
      staleAfterMs: config.priceStaleAfterMs,
      outlierFraction: config.priceOutlierPct / 100,
    });

  if (config.replayDir) {
    const summary = await importMarketFiles({ db: d.db, resolveMarket: d.resolveMarket }, [config.replayDir]);
    logger.info(
      { dir: config.replayDir, files: summary.files.length, rows: summary.rows, inserted: summary.inserted },
      'replay data imported',
    );
    const markets = new Map<string, MarketRef>();
    for (const f of summary.files)
      if (f.kind === 'ohlcv') markets.set(`${f.venue}|${f.symbol}`, { venue: f.venue, symbol: f.symbol });
    const all = (await d.store.series()).filter((s) => markets.has(`${s.venue}|${s.symbol}`));
    const end = Math.max(...all.map((s) => s.lastOpen));
    let from = end - REPLAY_DEFAULT_LOOKBACK_MS;
    if (config.replayFrom) {
      const t = parseTimestamp(config.replayFrom);
      if (typeof t === 'string') throw new Error(`REPLAY_FROM: ${t}`);
      from = t;
    }
    const replay = createReplaySource({ store: d.store, speed: config.replaySpeed, from });
    d.marketClock.now = () => replay.clock();
    // No close timer: the replay delivers every bar closed, and its clock runs ahead of delivery.
    const ingester = ingesterFor(false, () => replay.clock(), null);
    const sub = replay.watch({ markets: [...markets.values()], kinds: ['candles'] }, (e) =>
      ingester.handle(e),
    );
    logger.info(
      { from: new Date(from).toISOString(), speed: config.replaySpeed, markets: markets.size },
      'replay started',
    );
    void replay.finished().then(() => logger.info('replay reached the end of the data'));
    return {
      mode: 'replay',
      source: replay,
      ingester,
      replay,
      async close() {
        await sub.close();
        await ingester.close();
        await replay.close();
      },
    };
  }

  if (config.marketSource === 'none') return none;
  const venues = config.marketVenues.split(',');
  const markets: MarketRef[] = [];
  for (const id of config.marketAssets.split(',')) {
    const asset = d.assets.get(id);
    if (!asset) {
      logger.warn({ asset: id }, 'MARKET_ASSETS names an unknown asset: skipped');
      continue;
    }
    for (const m of d.assets.marketsOf(id)) if (venues.includes(m.venue)) markets.push(m);
  }
  if (markets.length === 0) {
    logger.warn(
      { venues, assets: config.marketAssets },
      'no markets to stream for MARKET_VENUES × MARKET_ASSETS',
    );
    return none;
  }
  const factory = d.exchangeFactory ? { exchangeFactory: d.exchangeFactory } : {};
  if (config.marketSource === 'auto') {
    // Probe a venue that will actually be streamed (the first listed may have no market here).
    const probe = await probeReachable(markets[0]!.venue, PROBE_TIMEOUT_MS, factory);
    if (!probe.reachable) {
      logger.warn(
        { venue: probe.venue, detail: probe.detail },
        'no network: live market data is off; serving stored data (import files or use --replay for an offline feed)',
      );
      return none;
    }
  }
  const source = createCcxtSource({ venues, logger, ...factory });
  const ingester = ingesterFor(true, Date.now);
  // Gaps (downtime, dropped sockets) are filled from the venue's REST history: at start and
  // whenever a venue's stream reconnects.
  const abort = new AbortController();
  let backfilling: Promise<void> = Promise.resolve();
  const backfill = (venue?: string) => {
    backfilling = backfilling.then(async () => {
      for (const m of markets) {
        if (abort.signal.aborted) return;
        if (venue && m.venue !== venue) continue;
        try {
          const now = Date.now();
          const r = await fillGaps(
            { db: d.db, store: d.store, source, resolveMarket: d.resolveMarket },
            m,
            GAP_FILL_INTERVAL,
            { from: now - GAP_FILL_LOOKBACK_MS, to: now },
            { signal: abort.signal, now },
          );
          if (r.fetched > 0)
            logger.info({ ...m, gaps: r.gaps.length, bars: r.fetched }, 'filled gaps from the venue');
        } catch (err) {
          if (!abort.signal.aborted) logger.warn({ ...m, err }, 'gap backfill failed');
        }
      }
    });
  };
  const reconnecting = new Set<string>();
  const sub: Subscription = source.watch({ markets, kinds: ['trades', 'tickers'] }, (e) => {
    ingester.handle(e);
    if (e.type === 'status') {
      if (e.state === 'reconnecting' || e.state === 'stalled') reconnecting.add(e.venue);
      else if (e.state === 'connected' && reconnecting.delete(e.venue)) backfill(e.venue);
    }
  });
  backfill();
  logger.info({ venues, markets: markets.length }, 'live market data started');
  return {
    mode: 'exchange',
    source,
    ingester,
    replay: null,
    async close() {
      abort.abort();
      await sub.close();
      await backfilling;
      await ingester.close();
      await source.close();
    },
  };
}
