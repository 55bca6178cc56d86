import WebSocket from 'ws';
import { redactRpcUrl } from './redactRpcUrl.js';
import type { RpcLogger } from './types.js';

/** First reconnect delay after a WebSocket closes; doubles per failure. */
const HEADS_RECONNECT_BASE_MS = 1_000;
/** Longest reconnect delay. */
const HEADS_RECONNECT_MAX_MS = 30_000;
const HEADS_HANDSHAKE_TIMEOUT_MS = 10_000;
const SUBSCRIBE_ID = 1;

/**
 * New-head notifications (`eth_subscribe("newHeads")` over WebSocket) that cut a poll short. The
 * indexer still polls: a head that arrives while the socket is down, or a provider that refuses
 * the subscription, only costs the poll interval.
 */
export type NewHeadSource = {
  /** Resolves at the next new head, or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void>;
  /** Whether a subscription is live now. */
  readonly subscribed: boolean;
  /** New heads seen so far. */
  readonly heads: number;
  close(): void;
};

/**
 * Subscribe to new heads on the first of `urls` (ws:// or wss://) that works, reconnecting with
 * backoff (and trying the next URL) whenever the socket closes. URLs reach logs redacted.
 * @example const heads = watchNewHeads(['wss://eth.example/v2/KEY'], logger); await heads.wait(1000);
 */
export function watchNewHeads(urls: readonly string[], logger: RpcLogger): NewHeadSource {
  if (urls.length === 0) throw new RangeError('watchNewHeads needs at least one ws:// or wss:// URL');
  let waiters: (() => void)[] = [];
  let socket: WebSocket | null = null;
  let closed = false;
  let subscribed = false;
  let heads = 0;
  let failures = 0;
  let next = 0;
  let timer: NodeJS.Timeout | null = null;

  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  function connect(): void {
    if (closed) return;
    const url = urls[next % urls.length]!;
    const where = redactRpcUrl(url);
    const ws = new WebSocket(url, { handshakeTimeout: HEADS_HANDSHAKE_TIMEOUT_MS, perMessageDeflate: false });
    socket = ws;
    ws.on('open', () => {
      ws.send(
        JSON.stringify({ jsonrpc: '2.0', id: SUBSCRIBE_ID, method: 'eth_subscribe', params: ['newHeads'] }),
      );
    });
    ws.on('message', (data) => {
      let m: { id?: unknown; result?: unknown; error?: { message?: unknown }; method?: unknown };
      try {
        m = JSON.parse(String(data)) as typeof m;
      } catch {
        return;
      }
      if (m.id === SUBSCRIBE_ID) {
        if (m.error || typeof m.result !== 'string') {
          logger.warn(
            { rpc: where, error: String(m.error?.message ?? 'no subscription id').slice(0, 200) },
            'newHeads subscription refused: polling only',
          );
          ws.close();
          return;
        }
        subscribed = true;
        failures = 0;
        logger.debug({ rpc: where }, 'subscribed to new heads');
        return;
      }
      if (m.method === 'eth_subscription') {
        heads++;
        wake();
      }
    });
    // 'close' follows every error.
    ws.on('error', (err) =>
      logger.debug({ rpc: where, error: err.message.slice(0, 200) }, 'newHeads socket error'),
    );
    ws.on('close', () => {
      subscribed = false;
      if (socket === ws) socket = null;
      if (closed) return;
      failures++;
      next++;
      const delay = Math.min(
        HEADS_RECONNECT_MAX_MS,
        HEADS_RECONNECT_BASE_MS * 2 ** Math.min(failures - 1, 10),
      );
      timer = setTimeout(connect, delay);
      timer.unref();
    });
  }
  connect();

  return {
    wait(ms) {
      if (closed) return new Promise((r) => setTimeout(r, ms));
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        };
        const t = setTimeout(done, ms);
        waiters.push(done);
      });
    },
    get subscribed() {
      return subscribed;
    },
    get heads() {
      return heads;
    },
    close() {
      closed = true;
      subscribed = false;
      if (timer) clearTimeout(timer);
      socket?.terminate();
      wake();
    },
  };
}
