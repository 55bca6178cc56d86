import ccxt, { type Exchange } from 'ccxt';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { makeFixtureBars, runSourceContract } from '../../../test/market/sourceContract.js';
import {
  UpstreamBadResponseError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  ValidationError,
} from '../../internal/errors.js';
import type { Bar, MarketEvent, MarketSource } from '../types.js';
import { INTERVAL_MS } from '../types.js';
import {
  type CcxtSourceLogger,
  type CcxtSourceOptions,
  createCcxtSource,
  mapCcxtError,
  probeReachable,
} from './ccxt.js';

// The transport of a real `ccxt.pro.binance` is replaced in-process: REST through ccxt's
// `fetchImplementation` hook (so ccxt's own status-code and error-body handling still runs), and
// websockets through a `ws` server on 127.0.0.1 speaking Binance's stream format (so ccxt's real
// WsClient connects, subscribes, parses and sees drops). Nothing reaches the internet.

const START = Date.UTC(2024, 0, 1);
const MARKET = { venue: 'binance', symbol: 'BTC/USDT' };
const FAST_BACKOFF = { baseMs: 5, maxMs: 20 };

const BTC_USDT = {
  id: 'BTCUSDT',
  lowercaseId: 'btcusdt',
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  baseId: 'BTC',
  quoteId: 'USDT',
  type: 'spot',
  spot: true,
  margin: false,
  swap: false,
  future: false,
  option: false,
  contract: false,
  active: true,
};

type Answer = () => Response | Promise<Response>;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Binance's REST API over fixture bars, as ccxt's `fetchImplementation`. */
class FakeBinanceRest {
  readonly klines: URL[] = [];
  /** Answers given (in order) before the normal ones. */
  readonly queued: Answer[] = [];
  /** When set, every klines request gets this answer. */
  always: Answer | undefined;
  /** Start each page one bar before `startTime`, like venues that return the bar containing it. */
  overlap = false;

  constructor(private readonly bars: Bar[]) {}

  readonly fetch = async (
    url: string,
    init: { method?: string; signal?: AbortSignal },
  ): Promise<Response> => {
    const u = new URL(url);
    // Every request must be for Binance's public REST API; the host itself is never contacted.
    expect(u.host).toBe('api.binance.com');
    if (u.pathname === '/api/v3/time') return json(200, { serverTime: Date.now() });
    if (u.pathname !== '/api/v3/klines') return json(404, { code: -1, msg: 'not faked' });
    this.klines.push(u);
    const canned = this.queued.shift() ?? this.always;
    if (canned) return canned();
    expect(init.method).toBe('GET');
    if (u.searchParams.get('symbol') !== 'BTCUSDT') return json(400, { code: -1121, msg: 'Invalid symbol.' });
    const step = INTERVAL_MS['1m'];
    const limit = Number(u.searchParams.get('limit') ?? 500);
    let start = Number(u.searchParams.get('startTime') ?? 0);
    if (this.overlap) start -= step;
    const rows = this.bars
      .filter((b) => b.openTime >= start)
      .slice(0, limit)
      .map((b) => [
        b.openTime,
        b.open.toFixed(8),
        b.high.toFixed(8),
        b.low.toFixed(8),
        b.close.toFixed(8),
        b.volume.toFixed(8),
        b.openTime + step - 1,
        (b.volume * b.close).toFixed(8),
        42,
        '0.00000000',
        '0.00000000',
        '0',
      ]);
    return json(200, rows);
  };
}

