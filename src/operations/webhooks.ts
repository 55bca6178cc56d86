import { randomUUID } from 'node:crypto';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { NotFoundError, RateLimitedError, ValidationError } from '../internal/errors.js';
import { INTERVALS } from '../market/types.js';
import { STRATEGIES } from '../signals/index.js';
import {
  type Delivery,
  MAX_WEBHOOK_URL_LENGTH,
  WEBHOOK_EVENTS,
  type Webhook,
  webhookUrlProblem,
} from '../webhooks/index.js';
import { defineOperation, type OperationContext } from './operation.js';

/** Webhooks one API key may have. */
export const MAX_WEBHOOKS_PER_KEY = 10;

const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  assets: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'null: every asset' }),
  intervals: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'null: every interval' }),
  strategies: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'null: every strategy' }),
  active: Type.Boolean({ description: 'False once the receiver answered 410 Gone' }),
  createdAt: Type.String({ format: 'date-time' }),
});

const WEBHOOK_EXAMPLE = {
  id: 'wh_3b0c8e2f9a1d4c7b6e5f0a1b',
  url: 'https://example.com/hooks/sextant',
  events: ['signal.issued'],
  assets: ['bitcoin', 'ethereum'],
  intervals: ['1d'],
  strategies: null,
  active: true,
  createdAt: '2025-07-01T12:00:00.000Z',
};

const DeliverySchema = Type.Object({
  id: Type.Integer(),
  eventId: Type.String({ description: 'Also the `webhook-id` header: receivers de-duplicate on it' }),
  eventType: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When the next attempt is due (pending only)',
  }),
  lastAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastStatus: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the last attempt' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function webhookView(w: Webhook): Static<typeof WebhookSchema> {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    assets: w.assets,
    intervals: w.intervals,
    strategies: w.strategies,
    active: w.disabledAt === null,
    createdAt: iso(w.createdAt)!,
  };
}

function deliveryView(d: Delivery): Static<typeof DeliverySchema> {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    lastAttemptAt: iso(d.lastAttemptAt),
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: iso(d.createdAt)!,
    deliveredAt: iso(d.deliveredAt),
  };
}

const keyIdOf = (ctx: Pick<OperationContext, 'auth'>) => (ctx.auth.type === 'key' ? ctx.auth.key.id : '');

async function ownWebhook(ctx: Pick<OperationContext, 'auth' | 'services'>, id: string): Promise<Webhook> {
  const w = await ctx.services.webhooks.get(id);
  if (!w || w.ownerKeyId !== keyIdOf(ctx))
    throw new NotFoundError(`no webhook '${id.slice(0, 80)}' for this API key`);
  return w;
}

const IdParams = Type.Object({
  id: Type.String({ pattern: '^wh_[0-9a-f]{24}$', description: 'Webhook id' }),
});

const listOf = <T extends TSchema>(item: T, description: string) =>
  Type.Optional(Type.Array(item, { minItems: 1, maxItems: 100, uniqueItems: true, description }));

