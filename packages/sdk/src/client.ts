import createClient, { type Client, type MaybeOptionalInit, type MethodResponse } from 'openapi-fetch';
import { describeRequest, SextantApiError } from './errors.js';
import { createRetryingFetch, type RetryOptions } from './retry.js';
import type { paths } from './schema.js';
import { createStream, type SextantStream, type StreamOptions } from './stream.js';

/** Every path of the API, with its methods, parameters and answers (generated). */
export type { paths } from './schema.js';

type Media = `${string}/${string}`;
/** The openapi-fetch client over the API's paths: answers as `{ data, error, response }`. */
export type RawClient = Client<paths, Media>;

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Paths that have `method`. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends Record<M, infer Op> ? (Op extends undefined ? never : P) : never;
}[keyof paths];

/** The request options of `path` with `method`: `{ params: { path, query }, body }`, all typed. */
export type RequestInitOf<P extends keyof paths, M extends Method> = MaybeOptionalInit<paths[P], M>;
// Second argument optional exactly when the operation requires nothing (as openapi-fetch does).
type InitArg<I> = undefined extends I ? [init?: I] : [init: I];

/** The success body of `method path`. */
export type ResponseOf<P extends PathsWith<M>, M extends Method> = MethodResponse<RawClient, M, P>;

type DataMethod<M extends Method> = <P extends PathsWith<M>, I extends RequestInitOf<P, M>>(
  path: P,
  ...init: InitArg<I>
) => Promise<ResponseOf<P, M>>;

// --- pagination ------------------------------------------------------------------------------

/** GET paths whose answers carry `nextCursor` and whose query takes `cursor`. */
export type CursorPath = {
  [P in PathsWith<'get'>]: [ResponseOf<P, 'get'>] extends [never]
    ? never
    : ResponseOf<P, 'get'> extends { nextCursor: string | null }
      ? paths[P]['get'] extends { parameters: { query?: infer Q } }
        ? [NonNullable<Q>] extends [never]
          ? never
          : 'cursor' extends keyof NonNullable<Q>
            ? P
            : never
        : never
      : never;
}[PathsWith<'get'>];

/** One page of a cursor-paginated path. */
export type PageOf<P extends CursorPath> = ResponseOf<P, 'get'>;
/** Properties of a page that hold the page's rows (arrays). */
export type ItemsKey<P extends CursorPath> = {
  [K in keyof PageOf<P>]: PageOf<P>[K] extends readonly unknown[] ? K : never;
}[keyof PageOf<P>];
/** A row of a page's `key` array. */
export type ItemOf<P extends CursorPath, K extends ItemsKey<P>> = PageOf<P>[K] extends readonly (infer T)[]
  ? T
  : never;

/** Options of `createSextantClient`. */
export type SextantClientOptions = {
  /** Server URL, e.g. `http://127.0.0.1:8080` (no `/v1`: paths carry it). */
  baseUrl: string;
  /** API key (`sxt_…`), sent as `x-api-key`. Without one, public endpoints answer at the anonymous limit. */
  apiKey?: string | undefined;
  /** Retries after a 429/503 (and a network error for idempotent methods); default 2, 0 for none. */
  retries?: number;
  /** Backoff and bounds of the retries. */
  retry?: Omit<RetryOptions, 'retries'>;
  /** fetch to use (default: the global fetch of Node 20+ or the browser). */
  fetch?: (input: Request) => Promise<Response>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
};

/** A typed Sextant client. */
export type SextantClient = {
  /** GET `path`; resolves with the typed body, or throws `SextantApiError` (non-2xx). */
  get: DataMethod<'get'>;
  post: DataMethod<'post'>;
  put: DataMethod<'put'>;
  patch: DataMethod<'patch'>;
  delete: DataMethod<'delete'>;
  /**
   * The pages of a cursor-paginated GET (`nextCursor` → `cursor`), first to last.
   * @example for await (const page of sx.pages('/v1/assets', { params: { query: { limit: 50 } } })) …
   */
  pages<P extends CursorPath>(path: P, ...init: InitArg<RequestInitOf<P, 'get'>>): AsyncGenerator<PageOf<P>>;
  /**
   * The rows of every page of a cursor-paginated GET: the page property `key` (`bars`, `items`,
   * `data`, …), one row at a time.
   * @example for await (const bar of sx.items('/v1/ohlcv', 'bars', { params: { query } })) …
   */
  items<P extends CursorPath, K extends ItemsKey<P>>(
    path: P,
    key: K,
    ...init: InitArg<RequestInitOf<P, 'get'>>
  ): AsyncGenerator<ItemOf<P, K>>;
  /** A live stream (WebSocket `/v1/stream` or SSE `/v1/stream/sse`) with this client's URL and key. */
  stream(options?: Omit<StreamOptions, 'baseUrl' | 'apiKey'>): SextantStream;
  /** The underlying openapi-fetch client (answers as `{ data, error, response }`, never throws on 4xx). */
  raw: RawClient;
};

