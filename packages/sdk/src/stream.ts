import { SextantApiError } from './errors.js';
import { backoffDelay } from './retry.js';
import { createSseParser } from './sse.js';
import type {
  CandleUpdate,
  PriceQuote,
  SignalEvent,
  StreamData,
  StreamMessage,
  Subscription,
  WhaleTransferEvent,
} from './streamTypes.js';
import { type Entry, entriesOf, entryKey, group } from './subscriptions.js';

/**
 * Live streams of the Sextant API: WebSocket `/v1/stream` or Server-Sent Events `/v1/stream/sse`
 * behind one interface. The stream keeps the set of subscriptions; when the connection drops (the
 * server restarts or cuts it, the network fails, nothing arrives for `idleTimeoutMs`) it reconnects
 * with exponential backoff and subscribes to the whole set again.
 *
 * WebSocket: one connection, (un)subscribe messages acknowledged by id (see src/api/stream.ts).
 * SSE: the subscriptions are the request's query, so a change opens a new request.
 */

/** Which transport a stream uses. */
export type StreamTransport = 'ws' | 'sse';

/** The part of the WebSocket API the stream uses (the WHATWG one: browsers, Node 22+, `ws`). */
export type WebSocketLike = {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
};
/** A WebSocket class: the global one, `ws`'s, or a test double. */
// biome-ignore lint/suspicious/noExplicitAny: constructors differ in their second argument.
export type WebSocketConstructor = new (url: string, options?: any) => WebSocketLike;

/** How a stream reconnects. Every field has a default. */
export type ReconnectOptions = {
  /** Reconnect attempts in a row before giving up (default Infinity). */
  retries?: number;
  /** First delay in ms, doubling per failed attempt (default 500). */
  baseDelayMs?: number;
  /** Longest delay in ms (default 30 000). */
  maxDelayMs?: number;
};

/** Options of a stream. */
export type StreamOptions = {
  /** Server URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** API key; sent as `x-api-key`, or as `?apiKey=` where a WebSocket cannot send headers. */
  apiKey?: string | undefined;
  /** `ws` (default) or `sse`. */
  transport?: StreamTransport;
  /**
   * WebSocket class. Default: the global `WebSocket` (browsers, Node 22+), else the `ws` package
   * (Node 20), which also sends the key as a header instead of in the URL.
   */
  WebSocket?: WebSocketConstructor;
  /** fetch for SSE (default: the global fetch). */
  fetch?: (input: Request) => Promise<Response>;
  reconnect?: ReconnectOptions;
  /**
   * With nothing received for this long (the server sends a heartbeat every 15 s by default), the
   * connection is taken as dead and replaced. Default 45 000 ms; 0 turns the check off.
   */
  idleTimeoutMs?: number;
  /** Messages an async iterator holds for a slow consumer before dropping the oldest (default 10 000). */
  maxBufferedMessages?: number;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
};

/** Where a stream is. `idle` until the first subscription. */
export type StreamState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Events of a stream and what their listeners receive. */
export type StreamEvents = {
  /** Every message: data, acknowledgements, heartbeats, protocol errors. */
  message: StreamMessage;
  price: PriceQuote;
  candle: CandleUpdate;
  signal: SignalEvent;
  whale: WhaleTransferEvent;
  /** Connected; `reconnected` after a drop (the subscriptions are being sent again). */
  open: { reconnected: boolean };
  /** The connection dropped; the next attempt starts after `delayMs`. */
  reconnecting: { attempt: number; delayMs: number; reason: string };
  /** A subscription the server refused, a protocol error, or the reason the stream gave up. */
  error: Error;
  /** Closed for good: `close()` was called or reconnecting gave up. */
  close: { reason: string };
};

