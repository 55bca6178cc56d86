/** A per-endpoint request-rate limiter (see `createTokenBucket`). */
export type TokenBucket = {
  /**
   * Reserve `n` tokens now and return how many ms the caller must wait before using them
   * (0 when they were available). Reservations queue up: concurrent callers wait in turn.
   */
  reserve(n: number): number;
};

/**
 * A token bucket refilled at `ratePerSecond`, holding at most one second's worth of tokens
 * (at least 1), so a burst after a quiet period is bounded by the rate itself.
 * @example
 * const bucket = createTokenBucket(10, Date.now);
 * await sleep(bucket.reserve(1)); // then send one request
 */
export function createTokenBucket(ratePerSecond: number, now: () => number): TokenBucket {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
    throw new RangeError(`requestsPerSecond must be a positive number (got ${ratePerSecond})`);
  const capacity = Math.max(1, ratePerSecond);
  let tokens = capacity;
  let last = now();
  return {
    reserve(n) {
      const t = now();
      tokens = Math.min(capacity, tokens + ((t - last) * ratePerSecond) / 1000);
      last = t;
      // Going negative is the reservation: later callers see the debt and wait behind us.
      tokens -= n;
      return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / ratePerSecond);
    },
  };
}
