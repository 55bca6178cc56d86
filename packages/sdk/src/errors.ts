import type { components } from './schema.js';

/** An RFC 9457 problem document, as every Sextant error answer carries it. */
export type Problem = components['schemas']['Problem'];

/** One validation failure of a 400 `VALIDATION_FAILED`: which field, and what was wrong. */
export type ProblemIssue = NonNullable<Problem['issues']>[number];

// Longest piece of a non-problem error body kept in `detail` (proxies answer with HTML pages).
const MAX_DETAIL_CHARS = 300;

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.code === 'string' && typeof b.status === 'number' && typeof b.detail === 'string';
}

/**
 * An error answer of the Sextant API (any non-2xx status), with the fields of its problem
 * document. Answers that are not problem documents (a proxy's 502 page) get `code` `HTTP_<status>`.
 * @example
 * try { await sx.get('/v1/assets/{id}', { params: { path: { id: 'nope' } } }) }
 * catch (e) { if (e instanceof SextantApiError && e.code === 'ASSET_NOT_FOUND') … }
 */
export class SextantApiError extends Error {
  override name = 'SextantApiError';
  /** HTTP status. */
  readonly status: number;
  /** Stable machine-readable code, e.g. `VALIDATION_FAILED`, `RATE_LIMITED`. */
  readonly code: string;
  /** What was wrong with this request. */
  readonly detail: string;
  /** The server's request id (problem document or `x-request-id`), for support. */
  readonly requestId: string | undefined;
  /** Validation failures, one per offending field (400 `VALIDATION_FAILED`); empty otherwise. */
  readonly issues: ProblemIssue[];
  /** Whether retrying later can succeed (the problem document's `retryable`, else 429/5xx). */
  readonly retryable: boolean;
  /** The server's `Retry-After`, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** The whole problem document (with fields such as `candidates`), when the body was one. */
  readonly problem: Problem | undefined;
  /** Method and URL of the request, without the query string (which may hold an `apiKey`). */
  readonly request: { method: string; url: string };

  constructor(init: {
    status: number;
    code: string;
    detail: string;
    requestId?: string | undefined;
    issues?: ProblemIssue[] | undefined;
    retryable: boolean;
    retryAfterMs?: number | undefined;
    problem?: Problem | undefined;
    request: { method: string; url: string };
  }) {
    super(`${init.status} ${init.code}: ${init.detail}`);
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.issues = init.issues ?? [];
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.problem = init.problem;
    this.request = init.request;
  }

  /** Build the error of a non-2xx answer from its parsed body (JSON, or text when not JSON). */
  static fromResponse(
    response: Response,
    body: unknown,
    request: { method: string; url: string },
  ): SextantApiError {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    const requestId = response.headers.get('x-request-id') ?? undefined;
    if (isProblem(body)) {
      return new SextantApiError({
        status: response.status,
        code: body.code,
        detail: body.detail,
        requestId: body.requestId ?? requestId,
        issues: body.issues,
        retryable: body.retryable ?? response.status >= 500,
        retryAfterMs,
        problem: body,
        request,
      });
    }
    const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
    return new SextantApiError({
      status: response.status,
      code: `HTTP_${response.status}`,
      detail: text.trim().slice(0, MAX_DETAIL_CHARS) || response.statusText || 'no body',
      requestId,
      retryable: response.status === 429 || response.status >= 500,
      retryAfterMs,
      request,
    });
  }
}

/**
 * Parse a `Retry-After` header: delay-seconds (`"5"`) or an HTTP date. Returns ms to wait (0 for
 * a date in the past), or undefined when absent or malformed.
 * @example parseRetryAfter('2', Date.now()) // 2000
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  // An HTTP date always names a weekday and GMT (RFC 9110 §5.6.7); Date.parse alone would also take "1".
  if (!/[a-z]{3}/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Method and URL of a request for error messages: no query string, where an `apiKey` may be. */
export function describeRequest(request: Request): { method: string; url: string } {
  const url = new URL(request.url);
  return { method: request.method, url: `${url.origin}${url.pathname}` };
}
