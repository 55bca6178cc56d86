import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from '../internal/logger.js';
import type { ApiKey, Scope } from '../keys/index.js';
import type { Services } from '../services/index.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who is calling: an API key, or nobody (public endpoints, IP rate-limited). */
export type AuthInfo = { type: 'anonymous'; ip: string } | { type: 'key'; key: ApiKey; ip: string };

/** Who may call an operation. */
export type AuthPolicy = {
  /** Allowed without a key (subject to the anonymous limit and the ANONYMOUS_ACCESS switch). */
  anonymous: boolean;
  /** Scope a key must hold; null = any valid key. */
  scope: Scope | null;
};

/** How responses may be cached: `Cache-Control` and `ETag` (with 304) on GET. */
export type CachePolicy = { maxAgeSeconds: number; visibility: 'public' | 'private' } | 'no-store';

/** What a handler gets besides its validated input. */
export type OperationContext = {
  services: Services;
  auth: AuthInfo;
  requestId: string;
  log: Logger;
  /** Current time in ms (injected so handlers stay testable). */
  now: number;
};

/**
 * The context of one request. A class, not an object literal with a `get log()`: a per-request
 * getter closure made V8 pretenure the literal into old space, where it kept each request's
 * objects alive through young-generation GCs (about 1 KB promoted per request, 5x longer
 * scavenges under load). The child logger is created on first use only: most handlers never log.
 */
export class RequestContext implements OperationContext {
  #log: Logger | undefined;
  constructor(
    readonly services: Services,
    readonly auth: AuthInfo,
    readonly requestId: string,
    readonly now: number,
  ) {}
  get log(): Logger {
    this.#log ??= this.services.common.logger.child({ reqId: this.requestId });
    return this.#log;
  }
}

export type OperationInput<P extends TSchema, Q extends TSchema, B extends TSchema> = {
  params: Static<P>;
  query: Static<Q>;
  body: Static<B>;
};

/** One API operation, defined once; REST routes, OpenAPI, MCP tools and the SDK derive from it. */
export type OperationDef<
  P extends TSchema = TSchema,
  Q extends TSchema = TSchema,
  B extends TSchema = TSchema,
  R extends TSchema = TSchema,
> = {
  /** Stable camelCase id: the OpenAPI operationId and the MCP/SDK name. */
  id: string;
  method: HttpMethod;
  /** Path under `/v1`, OpenAPI style: `/assets/{id}`. */
  path: string;
  summary: string;
  description: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Look at the parsed request body before the schema does, and throw an `AppError` to refuse the
   * request. It sees every body as received: one the schema would refuse, an empty one
   * (`undefined`), one sent to an operation without `body`, and always before validation strips
   * unknown fields, fills defaults or coerces types. The wallet endpoints refuse secrets with it.
   * @example inspectBody: refuseSecrets({ opaque: ['message'] })
   */
  inspectBody?: (body: unknown) => void;
  /** Schema of the success response; put an `examples` array on it for the docs. */
  response: R;
  /** Status of a successful answer (default 200; 201 created, 202 accepted for jobs). */
  successStatus?: 200 | 201 | 202;
  auth: AuthPolicy;
  cache: CachePolicy;
  /**
   * Compress answers over 1 KiB when the client accepts it (default true). Small, hot answers
   * set false to skip the per-request hook.
   */
  compress?: boolean;
  handler(input: OperationInput<P, Q, B>, ctx: OperationContext): Promise<Static<R>> | Static<R>;
};

/** An operation with its types erased, as kept in the registry. */
export type Operation = OperationDef<TSchema, TSchema, TSchema, TSchema>;

/**
 * Define an operation with its handler typed from its schemas.
 * @example defineOperation({ id: 'getStatus', method: 'GET', path: '/status', response: Status, ... })
 */
export function defineOperation<P extends TSchema, Q extends TSchema, B extends TSchema, R extends TSchema>(
  def: OperationDef<P, Q, B, R>,
): Operation {
  if (!/^[a-z][A-Za-z0-9]*$/.test(def.id)) throw new Error(`operation id ${def.id} must be camelCase`);
  if (!def.path.startsWith('/')) throw new Error(`operation ${def.id}: path must start with /`);
  return def as unknown as Operation;
}

/** `/assets/{id}` → `/v1/assets/:id` (Fastify's route syntax). */
export function routePath(op: Pick<Operation, 'path'>): string {
  return `/v1${op.path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1')}`;
}
