import { parseRetryAfter } from './errors.js';

/** How failed requests are retried. Every field has a default. */
export type RetryOptions = {
  /** Retries after the first attempt (default 2; 0 turns retrying off). */
  retries?: number;
  /** First backoff delay in ms; doubles with each retry (default 250). */
  baseDelayMs?: number;
  /**
   * Longest wait before a retry, in ms (default 60 000: a per-minute rate-limit window). An answer whose `Retry-After` asks for
   * more is not retried: it is returned (and thrown as `SextantApiError`) at once.
   */
  maxDelayMs?: number;
  /** Waits `ms` (abortable). Default: a timer. Tests pass a fake clock's. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1) (default Math.random). */
  random?: () => number;
  /** Called before each retry: which attempt failed, why, and the wait chosen. */
  onRetry?: (info: RetryInfo) => void;
};

/** What `onRetry` is told. */
export type RetryInfo = {
  /** 1 for the first retry. */
  attempt: number;
  /** The answer's status, or undefined for a network error. */
  status: number | undefined;
  delayMs: number;
  method: string;
  url: string;
};

const DEFAULT_RETRIES = 2;
const DEFAULT_BASE_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 60_000;
// Statuses that mean "not done, try later": rate limited, and unavailable (shutting down, upstream down).
const RETRY_STATUSES = new Set([429, 503]);
// Only these are retried after a network error: the server may have acted on the lost request.
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Wait `ms`, or reject with the signal's reason when it aborts first. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Exponential backoff with jitter: a delay in [cap/2, cap], cap = min(max, base · 2^attempt).
 * Half of it fixed keeps retries apart; the random half spreads clients that failed together.
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + random() * (cap / 2));
}

function checkNonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${v}`);
  return v;
}

/**
 * Wrap a fetch so that 429 and 503 answers are retried, waiting what `Retry-After` asks (seconds
 * or an HTTP date) plus a little jitter, else an exponential backoff; network errors are retried
 * for idempotent methods only. At most `retries` retries, each wait at most `maxDelayMs`.
 */
export function createRetryingFetch(
  baseFetch: (input: Request) => Promise<Response>,
  options: RetryOptions = {},
): (input: Request) => Promise<Response> {
  const retries = Math.floor(checkNonNegative('retries', options.retries ?? DEFAULT_RETRIES));
  const baseDelayMs = checkNonNegative('baseDelayMs', options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS);
  const maxDelayMs = checkNonNegative('maxDelayMs', options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  return async (input: Request): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      // A request body can be read once: each attempt but the last sends a copy.
      const request = last ? input : input.clone();
      let response: Response;
      try {
        response = await baseFetch(request);
      } catch (err) {
        if (last || input.signal.aborted || !IDEMPOTENT_METHODS.has(input.method)) throw err;
        const delayMs = backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
        options.onRetry?.({
          attempt: attempt + 1,
          status: undefined,
          delayMs,
          method: input.method,
          url: input.url,
        });
        await sleep(delayMs, input.signal);
        continue;
      }
      if (last || !RETRY_STATUSES.has(response.status)) return response;
      const asked = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      const jitter = random() * Math.min(baseDelayMs, maxDelayMs);
      const delayMs =
        asked === undefined
          ? backoffDelay(attempt, baseDelayMs, maxDelayMs, random)
          : Math.round(Math.min(asked + jitter, Math.max(asked, maxDelayMs)));
      // The server asks for a longer pause than we may wait: hand its answer to the caller now.
      if (asked !== undefined && asked > maxDelayMs) return response;
      // The body of an answer we drop is not needed; free the connection.
      await response.body?.cancel().catch(() => {});
      options.onRetry?.({
        attempt: attempt + 1,
        status: response.status,
        delayMs,
        method: input.method,
        url: input.url,
      });
      await sleep(delayMs, input.signal);
    }
  };
}
