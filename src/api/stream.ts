import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RawData, WebSocket } from 'ws';
import { CHAIN_WHALE_TOPIC } from '../chain/whalePublisher.js';
import {
  BadRequestError,
  RateLimitedError,
  ServiceUnavailableError,
  ValidationError,
} from '../internal/errors.js';
import { createAccessLogWriter } from '../internal/logger.js';
import { CANDLE_TOPIC, PRICE_TOPIC } from '../market/events.js';
import type { AuthPolicy } from '../operations/index.js';
import type { Services } from '../services/index.js';
import { SIGNAL_TOPIC } from '../signals/runner.js';
import type { Authenticator, AuthResult } from './auth.js';
import {
  createStreamHub,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_PENDING_KEYS,
  DEFAULT_MAX_SUBSCRIPTIONS,
  DEFAULT_SEND_HIGH_WATER_BYTES,
  DEFAULT_SLOW_CONSUMER_TIMEOUT_MS,
  type HubConnection,
  type HubUpdate,
  type StreamHub,
  type StreamSink,
} from './streamHub.js';
import { createOutbox } from './streamOutbox.js';
import {
  type ClientCommand,
  defaultResolveAsset,
  type ProtocolError,
  parseClientMessage,
  parseSseQuery,
  type ResolveAsset,
  wsTextFrame,
} from './streamProtocol.js';

/**
 * Live streams: WebSocket `/v1/stream` and Server-Sent Events `/v1/stream/sse`.
 *
 * One bus subscription per process feeds a `StreamHub` (streamHub.ts), which fans each update
 * out to the connections subscribed to its key and conflates for the ones that fall behind.
 * With a Redis bus every API process receives every update, wherever the ingester runs.
 *
 * WebSocket protocol (JSON text frames; client messages are parsed in streamProtocol.ts):
 *   → {"type":"subscribe","channel":"prices","assets":["bitcoin"]}
 *   → {"type":"subscribe","channel":"candles","assets":["bitcoin"],"interval":"1m"}
 *   → {"type":"subscribe","channel":"signals","assets":["bitcoin"]}
 *   → {"type":"subscribe","channel":"whales","chains":[1]}    (large ERC-20 transfers, see docs/onchain.md)
 *   → {"type":"unsubscribe",…} · {"type":"ping"}          (any may carry an "id", echoed back)
 *   ← {"type":"subscribed"|"unsubscribed","channel","assets","interval"?} · {"type":"pong"}
 *   ← {"type":"price","data":PriceQuote} · {"type":"candle","data":CandleUpdate}
 *   ← {"type":"signal","data":SignalEvent} · {"type":"whale","data":WhaleTransferEvent}
 *   ← {"type":"heartbeat","ts":"…"} (plus a WebSocket ping) every heartbeatIntervalMs
 *   ← {"type":"error","code":"VALIDATION_FAILED"|"INVALID_JSON"|"ASSET_NOT_FOUND"|…,"message"}
 * Close codes: 1001 server shutting down, 1003 binary frame, 1008 message flood or connection
 * limit, 1009 message over maxMessageBytes, 4008 slow consumer.
 *
 * SSE: `GET /v1/stream/sse?prices=bitcoin,ethereum&candles=bitcoin:1m&signals=bitcoin&whales=1` →
 * events `subscribed`, `price`, `candle`, `signal` and `whale` (with `id:`), `heartbeat`.
 *
 * Auth as the REST API (x-api-key or Bearer; `?apiKey=` too, as browsers cannot set WebSocket
 * headers — redacted from the access log), scope `read`, anonymous per ANONYMOUS_ACCESS; a
 * connection counts as one request against the rate limit when it opens.
 */

/** WebSocket endpoint. */
export const STREAM_WS_PATH = '/v1/stream';
/** Server-Sent Events endpoint. */
export const STREAM_SSE_PATH = '/v1/stream/sse';

const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;
const DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 20;
const DEFAULT_MAX_CONNECTIONS = 10_000;
const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024;
const DEFAULT_MAX_MESSAGES_PER_SECOND = 20;
const DEFAULT_FLUSH_INTERVAL_MS = 10;
const DEFAULT_CLOSE_GRACE_MS = 2_000;
const RATE_WINDOW_MS = 1_000;
// A client sending this many times its message rate within one window is cut off.
const MESSAGE_FLOOD_FACTOR = 5;
// EventSource reconnect delay suggested to SSE clients.
const SSE_RETRY_MS = 3_000;
// ws's Sender state when it writes frames straight through (lib/sender.js `DEFAULT`).
const WS_SENDER_IDLE = 0;

