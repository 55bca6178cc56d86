import { describe, expect, it } from 'vitest';
import { backoffDelayMs, RPC_MAX_DELAY_MS } from './backoffDelayMs.js';
import { createTokenBucket } from './tokenBucket.js';

describe('createTokenBucket', () => {
  it('lets a one-second burst through, then queues reservations at the rate', () => {
    let t = 0;
    const bucket = createTokenBucket(4, () => t);
    expect([1, 1, 1, 1].map((n) => bucket.reserve(n))).toEqual([0, 0, 0, 0]);
    expect(bucket.reserve(1)).toBe(250);
    expect(bucket.reserve(1)).toBe(500);
    t += 500;
    expect(bucket.reserve(2)).toBe(500);
  });

  it('counts each call of a batch', () => {
    const bucket = createTokenBucket(10, () => 0);
    expect(bucket.reserve(30)).toBe(2_000);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => createTokenBucket(0, () => 0)).toThrow(RangeError);
  });
});

describe('backoffDelayMs', () => {
  it('doubles, with jitter between half and all of the step, and is capped', () => {
    expect(backoffDelayMs(0, () => 0)).toBe(125);
    expect(backoffDelayMs(0, () => 0.999999)).toBe(250);
    expect(backoffDelayMs(3, () => 0.5)).toBe(1_500);
    expect(backoffDelayMs(30, () => 0.999999)).toBe(RPC_MAX_DELAY_MS);
  });
});
