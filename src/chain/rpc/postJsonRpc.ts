import { parseRetryAfterMs } from './classifyRpcError.js';
import { RpcError } from './RpcError.js';

/**
 * Answers larger than this are refused (a broken or hostile node must not exhaust memory). For
 * `eth_getLogs` it is reported as `range-too-large`, so `getLogsAdaptive` asks for fewer blocks.
 */
export const RPC_MAX_RESPONSE_BYTES = 128 * 1024 * 1024;
// How much of an unparseable body an error message quotes (after scrubbing secrets).
const BODY_SNIPPET_CHARS = 60;

/** One call as it goes on the wire; `paramsJson` is serialized once, when the call is made. */
export type WireCall = { id: number; method: string; paramsJson: string };

/** The answer to one call. */
export type JsonRpcEnvelope =
  | { type: 'result'; result: unknown }
  | { type: 'error'; code: number; message: string; data: unknown }
  | { type: 'malformed'; problem: string };

/** What one HTTP exchange came to. */
export type ExchangeOutcome =
  /** Some or all calls got an answer (calls missing from a batch answer are absent from the map). */
  | { type: 'answered'; responses: Map<number, JsonRpcEnvelope> }
  /** The request as a whole failed (`timeout`, `unavailable`, `http`, `rate-limited`, `malformed`, `range-too-large`). */
  | { type: 'failed'; error: RpcError }
  /** We sent a batch and the endpoint does not take batches. */
  | { type: 'batch-rejected'; reason: string };

export type PostContext = {
  timeoutMs: number;
  now: () => number;
  /** Masks secrets of the RPC URLs in text that came from the endpoint. */
  scrub: (text: string) => string;
  maxResponseBytes?: number;
};

/**
 * POST one JSON-RPC request (a single call, or a batch when `calls` has several) and sort out the
 * answer. Never throws: every failure is an outcome. The timeout covers reading the body too.
 * Redirects are refused: an RPC endpoint has no reason to send one, and following it would
 * re-send the request to a place nobody configured.
 */
export async function postJsonRpc(
  endpoint: { url: string; label: string },
  calls: readonly WireCall[],
  ctx: PostContext,
): Promise<ExchangeOutcome> {
  const isBatch = calls.length > 1;
  const method = isBatch ? `batch(${calls.length})` : calls[0]!.method;
  const fail = (
    kind: ConstructorParameters<typeof RpcError>[0],
    detail: string,
    extra = {},
  ): ExchangeOutcome => ({
    type: 'failed',
    error: new RpcError(kind, ctx.scrub(detail), { method, rpc: endpoint.label, ...extra }),
  });
  const single = (c: WireCall) =>
    `{"jsonrpc":"2.0","id":${c.id},"method":${JSON.stringify(c.method)},"params":${c.paramsJson}}`;
  const body = isBatch ? `[${calls.map(single).join(',')}]` : single(calls[0]!);

  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ctx.timeoutMs);
  let status: number;
  let headers: Headers;
  let text: string | null;
  try {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal: abort.signal,
      redirect: 'error',
    });
    status = res.status;
    headers = res.headers;
    text = await readBody(res, ctx.maxResponseBytes ?? RPC_MAX_RESPONSE_BYTES);
  } catch (err) {
    if (abort.signal.aborted) return fail('timeout', `no answer within ${ctx.timeoutMs} ms`);
    return fail('unavailable', `request failed (${describeNetworkError(err)})`);
  } finally {
    clearTimeout(timer);
  }

  if (text === null) {
    const detail = `answer larger than ${ctx.maxResponseBytes ?? RPC_MAX_RESPONSE_BYTES} bytes`;
    return fail(!isBatch && method === 'eth_getLogs' ? 'range-too-large' : 'malformed', detail);
  }
  const retryAfterMs = parseRetryAfterMs(headers.get('retry-after'), ctx.now());
  const after = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 429)
    return fail('rate-limited', 'HTTP 429 Too Many Requests', { httpStatus: status, ...after });
  if (status >= 500) return fail('http', `HTTP ${status}`, { httpStatus: status, ...after });

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    if (status < 200 || status > 299) {
      if (isBatch) return { type: 'batch-rejected', reason: `HTTP ${status}` };
      return fail('http', `HTTP ${status}`, { httpStatus: status });
    }
    const type = headers.get('content-type') ?? 'no content-type';
    return fail(
      'malformed',
      `answer is not JSON (${type}, ${text.length} chars: ${snippet(text, ctx.scrub)})`,
    );
  }

  if (!isBatch) {
    const call = calls[0]!;
    const env = toEnvelope(parsed, ctx.scrub);
    // A 4xx whose body is a proper JSON-RPC error (some providers answer invalid params with 400) is that error.
    if (status < 200 || status > 299) {
      if (env.type === 'error') return { type: 'answered', responses: new Map([[call.id, env]]) };
      return fail('http', `HTTP ${status}`, { httpStatus: status });
    }
    const id = (parsed as { id?: unknown } | null)?.id;
    if (env.type !== 'malformed' && id !== undefined && id !== null && String(id) !== String(call.id))
      return fail(
        'malformed',
        `answer id ${snippet(String(id), ctx.scrub)} does not match request id ${call.id}`,
      );
    return { type: 'answered', responses: new Map([[call.id, env]]) };
  }

  if (!Array.isArray(parsed) || parsed.length === 0) {
    const message = toEnvelope(parsed, ctx.scrub);
    return {
      type: 'batch-rejected',
      reason: message.type === 'error' ? message.message : `HTTP ${status}, answer is not a list`,
    };
  }
  const wanted = new Set(calls.map((c) => c.id));
  const responses = new Map<number, JsonRpcEnvelope>();
  for (const item of parsed) {
    const id = (item as { id?: unknown } | null)?.id;
    const n =
      typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : Number.NaN;
    if (wanted.has(n) && !responses.has(n)) responses.set(n, toEnvelope(item, ctx.scrub));
  }
  if (responses.size === 0)
    return { type: 'batch-rejected', reason: `HTTP ${status}, no answer matches a call` };
  return { type: 'answered', responses };
}

