import { timingSafeEqual } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes } from '@noble/hashes/utils.js';
import { gf256Interpolate, type RawShare } from './gf256.js';
import { RecoveryError } from './recoveryError.js';

const SECRET_INDEX = 255;
const DIGEST_INDEX = 254;
const DIGEST_LENGTH_BYTES = 4;
const MAX_SHARE_COUNT = 16;

/**
 * SLIP-39's Shamir layer: the secret sits at x = 255 and a digest share (HMAC-SHA256(R, S)[0:4] ++ R) at
 * x = 254, so a wrong or mixed share set is detected on recovery instead of yielding garbage.
 */
export const shamirWithDigest = {
  split(threshold: number, count: number, secret: Uint8Array, random = randomBytes): RawShare[] {
    if (!Number.isInteger(threshold) || threshold < 1)
      throw new RecoveryError('SHARE_BAD_OPTIONS', 'threshold must be >= 1');
    if (threshold > count)
      throw new RecoveryError('SHARE_BAD_OPTIONS', 'threshold must not exceed the share count');
    if (count > MAX_SHARE_COUNT)
      throw new RecoveryError('SHARE_BAD_OPTIONS', `at most ${MAX_SHARE_COUNT} shares`);
    if (threshold === 1) return Array.from({ length: count }, (_, x) => ({ x, y: secret.slice() }));
    if (secret.length < DIGEST_LENGTH_BYTES) throw new RecoveryError('SHARE_BAD_OPTIONS', 'secret too short');
    const shares: RawShare[] = Array.from({ length: threshold - 2 }, (_, x) => ({
      x,
      y: random(secret.length),
    }));
    const randomPart = random(secret.length - DIGEST_LENGTH_BYTES);
    const digest = hmac(sha256, randomPart, secret).subarray(0, DIGEST_LENGTH_BYTES);
    const base = [
      ...shares,
      { x: DIGEST_INDEX, y: concatBytes(digest, randomPart) },
      { x: SECRET_INDEX, y: secret },
    ];
    for (let x = threshold - 2; x < count; x++) shares.push({ x, y: gf256Interpolate(base, x) });
    return shares;
  },

  recover(threshold: number, shares: readonly RawShare[]): Uint8Array {
    if (threshold === 1) return shares[0]!.y.slice();
    const secret = gf256Interpolate(shares, SECRET_INDEX);
    const digestShare = gf256Interpolate(shares, DIGEST_INDEX);
    const expected = hmac(sha256, digestShare.subarray(DIGEST_LENGTH_BYTES), secret).subarray(
      0,
      DIGEST_LENGTH_BYTES,
    );
    if (!timingSafeEqual(expected, digestShare.subarray(0, DIGEST_LENGTH_BYTES))) {
      secret.fill(0);
      throw new RecoveryError('SHARE_BAD_DIGEST', 'The shares do not belong together (digest mismatch)');
    }
    return secret;
  },
};