/** Binance's market streams on a local websocket server. */
class FakeBinanceWs {
  readonly sockets = new Set<WebSocket>();
  /** Every SUBSCRIBE param received, in order (`btcusdt@trade`, …). */
  readonly subscribes: string[] = [];
  connections = 0;
  closedByClient = 0;
  /** Called after each SUBSCRIBE was acknowledged. */
  onSubscribe: ((socket: WebSocket, params: string[]) => void) | undefined;
  private readonly streamsOf = new Map<WebSocket, Set<string>>();

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      this.streamsOf.set(socket, new Set());
      socket.on('close', (code) => {
        if (code !== 1006) this.closedByClient++;
        this.sockets.delete(socket);
      });
      socket.on('message', (raw) => {
        const msg = JSON.parse(String(raw)) as { method: string; params: string[]; id: number };
        if (msg.method !== 'SUBSCRIBE') return;
        for (const p of msg.params) this.streamsOf.get(socket)!.add(p);
        this.subscribes.push(...msg.params);
        socket.send(JSON.stringify({ result: null, id: msg.id }));
        this.onSubscribe?.(socket, msg.params);
      });
    });
  }

  static async start(): Promise<FakeBinanceWs> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new FakeBinanceWs(wss);
  }

  /** Base URL for ccxt (it appends a stream index); `/stream` makes ccxt treat it as spot. */
  get url(): string {
    const { port } = this.wss.address() as { port: number };
    return `ws://127.0.0.1:${port}/stream/ws`;
  }

  subscribed(stream: string): boolean {
    return [...this.streamsOf.entries()].some(([s, streams]) => this.sockets.has(s) && streams.has(stream));
  }

  /** Sends `payload` on every open socket subscribed to `stream`. */
  push(stream: string, payload: unknown): void {
    for (const s of this.sockets) if (this.streamsOf.get(s)?.has(stream)) s.send(JSON.stringify(payload));
  }

  /** Drops every connection without a close frame, as a network failure would. */
  dropAll(): void {
    for (const s of this.sockets) s.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function tradeMsg(id: number, price: number, ts = START + id) {
  return {
    e: 'trade',
    E: ts,
    s: 'BTCUSDT',
    t: id,
    p: price.toFixed(8),
    q: '0.50000000',
    T: ts,
    m: true,
    M: true,
  };
}

function klineMsg(bar: Bar, closed: boolean) {
  return {
    e: 'kline',
    E: bar.openTime + 1_000,
    s: 'BTCUSDT',
    k: {
      t: bar.openTime,
      T: bar.openTime + 59_999,
      s: 'BTCUSDT',
      i: '1m',
      f: 1,
      L: 2,
      o: bar.open.toFixed(8),
      c: bar.close.toFixed(8),
      h: bar.high.toFixed(8),
      l: bar.low.toFixed(8),
      v: bar.volume.toFixed(8),
      n: 2,
      x: closed,
      q: '0',
      V: '0',
      Q: '0',
      B: '0',
    },
  };
}

/** ccxt's `watchTicker` on Binance subscribes to the 24 h mini ticker (no bid/ask). */
function miniTickerMsg(last: number) {
  return {
    e: '24hrMiniTicker',
    E: START + 5_000,
    s: 'BTCUSDT',
    c: last.toFixed(8),
    o: '29990.00000000',
    h: '30100.00000000',
    l: '29900.00000000',
    v: '1234.50000000',
    q: '37035000.00000000',
  };
}

/** Sends messages one by one, `gapMs` apart, like a live stream (not in one socket chunk). */
function sendSpaced(socket: WebSocket, messages: unknown[], gapMs = 20): void {
  messages.forEach((m, i) => {
    setTimeout(() => socket.readyState === socket.OPEN && socket.send(JSON.stringify(m)), gapMs * (i + 1));
  });
}

async function makeBinance(rest: FakeBinanceRest, ws?: FakeBinanceWs): Promise<Exchange> {
  const ex = new ccxt.pro.binance({ enableRateLimit: true });
  // ccxt refuses plain ws:// URLs (NotSupported) until it has an http.Agent for them.
  await ex.loadHttpProxyAgent();
  // Preset markets: loadMarkets would otherwise fetch exchangeInfo for spot, USD-M, COIN-M and options.
  ex.setMarkets([BTC_USDT]);
  ex.fetchImplementation = rest.fetch;
  const api = ex.urls.api as unknown as { ws: Record<string, string> };
  api.ws.spot = ws ? ws.url : 'ws://127.0.0.1:9/unused';
  return ex;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function collect(it: AsyncIterable<Bar[]>): Promise<{ bars: Bar[]; batches: number }> {
  const bars: Bar[] = [];
  let batches = 0;
  for await (const batch of it) {
    batches++;
    bars.push(...batch);
  }
  return { bars, batches };
}

function recordingLogger() {
  return { info: vi.fn(), warn: vi.fn(), debug: vi.fn() } satisfies CcxtSourceLogger;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A source over a faked Binance; everything it opens is closed after the test. */
async function setupSource(
  bars: Bar[],
  extra: Partial<CcxtSourceOptions> = {},
  withWs = true,
): Promise<{ source: MarketSource; rest: FakeBinanceRest; ws: FakeBinanceWs | undefined }> {
  const rest = new FakeBinanceRest(bars);
  const ws = withWs ? await FakeBinanceWs.start() : undefined;
  const source = createCcxtSource({
    venues: ['binance'],
    exchangeFactory: () => makeBinance(rest, ws),
    backoff: FAST_BACKOFF,
    ...extra,
  });
  cleanups.push(async () => {
    await source.close();
    await ws?.close();
  });
  return { source, rest, ws };
}

runSourceContract('ccxt', async () => {
  const bars = makeFixtureBars(START, '1m', 3_000);
  const rest = new FakeBinanceRest(bars);
  const ws = await FakeBinanceWs.start();
  const source = createCcxtSource({
    venues: ['binance'],
    exchangeFactory: () => makeBinance(rest, ws),
    backoff: FAST_BACKOFF,
  });
  return {
    source,
    market: MARKET,
    interval: '1m',
    bars,
    live: {
      async drive() {
        await waitFor(() => ws.subscribed('btcusdt@trade'), 'the trade subscription');
        ws.push('btcusdt@trade', tradeMsg(1, 30_000));
      },
    },
    cleanup: () => ws.close(),
  };
});

describe('ccxt source: REST backfill', () => {
  it('pages through 1000-bar klines pages without gaps or duplicates', async () => {
    const bars = makeFixtureBars(START, '1m', 3_000);
    const { source, rest } = await setupSource(bars, {}, false);
    const { bars: got, batches } = await collect(
      source.fetchBars(MARKET, '1m', { from: START, to: bars.at(-1)!.openTime + 60_000 }),
    );
    expect(got).toEqual(bars);
    // ccxt's features say Binance spot pages hold 1000 klines: 3 requests, each starting one
    // step after the previous page's newest bar.
    expect(rest.klines.map((u) => u.searchParams.get('limit'))).toEqual(['1000', '1000', '1000']);
    expect(rest.klines.map((u) => Number(u.searchParams.get('startTime')))).toEqual([
      START,
      bars[1000]!.openTime,
      bars[2000]!.openTime,
    ]);
    expect(batches).toBe(3);
  });

  it('stops after a short last page when the range reaches past the data, and honours pageLimit', async () => {
    const bars = makeFixtureBars(START, '1m', 100);
    const { source, rest } = await setupSource(bars, { pageLimit: 30 }, false);
    const from = START + 15_000; // unaligned: the bar opening at START is excluded
    const { bars: got } = await collect(source.fetchBars(MARKET, '1m', { from, to: START + 1_000 * 60_000 }));
    expect(got).toEqual(bars.slice(1));
    // 99 bars in pages of 30: 4 pages, then one empty page tells that the data ended.
    expect(rest.klines.length).toBe(5);
  });

  it('drops the bars repeated across overlapping pages', async () => {
    const bars = makeFixtureBars(START, '1m', 100);
    const { source, rest } = await setupSource(bars, { pageLimit: 10 }, false);
    rest.overlap = true;
    const { bars: got } = await collect(
      source.fetchBars(MARKET, '1m', { from: START, to: START + 100 * 60_000 }),
    );
    expect(got).toEqual(bars);
    expect(new Set(got.map((b) => b.openTime)).size).toBe(100);
  });

  it('retries HTTP 429 answers with backoff, then succeeds', async () => {
    const bars = makeFixtureBars(START, '1m', 50);
    const logger = recordingLogger();
    const { source, rest } = await setupSource(bars, { logger }, false);
    const tooMany = () =>
      json(429, { code: -1003, msg: 'Too many requests; current limit is 6000 weight per minute.' });
    rest.queued.push(tooMany, tooMany);
    const { bars: got } = await collect(
      source.fetchBars(MARKET, '1m', { from: START, to: START + 50 * 60_000 }),
    );
    expect(got).toEqual(bars);
    expect(rest.klines.length).toBe(3);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    const [fields, msg] = logger.warn.mock.calls[0]!;
    expect(msg).toMatch(/retrying/);
    expect((fields as { err: unknown }).err).toBeInstanceOf(UpstreamRateLimitedError);
  });

  it('throws UpstreamRateLimitedError after the retries when 429 persists', async () => {
    const bars = makeFixtureBars(START, '1m', 50);
    const { source, rest } = await setupSource(bars, {}, false);
    rest.always = () => json(429, { code: -1003, msg: 'Too many requests.' });
    const err = await collect(source.fetchBars(MARKET, '1m', { from: START, to: START + 50 * 60_000 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamRateLimitedError);
    expect(err).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', status: 503, retryable: true });
    expect((err as Error).cause).toBeInstanceOf(ccxt.DDoSProtection);
    expect((err as Error).message).not.toMatch(/Too many requests/); // no upstream body in the detail
    expect(rest.klines.length).toBe(5); // 1 + 4 retries
  });

  it.each([
    ['HTTP 503', () => new Response('Service Unavailable', { status: 503 }), UpstreamUnavailableError, 2],
    ['HTTP 504', () => new Response('Gateway Timeout', { status: 504 }), UpstreamTimeoutError, 2],
    [
      'a failed connection',
      () => Promise.reject(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })),
      UpstreamUnavailableError,
      2,
    ],
    [
      'an error body',
      () => json(400, { code: -1121, msg: 'Invalid symbol.' }),
      UpstreamBadResponseError,
      1, // not retryable
    ],
  ] as const)('maps %s into the upstream error tree', async (_, answer, Expected, requests) => {
    const { source, rest } = await setupSource(makeFixtureBars(START, '1m', 10), { retries: 1 }, false);
    rest.always = answer;
    const err = await collect(source.fetchBars(MARKET, '1m', { from: START, to: START + 600_000 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Expected);
    expect((err as Error).cause).toBeInstanceOf(ccxt.BaseError);
    expect(rest.klines.length).toBe(requests);
  });

  it('maps an unknown symbol to UpstreamBadResponseError without a request', async () => {
    const { source, rest } = await setupSource(makeFixtureBars(START, '1m', 10), {}, false);
    const err = await collect(
      source.fetchBars({ venue: 'binance', symbol: 'NOPE/USDT' }, '1m', { from: START, to: START + 600_000 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamBadResponseError);
    expect((err as Error).cause).toBeInstanceOf(ccxt.BadSymbol);
    expect(rest.klines.length).toBe(0);
  });

  it('stops waiting for a retry when the signal aborts', async () => {
    const { source, rest } = await setupSource(
      makeFixtureBars(START, '1m', 10),
      { backoff: { baseMs: 60_000, maxMs: 60_000 } },
      false,
    );
    rest.always = () => json(429, { code: -1003, msg: 'Too many requests.' });
    const ac = new AbortController();
    const started = Date.now();
    const pending = collect(
      source.fetchBars(MARKET, '1m', { from: START, to: START + 600_000 }, { signal: ac.signal }),
    );
    await waitFor(() => rest.klines.length === 1, 'the first request');
    ac.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('logs through a pino logger', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const { source, rest } = await setupSource(makeFixtureBars(START, '1m', 10), { logger }, false);
    rest.queued.push(() => json(429, { code: -1003, msg: 'Too many requests.' }));
    await collect(source.fetchBars(MARKET, '1m', { from: START, to: START + 600_000 }));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      attempt: 1,
      err: { code: 'UPSTREAM_RATE_LIMITED' },
    });
  });

  it('refuses a venue it does not serve', async () => {
    const { source } = await setupSource([], {}, false);
    const it = source.fetchBars({ venue: 'kraken', symbol: 'BTC/USD' }, '1m', { from: 0, to: 1 });
    await expect(collect(it)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('mapCcxtError', () => {
  it.each([
    [ccxt.RateLimitExceeded, UpstreamRateLimitedError],
    [ccxt.DDoSProtection, UpstreamRateLimitedError],
    [ccxt.RequestTimeout, UpstreamTimeoutError],
    [ccxt.NetworkError, UpstreamUnavailableError],
    [ccxt.ExchangeNotAvailable, UpstreamUnavailableError],
    [ccxt.OnMaintenance, UpstreamUnavailableError],
    [ccxt.BadResponse, UpstreamBadResponseError],
    [ccxt.BadSymbol, UpstreamBadResponseError],
    [ccxt.ExchangeError, UpstreamBadResponseError],
  ])('%o → %o, keeping the cause', (From, To) => {
    const original = new From('binance said no');
    const mapped = mapCcxtError(original, 'binance fetchOHLCV');
    expect(mapped).toBeInstanceOf(To);
    expect((mapped as Error).cause).toBe(original);
    expect((mapped as Error).message).toBe(`binance fetchOHLCV failed: ${From.name}`);
  });

  it('says a failed connection is one, with its system code and without the URL', () => {
    const original = new ccxt.NetworkError(
      'binance GET https://api.binance.com/api/v3/klines?symbol=BTCUSDT fetch failed: getaddrinfo ENOTFOUND api.binance.com',
    );
    const mapped = mapCcxtError(original, 'binance fetchOHLCV BTC/USDT 1h') as Error;
    expect(mapped).toBeInstanceOf(UpstreamUnavailableError);
    expect(mapped.message).toBe(
      'binance fetchOHLCV BTC/USDT 1h failed: NetworkError (ENOTFOUND: the venue cannot be reached; check the network connection)',
    );
  });

  it('leaves our own and foreign errors alone', () => {
    const ours = new ValidationError('x');
    const foreign = new TypeError('y');
    expect(mapCcxtError(ours)).toBe(ours);
    expect(mapCcxtError(foreign)).toBe(foreign);
  });
});

describe('ccxt source: live', () => {
  function dataEvents(events: MarketEvent[]) {
    return events.filter((e) => e.type !== 'status');
  }
  function states(events: MarketEvent[]) {
    return events.flatMap((e) => (e.type === 'status' ? [e.state] : []));
  }
  function tradeIds(events: MarketEvent[]) {
    return events.flatMap((e) => (e.type === 'trade' ? [e.trade.id] : []));
  }

  it('maps trades, tickers and candles; a later candle finalizes the previous one once', async () => {
    const { source, ws } = await setupSource([], {});
    const events: MarketEvent[] = [];
    const sub = source.watch({ markets: [MARKET], kinds: ['trades', 'tickers', 'candles'] }, (e) =>
      events.push(e),
    );
    await waitFor(
      () => ['btcusdt@trade', 'btcusdt@miniTicker', 'btcusdt@kline_1m'].every((s) => ws!.subscribed(s)),
      'three subscriptions',
    );
    const [b0, b1] = makeFixtureBars(START, '1m', 2) as [Bar, Bar];
    const b0early = { ...b0, close: b0.open, high: Math.max(b0.open, b0.high), volume: 1 };
    ws!.push('btcusdt@trade', tradeMsg(7, 30_001.5, START + 1_234));
    ws!.push('btcusdt@miniTicker', miniTickerMsg(30_002));
    for (const m of [klineMsg(b0early, false), klineMsg(b0, true), klineMsg(b1, false)]) {
      ws!.push('btcusdt@kline_1m', m);
      await waitFor(() => events.some((e) => e.type === 'candle' && e.bar.openTime === m.k.t), 'a candle');
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => dataEvents(events).length >= 6, 'all data events');

    expect(events.find((e) => e.type === 'trade')).toEqual({
      type: 'trade',
      venue: 'binance',
      symbol: 'BTC/USDT',
      trade: { ts: START + 1_234, price: 30_001.5, amount: 0.5, id: '7' },
    });
    expect(events.find((e) => e.type === 'ticker')).toEqual({
      type: 'ticker',
      venue: 'binance',
      symbol: 'BTC/USDT',
      ticker: { ts: START + 5_000, last: 30_002, baseVolume24h: 1234.5, open24h: 29_990 },
    });
    const candles = events.flatMap((e) => (e.type === 'candle' ? [[e.bar, e.final] as const] : []));
    expect(candles).toEqual([
      [b0early, false],
      [b0, false],
      [b0, true], // the last state of b0, once, when b1 opened
      [b1, false],
    ]);
    expect(states(events).filter((s) => s === 'connected')).toHaveLength(3);
    await sub.close();
    // The last subscription gone, the source closed its websockets.
    await waitFor(() => ws!.sockets.size === 0, 'sockets closed');
  });

  it('reconnects after the server drops the socket and drops replayed trades', async () => {
    const { source, ws } = await setupSource([], { stallMs: 10_000 });
    let round = 0;
    ws!.onSubscribe = (socket) => {
      round++;
      // Round 2 replays trade 1, as some venues do after a reconnect, then sends trade 2.
      sendSpaced(socket, round === 1 ? [tradeMsg(1, 30_000)] : [tradeMsg(1, 30_000), tradeMsg(2, 30_010)]);
    };
    const events: MarketEvent[] = [];
    const sub = source.watch({ markets: [MARKET], kinds: ['trades'] }, (e) => events.push(e));
    cleanups.push(() => sub.close());
    await waitFor(() => tradeIds(events).includes('1'), 'trade 1');

    ws!.dropAll();
    await waitFor(() => tradeIds(events).includes('2'), 'trade 2 after the reconnect');

    expect(ws!.connections).toBe(2);
    expect(tradeIds(events)).toEqual(['1', '2']);
    expect(states(events)).toEqual(['connected', 'reconnecting', 'connected']);
    const reconnecting = events.find((e) => e.type === 'status' && e.state === 'reconnecting');
    expect(reconnecting).toMatchObject({ venue: 'binance', detail: 'BTC/USDT trades: NetworkError' });
  });

  it('detects a stalled stream, tears its socket down and resumes on a new one', async () => {
    const { source, ws } = await setupSource([], { stallMs: 300 });
    let round = 0;
    // The server acknowledges and sends one trade per connection, then stays silent (but open).
    ws!.onSubscribe = (socket) => sendSpaced(socket, [tradeMsg(++round, 30_000 + round)]);
    const events: MarketEvent[] = [];
    const sub = source.watch({ markets: [MARKET], kinds: ['trades'] }, (e) => events.push(e));
    cleanups.push(() => sub.close());

    await waitFor(() => tradeIds(events).includes('2'), 'a trade on the second connection');
    expect(ws!.connections).toBe(2);
    expect(ws!.sockets.size).toBe(1); // the stalled socket was closed by the client
    const seq = events.map((e) => (e.type === 'status' ? e.state : e.type));
    expect(seq.slice(0, 5)).toEqual(['connected', 'trade', 'stalled', 'connected', 'trade']);
    expect(events.find((e) => e.type === 'status' && e.state === 'stalled')).toMatchObject({
      detail: 'BTC/USDT trades: no message for 300 ms',
    });
  });

  it('keeps one ccxt loop per stream for several subscriptions and closes it with the last one', async () => {
    const { source, ws } = await setupSource([], {});
    const a: MarketEvent[] = [];
    const b: MarketEvent[] = [];
    const subA = source.watch({ markets: [MARKET], kinds: ['trades'] }, (e) => a.push(e));
    const subB = source.watch({ markets: [MARKET], kinds: ['trades'] }, (e) => b.push(e));
    await waitFor(() => ws!.subscribed('btcusdt@trade'), 'the trade subscription');
    ws!.push('btcusdt@trade', tradeMsg(1, 30_000));
    await waitFor(() => tradeIds(a).length === 1 && tradeIds(b).length === 1, 'the trade in both');
    await subA.close();
    ws!.push('btcusdt@trade', tradeMsg(2, 30_000));
    await waitFor(() => tradeIds(b).length === 2, 'trade 2 in b');
    expect(tradeIds(a)).toEqual(['1']);
    expect(ws!.subscribes).toEqual(['btcusdt@trade']);
    expect(ws!.sockets.size).toBe(1);
    await subB.close();
    await waitFor(() => ws!.sockets.size === 0, 'sockets closed');
    expect(ws!.closedByClient).toBe(1);
  });

  it('source.close() stops live subscriptions and closes the websockets', async () => {
    const { source, ws } = await setupSource([], {});
    const events: MarketEvent[] = [];
    const sub = source.watch({ markets: [MARKET], kinds: ['trades', 'candles'] }, (e) => events.push(e));
    await waitFor(
      () => ws!.subscribed('btcusdt@trade') && ws!.subscribed('btcusdt@kline_1m'),
      'subscriptions',
    );
    await source.close();
    await waitFor(() => ws!.sockets.size === 0, 'sockets closed');
    ws!.push('btcusdt@trade', tradeMsg(1, 30_000));
    await sub.close();
    expect(events).toEqual([]);
    expect(() => source.watch({ markets: [MARKET], kinds: ['trades'] }, () => {})).toThrow(/closed/);
  });

  it('reports a stream the venue cannot serve as down, without retrying', async () => {
    const { source, ws } = await setupSource([], {});
    const events: MarketEvent[] = [];
    const sub = source.watch(
      { markets: [{ venue: 'binance', symbol: 'NOPE/USDT' }], kinds: ['trades'] },
      (e) => events.push(e),
    );
    cleanups.push(() => sub.close());
    await waitFor(() => states(events).includes('down'), 'down');
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([
      { type: 'status', venue: 'binance', state: 'down', detail: 'NOPE/USDT trades: BadSymbol' },
    ]);
    expect(ws!.connections).toBe(0);
  });
});

describe('probeReachable', () => {
  const factory = (fetchImpl: (url: string, init: { signal?: AbortSignal }) => Promise<Response>) => () => {
    const ex = new ccxt.binance();
    ex.fetchImplementation = fetchImpl;
    return ex;
  };

  it('is reachable when the venue answers its time endpoint', async () => {
    const urls: string[] = [];
    const r = await probeReachable('binance', 1_000, {
      exchangeFactory: factory(async (url) => {
        urls.push(url);
        return json(200, { serverTime: 1 });
      }),
    });
    expect(r).toMatchObject({ venue: 'binance', reachable: true });
    expect(urls).toEqual(['https://api.binance.com/api/v3/time']);
  });

  it('is unreachable when the connection fails', async () => {
    const r = await probeReachable('binance', 1_000, {
      exchangeFactory: factory(() => Promise.reject(new TypeError('fetch failed'))),
    });
    expect(r).toMatchObject({ reachable: false, detail: 'NetworkError' });
  });

  it('gives up after the timeout when nothing answers', async () => {
    const r = await probeReachable('binance', 200, {
      exchangeFactory: factory(
        (_url, init) =>
          new Promise((_, reject) =>
            init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
          ),
      ),
    });
    expect(r.reachable).toBe(false);
    expect(r.elapsedMs).toBeLessThan(2_000);
  });
});
