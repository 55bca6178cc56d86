import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Bus } from '../bus/index.js';
import { CHAIN_WHALE_TOPIC, isWhaleTransferEvent, type WhaleTransferEvent } from '../chain/whalePublisher.js';
import type { Logger } from '../internal/logger.js';
import { SIGNAL_TOPIC } from '../signals/runner.js';
import type { SignalEvent } from '../signals/types.js';
import { signWebhook } from './signing.js';
import { isPrivateAddress } from './urlPolicy.js';
import type { DueDelivery, WebhookStore } from './webhookStore.js';

/** Longest retry delay. */
const MAX_RETRY_MS = 3_600_000;
/** Deliveries sent at once per process. */
const BATCH = 16;
/** Characters of a receiver's error answer kept in the delivery log. */
const MAX_ERROR_CHARS = 300;

export type WebhookDispatcherOptions = {
  store: WebhookStore;
  bus: Bus;
  logger: Logger;
  userAgent: string;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  allowPrivate: boolean;
  /** Look for due deliveries this often (default 500 ms), and at once after an enqueue. */
  pollMs?: number;
  now?: () => number;
};

export type WebhookDispatcher = {
  /** Resolves when nothing is due and nothing is being sent (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
};

/** The JSON body of a `signal.issued` delivery. */
export function signalPayload(eventId: string, s: SignalEvent & { knownAt?: number }): string {
  return JSON.stringify({
    id: eventId,
    type: 'signal.issued',
    createdAt: new Date(s.knownAt ?? s.issuedAt).toISOString(),
    data: {
      asset: s.asset,
      venue: s.venue,
      symbol: s.symbol,
      interval: s.interval,
      strategy: s.strategy,
      modelVersion: s.modelVersion,
      direction: s.direction,
      strength: s.strength,
      reason: s.reason,
      issuedAt: new Date(s.issuedAt).toISOString(),
      inputsHash: s.inputsHash,
    },
  });
}

/**
 * The JSON body of a `chain.whale_transfer` delivery: the event as the stream pushes it. A
 * transfer that a reorg removed comes again with `removed: true` under its own id.
 */
export function whalePayload(e: WhaleTransferEvent): string {
  return JSON.stringify({
    id: e.id,
    type: 'chain.whale_transfer',
    createdAt: new Date(e.pushedAt).toISOString(),
    data: {
      chainId: e.chainId,
      removed: e.removed,
      final: e.final,
      block: e.block,
      blockHash: e.blockHash,
      timestamp: e.timestamp,
      logIndex: e.logIndex,
      txHash: e.txHash,
      token: e.token,
      symbol: e.symbol,
      asset: e.asset,
      from: e.from,
      to: e.to,
      amount: e.amount,
      usd: e.usd,
      price: e.price,
    },
  });
}

/** Delay before retry `attempt` (1-based): base · 2^(attempt−1), ±20 % jitter, at most an hour. */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random): number {
  const d = Math.min(MAX_RETRY_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(d * (0.8 + 0.4 * random()));
}

function isSignal(m: unknown): m is SignalEvent & { knownAt?: number } {
  const s = m as Record<string, unknown>;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof s.asset === 'string' &&
    typeof s.interval === 'string' &&
    typeof s.strategy === 'string' &&
    typeof s.issuedAt === 'number'
  );
}

/**
 * Signed webhooks for new signals and whale transfers. Every process puts each new event in the database outbox
 * for the matching webhooks (idempotent: one row per webhook and event), then works the
 * outbox off: POST with HMAC-SHA256 signatures, a 2xx is delivered, anything else is retried
 * with exponential backoff until `maxAttempts`, and every attempt is kept in the delivery log.
 * A 410 Gone disables the webhook.
 */
