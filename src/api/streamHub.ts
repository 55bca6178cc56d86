import type { CandleUpdate, PriceQuote } from '../market/events.js';
import { isInterval } from '../market/types.js';

/**
 * Fan-out of live market updates to stream connections (WebSocket or SSE), with per-connection
 * latest-value conflation for consumers that fall behind. Pure: no sockets, no timers; the clock
 * is injected. The transport (`stream.ts`) supplies one `StreamSink` per connection and calls
 * `sweep()` on a timer while any connection is congested.
 *
 * A connection that keeps up gets every update, handed to its sink in publish order. Once its
 * transport holds `sendHighWaterBytes` or more unsent, new updates go to a pending map keyed by
 * conflation key (price: asset; candle: asset|interval|venue|openTime), where a newer update
 * replaces an older one in place. `sweep()` flushes the map once the transport drains. Past
 * `maxPendingKeys` pending keys, past `maxBufferedBytes` buffered, or when the buffer stays at or
 * above the high-water mark for `slowConsumerTimeoutMs`, the connection is closed as a slow
 * consumer. Nothing here ever waits for a send, so one slow connection never delays another.
 */

/** Unsent bytes in a connection's transport above which updates are conflated instead of written. */
export const DEFAULT_SEND_HIGH_WATER_BYTES = 64 * 1024;
/** Unsent bytes at which a connection is closed at once (a sweep finds it). */
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Distinct pending (conflated) keys beyond which a connection is closed. */
export const DEFAULT_MAX_PENDING_KEYS = 1_000;
/** How long the transport may stay at or above the high-water mark before the connection is closed. */
export const DEFAULT_SLOW_CONSUMER_TIMEOUT_MS = 5_000;
/** Subscription keys one connection may hold. */
export const DEFAULT_MAX_SUBSCRIPTIONS = 100;

/** One update as fanned out: serialized once, shared by every connection that receives it. */
export type HubUpdate = {
  /** Per-process sequence number, increasing in publish order (the SSE `id:`). */
  readonly seq: number;
  readonly type: 'price' | 'candle' | 'signal' | 'whale';
  /** Subscription key: `p:bitcoin`, `c:bitcoin|1m`, `s:bitcoin` or `w:1` (a chain's whale transfers). */
  readonly subKey: string;
  /** A pending update with the same conflation key is replaced by this one. */
  readonly conflationKey: string;
  /** A final candle is never replaced by a non-final update of the same bar. */
  readonly final: boolean;
  /** The message itself (`PriceQuote` or `CandleUpdate`) as JSON: the SSE `data:`. */
  readonly dataJson: string;
  /** The WebSocket frame: `{"type":"price","data":{…}}`. */
  readonly json: string;
  /** Transport renderings of `json`, made on first use and shared by every connection. */
  frames: { ws?: Buffer; sse?: string };
};

/** What the hub needs from one connection's transport. Every method must return without waiting. */
export type StreamSink = {
  /** Bytes handed to the transport and not yet written to the kernel. */
  bufferedBytes(): number;
  /** Queue one update for writing (never awaits). */
  send(update: HubUpdate): void;
  /** Close the connection because it cannot keep up; called once, after the hub dropped it. */
  closeSlow(detail: string): void;
};

/** A connection as the hub sees it. */
export type HubConnection = {
  readonly subscriptions: ReadonlySet<string>;
  /** True while updates are being conflated for it. */
  readonly congested: boolean;
  /** Pending (conflated) updates not yet written. */
  readonly pendingCount: number;
  /**
   * Add subscription keys (already-held keys are ignored). All or nothing: if the result would
   * exceed the per-connection limit nothing is added and `ok` is false.
   */
  subscribe(keys: readonly string[]): { ok: true; added: number } | { ok: false; limit: number };
  /** Remove subscription keys and drop their pending updates. Unknown keys are ignored. */
  unsubscribe(keys: readonly string[]): void;
  /** Detach from the hub (idempotent). */
  close(): void;
};

