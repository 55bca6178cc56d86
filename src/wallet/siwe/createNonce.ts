import { randomBytes } from '@noble/hashes/utils.js';

const NONCE_LENGTH_CHARS = 17;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A SIWE nonce: `length` (default 17, min 8) alphanumerics from the platform CSPRNG, ~5.95 bits
 * each (17 chars ≈ 101 bits). Storing it and refusing replays is the caller's job.
 */
export function createNonce(length = NONCE_LENGTH_CHARS): string {
  if (!Number.isSafeInteger(length) || length < 8)
    throw new RangeError('nonce length must be an integer >= 8');
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Rejection sampling: 248 = 4 * 62 keeps every character equally likely.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}
