import type { Ticker as CcxtTicker, Trade as CcxtTrade, Exchange, OHLCV } from 'ccxt';
import {
  AppError,
  BadRequestError,
  UpstreamBadResponseError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../internal/errors.js';
import type {
  Bar,
  Interval,
  MarketEvent,
  MarketRef,
  MarketSource,
  Subscription,
  Ticker,
  Trade,
  WatchRequest,
} from '../types.js';
import { INTERVAL_MS } from '../types.js';

/** Silence on one live stream (no message) after which it is declared stalled and redialled. */
const DEFAULT_STALL_MS = 30_000;
const DEFAULT_BACKOFF_BASE_MS = 500;
const DEFAULT_BACKOFF_MAX_MS = 30_000;
/** Retries of one REST call after a retryable failure (so at most 5 attempts). */
const DEFAULT_REST_RETRY_COUNT = 4;
/** Page size when neither the options nor ccxt's `features` say what the venue allows. */
const FALLBACK_PAGE_LIMIT = 500;
/** Trade ids remembered per stream to drop the ones a venue replays after a reconnect. */
const TRADE_DEDUP_IDS = 5_000;
/** Longest wait for a torn-down websocket to report its close before redialling anyway. */
const TEARDOWN_TIMEOUT_MS = 2_000;
const DEFAULT_PROBE_TIMEOUT_MS = 3_000;
/** System error codes of a connection that could not be made, as ccxt quotes them. */
const NET_ERROR_CODE_RE =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENETDOWN)\b/;

type LogFn = (obj: Record<string, unknown>, msg?: string) => void;
/** The slice of a pino logger the source writes to. */
export type CcxtSourceLogger = { info: LogFn; warn: LogFn; debug: LogFn };

/** Builds the ccxt exchange object of one venue (tests hand in one with a replaced transport). */
export type ExchangeFactory = (venue: string) => Exchange | Promise<Exchange>;

/** Jittered exponential backoff: attempt n waits between half and all of `min(maxMs, baseMs * 2^n)`. */
export type BackoffOptions = { baseMs: number; maxMs: number };

export type CcxtSourceOptions = {
  /** CCXT exchange ids this source serves, e.g. `['binance', 'kraken']`. */
  venues: string[];
  logger?: CcxtSourceLogger;
  /** Default: `new ccxt.pro[venue]({ enableRateLimit: true })` (REST-only class when there is no pro one). */
  exchangeFactory?: ExchangeFactory;
  /** Silence on a live stream after which it is torn down and redialled (default 30 s). */
  stallMs?: number;
  /** Backoff of REST retries and of live reconnects (default 0.5 s doubling up to 30 s). */
  backoff?: BackoffOptions;
  /** Retries of a retryable REST failure before it is thrown (default 4). */
  retries?: number;
  /** Bars per `fetchOHLCV` page (default: the venue's documented maximum from ccxt, else 500). */
  pageLimit?: number;
};

type StreamKind = WatchRequest['kinds'][number];
type Listener = (event: MarketEvent) => void;

/** A minimal view of ccxt's `WsClient`, for tearing down one stalled connection. */
type WsClientLike = {
  url: string;
  futures?: Record<string, unknown>;
  subscriptions?: Record<string, unknown>;
  connection?: { terminate?: () => void };
  close(): unknown;
};

type VenueState = {
  exchange: Promise<Exchange>;
  /** Live streams running on this venue; its websockets are closed when it drops to 0. */
  streams: number;
  /** Set while the venue's websockets are being closed; new streams wait for it. */
  closing: Promise<void> | undefined;
};

type StreamState = {
  key: string;
  venue: string;
  symbol: string;
  kind: StreamKind;
  interval: Interval;
  /** Its venue's state, counted in `streams` until the loop has ended. */
  state: VenueState;
  listeners: Set<Listener>;
  stop: AbortController;
  done: Promise<void>;
};

const NOOP_LOG: CcxtSourceLogger = { info() {}, warn() {}, debug() {} };

let ccxtModule: Promise<typeof import('ccxt')> | undefined;
/** ccxt loads lazily: its import costs over a second, which a start without network never pays. */
function loadCcxt(): Promise<typeof import('ccxt')> {
  ccxtModule ??= import('ccxt');
  return ccxtModule;
}

type ExchangeClass = new (config?: Record<string, unknown>) => Exchange;

