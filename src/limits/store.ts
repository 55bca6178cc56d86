import type { Redis } from 'ioredis';

/**
 * Counters behind rate limits and quotas. Each counter lives until its TTL; every process using
 * the same store shares them, which is how several API replicas enforce one limit together.
 */
export type CounterStore = {
  readonly kind: 'memory' | 'redis';
  /** Add one to `key` (created with `ttlMs` if absent) and return the new value. */
  incr(key: string, ttlMs: number): number | Promise<number>;
  /** Set `key` to `value` only if it does not exist yet (seeding a quota from the database). */
  seed(key: string, value: number, ttlMs: number): void | Promise<void>;
  close(): Promise<void>;
};

const MEMORY_SWEEP_INTERVAL_MS = 30_000;

/** In-process counters: the default for a single server. */
export function createMemoryCounterStore(): CounterStore {
  const counters = new Map<string, { n: number; expiresAt: number }>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [k, v] of counters) if (v.expiresAt <= now) counters.delete(k);
  }, MEMORY_SWEEP_INTERVAL_MS);
  sweep.unref();
  return {
    kind: 'memory',
    incr(key, ttlMs) {
      const now = Date.now();
      const c = counters.get(key);
      if (c === undefined || c.expiresAt <= now) {
        counters.set(key, { n: 1, expiresAt: now + ttlMs });
        return 1;
      }
      c.n += 1;
      return c.n;
    },
    seed(key, value, ttlMs) {
      const now = Date.now();
      const c = counters.get(key);
      if (c === undefined || c.expiresAt <= now) counters.set(key, { n: value, expiresAt: now + ttlMs });
    },
    async close() {
      clearInterval(sweep);
      counters.clear();
    },
  };
}

// INCR and set the expiry in one atomic step, so a crash between them cannot leave an immortal key.
const INCR_LUA = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** Redis counters, shared by every process using the same Redis and prefix. */
export function createRedisCounterStore(redis: Redis, prefix: string): CounterStore {
  redis.defineCommand('sextantIncr', { numberOfKeys: 1, lua: INCR_LUA });
  const r = redis as Redis & { sextantIncr(key: string, ttlMs: number): Promise<number> };
  return {
    kind: 'redis',
    incr(key, ttlMs) {
      return r.sextantIncr(prefix + key, ttlMs);
    },
    async seed(key, value, ttlMs) {
      await redis.set(prefix + key, value, 'PX', ttlMs, 'NX');
    },
    async close() {},
  };
}
