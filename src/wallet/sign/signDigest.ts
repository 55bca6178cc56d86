import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, type Hex } from 'viem';
import { assertPrivateKey } from './assertPrivateKey.js';
import { InvalidPrivateKeyError } from './errors.js';

// Window-8 precomputation of the base point (~0.3 s once, ~1 MB): noble-curves 2 leaves it off by
// default and k·G dominates signing; with it, signing is ~1.7x faster.
const BASE_POINT_WINDOW_BITS = 8;
secp256k1.Point.BASE.precompute(BASE_POINT_WINDOW_BITS);

/** An ECDSA secp256k1 signature split into its Ethereum parts. */
export type EcdsaSignature = {
  r: Hex;
  s: Hex;
  /** 0 or 1: the parity of the ephemeral point's y (the recovery id). */
  yParity: 0 | 1;
};

/**
 * Sign a 32-byte digest with secp256k1 (RFC 6979 deterministic nonce, low-s), as Ethereum does.
 * The digest is signed as is: callers hash (keccak256) first.
 */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): EcdsaSignature {
  assertPrivateKey(privateKey);
  let sig: Uint8Array;
  try {
    sig = secp256k1.sign(digest, privateKey, { prehash: false, lowS: true, format: 'recovered' });
  } catch {
    // No cause: a library error could echo its arguments, and one of them is the key.
    throw new InvalidPrivateKeyError('signing failed');
  }
  // 'recovered' format is recovery byte first, then r (32) and s (32).
  return {
    r: bytesToHex(sig.subarray(1, 33)),
    s: bytesToHex(sig.subarray(33, 65)),
    yParity: sig[0] === 1 ? 1 : 0,
  };
}