/** Whether ccxt has an exchange of this id (loads ccxt). */
export async function isCcxtVenue(venue: string): Promise<boolean> {
  const ccxt = await loadCcxt();
  return Object.hasOwn(ccxt.exchanges as object, venue);
}

async function defaultExchange(venue: string, live: boolean): Promise<Exchange> {
  const ccxt = await loadCcxt();
  const pro = (ccxt.pro as unknown as Record<string, ExchangeClass | undefined>)[venue];
  const rest = (ccxt as unknown as Record<string, ExchangeClass | undefined>)[venue];
  const Class = (live ? pro : undefined) ?? rest;
  if (Class === undefined) throw new BadRequestError(`ccxt has no exchange '${venue}'`);
  return new Class({ enableRateLimit: true });
}

/** Names of the classes `e` is an instance of, most derived first (`['RateLimitExceeded', 'NetworkError', …]`). */
function classChain(e: unknown): string[] {
  const names: string[] = [];
  if (e === null || typeof e !== 'object') return names;
  for (let p = Object.getPrototypeOf(e); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    names.push((p as { constructor: { name: string } }).constructor.name);
  }
  return names;
}

/**
 * Maps a ccxt error into Sextant's upstream tree (`cause` keeps the original); anything that is
 * not a ccxt error is returned unchanged. Names are compared instead of `instanceof`, so errors
 * of a second ccxt copy (its CJS build) map too. The detail names the class, never the venue's
 * response body.
 * @example throw mapCcxtError(e, 'binance fetchOHLCV BTC/USDT 1m')
 */
export function mapCcxtError(e: unknown, context = 'upstream call'): unknown {
  if (e instanceof AppError) return e;
  const chain = classChain(e);
  if (!chain.includes('BaseError')) return e;
  const detail = `${context} failed: ${chain[0]}`;
  const options = { cause: e };
  const is = (name: string) => chain.includes(name);
  if (is('RateLimitExceeded') || is('DDoSProtection')) return new UpstreamRateLimitedError(detail, options);
  if (is('RequestTimeout')) return new UpstreamTimeoutError(detail, options);
  // NetworkError covers ExchangeNotAvailable, OnMaintenance and InvalidNonce.
  if (is('NetworkError')) {
    // A plain NetworkError is a failed connection: say so with the system code (never the
    // message itself, which holds the URL).
    const code = chain[0] === 'NetworkError' ? NET_ERROR_CODE_RE.exec((e as Error).message)?.[1] : undefined;
    return new UpstreamUnavailableError(
      code ? `${detail} (${code}: the venue cannot be reached; check the network connection)` : detail,
      options,
    );
  }
  return new UpstreamBadResponseError(detail, options);
}

/** ccxt errors a live stream cannot recover from by redialling (a wrong symbol, a missing feature). */
function isPermanentStreamError(e: unknown): boolean {
  const chain = classChain(e);
  return ['BadRequest', 'NotSupported', 'AuthenticationError', 'ArgumentsRequired'].some((n) =>
    chain.includes(n),
  );
}

function backoffDelayMs(attempt: number, { baseMs, maxMs }: BackoffOptions): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  // ccxt calls cannot be cancelled: a call given up on still settles later, quietly.
  promise.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Bars of one page, ascending; rows with a missing field are dropped. */
function toBars(rows: OHLCV[]): Bar[] {
  const bars: Bar[] = [];
  for (const [openTime, open, high, low, close, volume] of rows) {
    if (openTime == null || open == null || high == null || low == null || close == null) continue;
    bars.push({ openTime, open, high, low, close, volume: volume ?? 0 });
  }
  return bars.sort((a, b) => a.openTime - b.openTime);
}

function pageLimitFor(exchange: Exchange, symbol: string): number {
  // ccxt documents each venue's page size in `features`, per market type.
  const market = exchange.markets?.[symbol] as { type?: string; linear?: boolean } | undefined;
  const features = (exchange as unknown as { features?: Record<string, unknown> }).features;
  const byType = features?.[market?.type ?? 'spot'] as Record<string, unknown> | undefined;
  const section = (
    market?.type === 'swap' || market?.type === 'future'
      ? byType?.[market.linear === false ? 'inverse' : 'linear']
      : byType
  ) as { fetchOHLCV?: { limit?: unknown } } | undefined;
  const limit = section?.fetchOHLCV?.limit;
  return typeof limit === 'number' && limit > 0 ? limit : FALLBACK_PAGE_LIMIT;
}

