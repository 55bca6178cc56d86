import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { evmAddress } from '../keys/evmAddress.js';
import { deriveKdfKey, type KdfParams } from './kdf.js';
import { KeystoreError } from './keystoreError.js';
import { passwordBytes } from './passwordBytes.js';

// geth's "standard" scrypt parameters (N = 2^18 takes ~1 s and 256 MiB); MetaMask/ethers use 2^17.
const DEFAULT_SCRYPT_N = 1 << 17;
const DEFAULT_PBKDF2_ROUNDS = 262_144;

/** A Web3 Secret Storage v3 keystore (what geth, ethers and MetaMask export). */
export type KeystoreV3 = {
  version: 3;
  id: string;
  address: string;
  crypto: KdfParams & {
    cipher: 'aes-128-ctr';
    cipherparams: { iv: string };
    ciphertext: string;
    mac: string;
  };
};

/** Options for {@link encryptKeystore}. Tests may lower `scryptN`; production should keep the default. */
export type EncryptKeystoreOptions = {
  kdf?: 'scrypt' | 'pbkdf2';
  scryptN?: number;
  scryptR?: number;
  scryptP?: number;
  pbkdf2Rounds?: number;
  /** Deterministic inputs for tests only. */
  salt?: Uint8Array;
  iv?: Uint8Array;
  uuid?: string;
};

/**
 * Encrypts a secp256k1 private key as a v3 keystore: AES-128-CTR under derivedKey[0:16],
 * MAC = keccak256(derivedKey[16:32] ++ ciphertext).
 * @example JSON.stringify(await encryptKeystore(privateKey, 'hunter2'))
 */
export async function encryptKeystore(
  privateKey: Uint8Array,
  password: string | Uint8Array,
  options: EncryptKeystoreOptions = {},
): Promise<KeystoreV3> {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new KeystoreError('KEYSTORE_MALFORMED', 'privateKey must be 32 bytes', 'privateKey');
  }
  const address = evmAddress(privateKey).slice(2).toLowerCase();
  const salt = options.salt ?? randomBytes(32);
  const iv = options.iv ?? randomBytes(16);
  const kdf: KdfParams =
    (options.kdf ?? 'scrypt') === 'scrypt'
      ? {
          kdf: 'scrypt',
          kdfparams: {
            dklen: 32,
            n: options.scryptN ?? DEFAULT_SCRYPT_N,
            r: options.scryptR ?? 8,
            p: options.scryptP ?? 1,
            salt: bytesToHex(salt),
          },
        }
      : {
          kdf: 'pbkdf2',
          kdfparams: {
            dklen: 32,
            c: options.pbkdf2Rounds ?? DEFAULT_PBKDF2_ROUNDS,
            prf: 'hmac-sha256',
            salt: bytesToHex(salt),
          },
        };
  const derived = await deriveKdfKey(kdf.kdf, kdf.kdfparams, passwordBytes(password), 'crypto');
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const ciphertext = new Uint8Array(Buffer.concat([cipher.update(privateKey), cipher.final()]));
  const mac = keccak_256(concatBytes(derived.subarray(16, 32), ciphertext));
  derived.fill(0);
  return {
    version: 3,
    id: options.uuid ?? randomUUID(),
    address,
    crypto: {
      ...kdf,
      cipher: 'aes-128-ctr',
      cipherparams: { iv: bytesToHex(iv) },
      ciphertext: bytesToHex(ciphertext),
      mac: bytesToHex(mac),
    },
  };
}