export function startWebhookDispatcher(o: WebhookDispatcherOptions): WebhookDispatcher {
  const now = o.now ?? Date.now;
  const pollMs = o.pollMs ?? 500;
  let closed = false;
  let working: Promise<void> | null = null;
  let again = false;
  const enqueues = new Set<Promise<unknown>>();

  const unsubscribe = o.bus.subscribe(SIGNAL_TOPIC, (m) => {
    if (closed || !isSignal(m)) return;
    const p = o.store
      .enqueueSignal(m, (id) => signalPayload(id, m), now())
      .then((queued) => {
        if (queued > 0) kick();
      })
      .catch((err) => o.logger.warn({ err }, 'webhook enqueue failed'))
      .finally(() => enqueues.delete(p));
    enqueues.add(p);
  });

  const unsubscribeWhales = o.bus.subscribe(CHAIN_WHALE_TOPIC, (m) => {
    if (closed || !isWhaleTransferEvent(m)) return;
    const p = o.store
      .enqueueEvent('chain.whale_transfer', m.id, whalePayload(m), { asset: m.asset }, now())
      .then((queued) => {
        if (queued > 0) kick();
      })
      .catch((err) => o.logger.warn({ err }, 'webhook enqueue failed'))
      .finally(() => enqueues.delete(p));
    enqueues.add(p);
  });

  async function checkTarget(url: string): Promise<string | null> {
    if (o.allowPrivate) return null;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const addrs = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    return addrs.some(isPrivateAddress) ? `${host} resolves to a private address` : null;
  }

  async function send(d: DueDelivery): Promise<void> {
    const t = now();
    const attempt = d.attempts + 1;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const refused = await checkTarget(d.url);
      if (refused) throw new Error(refused);
      const headers = signWebhook(d.secret, d.eventId, Math.floor(t / 1000), d.payload);
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': o.userAgent, ...headers },
        body: d.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      status = res.status;
      if (status < 200 || status >= 300) {
        const text = await res.text().catch(() => '');
        error = `HTTP ${status}${text ? `: ${text.slice(0, MAX_ERROR_CHARS)}` : ''}`;
      } else {
        await res.body?.cancel().catch(() => {});
      }
    } catch (err) {
      const e = err as Error;
      error =
        e.name === 'TimeoutError'
          ? `no answer within ${o.timeoutMs} ms`
          : e.message.slice(0, MAX_ERROR_CHARS);
    }
    if (error === null) {
      await o.store.recordAttempt(d.id, { now: now(), status, error, result: 'delivered' });
      return;
    }
    if (status === 410) {
      await o.store.recordAttempt(d.id, { now: now(), status, error, result: 'failed' });
      await o.store.disable(d.webhookId, now());
      o.logger.info({ webhook: d.webhookId }, 'webhook answered 410 Gone: disabled');
      return;
    }
    if (attempt >= o.maxAttempts) {
      await o.store.recordAttempt(d.id, { now: now(), status, error, result: 'failed' });
      o.logger.info({ webhook: d.webhookId, event: d.eventId, attempts: attempt }, 'webhook delivery failed');
      return;
    }
    await o.store.recordAttempt(d.id, {
      now: now(),
      status,
      error,
      result: 'retry',
      retryAt: now() + retryDelayMs(attempt, o.retryBaseMs),
    });
  }

  function kick(): void {
    if (closed) return;
    if (working) {
      again = true;
      return;
    }
    working = (async () => {
      do {
        again = false;
        for (;;) {
          const t = now();
          // Leased for longer than one send can take: a crash mid-send retries after the lease.
          const due = await o.store.claimDue(t, t + o.timeoutMs * 3, BATCH);
          if (due.length === 0) break;
          await Promise.all(
            due.map((d) => send(d).catch((err) => o.logger.warn({ err }, 'webhook send failed'))),
          );
          if (closed) break;
        }
      } while (again && !closed);
    })()
      .catch((err) => o.logger.warn({ err }, 'webhook outbox poll failed'))
      .finally(() => {
        working = null;
      });
  }

  const timer = setInterval(kick, pollMs);
  timer.unref();
  kick();

  return {
    async idle() {
      while (enqueues.size > 0 || working) {
        await Promise.all([...enqueues]);
        await working;
      }
    },
    async close() {
      closed = true;
      clearInterval(timer);
      unsubscribe();
      unsubscribeWhales();
      await Promise.all([...enqueues]);
      await working;
    },
  };
}
