import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { KeyDerivationError } from './keyDerivationError.js';
import { parsePath } from './parsePath.js';

const HARDENED_OFFSET = 0x80000000;
const ED25519_SEED_KEY = new TextEncoder().encode('ed25519 seed');

/** An ed25519 SLIP-10 node. `publicKey` is the raw 32-byte key (SLIP-10 prints it with a 0x00 prefix). */
export type Slip10Node = { privateKey: Uint8Array; chainCode: Uint8Array; publicKey: Uint8Array };

/**
 * SLIP-10 ed25519 derivation (hardened only, as the spec requires): HMAC-SHA512 glue over @noble primitives.
 * @example slip10Ed25519(seed, "m/44'/501'/0'/0'")
 */
export function slip10Ed25519(seed: Uint8Array, path: string): Slip10Node {
  if (seed.length < 16 || seed.length > 64) {
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'Seed must be 16 to 64 bytes');
  }
  return slip10Derive(hmac(sha512, ED25519_SEED_KEY, seed), parsePath(path), path);
}

/**
 * Continue a SLIP-10 ed25519 derivation from a node (`I` = private key ‖ chain code) along
 * hardened `indexes`: lets account discovery derive the shared parent once.
 */
export function slip10Derive(node: Uint8Array, indexes: readonly number[], path = 'm/…'): Slip10Node {
  let I = node;
  for (const index of indexes) {
    if (index < HARDENED_OFFSET) {
      throw new KeyDerivationError('KEY_BAD_PATH', `ed25519 supports only hardened derivation: ${path}`);
    }
    const data = new Uint8Array(37);
    data.set(I.subarray(0, 32), 1); // 0x00 || ser256(k_par) || ser32(i)
    new DataView(data.buffer).setUint32(33, index, false);
    I = hmac(sha512, I.subarray(32), data);
  }
  const privateKey = I.slice(0, 32);
  return { privateKey, chainCode: I.slice(32), publicKey: ed25519.getPublicKey(privateKey) };
}
