import {
  ForbiddenError,
  InvalidApiKeyError,
  QuotaExceededError,
  RateLimitedError,
  RevokedApiKeyError,
  UnauthorizedError,
} from '../internal/errors.js';
import { type ApiKey, looksLikeSecret } from '../keys/index.js';
import type { AuthInfo, AuthPolicy } from '../operations/index.js';
import type { Services } from '../services/index.js';

const KEY_CACHE_TTL_MS = 60_000; // Fallback bound on a stale entry; revocations also invalidate via the bus.
const KEY_CACHE_MAX_ENTRIES = 10_000;
const MINUTE_MS = 60_000;
const REVOKED_TOPIC = 'keys.revoked';

/** Rate-limit state of one request, sent as RateLimit-* headers. */
export type LimitState = { limit: number; remaining: number; resetSeconds: number };

type MaybePromise<T> = T | Promise<T>;

/** Apply `f` now if `v` is a value, after it resolves if it is a promise (no microtask on the fast path). */
function then<A, B>(v: MaybePromise<A>, f: (a: A) => MaybePromise<B>): MaybePromise<B> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** Who called and the rate-limit state of the request. */
export type AuthResult = { auth: AuthInfo; limit: LimitState };

export type Authenticator = {
  /**
   * Identify the caller, enforce the operation's policy, the per-minute limit and the monthly
   * quota. Throws (or rejects with) the matching 401/403/429 error; on success returns who called
   * and the limit state — synchronously when the key is cached and the counters are in memory.
   */
  authenticate(
    headers: Record<string, string | string[] | undefined>,
    ip: string,
    policy: AuthPolicy,
    nowMs: number,
  ): MaybePromise<AuthResult>;
  /** Announce a revocation to every process on the bus (and drop it from this cache). */
  announceRevoked(keyId: string): void;
  close(): void;
};

function presentedSecret(headers: Record<string, string | string[] | undefined>): string | undefined {
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.length > 0) return x.trim();
  const a = headers.authorization;
  if (typeof a === 'string' && a.length > 7 && a.slice(0, 7).toLowerCase() === 'bearer ')
    return a.slice(7).trim();
  return undefined;
}

function endOfMonthMs(nowMs: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function createAuthenticator(services: Services): Authenticator {
  const { config, bus, metrics } = services.common;
  // Presented secret → key (or null for an unknown, well-formed secret). Keyed by the secret
  // itself so a cache hit skips both the format check and SHA-256 (only the hash is stored in
  // the database; secrets stay in this process's memory no longer than KEY_CACHE_TTL_MS, as
  // they already pass through it in request headers).
  const cache = new Map<string, { key: ApiKey | null; expiresAt: number }>();
  const unsubscribe = bus.subscribe(REVOKED_TOPIC, (message) => {
    const id = (message as { id?: unknown }).id;
    for (const [h, entry] of cache) if (entry.key?.id === id) cache.delete(h);
  });

  /** The key for a secret: from the cache (synchronously) or the database. */
  function resolveKey(secret: string, nowMs: number): MaybePromise<ApiKey | null> {
    const entry = cache.get(secret);
    if (entry !== undefined && entry.expiresAt > nowMs) return entry.key;
    if (!looksLikeSecret(secret)) {
      throw new InvalidApiKeyError('API key is malformed (expected sxt_ followed by 32 characters)');
    }
    return loadKey(secret, nowMs);
  }

  async function loadKey(secret: string, nowMs: number): Promise<ApiKey | null> {
    const key = await services.keys.findBySecret(secret);
    if (cache.size >= KEY_CACHE_MAX_ENTRIES) cache.clear();
    cache.set(secret, { key, expiresAt: nowMs + KEY_CACHE_TTL_MS });
    if (key && !key.revokedAt) {
      // Seed this month's quota counter from stored usage (a no-op if the counter already exists).
      const limits = config.tiers[key.tier];
      if (limits.monthlyQuota > 0) {
        const month = new Date(nowMs).toISOString().slice(0, 7);
        const used = await services.usage.monthTotal(key.id, nowMs);
        await services.counters.seed(`q:${key.id}:${month}`, used, endOfMonthMs(nowMs) - nowMs + 86_400_000);
      }
    }
    return key;
  }

  function hit(
    counterKey: string,
    limit: number,
    nowMs: number,
  ): MaybePromise<LimitState & { count: number }> {
    const windowStart = nowMs - (nowMs % MINUTE_MS);
    const windowEnd = windowStart + MINUTE_MS;
    const r = services.counters.incr(`rl:${counterKey}:${windowStart}`, windowEnd - nowMs + 1000);
    return then(r, (count) => ({
      count,
      limit,
      remaining: Math.max(0, limit - count),
      resetSeconds: Math.max(1, Math.ceil((windowEnd - nowMs) / 1000)),
    }));
  }

  function limited(state: LimitState): RateLimitedError {
    metrics.rateLimited.inc({ reason: 'rate' });
    return new RateLimitedError(`rate limit of ${state.limit} requests per minute exceeded`, {
      headers: {
        'retry-after': String(state.resetSeconds),
        'ratelimit-limit': String(state.limit),
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(state.resetSeconds),
      },
    });
  }

  return {
    authenticate(headers, ip, policy, nowMs) {
      const secret = presentedSecret(headers);
      if (secret === undefined) {
        if (!policy.anonymous) {
          throw new UnauthorizedError(
            'this endpoint needs an API key (x-api-key header or Authorization: Bearer)',
          );
        }
        if (!config.anonymousAccess) {
          throw new UnauthorizedError('anonymous access is disabled on this server: send an API key');
        }
        return then(hit(`ip:${ip}`, config.anonymousRpm, nowMs), (state): AuthResult => {
          if (state.count > state.limit) throw limited(state);
          return { auth: { type: 'anonymous', ip }, limit: state };
        });
      }
      return then(resolveKey(secret, nowMs), (key) => {
        if (!key) throw new InvalidApiKeyError('API key is not recognised');
        if (key.revokedAt) throw new RevokedApiKeyError(`API key ${key.id} was revoked at ${key.revokedAt}`);
        if (policy.scope && !key.scopes.includes(policy.scope)) {
          throw new ForbiddenError(`API key ${key.id} lacks the '${policy.scope}' scope this endpoint needs`);
        }
        const limits = config.tiers[key.tier];
        return then(hit(key.id, limits.rpm, nowMs), (state) => {
          if (state.count > state.limit) throw limited(state);
          const done = (): AuthResult => {
            services.usage.record(key.id, nowMs);
            return { auth: { type: 'key', key, ip }, limit: state };
          };
          if (limits.monthlyQuota <= 0) return done();
          const month = new Date(nowMs).toISOString().slice(0, 7);
          const endMs = endOfMonthMs(nowMs);
          return then(services.counters.incr(`q:${key.id}:${month}`, endMs - nowMs + 86_400_000), (used) => {
            if (used > limits.monthlyQuota) {
              metrics.rateLimited.inc({ reason: 'quota' });
              throw new QuotaExceededError(
                `monthly quota of ${limits.monthlyQuota} requests for the '${key.tier}' tier is used up; it resets at ${new Date(endMs).toISOString()}`,
                { headers: { 'retry-after': String(Math.ceil((endMs - nowMs) / 1000)) } },
              );
            }
            return done();
          });
        });
      });
    },
    announceRevoked(keyId) {
      for (const [h, entry] of cache) if (entry.key?.id === keyId) cache.delete(h);
      bus.publish(REVOKED_TOPIC, { id: keyId });
    },
    close() {
      unsubscribe();
      cache.clear();
    },
  };
}