/** Check the JSON-RPC shape of one answer: `result` (any JSON, null included) or `error: { code, message }`. */
function toEnvelope(value: unknown, scrub: (s: string) => string): JsonRpcEnvelope {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { type: 'malformed', problem: 'answer is not a JSON-RPC object' };
  const o = value as Record<string, unknown>;
  if (o.error !== undefined && o.error !== null) {
    const e = o.error as Record<string, unknown>;
    if (typeof e !== 'object' || typeof e.code !== 'number' || !Number.isInteger(e.code))
      return { type: 'malformed', problem: 'answer has an error without an integer code' };
    return {
      type: 'error',
      code: e.code,
      message: typeof e.message === 'string' ? scrub(e.message) : '',
      data: scrubData(e.data, scrub),
    };
  }
  if (!('result' in o)) return { type: 'malformed', problem: 'answer has neither result nor error' };
  return { type: 'result', result: o.result };
}

/** Error data is kept for the caller (revert data); strings in it pass through the scrubber. */
function scrubData(data: unknown, scrub: (s: string) => string): unknown {
  if (data === undefined || data === null || typeof data === 'number' || typeof data === 'boolean')
    return data;
  if (typeof data === 'string') return scrub(data);
  try {
    return JSON.parse(scrub(JSON.stringify(data)));
  } catch {
    return '[unreadable error data]';
  }
}

/** The body as text, or null when it exceeds `max` bytes. */
async function readBody(res: Response, max: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > max) {
    await res.body?.cancel();
    return null;
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.byteLength;
    if (total > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/** `ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`…: the code, never the raw message of a fetch error. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; name?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && /redirect/i.test(cause.message)) return 'redirect refused';
  if (typeof cause?.name === 'string') return cause.name;
  return err instanceof Error ? err.name : 'unknown error';
}

/** The start of a body for an error message: scrubbed before it is cut, so no secret is half-kept. */
function snippet(text: string, scrub: (s: string) => string): string {
  const flat = scrub(text).replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > BODY_SNIPPET_CHARS ? `${flat.slice(0, BODY_SNIPPET_CHARS)}…` : flat);
}
