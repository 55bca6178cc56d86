import { secp256k1 } from '@noble/curves/secp256k1.js';
import { InvalidPrivateKeyError } from './errors.js';

/** Which curve a private key is checked against. */
export type PrivateKeyCurve = 'secp256k1' | 'ed25519';

/**
 * Throw `InvalidPrivateKeyError` unless `key` is a valid 32-byte secret for `curve`.
 * The message states only what was wrong with the shape, never the value.
 */
export function assertPrivateKey(
  key: unknown,
  curve: PrivateKeyCurve = 'secp256k1',
): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new InvalidPrivateKeyError('private key must be a Uint8Array');
  if (key.length !== 32) throw new InvalidPrivateKeyError(`private key must be 32 bytes, got ${key.length}`);
  // ed25519 seeds are any 32 bytes; secp256k1 scalars must lie in [1, n-1].
  if (curve === 'ed25519') return;
  if (!secp256k1.utils.isValidSecretKey(key)) {
    throw new InvalidPrivateKeyError('private key is out of range for secp256k1');
  }
}