/** The ccxt `watch*` loop of one stream kind, as a single call. */
function watchOnce(exchange: Exchange, s: StreamState): Promise<unknown> {
  if (s.kind === 'trades') return exchange.watchTrades(s.symbol);
  if (s.kind === 'tickers') return exchange.watchTicker(s.symbol);
  return exchange.watchOHLCV(s.symbol, s.interval);
}

const WATCH_METHOD: Record<StreamKind, string> = {
  trades: 'watchTrades',
  tickers: 'watchTicker',
  candles: 'watchOHLCV',
};
/** How the message hashes of a kind look across ccxt exchanges (`trade::BTC/USDT`, `ohlcv::…`). */
const HASH_PATTERN: Record<StreamKind, RegExp> = {
  trades: /trade/i,
  tickers: /ticker/i,
  candles: /ohlcv|kline|candle/i,
};

/**
 * The websocket clients a stream listens on: those with a pending future or a subscription
 * naming its symbol and kind. When none matches (an exchange with other hash names), all of the
 * exchange's clients.
 */
function clientsOf(exchange: Exchange, s: StreamState): WsClientLike[] {
  const all = Object.values(
    (exchange as unknown as { clients?: Record<string, WsClientLike> }).clients ?? {},
  );
  const mine = all.filter((c) =>
    [...Object.keys(c.futures ?? {}), ...Object.keys(c.subscriptions ?? {})].some(
      (hash) => hash.includes(s.symbol) && HASH_PATTERN[s.kind].test(hash),
    ),
  );
  return mine.length > 0 ? mine : all;
}

/**
 * Closes a stalled websocket at once. `close()` alone would wait for a close handshake the
 * silent server may never answer; `terminate()` drops the socket, ccxt's close handler then
 * rejects the pending futures and forgets the client, so the next `watch*` call dials anew.
 */
async function teardown(client: WsClientLike): Promise<void> {
  const closed = Promise.resolve(client.close()).catch(() => {});
  client.connection?.terminate?.();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((r) => (timer = setTimeout(r, TEARDOWN_TIMEOUT_MS)))]);
  clearTimeout(timer);
}

/** Remembers the last `capacity` ids. */
class RecentIds {
  private readonly set = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;
  constructor(private readonly capacity: number) {}
  /** True when `id` was not seen yet (and remembers it). */
  add(id: string): boolean {
    if (this.set.has(id)) return false;
    this.set.add(id);
    if (this.order.length < this.capacity) this.order.push(id);
    else {
      this.set.delete(this.order[this.head]!);
      this.order[this.head] = id;
      this.head = (this.head + 1) % this.capacity;
    }
    return true;
  }
}

function toTicker(t: CcxtTicker): Ticker | undefined {
  const last = t.last ?? t.close;
  if (last == null) return undefined;
  const ticker: Ticker = { ts: t.timestamp ?? Date.now(), last };
  if (t.bid != null) ticker.bid = t.bid;
  if (t.ask != null) ticker.ask = t.ask;
  if (t.baseVolume != null) ticker.baseVolume24h = t.baseVolume;
  if (t.open != null) ticker.open24h = t.open;
  return ticker;
}

/**
 * A market source over CCXT: REST backfill through `fetchOHLCV` (paged over any range, retried
 * with jittered backoff on rate limits and network errors) and live trades, tickers and candles
 * through CCXT pro's `watch*` loops, with reconnects, stall detection and trade de-duplication.
 * One loop runs per (venue, symbol, kind, interval), shared by every subscription asking for it.
 * @example
 * const source = createCcxtSource({ venues: ['binance'], logger });
 * for await (const bars of source.fetchBars({ venue: 'binance', symbol: 'BTC/USDT' }, '1h', { from, to })) …
 */