/** WebSocket close codes used by the streams. */
export const CLOSE_CODES = {
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
  slowConsumer: 4008,
} as const;

/** Who may stream: anyone the app lets read (anonymous per ANONYMOUS_ACCESS), keys with `read`. */
const STREAM_POLICY: AuthPolicy = { anonymous: true, scope: 'read' };

/** Limits and hooks of the live streams; every field has a default (constants above). */
export type StreamOptions = {
  /** Resolve an asset id or symbol to its canonical id; throw an AppError (404/409) if unknown. */
  resolveAsset?: ResolveAsset;
  /** Wall clock for rate limits and heartbeat timestamps (the app's clock). */
  now?: () => number;
  /** Heartbeat (and WebSocket ping) interval in ms; a WS peer missing two pongs is dropped. */
  heartbeatIntervalMs?: number;
  /** Subscription keys per connection (a price asset or an asset+interval pair is one key). */
  maxSubscriptionsPerConnection?: number;
  /** Concurrent stream connections per API key (or per IP without a key), per process. */
  maxConnectionsPerClient?: number;
  /** Concurrent stream connections per process. */
  maxConnections?: number;
  /** Largest inbound WebSocket message in bytes (larger: close 1009). */
  maxMessageBytes?: number;
  /** Inbound WebSocket messages per second per connection (more: dropped with an error). */
  maxMessagesPerSecond?: number;
  /** Unsent bytes above which a connection's updates are conflated. */
  sendHighWaterBytes?: number;
  /** Unsent bytes at which a connection is closed as a slow consumer. */
  maxBufferedBytes?: number;
  /** Distinct conflated updates pending beyond which a connection is closed. */
  maxPendingKeys?: number;
  /** How long unsent bytes may stay above the high-water mark before the connection is closed. */
  slowConsumerTimeoutMs?: number;
  /** How often congested connections are retried while any exist, in ms. */
  flushIntervalMs?: number;
  /** After a close frame (or the end of an SSE response), how long until the socket is cut. */
  closeGraceMs?: number;
};

type Resolved = Required<Omit<StreamOptions, 'resolveAsset' | 'now'>>;

/** One open stream connection, either transport. */
type StreamConn = {
  transport: 'ws' | 'sse';
  clientKey: string;
  keyId: string | undefined;
  hub: HubConnection;
  sink: StreamSink;
  /** Heartbeat tick, with the frame in both renderings; cuts a WebSocket peer that stopped answering. */
  heartbeat(wsJson: string, sseEvent: string): void;
  /** Close as the server goes away (1001 / end of response). */
  goAway(): void;
  /** Cut the socket now. */
  terminate(): void;
  closed: boolean;
};

/** An update's WebSocket frame, built on first use and shared by every connection. */
function wsFrame(u: HubUpdate): Buffer {
  u.frames.ws ??= wsTextFrame(u.json);
  return u.frames.ws;
}

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n <= 0)
    throw new RangeError(`stream option ${name} must be a positive integer`);
  return n;
}