export const createWebhook = defineOperation({
  id: 'createWebhook',
  method: 'POST',
  path: '/webhooks',
  summary: 'Subscribe a URL to new signals and whale transfers (signed webhooks)',
  description: [
    'Each new signal matching the filters is POSTed to `url` as JSON (`{"id","type":"signal.issued","createdAt","data":{…}}`).',
    'With `chain.whale_transfer` in `events`, each large ERC-20 transfer the chain indexer commits (worth at least the',
    "chain's `whaleMinUsd` at block time; `data` as in `GET /v1/chains/{chainId}/whales` plus `chainId`, `blockHash`,",
    '`final` and `removed`) is POSTed too; a transfer that a reorg removed is sent again with `removed: true` under a new',
    "id. `assets` filters whale transfers by the token's asset; `intervals` and `strategies` apply to signals only.",
    'Deliveries are signed with HMAC-SHA256 under the `secret` returned here, once: `webhook-id`, `webhook-timestamp` and',
    '`webhook-signature: v1,<base64 HMAC of "{id}.{timestamp}.{body}">` (the Standard Webhooks scheme; check the timestamp',
    'to refuse replays), plus `x-sextant-signature-256: sha256=<hex HMAC of the body>`. The key is the base64 after',
    '`whsec_`. A 2xx answer within the timeout is a delivery; anything else is retried with exponential backoff',
    '(WEBHOOK_RETRY_BASE_MS doubling, up to WEBHOOK_MAX_ATTEMPTS); 410 Gone disables the webhook. Every attempt is in',
    '`GET /v1/webhooks/{id}/deliveries`. Loopback and private addresses are refused unless WEBHOOK_ALLOW_PRIVATE is set.',
    `At most ${MAX_WEBHOOKS_PER_KEY} webhooks per API key.`,
  ].join(' '),
  tags: ['signals'],
  body: Type.Object(
    {
      url: Type.String({
        minLength: 1,
        maxLength: MAX_WEBHOOK_URL_LENGTH,
        description: 'https URL to POST to',
      }),
      events: Type.Array(Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e))), {
        minItems: 1,
        uniqueItems: true,
        default: ['signal.issued'],
      }),
      assets: listOf(
        Type.String({ minLength: 1, maxLength: 120 }),
        'Asset ids or symbols (default: every asset)',
      ),
      intervals: listOf(
        Type.Union(INTERVALS.map((i) => Type.Literal(i))),
        'Signal intervals, e.g. ["1d"] (default: every one)',
      ),
      strategies: listOf(
        Type.Union(STRATEGIES.map((s) => Type.Literal(s.id))),
        'Strategy ids (default: every one)',
      ),
    },
    { additionalProperties: false },
  ),
  successStatus: 201,
  response: Type.Object(
    {
      ...WebhookSchema.properties,
      secret: Type.String({
        description: 'Signing secret (whsec_…): shown only in this answer, store it now',
      }),
    },
    { examples: [{ ...WEBHOOK_EXAMPLE, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw0wHrcZ8KzRM=' }] },
  ),
  auth: { anonymous: false, scope: 'read' },
  cache: 'no-store',
  async handler({ body }, ctx) {
    const { services, now, auth } = ctx;
    const problem = webhookUrlProblem(body.url, services.common.config.webhookAllowPrivate);
    if (problem)
      throw new ValidationError(`body 'url' ${problem}`, {
        issues: [{ path: ['url'], message: problem, in: 'body' }],
      });
    const owner = keyIdOf({ auth });
    const existing = await services.webhooks.list(owner);
    if (existing.length >= MAX_WEBHOOKS_PER_KEY)
      throw new RateLimitedError(
        `this API key already has ${existing.length} webhooks (at most ${MAX_WEBHOOKS_PER_KEY}): delete one first`,
      );
    const assets = body.assets ? [...new Set(body.assets.map((a) => services.assets.resolve(a).id))] : null;
    const w = await services.webhooks.create(
      {
        ownerKeyId: owner,
        url: body.url,
        events: body.events,
        assets,
        intervals: body.intervals ?? null,
        strategies: body.strategies ?? null,
      },
      now,
    );
    return { ...webhookView(w), secret: w.secret };
  },
});

export const listWebhooks = defineOperation({
  id: 'listWebhooks',
  method: 'GET',
  path: '/webhooks',
  summary: 'Your webhooks',
  description: 'The webhooks of this API key (without their secrets), oldest first.',
  tags: ['signals'],
  response: Type.Object({ data: Type.Array(WebhookSchema) }, { examples: [{ data: [WEBHOOK_EXAMPLE] }] }),
  auth: { anonymous: false, scope: 'read' },
  cache: 'no-store',
  async handler(_input, ctx) {
    return { data: (await ctx.services.webhooks.list(keyIdOf(ctx))).map(webhookView) };
  },
});

export const deleteWebhook = defineOperation({
  id: 'deleteWebhook',
  method: 'DELETE',
  path: '/webhooks/{id}',
  summary: 'Delete a webhook and its delivery log',
  description: 'Stops deliveries at once (pending ones are dropped) and deletes the delivery log.',
  tags: ['signals'],
  params: IdParams,
  response: Type.Object(
    { id: Type.String(), deleted: Type.Literal(true) },
    { examples: [{ id: WEBHOOK_EXAMPLE.id, deleted: true }] },
  ),
  auth: { anonymous: false, scope: 'read' },
  cache: 'no-store',
  async handler({ params }, ctx) {
    await ownWebhook(ctx, params.id);
    await ctx.services.webhooks.remove(params.id);
    return { id: params.id, deleted: true as const };
  },
});

export const listWebhookDeliveries = defineOperation({
  id: 'listWebhookDeliveries',
  method: 'GET',
  path: '/webhooks/{id}/deliveries',
  summary: 'Delivery log of a webhook, newest first',
  description:
    'Every event queued for the webhook: status (`pending` while attempts remain, `delivered`, `failed`), attempts, the HTTP status and error of the last attempt, and when the next one is due.',
  tags: ['signals'],
  params: IdParams,
  query: Type.Object({
    status: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    before: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Only deliveries with a smaller id (paging)' }),
    ),
  }),
  response: Type.Object(
    { data: Type.Array(DeliverySchema), nextBefore: Type.Union([Type.Integer(), Type.Null()]) },
    {
      examples: [
        {
          data: [
            {
              id: 42,
              eventId: 'evt_5c0f3a9b2d1e4f8a7b6c5d4e3f2a1b0c',
              eventType: 'signal.issued',
              status: 'delivered',
              attempts: 2,
              nextAttemptAt: null,
              lastAttemptAt: '2025-07-01T00:00:13.000Z',
              lastStatus: 200,
              lastError: null,
              createdAt: '2025-07-01T00:00:02.000Z',
              deliveredAt: '2025-07-01T00:00:13.000Z',
            },
          ],
          nextBefore: null,
        },
      ],
    },
  ),
  auth: { anonymous: false, scope: 'read' },
  cache: 'no-store',
  async handler({ params, query }, ctx) {
    await ownWebhook(ctx, params.id);
    const rows = await ctx.services.webhooks.deliveries(params.id, {
      limit: query.limit + 1,
      ...(query.before !== undefined ? { beforeId: query.before } : {}),
      ...(query.status ? { status: query.status } : {}),
    });
    const page = rows.slice(0, query.limit);
    return { data: page.map(deliveryView), nextBefore: rows.length > query.limit ? page.at(-1)!.id : null };
  },
});

export const pingWebhook = defineOperation({
  id: 'pingWebhook',
  method: 'POST',
  path: '/webhooks/{id}/ping',
  summary: 'Send a test event to a webhook',
  description:
    'Queues a `ping` event (`{"id","type":"ping","createdAt","data":{"webhookId"}}`), signed and retried like any other; follow it in the delivery log.',
  tags: ['signals'],
  params: IdParams,
  successStatus: 202,
  response: Type.Object(
    { eventId: Type.String(), status: Type.Literal('pending') },
    { examples: [{ eventId: 'evt_ping_0b6f9d2e8c1a4b3f', status: 'pending' }] },
  ),
  auth: { anonymous: false, scope: 'read' },
  cache: 'no-store',
  async handler({ params }, ctx) {
    await ownWebhook(ctx, params.id);
    const eventId = `evt_ping_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const payload = JSON.stringify({
      id: eventId,
      type: 'ping',
      createdAt: new Date(ctx.now).toISOString(),
      data: { webhookId: params.id },
    });
    await ctx.services.webhooks.enqueue(params.id, eventId, 'ping', payload, ctx.now);
    return { eventId, status: 'pending' as const };
  },
});