export function createCcxtSource(options: CcxtSourceOptions): MarketSource {
  const log = options.logger ?? NOOP_LOG;
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const backoff = options.backoff ?? { baseMs: DEFAULT_BACKOFF_BASE_MS, maxMs: DEFAULT_BACKOFF_MAX_MS };
  const retries = options.retries ?? DEFAULT_REST_RETRY_COUNT;
  const venues = new Map<string, VenueState>();
  const streams = new Map<string, StreamState>();
  let closed = false;

  function checkVenue(venue: string): void {
    if (closed) throw new Error('ccxt source is closed');
    if (!options.venues.includes(venue))
      throw new BadRequestError(`venue '${venue}' is not served by this source`);
  }

  function venueState(venue: string): VenueState {
    let v = venues.get(venue);
    if (v === undefined) {
      const { exchangeFactory } = options;
      const exchange = Promise.resolve()
        .then(() => (exchangeFactory ? exchangeFactory(venue) : defaultExchange(venue, true)))
        .then((ex) => {
          // Our loops back off themselves; ccxt's own per-URL redial delay (1 s, 2 s, … 60 s)
          // would stack on top of it.
          ex.options.ws = { ...(ex.options.ws as object | undefined), backoff: { base: 0 } };
          return ex;
        });
      v = { exchange, streams: 0, closing: undefined };
      venues.set(venue, v);
      exchange.catch(() => {
        if (venues.get(venue) === v) venues.delete(venue);
      });
    }
    return v;
  }

  async function withRetry<T>(what: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      try {
        return await abortable(call(), signal);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        const mapped = mapCcxtError(e, what);
        const retryable = mapped instanceof AppError && mapped.retryable;
        if (!retryable || attempt >= retries) throw mapped;
        const waitMs = Math.round(backoffDelayMs(attempt, backoff));
        log.warn({ err: mapped, attempt: attempt + 1, waitMs }, `${what}: retrying`);
        await delay(waitMs, signal);
      }
    }
  }

  async function* fetchBars(
    market: MarketRef,
    interval: Interval,
    range: { from: number; to: number },
    fetchOptions: { signal?: AbortSignal } = {},
  ): AsyncGenerator<Bar[]> {
    const { signal } = fetchOptions;
    checkVenue(market.venue);
    signal?.throwIfAborted();
    if (!(range.to > range.from)) return;
    const exchange = await abortable(venueState(market.venue).exchange, signal);
    const what = `${market.venue} fetchOHLCV ${market.symbol} ${interval}`;
    await withRetry(what, () => exchange.loadMarkets(), signal);
    const limit = options.pageLimit ?? pageLimitFor(exchange, market.symbol);
    const step = INTERVAL_MS[interval];
    let since = range.from;
    let lastYielded = Number.NEGATIVE_INFINITY;
    while (since < range.to) {
      const page = toBars(
        await withRetry(what, () => exchange.fetchOHLCV(market.symbol, interval, since, limit), signal),
      );
      const batch: Bar[] = [];
      for (const bar of page) {
        // Pages may overlap (venues that return the bar containing `since`): keep each bar once.
        if (bar.openTime < range.from || bar.openTime >= range.to || bar.openTime <= lastYielded) continue;
        batch.push(bar);
        lastYielded = bar.openTime;
      }
      const newest = page.at(-1)?.openTime;
      if (batch.length > 0) yield batch;
      signal?.throwIfAborted();
      // An empty page, or one with nothing at or after `since`, means the venue has no more.
      if (newest === undefined || newest < since) return;
      // Bars are aligned to the interval, so the next one opens one step after the newest.
      since = newest + step;
    }
  }

  function emit(s: StreamState, event: MarketEvent): void {
    for (const listener of s.listeners) {
      try {
        listener(event);
      } catch (err) {
        log.warn({ err, venue: s.venue, symbol: s.symbol }, 'market event listener threw');
      }
    }
  }

  function status(
    s: StreamState,
    state: 'connected' | 'reconnecting' | 'stalled' | 'down',
    why?: string,
  ): void {
    const detail = `${s.symbol} ${s.kind}${why ? `: ${why}` : ''}`;
    emit(s, { type: 'status', venue: s.venue, state, detail });
  }

  async function runStream(s: StreamState): Promise<void> {
    const v = s.state;
    const stop = s.stop.signal;
    const stopped = new Promise<'stop'>((resolve) => stop.addEventListener('abort', () => resolve('stop')));
    let exchange: Exchange;
    try {
      const got = await Promise.race([v.exchange, stopped]);
      if (got === 'stop') return;
      exchange = got;
    } catch (err) {
      log.warn({ err, venue: s.venue }, 'ccxt exchange could not be created');
      status(s, 'down', 'exchange unavailable');
      return;
    }
    if (!exchange.has[WATCH_METHOD[s.kind]]) {
      log.debug({ venue: s.venue, kind: s.kind }, 'venue has no live stream of this kind');
      return;
    }
    const seenTrades = new RecentIds(TRADE_DEDUP_IDS);
    let current: Bar | undefined; // the newest candle, not yet final
    let live = false;
    let attempt = 0;
    while (!stop.aborted) {
      if (v.closing) await v.closing;
      if (stop.aborted) break;
      const call = watchOnce(exchange, s);
      call.catch(() => {}); // a call abandoned on a stall or stop settles later
      let timer: NodeJS.Timeout | undefined;
      const stall = new Promise<'stall'>((r) => (timer = setTimeout(() => r('stall'), stallMs)));
      let outcome: unknown;
      try {
        outcome = await Promise.race([call, stall, stopped]);
      } catch (err) {
        clearTimeout(timer);
        if (stop.aborted) break;
        live = false;
        if (isPermanentStreamError(err)) {
          log.warn({ err, venue: s.venue, symbol: s.symbol, kind: s.kind }, 'live stream failed');
          status(s, 'down', classChain(err)[0]);
          break;
        }
        const waitMs = Math.round(backoffDelayMs(attempt++, backoff));
        log.info({ err, venue: s.venue, symbol: s.symbol, kind: s.kind, waitMs }, 'live stream reconnecting');
        status(s, 'reconnecting', classChain(err)[0]);
        await delay(waitMs, stop);
        continue;
      }
      clearTimeout(timer);
      if (outcome === 'stop') break;
      if (outcome === 'stall') {
        live = false;
        log.warn({ venue: s.venue, symbol: s.symbol, kind: s.kind, stallMs }, 'live stream stalled');
        status(s, 'stalled', `no message for ${stallMs} ms`);
        await Promise.all(clientsOf(exchange, s).map(teardown));
        await delay(Math.round(backoffDelayMs(attempt++, backoff)), stop);
        continue;
      }
      if (!live) {
        live = true;
        attempt = 0;
        status(s, 'connected');
      }
      if (s.kind === 'trades') {
        for (const t of outcome as CcxtTrade[]) {
          if (t.timestamp == null || t.price == null || t.amount == null) continue;
          if (t.id != null && !seenTrades.add(t.id)) continue;
          const trade: Trade = { ts: t.timestamp, price: t.price, amount: t.amount };
          if (t.id != null) trade.id = t.id;
          emit(s, { type: 'trade', venue: s.venue, symbol: s.symbol, trade });
        }
      } else if (s.kind === 'tickers') {
        const ticker = toTicker(outcome as CcxtTicker);
        if (ticker) emit(s, { type: 'ticker', venue: s.venue, symbol: s.symbol, ticker });
      } else {
        for (const bar of toBars(outcome as OHLCV[])) {
          if (current !== undefined && bar.openTime < current.openTime) continue; // a late update
          if (current !== undefined && bar.openTime > current.openTime) {
            // A bar for a later interval means the previous interval has closed.
            emit(s, candle(s, current, true));
          }
          current = bar;
          emit(s, candle(s, bar, false));
        }
      }
    }
  }

  function candle(s: StreamState, bar: Bar, final: boolean): MarketEvent {
    return { type: 'candle', venue: s.venue, symbol: s.symbol, interval: s.interval, bar, final };
  }

  function startStream(venue: string, symbol: string, kind: StreamKind, interval: Interval): StreamState {
    const key = `${venue}\u0000${symbol}\u0000${kind}\u0000${kind === 'candles' ? interval : ''}`;
    const existing = streams.get(key);
    if (existing) return existing;
    const v = venueState(venue);
    v.streams++;
    const s: StreamState = {
      key,
      venue,
      symbol,
      kind,
      interval,
      state: v,
      listeners: new Set(),
      stop: new AbortController(),
      done: Promise.resolve(),
    };
    streams.set(key, s);
    s.done = runStream(s)
      .catch((err: unknown) => log.warn({ err, venue, symbol, kind }, 'live stream loop crashed'))
      .then(() => retireStream(s));
    return s;
  }

  /** Runs once when a stream's loop has ended, stopped or by itself (a stream that is down). */
  async function retireStream(s: StreamState): Promise<void> {
    // A stream that ended by itself leaves the map, so a later watch starts it afresh.
    if (streams.get(s.key) === s) streams.delete(s.key);
    const v = s.state;
    v.streams--;
    if (v.streams === 0 && !closed) {
      // Nobody listens to this venue any more: close its websockets (REST is unaffected).
      const closing = v.exchange
        .then((ex) => ex.close())
        .catch((err: unknown) => log.debug({ err, venue: s.venue }, 'closing websockets failed'));
      v.closing = closing;
      await closing;
      if (v.closing === closing) v.closing = undefined;
    }
  }

  async function stopStream(s: StreamState): Promise<void> {
    if (streams.get(s.key) === s) streams.delete(s.key);
    s.stop.abort();
    await s.done;
  }

  function watch(request: WatchRequest, onEvent: Listener): Subscription {
    for (const m of request.markets) checkVenue(m.venue);
    const interval = request.interval ?? '1m';
    const mine: StreamState[] = [];
    for (const m of request.markets) {
      for (const kind of new Set(request.kinds)) {
        const s = startStream(m.venue, m.symbol, kind, interval);
        s.listeners.add(onEvent);
        mine.push(s);
      }
    }
    let closing: Promise<void> | undefined;
    return {
      close() {
        closing ??= (async () => {
          // Detach first: from here on no event reaches `onEvent`, whatever the loops do.
          for (const s of mine) s.listeners.delete(onEvent);
          await Promise.all(mine.filter((s) => s.listeners.size === 0).map(stopStream));
        })();
        return closing;
      },
    };
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    for (const s of streams.values()) s.stop.abort();
    await Promise.all([...streams.values()].map((s) => s.done));
    streams.clear();
    const all = [...venues.values()];
    venues.clear();
    await Promise.all(
      all.map(async (v) => {
        const ex = await v.exchange.catch(() => undefined);
        if (ex !== undefined) await closeExchange(ex);
      }),
    );
  }

  return {
    name: `ccxt:${options.venues.join(',')}`,
    venues: [...options.venues],
    fetchBars,
    watch,
    close,
  };
}

