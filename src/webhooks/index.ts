/** Signed webhooks: subscriptions, a database outbox with a delivery log, and the dispatcher. */
export {
  retryDelayMs,
  signalPayload,
  startWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookDispatcherOptions,
  whalePayload,
} from './dispatcher.js';
export { createWebhookSecret, type SignatureHeaders, signWebhook, verifyWebhook } from './signing.js';
export { isPrivateAddress, MAX_WEBHOOK_URL_LENGTH, webhookUrlProblem } from './urlPolicy.js';
export {
  createWebhookStore,
  type Delivery,
  type DeliveryStatus,
  type DueDelivery,
  signalEventId,
  WEBHOOK_EVENTS,
  type Webhook,
  type WebhookEventType,
  type WebhookStore,
} from './webhookStore.js';
