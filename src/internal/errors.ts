/**
 * The error registry: every error Sextant answers with has a stable `code`, an HTTP status,
 * and whether retrying can help. One boundary (`api/problem.ts`) turns anything thrown into
 * an RFC 9457 problem document; MCP tools and the CLI reuse the same codes.
 */

/** One entry of a validation failure: where (`path`) and what was wrong (`message`). */
export type ErrorIssue = {
  path: (string | number)[];
  message: string;
  /** Which part of the request the path is in (`query`, `body`, `params`, `headers`). */
  in?: string;
};

export type AppErrorOptions = {
  cause?: unknown;
  issues?: ErrorIssue[];
  /** Extra response headers (e.g. `Retry-After`, `Allow`). */
  headers?: Record<string, string>;
  /** Extra public fields for the problem document (must never hold secrets). */
  extra?: Record<string, unknown>;
};

/** Base class of every error that may reach a client. `detail` is shown to the client. */
export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly title: string;
  readonly retryable: boolean = false;
  readonly issues: ErrorIssue[] | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(detail: string, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.issues = options.issues;
    this.headers = options.headers;
    this.extra = options.extra;
  }
}

export class BadRequestError extends AppError {
  readonly code = 'BAD_REQUEST';
  readonly status = 400;
  readonly title = 'Bad request';
}

export class ValidationError extends AppError {
  readonly code = 'VALIDATION_FAILED';
  readonly status = 400;
  readonly title = 'Request validation failed';
}

export class InvalidJsonError extends AppError {
  readonly code = 'INVALID_JSON';
  readonly status = 400;
  readonly title = 'Malformed JSON body';
}

export class UnauthorizedError extends AppError {
  readonly code = 'UNAUTHORIZED';
  readonly status = 401;
  readonly title = 'Authentication required';
}

export class InvalidApiKeyError extends AppError {
  readonly code = 'INVALID_API_KEY';
  readonly status = 401;
  readonly title = 'Invalid API key';
}

export class RevokedApiKeyError extends AppError {
  readonly code = 'API_KEY_REVOKED';
  readonly status = 401;
  readonly title = 'API key revoked';
}

export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
  readonly title = 'Missing scope';
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
  readonly title = 'Not found';
}

export class RouteNotFoundError extends AppError {
  readonly code = 'ROUTE_NOT_FOUND';
  readonly status = 404;
  readonly title = 'No such route';
}

export class MethodNotAllowedError extends AppError {
  readonly code = 'METHOD_NOT_ALLOWED';
  readonly status = 405;
  readonly title = 'Method not allowed';
}

export class NotAcceptableError extends AppError {
  readonly code = 'NOT_ACCEPTABLE';
  readonly status = 406;
  readonly title = 'Not acceptable';
}

export class ConflictError extends AppError {
  readonly code = 'CONFLICT';
  readonly status = 409;
  readonly title = 'Conflict';
}

/** A symbol names several assets: the caller must pick one of `candidates` (never a silent guess). */
export class AmbiguousSymbolError extends AppError {
  readonly code = 'AMBIGUOUS_SYMBOL';
  readonly status = 409;
  readonly title = 'Ambiguous symbol';
}

export class AssetNotFoundError extends AppError {
  readonly code = 'ASSET_NOT_FOUND';
  readonly status = 404;
  readonly title = 'Unknown asset';
}

/** The asset exists but no stored or live market data matches the request. */
export class NoMarketDataError extends AppError {
  readonly code = 'NO_MARKET_DATA';
  readonly status = 404;
  readonly title = 'No market data';
}

/** No chain with this id has been indexed here (no checkpoint in the database). */
export class ChainNotFoundError extends AppError {
  readonly code = 'CHAIN_NOT_FOUND';
  readonly status = 404;
  readonly title = 'Chain not indexed';
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly status = 413;
  readonly title = 'Request body too large';
}

export class UriTooLongError extends AppError {
  readonly code = 'URI_TOO_LONG';
  readonly status = 414;
  readonly title = 'URI too long';
}

export class ExpectationFailedError extends AppError {
  readonly code = 'EXPECTATION_FAILED';
  readonly status = 417;
  readonly title = 'Expectation failed';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly status = 415;
  readonly title = 'Unsupported media type';
}

export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED';
  readonly status = 429;
  readonly title = 'Too many requests';
  override readonly retryable = true;
}

export class QuotaExceededError extends AppError {
  readonly code = 'QUOTA_EXCEEDED';
  readonly status = 429;
  readonly title = 'Monthly quota exceeded';
}

export class RequestHeaderTooLargeError extends AppError {
  readonly code = 'HEADERS_TOO_LARGE';
  readonly status = 431;
  readonly title = 'Request headers too large';
}

export class InternalError extends AppError {
  readonly code = 'INTERNAL';
  readonly status = 500;
  readonly title = 'Internal server error';
}

export class NotReadyError extends AppError {
  readonly code = 'NOT_READY';
  readonly status = 503;
  readonly title = 'Service not ready';
  override readonly retryable = true;
}