function resolveOptions(o: StreamOptions): Resolved {
  return {
    heartbeatIntervalMs: positiveInt(
      'heartbeatIntervalMs',
      o.heartbeatIntervalMs,
      DEFAULT_HEARTBEAT_INTERVAL_MS,
    ),
    maxSubscriptionsPerConnection: positiveInt(
      'maxSubscriptionsPerConnection',
      o.maxSubscriptionsPerConnection,
      DEFAULT_MAX_SUBSCRIPTIONS,
    ),
    maxConnectionsPerClient: positiveInt(
      'maxConnectionsPerClient',
      o.maxConnectionsPerClient,
      DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
    ),
    maxConnections: positiveInt('maxConnections', o.maxConnections, DEFAULT_MAX_CONNECTIONS),
    maxMessageBytes: positiveInt('maxMessageBytes', o.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES),
    maxMessagesPerSecond: positiveInt(
      'maxMessagesPerSecond',
      o.maxMessagesPerSecond,
      DEFAULT_MAX_MESSAGES_PER_SECOND,
    ),
    sendHighWaterBytes: positiveInt(
      'sendHighWaterBytes',
      o.sendHighWaterBytes,
      DEFAULT_SEND_HIGH_WATER_BYTES,
    ),
    maxBufferedBytes: positiveInt('maxBufferedBytes', o.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES),
    maxPendingKeys: positiveInt('maxPendingKeys', o.maxPendingKeys, DEFAULT_MAX_PENDING_KEYS),
    slowConsumerTimeoutMs: positiveInt(
      'slowConsumerTimeoutMs',
      o.slowConsumerTimeoutMs,
      DEFAULT_SLOW_CONSUMER_TIMEOUT_MS,
    ),
    flushIntervalMs: positiveInt('flushIntervalMs', o.flushIntervalMs, DEFAULT_FLUSH_INTERVAL_MS),
    closeGraceMs: positiveInt('closeGraceMs', o.closeGraceMs, DEFAULT_CLOSE_GRACE_MS),
  };
}

/** The headers to authenticate with: the request's, or `?apiKey=` when it sent no key header. */
export function authHeaders(request: FastifyRequest): Record<string, string | string[] | undefined> {
  const h = request.headers;
  if (h['x-api-key'] !== undefined || h.authorization !== undefined) return h;
  const q = (request.query ?? {}) as Record<string, unknown>;
  const k = q.apiKey;
  if (k === undefined || k === '') return h;
  if (typeof k !== 'string') {
    throw new ValidationError('query parameter apiKey must appear once', {
      issues: [{ path: ['apiKey'], message: 'must appear once', in: 'query' }],
    });
  }
  return { ...h, 'x-api-key': k };
}

function clientKeyOf(request: FastifyRequest): string {
  return request.auth?.type === 'key' ? `key:${request.auth.key.id}` : `ip:${request.ip}`;
}

type StreamMetrics = {
  rejected: Counter<'reason'>;
};

/** Register stream metrics on the server's registry (replacing those of an earlier app on it). */
function registerMetrics(registry: Registry, hub: StreamHub, conns: ReadonlySet<StreamConn>): StreamMetrics {
  const names = [
    'stream_connections',
    'stream_subscriptions',
    'stream_congested_connections',
    'stream_updates_published_total',
    'stream_updates_delivered_total',
    'stream_updates_conflated_total',
    'stream_slow_consumer_disconnects_total',
    'stream_connections_rejected_total',
  ];
  for (const n of names) if (registry.getSingleMetric(n)) registry.removeSingleMetric(n);
  const registers = [registry];
  new Gauge({
    name: 'stream_connections',
    help: 'Open live-stream connections by transport',
    labelNames: ['transport'] as const,
    registers,
    collect() {
      let ws = 0;
      let sse = 0;
      for (const c of conns) c.transport === 'ws' ? ws++ : sse++;
      this.set({ transport: 'ws' }, ws);
      this.set({ transport: 'sse' }, sse);
    },
  });
  new Gauge({
    name: 'stream_subscriptions',
    help: 'Subscription keys held by open stream connections',
    registers,
    collect() {
      this.set(hub.stats.subscriptions);
    },
  });
  new Gauge({
    name: 'stream_congested_connections',
    help: 'Stream connections currently conflating (behind on writes)',
    registers,
    collect() {
      this.set(hub.stats.congested);
    },
  });
  // Totals kept by the hub as plain numbers (no per-send metric call); exposed as counter deltas.
  const fromStat = (
    name: string,
    help: string,
    stat: 'published' | 'delivered' | 'conflated' | 'slowClosed',
  ) => {
    let seen = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const v = hub.stats[stat];
        if (v > seen) this.inc(v - seen);
        seen = v;
      },
    });
  };
  fromStat('stream_updates_published_total', 'Market updates received from the bus', 'published');
  fromStat('stream_updates_delivered_total', 'Updates written to stream connections', 'delivered');
  fromStat(
    'stream_updates_conflated_total',
    'Pending updates replaced by a newer one for a connection that fell behind',
    'conflated',
  );
  fromStat(
    'stream_slow_consumer_disconnects_total',
    'Stream connections closed because they could not keep up',
    'slowClosed',
  );
  const rejected = new Counter({
    name: 'stream_connections_rejected_total',
    help: 'Stream connections refused by a connection limit',
    labelNames: ['reason'] as const,
    registers,
  });
  return { rejected };
}

