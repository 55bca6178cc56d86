import { backoffDelayMs } from './backoffDelayMs.js';
import { classifyRpcError, retryAfterFromData } from './classifyRpcError.js';
import { createEndpointPool, type Endpoint } from './createEndpointPool.js';
import { DecodeError } from './decodePrimitives.js';
import { type JsonRpcEnvelope, postJsonRpc, type WireCall } from './postJsonRpc.js';
import { RpcError } from './RpcError.js';
import { createSecretScrubber } from './redactRpcUrl.js';
import type { RpcClock, RpcLogger } from './types.js';

/**
 * Never batched: an `eth_getLogs` answer can be megabytes, and small calls batched with it would
 * wait for it, and time out with it.
 */
const UNBATCHED_METHODS: ReadonlySet<string> = new Set(['eth_getLogs']);
/** A rate limit asking for a longer wait than this fails the call instead of holding it, in ms. */
export const RPC_MAX_RATE_LIMIT_WAIT_MS = 30_000;

export type RpcTransportOptions = {
  chainId: number;
  urls: readonly string[];
  timeoutMs: number;
  maxRetries: number;
  requestsPerSecond?: number | undefined;
  batch: { maxSize: number; waitMs: number } | false;
  logger?: RpcLogger | undefined;
  clock: RpcClock;
  random: () => number;
};

/** Sends calls; resolves with the decoded value and the (redacted) endpoint that answered. */
export type RpcTransport = {
  readonly endpoints: readonly string[];
  send<T>(
    method: string,
    params: readonly unknown[],
    decode: (raw: unknown) => T,
  ): Promise<{ value: T; rpc: string }>;
};

type Call = WireCall & {
  decode: (raw: unknown) => unknown;
  resolve: (answer: { value: unknown; rpc: string }) => void;
  reject: (error: unknown) => void;
};

/** Retry bookkeeping shared by the calls of one group (one batch, or one single call). */
type GroupState = {
  /** Retries made so far. */
  attempt: number;
  /** Endpoints this group has been sent to. */
  tried: Set<number>;
  /** The endpoint of the last failure: a retry avoids it when another is ready. */
  lastFailed: number | undefined;
  lastError: RpcError | undefined;
};

/** A failed call, and whether asking again can help (`transient`) or only another endpoint can. */
type Failure = { call: Call; error: RpcError; transient: boolean };

/**
 * The HTTP JSON-RPC machinery under `createChainRpc`: batching of concurrent calls, per-endpoint
 * rate limits, timeouts, retries with backoff, failover and cooldowns, and turning decode
 * failures into `malformed` errors that name the endpoint.
 *
 * Hand-written over `fetch` rather than viem's `http`/`fallback` transports because the indexer
 * needs what those hide: the HTTP status and Retry-After of a failure, per-URL health with
 * cooldowns, batches that fall back to single calls on endpoints that refuse them, retries of just
 * the rate-limited calls of a batch, an injectable clock, and errors that never carry the URL
 * (viem's HttpRequestError puts the URL in its message, stripping only `user:password@`, so a
 * key in the path such as Infura's `/v3/<key>` ends up in errors and logs).
 */
