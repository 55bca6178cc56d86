import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { KeystoreError } from './keystoreError.js';

// Upper bounds so a hostile file cannot make us allocate gigabytes (scrypt memory = 128 * N * r bytes).
const MAX_SCRYPT_MEMORY_BYTES = 1 << 30;
const MAX_PBKDF2_ROUNDS = 10_000_000;

/** KDF parameters as stored in Web3 Secret Storage and in the vault format. */
export type KdfParams =
  | { kdf: 'scrypt'; kdfparams: { dklen: number; n: number; r: number; p: number; salt: string } }
  | { kdf: 'pbkdf2'; kdfparams: { dklen: number; c: number; prf: 'hmac-sha256'; salt: string } };

const num = (v: unknown, field: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new KeystoreError('KEYSTORE_MALFORMED', `${field} must be a positive integer`, field);
  }
  return v;
};

/** Parses a hex field (with or without 0x) or throws `KEYSTORE_MALFORMED` naming it. */
export function hexField(v: unknown, field: string): Uint8Array {
  if (typeof v !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(v)) {
    throw new KeystoreError('KEYSTORE_MALFORMED', `${field} must be a hex string`, field);
  }
  return hexToBytes(v.replace(/^0x/, ''));
}

/** Runs the keystore KDF (validating its parameters) with @noble/hashes scrypt or PBKDF2-HMAC-SHA256. */
export async function deriveKdfKey(
  kdf: unknown,
  params: unknown,
  password: Uint8Array,
  prefix: string,
): Promise<Uint8Array> {
  if (typeof params !== 'object' || params === null) {
    throw new KeystoreError(
      'KEYSTORE_MALFORMED',
      `${prefix}.kdfparams must be an object`,
      `${prefix}.kdfparams`,
    );
  }
  const p = params as Record<string, unknown>;
  const f = (name: string) => `${prefix}.kdfparams.${name}`;
  const salt = hexField(p.salt, f('salt'));
  const dkLen = num(p.dklen, f('dklen'));
  if (dkLen < 32 || dkLen > 64)
    throw new KeystoreError('KEYSTORE_MALFORMED', `${f('dklen')} must be 32..64`, f('dklen'));
  if (kdf === 'scrypt') {
    const N = num(p.n, f('n'));
    const r = num(p.r, f('r'));
    const pp = num(p.p, f('p'));
    if ((N & (N - 1)) !== 0 || N < 2)
      throw new KeystoreError('KEYSTORE_MALFORMED', `${f('n')} must be a power of 2`, f('n'));
    if (128 * N * r > MAX_SCRYPT_MEMORY_BYTES) {
      throw new KeystoreError('KEYSTORE_UNSUPPORTED', `${f('n')} * r needs more than 1 GiB`, f('n'));
    }
    return scryptAsync(password, salt, { N, r, p: pp, dkLen, maxmem: MAX_SCRYPT_MEMORY_BYTES + 1024 });
  }
  if (kdf === 'pbkdf2') {
    const c = num(p.c, f('c'));
    if (p.prf !== 'hmac-sha256') {
      throw new KeystoreError('KEYSTORE_UNSUPPORTED', `${f('prf')} must be hmac-sha256`, f('prf'));
    }
    if (c > MAX_PBKDF2_ROUNDS)
      throw new KeystoreError('KEYSTORE_UNSUPPORTED', `${f('c')} is too large`, f('c'));
    return pbkdf2Async(sha256, password, salt, { c, dkLen });
  }
  throw new KeystoreError('KEYSTORE_UNSUPPORTED', `${prefix}.kdf must be scrypt or pbkdf2`, `${prefix}.kdf`);
}
