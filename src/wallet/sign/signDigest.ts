import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, type Hex } from 'viem';
import { assertPrivateKey } from './assertPrivateKey.js';
import { InvalidPrivateKeyError } from './errors.js';

// Precomputed multiples of the base point: noble-curves 2 leaves them off by default and k·G
// dominates signing. A window of 8 bits (built on the first signature, ~0.14 s, ~1 MB) makes
// signing ~1.7x faster; a process that keeps signing moves to 10 bits (~0.3 s more, ~7 MB),
// another 10-15 % (fewer point additions per k·G). A one-off signature (the CLI) never pays
// for the larger table.
const BASE_POINT_WINDOW_BITS = 8;
const BULK_WINDOW_BITS = 10;
const BULK_AFTER_SIGNATURES = 200;
secp256k1.Point.BASE.precompute(BASE_POINT_WINDOW_BITS);
let signatures = 0;

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
  if (++signatures === BULK_AFTER_SIGNATURES) secp256k1.Point.BASE.precompute(BULK_WINDOW_BITS);
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