// A server that sends the same cursor twice would make `pages` loop forever.
const MAX_REPEATED_CURSOR = 1;

/**
 * Create a typed client of the Sextant API.
 * @example
 * const sx = createSextantClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.SEXTANT_API_KEY });
 * const { prices } = await sx.get('/v1/prices', { params: { query: { ids: 'bitcoin' } } });
 */
export function createSextantClient(options: SextantClientOptions): SextantClient {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new TypeError(
      `baseUrl must be an absolute URL such as http://127.0.0.1:8080, got ${options.baseUrl}`,
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError(`baseUrl must be an http(s) URL, got ${base.protocol}`);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const userFetch = options.fetch ?? ((r: Request) => globalThis.fetch(r));
  const retrying = createRetryingFetch(userFetch, { ...options.retry, retries: options.retries ?? 2 });
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey) headers['x-api-key'] = options.apiKey;

  const raw = createClient<paths, Media>({ baseUrl, fetch: retrying, headers });

  // Untyped core shared by the typed methods: one request, body or SextantApiError.
  const call = async (method: string, path: string, init: unknown): Promise<unknown> => {
    let sent: Request | undefined;
    const r = await (
      raw.request as unknown as (
        m: string,
        p: string,
        i: unknown,
      ) => Promise<{ data?: unknown; error?: unknown; response: Response }>
    )(method, path, {
      ...(init as object | undefined),
      // Keep the request for the error (its method and URL); runs after retries, with the last one.
      middleware: [
        {
          onResponse: ({ request }: { request: Request }) => {
            sent = request;
          },
        },
      ],
    });
    if (!r.response.ok) {
      const req = sent ? describeRequest(sent) : { method: method.toUpperCase(), url: `${baseUrl}${path}` };
      throw SextantApiError.fromResponse(r.response, r.error, req);
    }
    return r.data;
  };
  const method =
    <M extends Method>(m: M): DataMethod<M> =>
    (path, ...init) =>
      call(m, path as string, init[0]) as never;

  async function* pages(path: string, init: unknown): AsyncGenerator<unknown> {
    const i = (init ?? {}) as { params?: { query?: Record<string, unknown> } };
    const seen = new Map<string, number>();
    let cursor: string | undefined;
    for (;;) {
      const query = { ...i.params?.query, ...(cursor === undefined ? {} : { cursor }) };
      const page = (await call('get', path, { ...i, params: { ...i.params, query } })) as {
        nextCursor?: string | null;
      };
      yield page;
      const next = page.nextCursor;
      if (next === null || next === undefined || next === '') return;
      const n = (seen.get(next) ?? 0) + 1;
      if (n > MAX_REPEATED_CURSOR) throw new Error(`pagination of ${path} returned the cursor ${next} twice`);
      seen.set(next, n);
      cursor = next;
    }
  }

  async function* items(path: string, key: string, init: unknown): AsyncGenerator<unknown> {
    for await (const page of pages(path, init)) {
      const rows = (page as Record<string, unknown>)[key];
      if (!Array.isArray(rows)) throw new TypeError(`a page of ${path} has no array '${key}'`);
      yield* rows;
    }
  }

  return {
    get: method('get'),
    post: method('post'),
    put: method('put'),
    patch: method('patch'),
    delete: method('delete'),
    pages: ((path: string, ...init: unknown[]) => pages(path, init[0])) as SextantClient['pages'],
    items: ((path: string, key: string, ...init: unknown[]) =>
      items(path, key, init[0])) as SextantClient['items'],
    stream: (streamOptions = {}) =>
      createStream({
        ...streamOptions,
        baseUrl,
        apiKey: options.apiKey,
        ...(streamOptions.fetch || options.fetch ? { fetch: streamOptions.fetch ?? options.fetch } : {}),
      }),
    raw,
  };
}
