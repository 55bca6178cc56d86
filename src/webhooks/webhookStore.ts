import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { SignalEvent } from '../signals/types.js';
import { createWebhookSecret } from './signing.js';

/**
 * Event types a webhook can subscribe to: new signals, and large ERC-20 transfers found by the
 * chain indexer (`chain.whale_transfer`, with `removed: true` when a reorg dropped one).
 */
export const WEBHOOK_EVENTS = ['signal.issued', 'chain.whale_transfer'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number] | 'ping';

/** A webhook subscription (the secret is only returned once, at creation). */
export type Webhook = {
  id: string;
  ownerKeyId: string;
  url: string;
  events: string[];
  /** Filters; null = every one. `assets` also filters whale transfers (by the token's asset). */
  assets: string[] | null;
  intervals: string[] | null;
  strategies: string[] | null;
  createdAt: number;
  disabledAt: number | null;
};

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one webhook: the outbox row and its delivery log. */
export type Delivery = {
  id: number;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  /** HTTP status of the last attempt (null: no answer). */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
};

/** A due delivery with what is needed to send it. */
export type DueDelivery = Delivery & { url: string; secret: string; payload: string };

type WebhookRow = {
  id: string;
  owner_key_id: string;
  url: string;
  events: string[];
  assets: string[] | null;
  intervals: string[] | null;
  strategies: string[] | null;
  created_at: string | number;
  disabled_at: string | number | null;
};
type DeliveryRow = {
  id: string | number;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | number;
  last_attempt_at: string | number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string | number;
  delivered_at: string | number | null;
};

const n = (v: string | number | null) => (v === null ? null : Number(v));

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  ownerKeyId: r.owner_key_id,
  url: r.url,
  events: r.events,
  assets: r.assets,
  intervals: r.intervals,
  strategies: r.strategies,
  createdAt: Number(r.created_at),
  disabledAt: n(r.disabled_at),
});

const toDelivery = (r: DeliveryRow): Delivery => ({
  id: Number(r.id),
  webhookId: r.webhook_id,
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  lastAttemptAt: n(r.last_attempt_at),
  lastStatus: r.last_status === null ? null : Number(r.last_status),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  deliveredAt: n(r.delivered_at),
});

const WEBHOOK_COLUMNS =
  'id, owner_key_id, url, events, assets, intervals, strategies, created_at, disabled_at';
const DELIVERY_COLUMNS =
  'id, webhook_id, event_id, event_type, status, attempts, next_attempt_at, last_attempt_at, last_status, last_error, created_at, delivered_at';

/** The id of a signal event: the same on every process, so enqueueing it twice is a no-op. */
export function signalEventId(
  s: Pick<SignalEvent, 'asset' | 'venue' | 'symbol' | 'interval' | 'strategy' | 'modelVersion' | 'issuedAt'>,
): string {
  const h = createHash('sha256')
    .update([s.asset, s.venue, s.symbol, s.interval, s.strategy, s.modelVersion, s.issuedAt].join('|'))
    .digest('hex');
  return `evt_${h.slice(0, 32)}`;
}

export type WebhookStore = {
  create(
    input: Omit<Webhook, 'id' | 'createdAt' | 'disabledAt'>,
    now: number,
  ): Promise<Webhook & { secret: string }>;
  list(ownerKeyId: string): Promise<Webhook[]>;
  get(id: string): Promise<Webhook | null>;
  remove(id: string): Promise<boolean>;
  /** Queue `payload` for every active webhook matching the signal; returns how many were queued. */
  enqueueSignal(signal: SignalEvent, payload: (eventId: string) => string, now: number): Promise<number>;
  /**
   * Queue an event for every active webhook subscribed to `type` whose asset filter lets `asset`
   * through (idempotent per webhook and event id); returns how many were queued.
   */
  enqueueEvent(
    type: Exclude<WebhookEventType, 'ping' | 'signal.issued'>,
    eventId: string,
    payload: string,
    filter: { asset: string },
    now: number,
  ): Promise<number>;
  /** Queue one event for one webhook (a test ping). */
  enqueue(
    webhookId: string,
    eventId: string,
    type: WebhookEventType,
    payload: string,
    now: number,
  ): Promise<Delivery | null>;
  deliveries(
    webhookId: string,
    q: { limit: number; beforeId?: number; status?: DeliveryStatus },
  ): Promise<Delivery[]>;
  /**
   * Claim up to `limit` due deliveries (`for update skip locked`: processes share the outbox);
   * each is leased until `leaseUntil` so a crash mid-send only delays it.
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<DueDelivery[]>;
  /** Record an attempt: delivered, retry at `retryAt`, or failed for good. */
  recordAttempt(
    id: number,
    outcome: { now: number; status: number | null; error: string | null } & (
      | { result: 'delivered' }
      | { result: 'retry'; retryAt: number }
      | { result: 'failed' }
    ),
  ): Promise<void>;
  disable(id: string, now: number): Promise<void>;
};

