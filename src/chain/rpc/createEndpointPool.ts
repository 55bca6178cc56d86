import type { RpcError } from './RpcError.js';
import { redactRpcUrl } from './redactRpcUrl.js';
import { createTokenBucket, type TokenBucket } from './tokenBucket.js';
import type { RpcLogger } from './types.js';

/** Consecutive failures (timeouts, network errors, 5xx, garbage) that put an endpoint on cooldown. */
export const RPC_FAILURES_BEFORE_COOLDOWN = 3;
/** First cooldown, in ms; doubles each time the endpoint fails again right after one. */
export const RPC_COOLDOWN_BASE_MS = 5_000;
export const RPC_COOLDOWN_MAX_MS = 120_000;

/** One RPC URL and what we learned about it. */
export type Endpoint = {
  index: number;
  /** The raw URL: only ever given to `fetch`. */
  readonly url: string;
  /** `redactRpcUrl(url)`: what logs and errors show. */
  readonly label: string;
  bucket: TokenBucket | null;
  /** false once the endpoint rejected a JSON-RPC batch. */
  batchSupported: boolean;
  consecutiveFailures: number;
  /** Cooldowns in a row without a success in between (sets the next cooldown's length). */
  cooldowns: number;
  /** Unhealthy until then (clock ms): skipped while another endpoint is healthy. */
  cooldownUntil: number;
  /** Rate limited until then (clock ms): asked to wait, e.g. by Retry-After. */
  blockedUntil: number;
};

export type EndpointChoice = { endpoint: Endpoint; waitMs: number };

/** The endpoints of one chain, their health, and which one to use next. */
export type EndpointPool = {
  readonly endpoints: readonly Endpoint[];
  /**
   * The first healthy, ready endpoint in order of preference, preferring one not in `tried`, then
   * one other than `lastFailed`. If every healthy endpoint is rate limited, the one free soonest,
   * with the wait. null when every endpoint is cooling down.
   */
  pick(tried?: ReadonlySet<number>, lastFailed?: number): EndpointChoice | null;
  /** Whether some healthy endpoint is not in `tried` (a failover target). */
  hasUntried(tried: ReadonlySet<number>): boolean;
  allCoolingDown(): boolean;
  /** ms until the first endpoint comes out of its cooldown (0 if one is healthy). */
  msUntilRecovery(): number;
  recordSuccess(endpoint: Endpoint): void;
  recordFailure(endpoint: Endpoint, error: RpcError): void;
  recordRateLimit(endpoint: Endpoint, waitMs: number): void;
};

/**
 * Track the health of a chain's RPC URLs: a URL failing `RPC_FAILURES_BEFORE_COOLDOWN` times in a
 * row is skipped for a cooldown (5 s, doubling up to 2 min while it keeps failing), then gets
 * traffic again; the first URL that is healthy is preferred, so traffic returns to the primary
 * once it recovers.
 * @example
 * const pool = createEndpointPool({ urls, now: Date.now });
 * const choice = pool.pick(); // { endpoint, waitMs } | null
 */
export function createEndpointPool(options: {
  urls: readonly string[];
  requestsPerSecond?: number | undefined;
  now: () => number;
  logger?: RpcLogger | undefined;
  chainId?: number | undefined;
}): EndpointPool {
  const { now, logger } = options;
  const endpoints: Endpoint[] = options.urls.map((url, index) => ({
    index,
    url,
    label: redactRpcUrl(url),
    bucket:
      options.requestsPerSecond === undefined ? null : createTokenBucket(options.requestsPerSecond, now),
    batchSupported: true,
    consecutiveFailures: 0,
    cooldowns: 0,
    cooldownUntil: 0,
    blockedUntil: 0,
  }));
  const healthy = (t: number) => endpoints.filter((e) => e.cooldownUntil <= t);

  return {
    endpoints,
    pick(tried, lastFailed) {
      const t = now();
      const candidates = healthy(t);
      if (candidates.length === 0) return null;
      const ready = candidates.filter((e) => e.blockedUntil <= t);
      const endpoint =
        ready.find((e) => !tried?.has(e.index)) ?? ready.find((e) => e.index !== lastFailed) ?? ready[0];
      if (endpoint) return { endpoint, waitMs: 0 };
      let soonest = candidates[0]!;
      for (const e of candidates) if (e.blockedUntil < soonest.blockedUntil) soonest = e;
      return { endpoint: soonest, waitMs: soonest.blockedUntil - t };
    },
    hasUntried(tried) {
      return healthy(now()).some((e) => !tried.has(e.index));
    },
    allCoolingDown() {
      return healthy(now()).length === 0;
    },
    msUntilRecovery() {
      const t = now();
      return Math.max(0, Math.min(...endpoints.map((e) => e.cooldownUntil - t)));
    },
    recordSuccess(e) {
      if (e.cooldowns > 0)
        logger?.debug(
          { chainId: options.chainId, rpc: e.label },
          'rpc endpoint answered again after a cooldown',
        );
      e.consecutiveFailures = 0;
      e.cooldowns = 0;
    },
    recordFailure(e, error) {
      e.consecutiveFailures += 1;
      if (e.consecutiveFailures < RPC_FAILURES_BEFORE_COOLDOWN) return;
      const ms = Math.min(RPC_COOLDOWN_MAX_MS, RPC_COOLDOWN_BASE_MS * 2 ** e.cooldowns);
      e.cooldownUntil = now() + ms;
      e.cooldowns += 1;
      // One more failure after the cooldown (a failed probe) starts the next, longer cooldown.
      e.consecutiveFailures = RPC_FAILURES_BEFORE_COOLDOWN - 1;
      logger?.warn(
        { chainId: options.chainId, rpc: e.label, kind: error.kind, cooldownMs: ms, error: error.message },
        'rpc endpoint keeps failing: cooling down',
      );
    },
    recordRateLimit(e, waitMs) {
      e.blockedUntil = Math.max(e.blockedUntil, now() + waitMs);
    },
  };
}