/** A live stream with auto-reconnect and resubscribe. */
export type SextantStream = {
  readonly transport: StreamTransport;
  readonly state: StreamState;
  /** The current subscriptions (what is sent again after a reconnect), one entry per asset/chain. */
  readonly subscriptions: Subscription[];
  /**
   * Add subscriptions; resolves once the server acknowledged them (after a reconnect if one is
   * under way), rejects with `StreamSubscriptionError` if it refused them (they are dropped).
   */
  subscribe(subscription: Subscription): Promise<void>;
  /** Remove subscriptions; resolves once the server confirmed (at once while disconnected). */
  unsubscribe(subscription: Subscription): Promise<void>;
  /** Listen to an event; returns the function that removes the listener. */
  on<E extends keyof StreamEvents>(event: E, listener: (value: StreamEvents[E]) => void): () => void;
  /** Data messages (`price`, `candle`, `signal`, `whale`) from now until the stream closes. */
  [Symbol.asyncIterator](): AsyncIterator<StreamData>;
  /** Close the connection and stop reconnecting. */
  close(): Promise<void>;
};

/** The server refused a subscription (unknown asset, subscription limit, …). */
export class StreamSubscriptionError extends Error {
  override name = 'StreamSubscriptionError';
  constructor(
    readonly code: string,
    message: string,
    /** The subscription keys refused (`prices:bitcoin`, `candles:1m:bitcoin`, `whales:1`). */
    readonly keys: string[],
  ) {
    super(`${code}: ${message}`);
  }
}

const WS_PATH = '/v1/stream';
const SSE_PATH = '/v1/stream/sse';
const DEFAULT_RECONNECT_BASE_DELAY_MS = 500;
const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;
const DEFAULT_IDLE_TIMEOUT_MS = 45_000;
const DEFAULT_MAX_BUFFERED_MESSAGES = 10_000;
// How `ws` reports an upgrade the server answered with an HTTP error instead of 101.
const REFUSED_UPGRADE = /Unexpected server response: (\d{3})/;
// Rate limits and server errors pass: those are retried with backoff.
const RETRYABLE_UPGRADE_STATUS = (status: number) => status === 429 || status >= 500;
// The API's error codes for the statuses an upgrade can be refused with.
const UPGRADE_STATUS_CODES: Record<number, string> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
};

// How long close() waits for the WebSocket closing handshake before returning anyway.
const CLOSE_WAIT_MS = 1_000;
const WS_OPEN = 1;
const DATA_TYPES = new Set(['price', 'candle', 'signal', 'whale']);

let loadedWs: Promise<WebSocketConstructor> | undefined;
/** The `ws` package's class, loaded on first use (Node 20 has no global WebSocket). */
function loadWs(): Promise<WebSocketConstructor> {
  loadedWs ??= import('ws').then(
    (m) =>
      ((m as { default?: unknown }).default ??
        (m as { WebSocket?: unknown }).WebSocket) as WebSocketConstructor,
  );
  return loadedWs;
}

/**
 * Open a live stream. Connects on the first subscription.
 * @example
 * const stream = createStream({ baseUrl: 'http://127.0.0.1:8080' });
 * stream.on('price', (q) => console.log(q.asset, q.price));
 * await stream.subscribe({ channel: 'prices', assets: ['bitcoin'] });
 */
