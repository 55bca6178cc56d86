/**
 * @sextant/sdk — a typed client of the Sextant API: every REST operation with typed paths,
 * parameters and answers (generated from the server's OpenAPI document), API-key auth, retries
 * on 429/503 honouring `Retry-After`, cursor pagination, and live streams (WebSocket or SSE)
 * that reconnect and resubscribe by themselves.
 */
export {
  type CursorPath,
  createSextantClient,
  type ItemOf,
  type ItemsKey,
  type PageOf,
  type PathsWith,
  type paths,
  type RawClient,
  type RequestInitOf,
  type ResponseOf,
  type SextantClient,
  type SextantClientOptions,
} from './client.js';
export { type Problem, type ProblemIssue, parseRetryAfter, SextantApiError } from './errors.js';
export { backoffDelay, createRetryingFetch, type RetryInfo, type RetryOptions } from './retry.js';
export type { components, operations } from './schema.js';
export { createSseParser } from './sse.js';
export {
  createStream,
  type ReconnectOptions,
  type SextantStream,
  type StreamEvents,
  type StreamOptions,
  type StreamState,
  StreamSubscriptionError,
  type StreamTransport,
  type WebSocketConstructor,
  type WebSocketLike,
} from './stream.js';
export type {
  CandleUpdate,
  Interval,
  PriceQuote,
  SignalEvent,
  StreamBar,
  StreamData,
  StreamMessage,
  Subscription,
  VenuePrice,
  WhaleTransferEvent,
} from './streamTypes.js';
