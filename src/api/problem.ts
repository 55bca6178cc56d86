import { Type } from '@sinclair/typebox';
import {
  AppError,
  BadRequestError,
  type ErrorIssue,
  InternalError,
  InvalidJsonError,
  NotAcceptableError,
  PayloadTooLargeError,
  RequestHeaderTooLargeError,
  RequestTimeoutError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  UriTooLongError,
  ValidationError,
} from '../internal/errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** RFC 9457 problem document, as every error response carries it. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  retryable: boolean;
  issues?: ErrorIssue[];
  [extra: string]: unknown;
};

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the error kind: urn:sextant:error:<code>' }),
    title: Type.String({ description: 'Short summary of the error kind' }),
    status: Type.Integer({ description: 'HTTP status' }),
    detail: Type.String({ description: 'What was wrong with this request' }),
    code: Type.String({ description: 'Stable machine-readable code (see docs/errors.md)' }),
    requestId: Type.String({ description: 'Echo of the x-request-id response header, for support' }),
    retryable: Type.Boolean({ description: 'Whether retrying the same request later can succeed' }),
    issues: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.Array(Type.Union([Type.String(), Type.Integer()])),
          message: Type.String(),
          in: Type.Optional(Type.String()),
        }),
        { description: 'Validation failures, one per offending field' },
      ),
    ),
    candidates: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String(),
            symbol: Type.String(),
            name: Type.String(),
            rank: Type.Union([Type.Integer(), Type.Null()]),
          },
          { additionalProperties: true },
        ),
        {
          description: 'AMBIGUOUS_SYMBOL only: every asset the symbol names, ranked first; retry with an id',
        },
      ),
    ),
  },
  {
    $id: 'Problem',
    description: 'RFC 9457 problem document',
    examples: [
      {
        type: 'urn:sextant:error:VALIDATION_FAILED',
        title: 'Request validation failed',
        status: 400,
        detail: 'querystring/days must be <= 366',
        code: 'VALIDATION_FAILED',
        requestId: '5f0c6a1e-8a47-4a8e-9d87-3c1f0b2a9e11',
        retryable: false,
        issues: [{ path: ['days'], message: 'must be <= 366', in: 'query' }],
      },
    ],
  },
);

/** Build the problem document for an `AppError`. */
export function toProblem(err: AppError, requestId: string): Problem {
  return {
    type: `urn:sextant:error:${err.code}`,
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    requestId,
    retryable: err.retryable,
    ...(err.issues ? { issues: err.issues } : {}),
    ...(err.extra ?? {}),
  };
}

type FastifyLikeError = Error & {
  code?: string;
  statusCode?: number;
  validation?: {
    instancePath?: string;
    message?: string;
    params?: Record<string, unknown>;
    keyword?: string;
  }[];
  validationContext?: string;
};

const CONTEXT_NAMES: Record<string, string> = {
  querystring: 'query',
  body: 'body',
  params: 'path',
  headers: 'headers',
};

function pathOf(
  instancePath: string | undefined,
  params: Record<string, unknown> | undefined,
): (string | number)[] {
  const parts = (instancePath ?? '')
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  // Ajv reports a missing or extra property at the parent: name the property itself.
  const prop = params?.missingProperty ?? params?.additionalProperty;
  if (typeof prop === 'string') parts.push(prop);
  return parts;
}

/**
 * Turn anything thrown while serving a request into an `AppError`. Unknown errors become a
 * generic 500 whose detail reveals nothing (no message, stack or path); the caller logs them.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as FastifyLikeError;
  if (e && Array.isArray(e.validation)) {
    const where = CONTEXT_NAMES[e.validationContext ?? ''] ?? e.validationContext ?? 'request';
    const issues: ErrorIssue[] = e.validation.slice(0, 50).map((v) => ({
      path: pathOf(v.instancePath, v.params),
      message:
        v.keyword === 'additionalProperties' ? 'is not an allowed property' : (v.message ?? 'is invalid'),
      in: where,
    }));
    const first = issues[0];
    const detail = first
      ? `${where} ${first.path.length ? `'${first.path.join('.')}' ` : ''}${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
      : `invalid ${where}`;
    return new ValidationError(detail, { issues });
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError('request body is larger than the server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError('send the body as application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BadRequestError('Content-Length does not match the body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidJsonError("body is empty but Content-Type is 'application/json'");
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidJsonError('body is not valid JSON');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_INVALID_URL':
      return new BadRequestError('malformed URL (invalid percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new UriTooLongError('a path parameter is longer than the server accepts');
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new BadRequestError('request rejected by a route constraint');
    case 'FST_ERR_NOT_ACCEPTABLE':
      return new NotAcceptableError('no acceptable representation');
    case 'FST_ERR_CTP_INVALID_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
      return new UnsupportedMediaTypeError('malformed Content-Type header');
  }
  // JSON.parse errors from the body parser and the prototype-poisoning guard.
  if (
    e instanceof SyntaxError ||
    e?.code === 'FST_ERR_CTP_INVALID_JSON' ||
    /__proto__|constructor/.test(e?.message ?? '')
  ) {
    if (e.statusCode === 400 || e instanceof SyntaxError)
      return new InvalidJsonError('body is not valid JSON');
  }
  const status = e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new PayloadTooLargeError('request body is larger than the server accepts');
    if (status === 415) return new UnsupportedMediaTypeError('send the body as application/json');
    if (status === 408) return new RequestTimeoutError('request not received in time');
    if (status === 431) return new RequestHeaderTooLargeError('request headers are too large');
    if (status === 414) return new UriTooLongError('the URI is longer than the server accepts');
    return new BadRequestError('the request could not be processed');
  }
  if (status === 503) return new ServiceUnavailableError('service unavailable');
  return new InternalError('internal error; the request id identifies it in the server log');
}