export function createWebhookStore(db: Db): WebhookStore {
  return {
    async create(input, now) {
      const id = `wh_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
      const secret = createWebhookSecret();
      const rows = await db.query<WebhookRow>(
        `insert into webhooks (id, owner_key_id, url, secret, events, assets, intervals, strategies, created_at)
         values ($1, $2, $3, $4, $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint) returning ${WEBHOOK_COLUMNS}`,
        [
          id,
          input.ownerKeyId,
          input.url,
          secret,
          input.events,
          input.assets,
          input.intervals,
          input.strategies,
          now,
        ],
      );
      return { ...toWebhook(rows[0]!), secret };
    },

    async list(ownerKeyId) {
      const rows = await db.query<WebhookRow>(
        `select ${WEBHOOK_COLUMNS} from webhooks where owner_key_id = $1 order by created_at, id`,
        [ownerKeyId],
      );
      return rows.map(toWebhook);
    },

    async get(id) {
      const rows = await db.query<WebhookRow>(`select ${WEBHOOK_COLUMNS} from webhooks where id = $1`, [id]);
      return rows[0] ? toWebhook(rows[0]) : null;
    },

    async remove(id) {
      // The delivery log goes with it (on delete cascade).
      const rows = await db.query<{ id: string }>('delete from webhooks where id = $1 returning id', [id]);
      return rows.length > 0;
    },

    async enqueueSignal(signal, payload, now) {
      const eventId = signalEventId(signal);
      const rows = await db.query<{ id: string }>(
        `insert into webhook_deliveries (webhook_id, event_id, event_type, payload, status, next_attempt_at, created_at)
         select w.id, $1, 'signal.issued', $2, 'pending', $3::bigint, $3::bigint from webhooks w
          where w.disabled_at is null and 'signal.issued' = any(w.events)
            and (w.assets is null or $4::text = any(w.assets))
            and (w.intervals is null or $5::text = any(w.intervals))
            and (w.strategies is null or $6::text = any(w.strategies))
         on conflict (webhook_id, event_id) do nothing
         returning id`,
        [eventId, payload(eventId), now, signal.asset, signal.interval, signal.strategy],
      );
      return rows.length;
    },

    async enqueueEvent(type, eventId, payload, filter, now) {
      const rows = await db.query<{ id: string }>(
        `insert into webhook_deliveries (webhook_id, event_id, event_type, payload, status, next_attempt_at, created_at)
         select w.id, $1, $2::text, $3, 'pending', $4::bigint, $4::bigint from webhooks w
          where w.disabled_at is null and $2::text = any(w.events)
            and (w.assets is null or $5::text = any(w.assets))
         on conflict (webhook_id, event_id) do nothing
         returning id`,
        [eventId, type, payload, now, filter.asset],
      );
      return rows.length;
    },

    async enqueue(webhookId, eventId, type, payload, now) {
      const rows = await db.query<DeliveryRow>(
        `insert into webhook_deliveries (webhook_id, event_id, event_type, payload, status, next_attempt_at, created_at)
         values ($1, $2, $3, $4, 'pending', $5::bigint, $5::bigint)
         on conflict (webhook_id, event_id) do nothing returning ${DELIVERY_COLUMNS}`,
        [webhookId, eventId, type, payload, now],
      );
      return rows[0] ? toDelivery(rows[0]) : null;
    },

    async deliveries(webhookId, { limit, beforeId, status }) {
      const params: unknown[] = [webhookId];
      let where = 'webhook_id = $1';
      if (beforeId !== undefined) {
        params.push(beforeId);
        where += ` and id < $${params.length}`;
      }
      if (status !== undefined) {
        params.push(status);
        where += ` and status = $${params.length}`;
      }
      params.push(limit);
      const rows = await db.query<DeliveryRow>(
        `select ${DELIVERY_COLUMNS} from webhook_deliveries where ${where} order by id desc limit $${params.length}`,
        params,
      );
      return rows.map(toDelivery);
    },

    async claimDue(now, leaseUntil, limit) {
      const rows = await db.query<DeliveryRow & { url: string; secret: string; payload: string }>(
        `with due as (
           select d.id from webhook_deliveries d
            where d.status = 'pending' and d.next_attempt_at <= $1::bigint
              and exists (select 1 from webhooks w where w.id = d.webhook_id and w.disabled_at is null)
            order by d.next_attempt_at, d.id limit $3 for update skip locked
         ), leased as (
           update webhook_deliveries d set next_attempt_at = $2::bigint from due where d.id = due.id
           returning d.*
         )
         select l.id, l.webhook_id, l.event_id, l.event_type, l.status, l.attempts, l.next_attempt_at,
                l.last_attempt_at, l.last_status, l.last_error, l.created_at, l.delivered_at,
                l.payload, w.url, w.secret
           from leased l join webhooks w on w.id = l.webhook_id and w.disabled_at is null`,
        [now, leaseUntil, limit],
      );
      return rows.map((r) => ({ ...toDelivery(r), url: r.url, secret: r.secret, payload: r.payload }));
    },

    async recordAttempt(id, o) {
      const status = o.result === 'delivered' ? 'delivered' : o.result === 'failed' ? 'failed' : 'pending';
      await db.query(
        `update webhook_deliveries set status = $2::text, attempts = attempts + 1, last_attempt_at = $3::bigint,
           last_status = $4::int, last_error = $5::text,
           next_attempt_at = $6::bigint,
           delivered_at = case when $2::text = 'delivered' then $3::bigint else null end
         where id = $1`,
        [id, status, o.now, o.status, o.error, o.result === 'retry' ? o.retryAt : o.now],
      );
    },

    async disable(id, now) {
      await db.transaction(async (tx) => {
        await tx.query('update webhooks set disabled_at = $2::bigint where id = $1 and disabled_at is null', [
          id,
          now,
        ]);
        await tx.query(
          `update webhook_deliveries set status = 'failed', last_error = 'webhook disabled (410 Gone)'
           where webhook_id = $1 and status = 'pending'`,
          [id],
        );
      });
    },
  };
}