export function createRpcTransport(options: RpcTransportOptions): RpcTransport {
  const { clock, random, logger, maxRetries, timeoutMs, chainId } = options;
  const pool = createEndpointPool({
    urls: options.urls,
    requestsPerSecond: options.requestsPerSecond,
    now: clock.now,
    logger,
    chainId,
  });
  const scrub = createSecretScrubber(options.urls);
  const batch = options.batch;
  let nextId = 1;
  let queue: Call[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  function flush(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const group = queue;
    queue = [];
    if (group.length > 0)
      start(group, { attempt: 0, tried: new Set(), lastFailed: undefined, lastError: undefined });
  }

  function start(group: Call[], state: GroupState): void {
    runGroup(group, state).catch((err: unknown) => {
      // A bug below must not leave callers waiting forever (settled calls ignore this).
      for (const c of group) c.reject(err);
    });
  }

  function retryable(failure: Failure, state: GroupState): boolean {
    if (state.attempt >= maxRetries) return false;
    return failure.transient || pool.hasUntried(state.tried);
  }

  /** The error a call ends with: when every endpoint is cooling down, say so (wrapping the last error). */
  function finalError(error: RpcError, method: string): RpcError {
    if (!pool.allCoolingDown() || error.kind === 'rpc' || error.kind === 'range-too-large') return error;
    return new RpcError(
      'unavailable',
      `all ${pool.endpoints.length} endpoint(s) are cooling down after repeated failures (last: ${error.message})`,
      { method, cause: error },
    );
  }

  async function runGroup(initial: Call[], state: GroupState): Promise<void> {
    let calls = initial;
    while (calls.length > 0) {
      const method = calls.length === 1 ? calls[0]!.method : `batch(${calls.length})`;
      const choice = pool.pick(state.tried, state.lastFailed);
      if (choice === null) {
        const last = state.lastError;
        const error = new RpcError(
          'unavailable',
          `all ${pool.endpoints.length} endpoint(s) are cooling down after repeated failures, the first is tried again in ${Math.ceil(pool.msUntilRecovery() / 1000)} s${last ? ` (last: ${last.message})` : ''}`,
          last ? { method, cause: last } : { method },
        );
        for (const c of calls) c.reject(error);
        return;
      }
      const ep = choice.endpoint;
      if (calls.length > 1 && !ep.batchSupported) {
        for (const c of calls) start([c], { ...state, tried: new Set(state.tried) });
        return;
      }
      let waitMs = choice.waitMs;
      if (waitMs > RPC_MAX_RATE_LIMIT_WAIT_MS) {
        const error = new RpcError('rate-limited', `rate limited for another ${Math.ceil(waitMs / 1000)} s`, {
          method,
          rpc: ep.label,
          retryAfterMs: waitMs,
        });
        for (const c of calls) c.reject(error);
        return;
      }
      // A retry on an endpoint this group already used waits; the first hop to another one does not.
      if (state.lastError !== undefined && waitMs === 0 && state.tried.has(ep.index))
        waitMs = backoffDelayMs(state.attempt - 1, random);
      if (ep.bucket) waitMs = Math.max(waitMs, ep.bucket.reserve(calls.length));
      if (waitMs > 0) await clock.sleep(waitMs);
      state.tried.add(ep.index);

      const outcome = await postJsonRpc(ep, calls, { timeoutMs, now: clock.now, scrub });
      let failures: Failure[];
      if (outcome.type === 'batch-rejected') {
        ep.batchSupported = false;
        logger?.warn(
          { chainId, rpc: ep.label, reason: outcome.reason },
          'rpc endpoint rejected a JSON-RPC batch: sending it single calls from now on',
        );
        continue;
      }
      if (outcome.type === 'failed') {
        const error = outcome.error;
        noteFailure(ep, error, state);
        const transient =
          error.kind === 'timeout' ||
          error.kind === 'unavailable' ||
          error.kind === 'rate-limited' ||
          (error.kind === 'http' && error.retryable);
        failures = calls.map((call) => ({
          call,
          error: calls.length === 1 ? error : forCallInBatch(error, call.method, calls.length),
          transient,
        }));
      } else {
        failures = settle(ep, calls, outcome.responses, state);
      }
      calls = [];
      let first: RpcError | undefined;
      for (const f of failures) {
        if (retryable(f, state)) {
          calls.push(f.call);
          first ??= f.error;
        } else f.call.reject(finalError(f.error, f.call.method));
      }
      if (first !== undefined) {
        state.attempt += 1;
        state.lastError = first;
        state.lastFailed = ep.index;
        logger?.debug(
          { chainId, rpc: ep.label, method, kind: first.kind, attempt: state.attempt },
          'rpc request failed: retrying',
        );
      }
    }
  }

  /** The failure of a whole batch as seen by one of its calls (named by its own method). */
  function forCallInBatch(error: RpcError, method: string, size: number): RpcError {
    return new RpcError(error.kind, `${error.detail} (in a batch of ${size})`, {
      method,
      ...(error.rpc === undefined ? {} : { rpc: error.rpc }),
      ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }

  function noteFailure(ep: Endpoint, error: RpcError, state: GroupState): void {
    if (error.kind === 'rate-limited') {
      pool.recordRateLimit(ep, error.retryAfterMs ?? backoffDelayMs(state.attempt, random));
      return;
    }
    // Too many blocks asked of eth_getLogs is the caller's problem, not the endpoint's health.
    if (error.kind === 'range-too-large') return;
    pool.recordFailure(ep, error);
    // A 503 with Retry-After: honour it before asking this endpoint again.
    if (error.retryAfterMs !== undefined) pool.recordRateLimit(ep, error.retryAfterMs);
  }

  /** Resolve or reject each call from its answer; return the ones that failed in a retryable way. */
  function settle(
    ep: Endpoint,
    calls: readonly Call[],
    responses: Map<number, JsonRpcEnvelope>,
    state: GroupState,
  ): Failure[] {
    const failures: Failure[] = [];
    let garbage: RpcError | undefined;
    for (const call of calls) {
      const opts = { method: call.method, rpc: ep.label };
      const env = responses.get(call.id);
      if (env === undefined) {
        // Some endpoints drop calls from batches larger than they allow: ask again.
        failures.push({
          call,
          error: new RpcError('malformed', 'the batch answer has no entry for this call', opts),
          transient: true,
        });
      } else if (env.type === 'malformed') {
        garbage = new RpcError('malformed', env.problem, opts);
        failures.push({ call, error: garbage, transient: false });
      } else if (env.type === 'error') {
        const kind = classifyRpcError(call.method, env.code, env.message);
        const retryAfterMs = retryAfterFromData(env.data);
        const error = new RpcError(kind, `${env.message || 'error'} (code ${env.code})`, {
          ...opts,
          rpcCode: env.code,
          rpcData: env.data,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
        if (kind === 'rate-limited') {
          pool.recordRateLimit(ep, retryAfterMs ?? backoffDelayMs(state.attempt, random));
          failures.push({ call, error, transient: true });
        } else call.reject(error);
      } else {
        let value: unknown;
        try {
          value = call.decode(env.result);
        } catch (err) {
          if (!(err instanceof DecodeError)) {
            call.reject(err);
            continue;
          }
          garbage = new RpcError('malformed', scrub(err.message), opts);
          failures.push({ call, error: garbage, transient: false });
          continue;
        }
        call.resolve({ value, rpc: ep.label });
      }
    }
    if (garbage) pool.recordFailure(ep, garbage);
    else pool.recordSuccess(ep);
    return failures;
  }

  return {
    endpoints: pool.endpoints.map((e) => e.label),
    send<T>(method: string, params: readonly unknown[], decode: (raw: unknown) => T) {
      return new Promise<{ value: T; rpc: string }>((resolve, reject) => {
        let paramsJson: string;
        try {
          paramsJson = JSON.stringify(params);
        } catch (err) {
          reject(new TypeError(`${method}: params are not JSON-serializable (${(err as Error).message})`));
          return;
        }
        const call: Call = {
          id: nextId++,
          method,
          paramsJson,
          decode,
          resolve: resolve as Call['resolve'],
          reject,
        };
        if (batch === false || UNBATCHED_METHODS.has(method)) {
          start([call], { attempt: 0, tried: new Set(), lastFailed: undefined, lastError: undefined });
          return;
        }
        queue.push(call);
        if (queue.length >= batch.maxSize) flush();
        else timer ??= setTimeout(flush, batch.waitMs);
      });
    },
  };
}