/** Bounds of the hub (defaults above) and its clock. */
export type StreamHubOptions = {
  /** Monotonic clock in ms (injected for tests). */
  now: () => number;
  sendHighWaterBytes?: number;
  maxBufferedBytes?: number;
  maxPendingKeys?: number;
  slowConsumerTimeoutMs?: number;
  maxSubscriptionsPerConnection?: number;
};

/** Running totals, for metrics and tests. */
export type StreamHubStats = {
  connections: number;
  subscriptions: number;
  congested: number;
  /** Updates accepted from the bus. */
  published: number;
  /** Bus messages dropped because they were not a valid price/candle update. */
  invalid: number;
  /** Updates written to a connection. */
  delivered: number;
  /** Pending updates replaced by a newer one with the same key (never written). */
  conflated: number;
  /** Connections closed as slow consumers. */
  slowClosed: number;
};

/** The per-process fan-out: bus updates in, per-connection sends out. */
export type StreamHub = {
  /** Attach a connection; it receives nothing until it subscribes. */
  connect(sink: StreamSink): HubConnection;
  /** Fan out a `PriceQuote`; returns the number of connections it reached (-1 if invalid). */
  publishPrice(quote: unknown): number;
  /** Fan out a `CandleUpdate`; returns the number of connections it reached (-1 if invalid). */
  publishCandle(candle: unknown): number;
  /** Fan out a newly issued signal (a `SignalEvent` with `knownAt`); never conflated away. */
  publishSignal(signal: unknown): number;
  /**
   * Fan out a whale transfer (a `WhaleTransferEvent`, or its `removed` copy after a reorg); never
   * conflated away.
   */
  publishWhale(event: unknown): number;
  /** Flush congested connections that drained; close those past a bound. Call on a timer. */
  sweep(): void;
  /** Connections currently conflating (the transport runs its sweep timer while > 0). */
  readonly congestedCount: number;
  readonly stats: Readonly<StreamHubStats>;
};

/** Subscription key of an asset's prices. */
export function priceKey(asset: string): string {
  return `p:${asset}`;
}

/** Subscription key of an asset's new signals (every interval and strategy). */
export function signalKey(asset: string): string {
  return `s:${asset}`;
}

/** Subscription key of a chain's whale transfers. */
export function whaleKey(chainId: number): string {
  return `w:${chainId}`;
}

/** Subscription key of an asset's candles of one interval (every venue). */
export function candleKey(asset: string, interval: string): string {
  return `c:${asset}|${interval}`;
}

type Conn = {
  sink: StreamSink;
  subs: Set<string>;
  /** Conflated updates by conflation key, in order of first arrival; null while keeping up. */
  pending: Map<string, HubUpdate> | null;
  /** When the transport was first seen at or above the high-water mark (null: below). */
  aboveSince: number | null;
  closed: boolean;
};

function positive(name: string, v: number | undefined, fallback: number): number {
  const n = v ?? fallback;
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`stream option ${name} must be > 0, got ${v}`);
  return n;
}

/**
 * Create the per-process fan-out hub.
 * @example
 * const hub = createStreamHub({ now: () => performance.now() });
 * const conn = hub.connect(sink);
 * conn.subscribe([priceKey('bitcoin')]);
 * bus.subscribe(PRICE_TOPIC, (m) => hub.publishPrice(m));
 */
