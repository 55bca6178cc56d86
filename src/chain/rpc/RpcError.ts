import { UpstreamError } from '../../internal/errors.js';

/**
 * What went wrong with a JSON-RPC request:
 * - `timeout`: no complete answer within `timeoutMs`;
 * - `rate-limited`: HTTP 429 or a JSON-RPC rate-limit error, still limited after the retries;
 * - `http`: a non-2xx status other than 429;
 * - `rpc`: the node answered with a JSON-RPC error (a revert, invalid params, …);
 * - `malformed`: the answer is not what the protocol promises (HTML, invalid JSON, a missing
 *   `result`, `"0xZZ"` where a quantity belongs, a block without a hash, …);
 * - `range-too-large`: `eth_getLogs` refused the block range or the size of its answer;
 * - `unavailable`: the endpoint could not be reached, or every endpoint is cooling down.
 */
export type RpcErrorKind =
  | 'timeout'
  | 'rate-limited'
  | 'http'
  | 'rpc'
  | 'malformed'
  | 'range-too-large'
  | 'unavailable';

export type RpcErrorOptions = {
  /** The JSON-RPC method (or `batch(n)` for a whole batch). */
  method: string;
  /** The endpoint, already redacted with `redactRpcUrl` (never the raw URL). */
  rpc?: string;
  httpStatus?: number;
  /** The JSON-RPC `error.code`. */
  rpcCode?: number;
  /** The JSON-RPC `error.data` (e.g. revert data of `eth_call`). */
  rpcData?: unknown;
  /** How long the endpoint asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
};

const KIND_TO_CODE: Record<
  RpcErrorKind,
  { code: string; status: number; title: string; retryable: boolean }
> = {
  timeout: { code: 'UPSTREAM_TIMEOUT', status: 504, title: 'Upstream timeout', retryable: true },
  'rate-limited': {
    code: 'UPSTREAM_RATE_LIMITED',
    status: 503,
    title: 'Upstream rate limited',
    retryable: true,
  },
  http: { code: 'UPSTREAM_UNAVAILABLE', status: 503, title: 'Upstream unavailable', retryable: true },
  unavailable: { code: 'UPSTREAM_UNAVAILABLE', status: 503, title: 'Upstream unavailable', retryable: true },
  rpc: {
    code: 'UPSTREAM_BAD_RESPONSE',
    status: 502,
    title: 'Upstream sent a bad response',
    retryable: false,
  },
  malformed: {
    code: 'UPSTREAM_BAD_RESPONSE',
    status: 502,
    title: 'Upstream sent a bad response',
    retryable: false,
  },
  'range-too-large': {
    code: 'UPSTREAM_BAD_RESPONSE',
    status: 502,
    title: 'Upstream sent a bad response',
    retryable: false,
  },
};

/**
 * A failed EVM JSON-RPC request. Reuses the registry's upstream codes (`UPSTREAM_TIMEOUT`,
 * `UPSTREAM_RATE_LIMITED`, `UPSTREAM_UNAVAILABLE`, `UPSTREAM_BAD_RESPONSE`), so it can reach a
 * client as is. The message and `rpc` name the endpoint only through `redactRpcUrl`: RPC URLs
 * often carry an API key in their path or query.
 * @example
 * try { await rpc.call({ to, data }) } catch (err) {
 *   if (err instanceof RpcError && err.kind === 'rpc' && err.rpcCode === 3) console.log('reverted', err.rpcData);
 * }
 */
export class RpcError extends UpstreamError {
  readonly kind: RpcErrorKind;
  /** The message without the `method via rpc:` prefix. */
  readonly detail: string;
  readonly code: string;
  readonly status: number;
  readonly title: string;
  override readonly retryable: boolean;
  readonly method: string;
  readonly rpc: string | undefined;
  readonly httpStatus: number | undefined;
  readonly rpcCode: number | undefined;
  readonly rpcData: unknown;
  readonly retryAfterMs: number | undefined;

  constructor(kind: RpcErrorKind, detail: string, options: RpcErrorOptions) {
    super(
      `${options.method}${options.rpc === undefined ? '' : ` via ${options.rpc}`}: ${detail}`,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    const c = KIND_TO_CODE[kind];
    this.kind = kind;
    this.detail = detail;
    this.code = c.code;
    this.status = c.status;
    this.title = c.title;
    // A 4xx other than 429 will not get better by asking the same endpoint again.
    this.retryable = kind === 'http' ? (options.httpStatus ?? 500) >= 500 : c.retryable;
    this.method = options.method;
    this.rpc = options.rpc;
    this.httpStatus = options.httpStatus;
    this.rpcCode = options.rpcCode;
    this.rpcData = options.rpcData;
    this.retryAfterMs = options.retryAfterMs;
  }
}