export function createStream(options: StreamOptions): SextantStream {
  const transport = options.transport ?? 'ws';
  if (transport !== 'ws' && transport !== 'sse') throw new TypeError(`transport must be 'ws' or 'sse'`);
  const base = new URL(options.baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError(`baseUrl must be an http(s) URL, got ${base.protocol}`);
  const origin = options.baseUrl.replace(/\/+$/, '');
  const retries = options.reconnect?.retries ?? Number.POSITIVE_INFINITY;
  const baseDelayMs = options.reconnect?.baseDelayMs ?? DEFAULT_RECONNECT_BASE_DELAY_MS;
  const maxDelayMs = options.reconnect?.maxDelayMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxBuffered = options.maxBufferedMessages ?? DEFAULT_MAX_BUFFERED_MESSAGES;
  const random = options.random ?? Math.random;
  const fetchFn = options.fetch ?? ((r: Request) => globalThis.fetch(r));

  let state: StreamState = 'idle';
  /** The subscriptions, by key, in the order they were added. */
  const entries = new Map<string, Entry>();
  /** Keys the server acknowledged on the current connection. */
  const acked = new Set<string>();
  /** Subscribe calls waiting for their keys to be acknowledged. */
  let wants: { keys: string[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  /** WebSocket commands in flight: id → keys (subscribe) or a waiter (unsubscribe). */
  const inflight = new Map<
    string,
    { type: 'subscribe'; keys: string[] } | { type: 'unsubscribe'; done: () => void }
  >();
  let nextId = 0;
  let attempt = 0;
  let everOpened = false;
  // Set when a connection dropped, until the next one opens (SSE also reopens on a subscription change).
  let recovering = false;
  // Bumped for every new connection: events of an older one are ignored.
  let connId = 0;
  let socket: WebSocketLike | null = null;
  let sseAbort: AbortController | null = null;
  /** SSE: the keys of the last connection the server accepted. */
  let confirmed = new Set<string>();
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let restartQueued = false;
  let socketClosed: Promise<void> = Promise.resolve();

  const listeners = new Map<keyof StreamEvents, Set<(v: never) => void>>();
  function emit<E extends keyof StreamEvents>(event: E, value: StreamEvents[E]): void {
    const set = listeners.get(event) as Set<(v: StreamEvents[E]) => void> | undefined;
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(value);
      } catch (err) {
        // A listener's bug must not break the connection; surface it asynchronously.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  function settleWants(): void {
    const still: typeof wants = [];
    for (const w of wants) {
      if (w.keys.every((k) => acked.has(k) || !entries.has(k))) w.resolve();
      else still.push(w);
    }
    wants = still;
  }

  function refuse(keys: string[], code: string, message: string): void {
    const err = new StreamSubscriptionError(code, message, keys);
    for (const k of keys) entries.delete(k);
    const still: typeof wants = [];
    for (const w of wants) {
      if (w.keys.some((k) => keys.includes(k))) w.reject(err);
      else still.push(w);
    }
    wants = still;
    emit('error', err);
    // The other keys of a refused call may all be acknowledged already.
    settleWants();
  }

  function armIdle(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (idleTimeoutMs <= 0 || state === 'closed') return;
    idleTimer = setTimeout(() => {
      idleTimer = null;
      dropConnection();
      disconnected(`nothing received for ${idleTimeoutMs} ms`);
    }, idleTimeoutMs);
  }

  /** Forget the current connection (its late events are ignored) and cut it. */
  function dropConnection(): void {
    connId++;
    if (socket) {
      const s = socket as WebSocketLike & { terminate?: () => void };
      socket = null;
      s.onopen = s.onmessage = s.onerror = null;
      if (typeof s.terminate === 'function') s.terminate();
      else s.close();
    }
    if (sseAbort) {
      sseAbort.abort();
      sseAbort = null;
    }
  }

  function connected(): void {
    state = 'open';
    attempt = 0;
    const reconnected = recovering;
    recovering = false;
    everOpened = true;
    armIdle();
    emit('open', { reconnected });
  }

  function disconnected(reason: string, retryAfterMs = 0): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    acked.clear();
    for (const [id, f] of inflight) {
      inflight.delete(id);
      // An unsubscribe that did not get through is done anyway: the key is not sent again.
      if (f.type === 'unsubscribe') f.done();
    }
    if (state === 'closed') return;
    if (transport === 'sse' && entries.size === 0) {
      state = 'idle';
      return;
    }
    attempt++;
    recovering = true;
    if (attempt > retries) {
      finish(`gave up reconnecting after ${retries} attempts: ${reason}`, true);
      return;
    }
    const delayMs = Math.max(retryAfterMs, backoffDelay(attempt - 1, baseDelayMs, maxDelayMs, random));
    state = 'reconnecting';
    emit('reconnecting', { attempt, delayMs, reason });
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, delayMs);
  }

  function finish(reason: string, failed: boolean): void {
    if (state === 'closed') return;
    state = 'closed';
    if (reconnectTimer) clearTimeout(reconnectTimer);
    if (idleTimer) clearTimeout(idleTimer);
    reconnectTimer = idleTimer = null;
    const err = new Error(`stream closed: ${reason}`);
    for (const w of wants) w.reject(err);
    wants = [];
    for (const f of inflight.values()) if (f.type === 'unsubscribe') f.done();
    inflight.clear();
    if (failed) emit('error', err);
    emit('close', { reason });
  }

  function handle(msg: StreamMessage): void {
    if (msg.type === 'subscribed' || msg.type === 'unsubscribed' || msg.type === 'error') {
      const id = msg.id === undefined ? undefined : String(msg.id);
      const f = id === undefined ? undefined : inflight.get(id);
      if (id !== undefined && f) {
        inflight.delete(id);
        if (f.type === 'unsubscribe') f.done();
        else if (msg.type === 'subscribed') {
          for (const k of f.keys) acked.add(k);
          settleWants();
        } else if (msg.type === 'error') refuse(f.keys, msg.code, msg.message);
      } else if (msg.type === 'error') {
        emit('error', new StreamSubscriptionError(msg.code, msg.message, []));
      }
    }
    emit('message', msg);
    if (DATA_TYPES.has(msg.type)) {
      const d = msg as StreamData;
      if (d.type === 'price') emit('price', d.data);
      else if (d.type === 'candle') emit('candle', d.data);
      else if (d.type === 'signal') emit('signal', d.data);
      else emit('whale', d.data);
    }
  }

  // ---- WebSocket -----------------------------------------------------------------------------

  function sendWs(
    type: 'subscribe' | 'unsubscribe',
    sub: Subscription,
    keys: string[],
    done?: () => void,
  ): void {
    if (!socket || socket.readyState !== WS_OPEN) return;
    const id = `sdk-${++nextId}`;
    inflight.set(id, type === 'subscribe' ? { type, keys } : { type, done: done ?? (() => {}) });
    socket.send(JSON.stringify({ type, ...sub, id }));
  }

  function resubscribeWs(): void {
    for (const sub of group(entries.values())) sendWs('subscribe', sub, entriesOf(sub).map(entryKey));
  }

  async function connectWs(): Promise<void> {
    const id = ++connId;
    // A connection attempt that hangs (no answer to the upgrade) counts as silence too.
    armIdle();
    let Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    // The `ws` package takes headers: the key then stays out of the URL.
    let headers = false;
    if (!Ctor) {
      try {
        Ctor = await loadWs();
        headers = true;
      } catch (err) {
        finish(`no WebSocket available: install the ws package (${(err as Error).message})`, true);
        return;
      }
    }
    if (id !== connId || state === 'closed') return;
    const url = new URL(`${origin}${WS_PATH}`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (options.apiKey && !headers) url.searchParams.set('apiKey', options.apiKey);
    let s: WebSocketLike;
    try {
      s =
        headers && options.apiKey
          ? new Ctor(url.href, { headers: { 'x-api-key': options.apiKey } })
          : new Ctor(url.href);
    } catch (err) {
      disconnected(`cannot open a WebSocket: ${(err as Error).message}`);
      return;
    }
    socket = s;
    let resolveClosed!: () => void;
    socketClosed = new Promise((r) => {
      resolveClosed = r;
    });
    s.onopen = () => {
      if (id !== connId) return;
      connected();
      resubscribeWs();
    };
    s.onmessage = (ev) => {
      if (id !== connId) return;
      armIdle();
      let msg: StreamMessage;
      try {
        msg = JSON.parse(String(ev.data)) as StreamMessage;
      } catch {
        emit('error', new Error('the server sent a message that is not JSON'));
        return;
      }
      handle(msg);
    };
    // A failed connection reports an error, then a close: the close does the work. The `ws`
    // package names the HTTP status of a refused upgrade in the error; a browser's WebSocket
    // does not (there a refusal looks like any failed connection, and is retried).
    let refusedStatus: number | null = null;
    s.onerror = (ev) => {
      const m = REFUSED_UPGRADE.exec(String((ev as { message?: unknown } | null)?.message ?? ''));
      if (m) refusedStatus = Number(m[1]);
    };
    s.onclose = (ev) => {
      resolveClosed();
      if (id !== connId) return;
      socket = null;
      if (refusedStatus !== null && !RETRYABLE_UPGRADE_STATUS(refusedStatus)) {
        // Refused for good (bad or revoked key, missing scope): retrying cannot help.
        const code = UPGRADE_STATUS_CODES[refusedStatus] ?? `HTTP_${refusedStatus}`;
        const message = `the server refused the WebSocket with HTTP ${refusedStatus} (${code})${refusedStatus === 401 ? ': check the API key' : ''}`;
        refuse([...entries.keys()], code, message);
        finish(message, true);
        return;
      }
      disconnected(
        refusedStatus !== null
          ? `the server answered the upgrade with HTTP ${refusedStatus}`
          : `connection closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`,
      );
    };
  }

  // ---- Server-Sent Events --------------------------------------------------------------------

  function sseUrl(keys: Iterable<Entry>): string {
    const lists: Record<'prices' | 'candles' | 'signals' | 'whales', string[]> = {
      prices: [],
      candles: [],
      signals: [],
      whales: [],
    };
    for (const e of keys) {
      if (e.channel === 'whales') lists.whales.push(String(e.chain));
      else if (e.channel === 'candles') lists.candles.push(`${e.asset}:${e.interval}`);
      else lists[e.channel].push(e.asset);
    }
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(lists)) if (v.length > 0) q.set(k, v.join(','));
    return `${origin}${SSE_PATH}?${q}`;
  }

  async function connectSse(): Promise<void> {
    const id = ++connId;
    if (entries.size === 0) {
      state = 'idle';
      return;
    }
    const ac = new AbortController();
    sseAbort = ac;
    armIdle();
    const keys = new Set(entries.keys());
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.apiKey) headers['x-api-key'] = options.apiKey;
    let res: Response;
    try {
      res = await fetchFn(new Request(sseUrl(entries.values()), { headers, signal: ac.signal }));
    } catch (err) {
      if (id === connId) disconnected(`connection failed: ${(err as Error).message}`);
      return;
    }
    if (id !== connId) {
      await res.body?.cancel().catch(() => {});
      return;
    }
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      if (id !== connId) return;
      sseAbort = null;
      const err = SextantApiError.fromResponse(res, body, { method: 'GET', url: `${origin}${SSE_PATH}` });
      if (err.retryable || res.status === 429 || res.status >= 500) {
        disconnected(`the server answered ${res.status} ${err.code}`, err.retryAfterMs ?? 0);
        return;
      }
      // Refused: the keys added since the last accepted connection are the suspects.
      const added = [...keys].filter((k) => !confirmed.has(k));
      if (added.length > 0 && added.length < keys.size) {
        refuse(added, err.code, err.detail);
        connect();
      } else {
        refuse([...keys], err.code, err.detail);
        if (entries.size > 0) finish(`the server refused the stream: ${err.message}`, true);
        else state = 'idle';
      }
      return;
    }
    const parse = createSseParser((ev) => {
      if (id !== connId) return;
      armIdle();
      let data: unknown;
      try {
        data = JSON.parse(ev.data);
      } catch {
        emit('error', new Error(`the server sent a ${ev.event} event that is not JSON`));
        return;
      }
      if (ev.event === 'subscribed') {
        confirmed = keys;
        for (const k of keys) acked.add(k);
        connected();
        handle({ type: 'subscribed', ...(data as object) });
        settleWants();
      } else if (ev.event === 'heartbeat') {
        handle(data as StreamMessage);
      } else if (DATA_TYPES.has(ev.event)) {
        handle({ type: ev.event, data } as StreamData);
      }
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parse(value);
      }
    } catch {
      // Aborted by us, or cut by the server: told apart below by connId.
    }
    if (id !== connId) return;
    sseAbort = null;
    disconnected('the server ended the event stream');
  }

  function connect(): void {
    if (state === 'closed') return;
    if (reconnectTimer) {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    state = state === 'idle' || !everOpened ? 'connecting' : 'reconnecting';
    void (transport === 'ws' ? connectWs() : connectSse());
  }

  /** SSE: open a new request with the current subscriptions (once per burst of changes). */
  function restartSse(): void {
    if (restartQueued) return;
    restartQueued = true;
    queueMicrotask(() => {
      restartQueued = false;
      if (state === 'closed') return;
      dropConnection();
      acked.clear();
      connect();
    });
  }

  const stream: SextantStream = {
    transport,
    get state() {
      return state;
    },
    get subscriptions() {
      return group(entries.values());
    },
    subscribe(subscription) {
      if (state === 'closed') return Promise.reject(new Error('stream closed'));
      const added = entriesOf(subscription);
      const keys = added.map(entryKey);
      for (let i = 0; i < added.length; i++) if (!entries.has(keys[i]!)) entries.set(keys[i]!, added[i]!);
      const done = new Promise<void>((resolve, reject) => wants.push({ keys, resolve, reject }));
      if (transport === 'ws') {
        if (state === 'idle') connect();
        else if (state === 'open') sendWs('subscribe', subscription, keys);
      } else if (!keys.every((k) => confirmed.has(k) && acked.has(k))) {
        restartSse();
      } else {
        settleWants();
      }
      return done;
    },
    unsubscribe(subscription) {
      const keys = entriesOf(subscription).map(entryKey);
      let changed = false;
      for (const k of keys) changed = entries.delete(k) || changed;
      settleWants();
      if (!changed || state === 'closed') return Promise.resolve();
      if (transport === 'sse') {
        restartSse();
        return Promise.resolve();
      }
      if (state !== 'open') return Promise.resolve();
      return new Promise<void>((resolve) => sendWs('unsubscribe', subscription, keys, resolve));
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    [Symbol.asyncIterator]() {
      const queue: StreamData[] = [];
      let waiting: ((r: IteratorResult<StreamData>) => void) | null = null;
      let ended = state === 'closed';
      const stop = () => {
        offMessage();
        offClose();
        ended = true;
        if (waiting) {
          waiting({ value: undefined, done: true });
          waiting = null;
        }
      };
      const offMessage = stream.on('message', (m) => {
        if (!DATA_TYPES.has(m.type)) return;
        if (waiting) {
          waiting({ value: m as StreamData, done: false });
          waiting = null;
        } else {
          queue.push(m as StreamData);
          if (queue.length > maxBuffered) queue.shift();
        }
      });
      const offClose = stream.on('close', stop);
      return {
        next() {
          const m = queue.shift();
          if (m) return Promise.resolve({ value: m, done: false });
          if (ended) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => {
            waiting = resolve;
          });
        },
        return() {
          stop();
          queue.length = 0;
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
    async close() {
      if (state === 'closed') return;
      const s = socket;
      const closed = socketClosed;
      connId++;
      socket = null;
      if (s && (s.readyState === WS_OPEN || s.readyState === 0)) s.close(1000, 'client closed');
      if (sseAbort) {
        sseAbort.abort();
        sseAbort = null;
      }
      finish('closed by the client', false);
      if (s) {
        let t: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([closed, new Promise<void>((r) => (t = setTimeout(r, CLOSE_WAIT_MS)))]);
        clearTimeout(t);
      }
    },
  };
  return stream;
}