/**
 * Serve the live streams on `app`: WebSocket `/v1/stream` and SSE `/v1/stream/sse`, fed by the
 * bus topics `market.price` and `market.candle`. Call before `app.ready()`.
 * @example await registerStreams(app, services, { authenticator, now: Date.now })
 */
export async function registerStreams(
  app: FastifyInstance,
  services: Services,
  options: StreamOptions & { authenticator: Authenticator },
): Promise<void> {
  const { config, logger, bus, metrics } = services.common;
  const opts = resolveOptions(options);
  const now = options.now ?? Date.now;
  const resolveAsset = options.resolveAsset ?? defaultResolveAsset;
  // The whales channel takes the chains this deployment indexes (CHAINS).
  const knownChains: ReadonlySet<number> = new Set(config.chainList.map((c) => c.id));
  const authenticator = options.authenticator;
  const accessLog = config.accessLog ? createAccessLogWriter(logger) : null;

  const hub = createStreamHub({
    now: () => performance.now(),
    sendHighWaterBytes: opts.sendHighWaterBytes,
    maxBufferedBytes: opts.maxBufferedBytes,
    maxPendingKeys: opts.maxPendingKeys,
    slowConsumerTimeoutMs: opts.slowConsumerTimeoutMs,
    maxSubscriptionsPerConnection: opts.maxSubscriptionsPerConnection,
  });
  const conns = new Set<StreamConn>();
  const perClient = new Map<string, number>();
  const streamMetrics = registerMetrics(metrics.registry, hub, conns);
  let closing = false;

  // ---- end of an event-loop turn: every outbox with queued updates is written, together, in
  // one setImmediate (after the bus messages of this turn are in). See createOutbox.
  const outboxLimits = { highWaterBytes: opts.sendHighWaterBytes, maxBufferedBytes: opts.maxBufferedBytes };
  let toFlush: (() => void)[] = [];
  function flushAll(): void {
    const batch = toFlush;
    toFlush = [];
    for (const f of batch) f();
  }
  function flushSoon(f: () => void): void {
    if (toFlush.length === 0) setImmediate(flushAll);
    toFlush.push(f);
  }

  // ---- timers: one heartbeat for all connections; a flush sweep only while any is congested.
  let sweepTimer: NodeJS.Timeout | null = null;
  function ensureSweeping(): void {
    if (sweepTimer !== null || hub.congestedCount === 0) return;
    sweepTimer = setInterval(() => {
      hub.sweep();
      if (hub.congestedCount === 0 && sweepTimer !== null) {
        clearInterval(sweepTimer);
        sweepTimer = null;
      }
    }, opts.flushIntervalMs);
    sweepTimer.unref();
  }
  const heartbeatTimer = setInterval(() => {
    if (conns.size === 0) return;
    const ts = new Date(now()).toISOString();
    const frame = `{"type":"heartbeat","ts":"${ts}"}`;
    const sseFrame = `event: heartbeat\ndata: ${frame}\n\n`;
    for (const c of conns) c.heartbeat(frame, sseFrame);
  }, opts.heartbeatIntervalMs);
  heartbeatTimer.unref();

  // ---- one bus subscription per process.
  const unsubscribePrices = bus.subscribe(PRICE_TOPIC, (m) => {
    hub.publishPrice(m);
    ensureSweeping();
  });
  const unsubscribeCandles = bus.subscribe(CANDLE_TOPIC, (m) => {
    hub.publishCandle(m);
    ensureSweeping();
  });
  const unsubscribeSignals = bus.subscribe(SIGNAL_TOPIC, (m) => {
    hub.publishSignal(m);
    ensureSweeping();
  });
  const unsubscribeWhales = bus.subscribe(CHAIN_WHALE_TOPIC, (m) => {
    hub.publishWhale(m);
    ensureSweeping();
  });

  // ---- connection accounting.
  function checkLimits(clientKey: string): void {
    if (conns.size >= opts.maxConnections) {
      streamMetrics.rejected.inc({ reason: 'server' });
      throw new ServiceUnavailableError('this server has no room for more stream connections: retry later', {
        headers: { 'retry-after': '5' },
      });
    }
    if ((perClient.get(clientKey) ?? 0) >= opts.maxConnectionsPerClient) {
      streamMetrics.rejected.inc({ reason: 'client' });
      throw new RateLimitedError(
        `at most ${opts.maxConnectionsPerClient} concurrent stream connections per API key (per IP without a key): close one first`,
      );
    }
  }
  function track(c: StreamConn): void {
    conns.add(c);
    perClient.set(c.clientKey, (perClient.get(c.clientKey) ?? 0) + 1);
  }
  function untrack(c: StreamConn): void {
    if (!conns.delete(c)) return;
    const n = (perClient.get(c.clientKey) ?? 1) - 1;
    if (n <= 0) perClient.delete(c.clientKey);
    else perClient.set(c.clientKey, n);
  }
  function logAccess(request: FastifyRequest, route: string, status: number, startedAt: number): void {
    accessLog?.({
      reqId: request.id,
      method: request.method,
      // Redacted by the writer: `?apiKey=` never reaches the log.
      url: request.url,
      route,
      status,
      ms: Math.round((performance.now() - startedAt) * 100) / 100,
      ip: request.ip,
      key: request.keyId,
    });
  }

  // ---- authentication at connect (one request against the rate limit), then connection limits.
  function onRequest(route: string) {
    return (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
      request.routeTemplate = route;
      const finish = (r: AuthResult): void => {
        if (r.auth.type === 'key') request.keyId = r.auth.key.id;
        request.auth = r.auth;
        reply.header('ratelimit-limit', r.limit.limit);
        reply.header('ratelimit-remaining', r.limit.remaining);
        reply.header('ratelimit-reset', r.limit.resetSeconds);
        checkLimits(clientKeyOf(request));
      };
      let result: ReturnType<Authenticator['authenticate']>;
      try {
        result = authenticator.authenticate(authHeaders(request), request.ip, STREAM_POLICY, now());
        if (!(result instanceof Promise)) {
          finish(result);
          done();
          return;
        }
      } catch (err) {
        done(err as Error);
        return;
      }
      result.then((r) => {
        try {
          finish(r);
        } catch (err) {
          done(err as Error);
          return;
        }
        done();
      }, done);
    };
  }

  // ---- WebSocket. The plugin and its one route live in their own scope: the plugin adds an
  // onRequest and an onResponse hook to every route of the scope it is registered in, and the
  // REST routes have no use for them (two hook calls per request).
  let websocketServer: FastifyInstance['websocketServer'] | undefined;
  await app.register(async (wsScope) => {
    await wsScope.register(websocket, {
      options: {
        maxPayload: opts.maxMessageBytes,
        perMessageDeflate: false,
      },
      // Socket errors (a peer vanishing, an oversized or malformed frame): `ws` has already closed
      // or is closing the socket with the matching code; the connection's own listener cleans up.
      errorHandler: (err) => {
        logger.debug({ err: (err as Error).message }, 'stream socket error');
      },
      // Replaces the plugin's default (close with no code): 1001 to every WebSocket, and SSE
      // responses ended too, as they would keep the HTTP server's close waiting.
      preClose(done) {
        closeAll();
        this.websocketServer.close();
        done();
      },
    });

    websocketServer = wsScope.websocketServer;
    wsScope.route({
      method: 'GET',
      url: STREAM_WS_PATH,
      schema: { hide: true },
      onRequest: onRequest(STREAM_WS_PATH),
      handler: () => {
        throw new BadRequestError(
          `${STREAM_WS_PATH} is a WebSocket endpoint: connect with Upgrade: websocket (or use ${STREAM_SSE_PATH})`,
        );
      },
      wsHandler: (socket, request) => openWs(socket, request),
    });
  });

  function openWs(socket: WebSocket, request: FastifyRequest): void {
    const startedAt = performance.now();
    const clientKey = clientKeyOf(request);
    if (closing) {
      socket.close(CLOSE_CODES.goingAway, 'server shutting down');
      return;
    }
    // Limits were checked before the upgrade; re-check for connections that raced past it.
    if (
      conns.size >= opts.maxConnections ||
      (perClient.get(clientKey) ?? 0) >= opts.maxConnectionsPerClient
    ) {
      streamMetrics.rejected.inc({ reason: 'race' });
      socket.close(CLOSE_CODES.policyViolation, 'too many stream connections');
      return;
    }
    let alive = true;
    let graceTimer: NodeJS.Timeout | null = null;
    let windowStart = performance.now();
    let windowCount = 0;
    let windowDropped = 0;

    const closeWith = (code: number, reason: string): void => {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
        flush();
        socket.close(code, reason);
      }
      // The close handshake waits for the peer; a peer that does not read never answers.
      graceTimer ??= setTimeout(() => socket.terminate(), opts.closeGraceMs);
      graceTimer.unref();
    };
    const sendJson = (msg: unknown): void => {
      if (socket.readyState !== socket.OPEN) return;
      // Updates already queued go first: an 'unsubscribed' never overtakes an update it stops.
      flush();
      socket.send(JSON.stringify(msg));
    };
    const sendError = (e: ProtocolError): void => sendJson({ type: 'error', ...e });

    // Updates go through an outbox (one write per event-loop turn, see createOutbox), written
    // on a fast path: the updates' prepared frames straight to the TCP socket. Server frames are
    // unmasked, so one frame's bytes serve every client; this skips ws's per-send framing, cork
    // and writev. Only while ws has nothing of its own queued (no compression is negotiated, so
    // its sender queues only for Blob data, never sent here) and the socket is open, so frames
    // never interleave with a close frame.
    const internals = socket as unknown as { _socket?: Duplex; _sender?: { _state?: number } };
    const raw = internals._socket;
    const sender = internals._sender;
    const canWriteRaw = raw !== undefined && sender !== undefined && typeof sender._state === 'number';
    const outbox = createOutbox(
      () => socket.bufferedAmount,
      (batch) => {
        if (socket.readyState !== socket.OPEN) return;
        if (canWriteRaw && sender._state === WS_SENDER_IDLE) {
          raw.write(batch.length === 1 ? wsFrame(batch[0]!) : Buffer.concat(batch.map(wsFrame)));
        } else {
          for (const u of batch) socket.send(u.json);
        }
      },
      flushSoon,
      outboxLimits,
    );
    const flush = outbox.flush;
    const sink: StreamSink = {
      bufferedBytes: outbox.bufferedBytes,
      send(u: HubUpdate) {
        outbox.push(u, u.json.length);
      },
      closeSlow(detail) {
        logger.info({ reqId: request.id, key: request.keyId, detail }, 'stream slow consumer disconnected');
        outbox.clear();
        closeWith(CLOSE_CODES.slowConsumer, 'slow consumer');
      },
    };
    const hubConn = hub.connect(sink);
    const conn: StreamConn = {
      transport: 'ws',
      clientKey,
      keyId: request.keyId,
      hub: hubConn,
      sink,
      closed: false,
      heartbeat(wsJson) {
        if (!alive) {
          // No pong (nor any message) since the last heartbeat: the peer is gone.
          socket.terminate();
          return;
        }
        alive = false;
        if (socket.readyState !== socket.OPEN) return;
        socket.ping();
        // A congested connection is sending anyway: no heartbeat on top of its backlog.
        if (!hubConn.congested && socket.bufferedAmount + outbox.queuedBytes < opts.sendHighWaterBytes) {
          flush();
          socket.send(wsJson);
        }
      },
      goAway() {
        closeWith(CLOSE_CODES.goingAway, 'server shutting down');
      },
      terminate() {
        socket.terminate();
      },
    };
    track(conn);

    const apply = (cmd: ClientCommand): void => {
      if (cmd.type === 'ping') {
        sendJson(cmd.id === undefined ? { type: 'pong' } : { type: 'pong', id: cmd.id });
        return;
      }
      const reply = {
        type: cmd.type === 'subscribe' ? 'subscribed' : 'unsubscribed',
        channel: cmd.channel,
        ...(cmd.chains === undefined ? { assets: cmd.assets } : { chains: cmd.chains }),
        ...(cmd.interval === undefined ? {} : { interval: cmd.interval }),
        ...(cmd.id === undefined ? {} : { id: cmd.id }),
      };
      if (cmd.type === 'unsubscribe') {
        hubConn.unsubscribe(cmd.keys);
        sendJson(reply);
        return;
      }
      const r = hubConn.subscribe(cmd.keys);
      if (!r.ok) {
        sendError({
          code: 'VALIDATION_FAILED',
          message: `subscription limit reached: at most ${r.limit} per connection (holding ${hubConn.subscriptions.size}); unsubscribe first`,
          ...(cmd.id === undefined ? {} : { id: cmd.id }),
        });
        return;
      }
      sendJson(reply);
    };

    socket.on('message', (data: RawData, isBinary: boolean) => {
      alive = true;
      if (conn.closed) return;
      if (isBinary) {
        closeWith(CLOSE_CODES.unsupportedData, 'binary frames are not supported: send JSON text');
        return;
      }
      const t = performance.now();
      if (t - windowStart >= RATE_WINDOW_MS) {
        windowStart = t;
        windowCount = 0;
        windowDropped = 0;
      }
      if (++windowCount > opts.maxMessagesPerSecond) {
        if (++windowDropped === 1) {
          sendError({
            code: 'RATE_LIMITED',
            message: `more than ${opts.maxMessagesPerSecond} messages per second: extra messages are dropped`,
          });
        } else if (windowDropped > opts.maxMessagesPerSecond * MESSAGE_FLOOD_FACTOR) {
          closeWith(CLOSE_CODES.policyViolation, 'message rate exceeded');
        }
        return;
      }
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8');
      const parsed = parseClientMessage(text, resolveAsset, opts.maxSubscriptionsPerConnection, knownChains);
      if (parsed.ok) apply(parsed.command);
      else sendError(parsed.error);
    });
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('error', () => {
      // ws closes (or has closed) with the matching code; make sure a silent peer is cut.
      graceTimer ??= setTimeout(() => socket.terminate(), opts.closeGraceMs);
      graceTimer.unref();
    });
    socket.on('close', (code: number) => {
      conn.closed = true;
      if (graceTimer) clearTimeout(graceTimer);
      hubConn.close();
      untrack(conn);
      logger.debug({ reqId: request.id, key: request.keyId, code }, 'stream closed');
      logAccess(request, STREAM_WS_PATH, 101, startedAt);
      settle();
    });
  }

  // The `ws` server on the root instance too, where the plugin would have put it (operations,
  // tests).
  if (websocketServer) app.decorate('websocketServer', websocketServer);

  // ---- Server-Sent Events.
  function openSse(request: FastifyRequest, reply: FastifyReply, keys: string[], hello: unknown): void {
    const startedAt = performance.now();
    const clientKey = clientKeyOf(request);
    // Limits were checked in onRequest; a concurrent request may have taken the last slot since.
    checkLimits(clientKey);
    reply.hijack();
    const res: ServerResponse = reply.raw;
    // Headers set so far (request id, security, CORS, rate limit) go out with the stream's own.
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Proxies (nginx) must not buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write(`retry: ${SSE_RETRY_MS}\nevent: subscribed\ndata: ${JSON.stringify(hello)}\n\n`);

    let graceTimer: NodeJS.Timeout | null = null;
    const end = (): void => {
      if (!res.writableEnded && !res.destroyed) {
        flush();
        res.end();
      }
      graceTimer ??= setTimeout(() => res.destroy(), opts.closeGraceMs);
      graceTimer.unref();
    };
    // As for WebSockets: an outbox, one chunk per event-loop turn.
    const sseFrame = (u: HubUpdate): string => {
      u.frames.sse ??= `id: ${u.seq}\nevent: ${u.type}\ndata: ${u.dataJson}\n\n`;
      return u.frames.sse;
    };
    const outbox = createOutbox(
      () => res.writableLength,
      (batch) => {
        if (res.writableEnded || res.destroyed) return;
        res.write(batch.length === 1 ? sseFrame(batch[0]!) : batch.map(sseFrame).join(''));
      },
      flushSoon,
      outboxLimits,
    );
    const flush = outbox.flush;
    const sink: StreamSink = {
      bufferedBytes: outbox.bufferedBytes,
      send(u) {
        outbox.push(u, u.dataJson.length);
      },
      closeSlow(detail) {
        logger.info({ reqId: request.id, key: request.keyId, detail }, 'stream slow consumer disconnected');
        outbox.clear();
        end();
      },
    };
    const hubConn = hub.connect(sink);
    const conn: StreamConn = {
      transport: 'sse',
      clientKey,
      keyId: request.keyId,
      hub: hubConn,
      sink,
      closed: false,
      heartbeat(_wsJson, sseEvent) {
        if (
          res.writableEnded ||
          hubConn.congested ||
          res.writableLength + outbox.queuedBytes >= opts.sendHighWaterBytes
        )
          return;
        flush();
        res.write(sseEvent);
      },
      goAway: end,
      terminate() {
        res.destroy();
      },
    };
    track(conn);
    hubConn.subscribe(keys);
    // A write racing the peer's disconnect fails; 'close' below does the cleanup.
    res.on('error', () => {});
    res.on('close', () => {
      conn.closed = true;
      if (graceTimer) clearTimeout(graceTimer);
      hubConn.close();
      untrack(conn);
      logger.debug({ reqId: request.id, key: request.keyId }, 'stream closed');
      // A response that finished normally was logged by the app's onResponse hook.
      if (!res.writableFinished) logAccess(request, STREAM_SSE_PATH, 200, startedAt);
      settle();
    });
  }

  app.get(
    STREAM_SSE_PATH,
    {
      compress: false,
      schema: {
        tags: ['streams'],
        summary: 'Live prices, candles, signals and whale transfers (Server-Sent Events)',
        description: [
          'A `text/event-stream` of `price` (PriceQuote), `candle` (CandleUpdate), `signal` (a new signal, as `GET /v1/signals` shows it but with times in ms) and `whale` (a large ERC-20 transfer as `GET /v1/chains/{chainId}/whales` lists it, plus `id`, `chainId`, `blockHash`, `final` and `removed`: true when a reorg dropped one pushed before) events, each with an `id:`, and a `heartbeat` event every few seconds.',
          'The first event, `subscribed`, echoes the canonical subscriptions.',
          `A client that falls behind gets the latest value per asset (per bar for candles) and is disconnected past a bound. The WebSocket variant is \`${STREAM_WS_PATH}\`.`,
          '',
          '**Auth**: optional (anonymous allowed at a low per-IP limit); scope `read`. Browsers may pass the key as `?apiKey=sxt_…` (never logged). A connection counts as one request.',
        ].join('\n'),
        querystring: {
          type: 'object',
          properties: {
            prices: { type: 'string', description: 'Comma-separated asset ids, e.g. `bitcoin,ethereum`' },
            candles: {
              type: 'string',
              description: 'Comma-separated asset:interval pairs, e.g. `bitcoin:1m,ethereum:1h`',
            },
            signals: {
              type: 'string',
              description: 'Comma-separated asset ids whose new signals to receive, e.g. `bitcoin,ethereum`',
            },
            whales: {
              type: 'string',
              description:
                'Comma-separated chain ids whose whale transfers to receive (configured chains only), e.g. `1,8453`',
            },
            apiKey: { type: 'string', description: 'API key, for clients that cannot send headers' },
          },
        },
        security: [{}, { apiKey: [] }, { bearer: [] }],
      },
      onRequest: onRequest(STREAM_SSE_PATH),
    },
    (request, reply) => {
      const sub = parseSseQuery(
        request.query as Record<string, unknown>,
        resolveAsset,
        opts.maxSubscriptionsPerConnection,
        knownChains,
      );
      openSse(request, reply, sub.keys, {
        prices: sub.prices,
        candles: sub.candles,
        signals: sub.signals,
        ...(sub.whales.length > 0 ? { whales: sub.whales } : {}),
      });
    },
  );

  // ---- shutdown: 1001 to every WebSocket, end every SSE response, then cut what lingers.
  let settleWaiters: (() => void)[] = [];
  function settle(): void {
    if (conns.size > 0) return;
    const w = settleWaiters;
    settleWaiters = [];
    for (const f of w) f();
  }
  function closeAll(): void {
    closing = true;
    for (const c of conns) c.goAway();
  }
  app.addHook('onClose', async () => {
    closeAll();
    if (conns.size > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, opts.closeGraceMs);
        t.unref();
        settleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    for (const c of conns) c.terminate();
    clearInterval(heartbeatTimer);
    if (sweepTimer !== null) clearInterval(sweepTimer);
    sweepTimer = null;
    unsubscribePrices();
    unsubscribeCandles();
    unsubscribeSignals();
    unsubscribeWhales();
  });
}