/** Closes an exchange's websockets and its pooled HTTP connections (ccxt leaves the latter open). */
async function closeExchange(exchange: Exchange): Promise<void> {
  await exchange.close().catch(() => {});
  const pool = (exchange as unknown as { fetchDispatcher?: { destroy?: () => Promise<void> } })
    .fetchDispatcher;
  await pool?.destroy?.().catch(() => {});
}

/** What `probeReachable` found. */
export type ProbeResult = {
  venue: string;
  /** True when the venue's REST API answered a public call within the timeout. */
  reachable: boolean;
  /** Time the call took, in ms. */
  elapsedMs: number;
  /** Why it is not reachable (error class or `timeout`). */
  detail?: string;
};

/**
 * Whether a venue's REST API answers (its server time, else its status, else its markets),
 * within `timeoutMs`. Used at start to choose between live mode and serving stored data. The
 * timeout covers the call, not the one-off loading of ccxt itself.
 * @example if (!(await probeReachable('binance', 2_000)).reachable) log.warn('no network: serving stored data')
 */
export async function probeReachable(
  venue: string,
  timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
  options: { exchangeFactory?: ExchangeFactory } = {},
): Promise<ProbeResult> {
  let exchange: Exchange;
  try {
    exchange = await (options.exchangeFactory
      ? options.exchangeFactory(venue)
      : defaultExchange(venue, false));
  } catch (e) {
    // No such venue (or ccxt failed to load): not reachable, and the caller says why.
    return { venue, reachable: false, elapsedMs: 0, detail: (e as Error).message };
  }
  exchange.timeout = timeoutMs;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  try {
    const call: Promise<unknown> = exchange.has.fetchTime
      ? exchange.fetchTime()
      : exchange.has.fetchStatus
        ? exchange.fetchStatus()
        : exchange.loadMarkets();
    call.catch(() => {});
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    if ((await Promise.race([call, timeout])) === 'timeout') {
      return { venue, reachable: false, elapsedMs: elapsed(), detail: 'timeout' };
    }
    return { venue, reachable: true, elapsedMs: elapsed() };
  } catch (e) {
    return { venue, reachable: false, elapsedMs: elapsed(), detail: classChain(e)[0] ?? String(e) };
  } finally {
    clearTimeout(timer);
    await closeExchange(exchange);
  }
}