export function createStreamHub(options: StreamHubOptions): StreamHub {
  const now = options.now;
  const highWater = positive('sendHighWaterBytes', options.sendHighWaterBytes, DEFAULT_SEND_HIGH_WATER_BYTES);
  const maxBuffered = positive('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES);
  const maxPending = positive('maxPendingKeys', options.maxPendingKeys, DEFAULT_MAX_PENDING_KEYS);
  const slowMs = positive(
    'slowConsumerTimeoutMs',
    options.slowConsumerTimeoutMs,
    DEFAULT_SLOW_CONSUMER_TIMEOUT_MS,
  );
  const maxSubs = positive(
    'maxSubscriptionsPerConnection',
    options.maxSubscriptionsPerConnection,
    DEFAULT_MAX_SUBSCRIPTIONS,
  );

  const index = new Map<string, Set<Conn>>();
  const congested = new Set<Conn>();
  const stats: StreamHubStats = {
    connections: 0,
    subscriptions: 0,
    congested: 0,
    published: 0,
    invalid: 0,
    delivered: 0,
    conflated: 0,
    slowClosed: 0,
  };
  let seq = 0;

  function detach(c: Conn): void {
    if (c.closed) return;
    c.closed = true;
    for (const k of c.subs) {
      const set = index.get(k);
      set?.delete(c);
      if (set && set.size === 0) index.delete(k);
    }
    stats.subscriptions -= c.subs.size;
    stats.connections--;
    c.subs.clear();
    c.pending = null;
    congested.delete(c);
    stats.congested = congested.size;
  }

  function closeSlow(c: Conn, detail: string): void {
    if (c.closed) return;
    detach(c);
    stats.slowClosed++;
    c.sink.closeSlow(detail);
  }

  function uncongest(c: Conn): void {
    c.pending = null;
    c.aboveSince = null;
    congested.delete(c);
    stats.congested = congested.size;
  }

  function fanOut(u: HubUpdate): number {
    stats.published++;
    const set = index.get(u.subKey);
    if (!set) return 0;
    let reached = 0;
    // Never await in here: every send only queues bytes on its own connection.
    for (const c of set) {
      reached++;
      if (c.pending === null) {
        if (c.sink.bufferedBytes() < highWater) {
          stats.delivered++;
          c.sink.send(u);
          continue;
        }
        // Falling behind: conflate from now on until a sweep finds the transport drained.
        c.pending = new Map();
        c.aboveSince = now();
        congested.add(c);
        stats.congested = congested.size;
      }
      const prev = c.pending.get(u.conflationKey);
      if (prev !== undefined) {
        stats.conflated++;
        // A late non-final update must not undo a bar's final value.
        if (prev.final && !u.final) continue;
      }
      // Map.set on an existing key keeps its position: the oldest key is written first.
      c.pending.set(u.conflationKey, u);
      if (c.pending.size > maxPending) closeSlow(c, `more than ${maxPending} updates pending`);
    }
    return reached;
  }

  function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }

  return {
    connect(sink) {
      const c: Conn = { sink, subs: new Set(), pending: null, aboveSince: null, closed: false };
      stats.connections++;
      return {
        get subscriptions() {
          return c.subs;
        },
        get congested() {
          return c.pending !== null;
        },
        get pendingCount() {
          return c.pending?.size ?? 0;
        },
        subscribe(keys) {
          if (c.closed) return { ok: true, added: 0 };
          let fresh = 0;
          const unique = new Set(keys);
          for (const k of unique) if (!c.subs.has(k)) fresh++;
          if (c.subs.size + fresh > maxSubs) return { ok: false, limit: maxSubs };
          for (const k of unique) {
            if (c.subs.has(k)) continue;
            c.subs.add(k);
            let set = index.get(k);
            if (!set) {
              set = new Set();
              index.set(k, set);
            }
            set.add(c);
          }
          stats.subscriptions += fresh;
          return { ok: true, added: fresh };
        },
        unsubscribe(keys) {
          if (c.closed) return;
          const removed = new Set<string>();
          for (const k of keys) {
            if (!c.subs.delete(k)) continue;
            removed.add(k);
            stats.subscriptions--;
            const set = index.get(k);
            set?.delete(c);
            if (set && set.size === 0) index.delete(k);
          }
          if (c.pending && removed.size > 0) {
            for (const [ck, u] of c.pending) if (removed.has(u.subKey)) c.pending.delete(ck);
          }
        },
        close() {
          detach(c);
        },
      };
    },

    publishPrice(quote) {
      if (!isObject(quote) || typeof quote.asset !== 'string' || quote.asset === '') {
        stats.invalid++;
        return -1;
      }
      const q = quote as PriceQuote;
      const key = priceKey(q.asset);
      const dataJson = JSON.stringify(q);
      return fanOut({
        seq: ++seq,
        type: 'price',
        subKey: key,
        conflationKey: key,
        final: false,
        dataJson,
        json: `{"type":"price","data":${dataJson}}`,
        frames: {},
      });
    },

    publishCandle(candle) {
      if (
        !isObject(candle) ||
        typeof candle.asset !== 'string' ||
        candle.asset === '' ||
        typeof candle.venue !== 'string' ||
        typeof candle.interval !== 'string' ||
        !isInterval(candle.interval) ||
        !isObject(candle.bar) ||
        typeof candle.bar.openTime !== 'number' ||
        !Number.isFinite(candle.bar.openTime)
      ) {
        stats.invalid++;
        return -1;
      }
      const c = candle as CandleUpdate;
      const key = candleKey(c.asset, c.interval);
      const dataJson = JSON.stringify(c);
      return fanOut({
        seq: ++seq,
        type: 'candle',
        subKey: key,
        // The bar's open time is part of the key: bar N+1 never replaces bar N's final update.
        conflationKey: `${key}|${c.venue}|${c.bar.openTime}`,
        final: c.final === true,
        dataJson,
        json: `{"type":"candle","data":${dataJson}}`,
        frames: {},
      });
    },

    publishSignal(signal) {
      if (
        !isObject(signal) ||
        typeof signal.asset !== 'string' ||
        signal.asset === '' ||
        typeof signal.strategy !== 'string' ||
        typeof signal.interval !== 'string' ||
        typeof signal.issuedAt !== 'number'
      ) {
        stats.invalid++;
        return -1;
      }
      const key = signalKey(signal.asset);
      const dataJson = JSON.stringify(signal);
      return fanOut({
        seq: ++seq,
        type: 'signal',
        subKey: key,
        // Each signal is its own key: a backlog keeps every one of them.
        conflationKey: `${key}|${signal.interval}|${signal.strategy}|${signal.issuedAt}`,
        final: true,
        dataJson,
        json: `{"type":"signal","data":${dataJson}}`,
        frames: {},
      });
    },

    publishWhale(event) {
      if (
        !isObject(event) ||
        typeof event.id !== 'string' ||
        event.id === '' ||
        typeof event.chainId !== 'number' ||
        !Number.isSafeInteger(event.chainId) ||
        typeof event.removed !== 'boolean'
      ) {
        stats.invalid++;
        return -1;
      }
      const key = whaleKey(event.chainId);
      const dataJson = JSON.stringify(event);
      return fanOut({
        seq: ++seq,
        type: 'whale',
        subKey: key,
        // The event id is unique (a removal has its own): a backlog keeps every one.
        conflationKey: `${key}|${event.id}`,
        final: true,
        dataJson,
        json: `{"type":"whale","data":${dataJson}}`,
        frames: {},
      });
    },

    sweep() {
      if (congested.size === 0) return;
      const t = now();
      for (const c of congested) {
        const buffered = c.sink.bufferedBytes();
        if (buffered >= maxBuffered) {
          closeSlow(c, `more than ${maxBuffered} bytes unsent`);
          continue;
        }
        if (buffered >= highWater) {
          c.aboveSince ??= t;
          if (t - c.aboveSince >= slowMs)
            closeSlow(c, `send buffer above ${highWater} bytes for ${slowMs} ms`);
          continue;
        }
        c.aboveSince = null;
        const pending = c.pending!;
        for (const [k, u] of pending) {
          pending.delete(k);
          stats.delivered++;
          c.sink.send(u);
          if (c.closed) break;
          if (c.sink.bufferedBytes() >= highWater) break;
        }
        if (!c.closed && pending.size === 0) uncongest(c);
      }
    },

    get congestedCount() {
      return congested.size;
    },
    stats,
  };
}