export class ServiceUnavailableError extends AppError {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly status = 503;
  readonly title = 'Service unavailable';
  override readonly retryable = true;
}

export class AgentNotConfiguredError extends AppError {
  readonly code = 'AGENT_NOT_CONFIGURED';
  readonly status = 503;
  readonly title = 'No language model configured';
}

export class ShuttingDownError extends AppError {
  readonly code = 'SHUTTING_DOWN';
  readonly status = 503;
  readonly title = 'Server shutting down';
  override readonly retryable = true;
}

export class RequestTimeoutError extends AppError {
  readonly code = 'REQUEST_TIMEOUT';
  readonly status = 408;
  readonly title = 'Request timeout';
  override readonly retryable = true;
}

/** Upstream (exchange, RPC, model) failures, after ccxt's tree. */
export abstract class UpstreamError extends AppError {}

export class UpstreamRateLimitedError extends UpstreamError {
  readonly code = 'UPSTREAM_RATE_LIMITED';
  readonly status = 503;
  readonly title = 'Upstream rate limited';
  override readonly retryable = true;
}

export class UpstreamTimeoutError extends UpstreamError {
  readonly code = 'UPSTREAM_TIMEOUT';
  readonly status = 504;
  readonly title = 'Upstream timeout';
  override readonly retryable = true;
}

export class UpstreamUnavailableError extends UpstreamError {
  readonly code = 'UPSTREAM_UNAVAILABLE';
  readonly status = 503;
  readonly title = 'Upstream unavailable';
  override readonly retryable = true;
}

export class UpstreamBadResponseError extends UpstreamError {
  readonly code = 'UPSTREAM_BAD_RESPONSE';
  readonly status = 502;
  readonly title = 'Upstream sent a bad response';
}

/**
 * A request body held what looks like a private key, mnemonic, seed, password or recovery share.
 * Sextant never accepts secrets: the detail says what kind was found and where, never the value.
 */
export class SecretRejectedError extends AppError {
  readonly code = 'SECRET_REJECTED';
  readonly status = 400;
  readonly title = 'Secret material rejected';
}

/** A Sign-In with Ethereum message or signature did not verify (the detail and `reason` say why). */
export class SiweVerificationFailedError extends AppError {
  readonly code = 'SIWE_VERIFICATION_FAILED';
  readonly status = 401;
  readonly title = 'Sign-in verification failed';
}

/** The SIWE message names a nonce this server did not issue (or forgot long after it expired). */
export class SiweNonceUnknownError extends AppError {
  readonly code = 'SIWE_NONCE_UNKNOWN';
  readonly status = 401;
  readonly title = 'Unknown sign-in nonce';
}

/** The SIWE nonce expired before the signed message came back: ask for a new nonce. */
export class SiweNonceExpiredError extends AppError {
  readonly code = 'SIWE_NONCE_EXPIRED';
  readonly status = 401;
  readonly title = 'Sign-in nonce expired';
}

/** The SIWE nonce was already used to sign in: a replay, or a double submit. */
export class SiweNonceUsedError extends AppError {
  readonly code = 'SIWE_NONCE_USED';
  readonly status = 409;
  readonly title = 'Sign-in nonce already used';
}

/** A session token is malformed, unknown, revoked or expired. */
export class SessionInvalidError extends AppError {
  readonly code = 'SESSION_INVALID';
  readonly status = 401;
  readonly title = 'Invalid session';
}

/** Configuration errors stop the process at start; never sent to clients. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    message: string,
    readonly issues: { name: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Raised when the data directory is locked by another live process. */
export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  constructor(
    message: string,
    readonly holderPid: number,
  ) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

/** Every client-facing error code with its status, for docs and the OpenAPI description. */
export const ERROR_CODES: readonly { code: string; status: number; title: string; retryable: boolean }[] = [
  BadRequestError,
  ValidationError,
  InvalidJsonError,
  UnauthorizedError,
  InvalidApiKeyError,
  RevokedApiKeyError,
  ForbiddenError,
  NotFoundError,
  RouteNotFoundError,
  MethodNotAllowedError,
  NotAcceptableError,
  RequestTimeoutError,
  ConflictError,
  AmbiguousSymbolError,
  AssetNotFoundError,
  NoMarketDataError,
  ChainNotFoundError,
  PayloadTooLargeError,
  UriTooLongError,
  UnsupportedMediaTypeError,
  ExpectationFailedError,
  RateLimitedError,
  QuotaExceededError,
  RequestHeaderTooLargeError,
  InternalError,
  NotReadyError,
  ServiceUnavailableError,
  AgentNotConfiguredError,
  ShuttingDownError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  UpstreamBadResponseError,
  SecretRejectedError,
  SiweVerificationFailedError,
  SiweNonceUnknownError,
  SiweNonceExpiredError,
  SiweNonceUsedError,
  SessionInvalidError,
].map((E) => {
  const e = new E('');
  return { code: e.code, status: e.status, title: e.title, retryable: e.retryable };
});
