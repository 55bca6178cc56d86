import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { evmAddress } from '../keys/evmAddress.js';
import { deriveKdfKey, hexField } from './kdf.js';
import { KeystoreError } from './keystoreError.js';
import { passwordBytes } from './passwordBytes.js';

/** A decrypted keystore: the private key (secret) and its checksummed address. */
export type DecryptedKeystore = { privateKey: Uint8Array; address: string };

function parse(json: unknown): Record<string, unknown> {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch {
      throw new KeystoreError('KEYSTORE_MALFORMED', 'Keystore is not valid JSON', '$');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KeystoreError('KEYSTORE_MALFORMED', 'Keystore must be a JSON object', '$');
  }
  return value as Record<string, unknown>;
}

/**
 * Decrypts a Web3 Secret Storage v3 keystore (scrypt or pbkdf2, aes-128-ctr) from geth, ethers or MetaMask.
 * Throws `KEYSTORE_BAD_PASSWORD` on MAC mismatch and `KEYSTORE_MALFORMED` naming the bad field.
 */
export async function decryptKeystore(
  json: unknown,
  password: string | Uint8Array,
): Promise<DecryptedKeystore> {
  const ks = parse(json);
  if (ks.version !== 3) throw new KeystoreError('KEYSTORE_UNSUPPORTED', 'version must be 3', 'version');
  // MyEtherWallet writes "Crypto"; the spec says "crypto".
  const cryptoKey = 'crypto' in ks ? 'crypto' : 'Crypto';
  const c = ks[cryptoKey];
  if (typeof c !== 'object' || c === null)
    throw new KeystoreError('KEYSTORE_MALFORMED', 'crypto must be an object', 'crypto');
  const cr = c as Record<string, unknown>;
  if (cr.cipher !== 'aes-128-ctr') {
    throw new KeystoreError('KEYSTORE_UNSUPPORTED', 'crypto.cipher must be aes-128-ctr', 'crypto.cipher');
  }
  const cp = cr.cipherparams as Record<string, unknown> | undefined;
  const iv = hexField(cp?.iv, 'crypto.cipherparams.iv');
  if (iv.length !== 16)
    throw new KeystoreError(
      'KEYSTORE_MALFORMED',
      'crypto.cipherparams.iv must be 16 bytes',
      'crypto.cipherparams.iv',
    );
  const ciphertext = hexField(cr.ciphertext, 'crypto.ciphertext');
  if (ciphertext.length !== 32) {
    throw new KeystoreError('KEYSTORE_MALFORMED', 'crypto.ciphertext must be 32 bytes', 'crypto.ciphertext');
  }
  const mac = hexField(cr.mac, 'crypto.mac');
  if (mac.length !== 32)
    throw new KeystoreError('KEYSTORE_MALFORMED', 'crypto.mac must be 32 bytes', 'crypto.mac');
  const derived = await deriveKdfKey(cr.kdf, cr.kdfparams, passwordBytes(password), 'crypto');
  const expected = keccak_256(concatBytes(derived.subarray(16, 32), ciphertext));
  if (!timingSafeEqual(expected, mac)) {
    derived.fill(0);
    throw new KeystoreError('KEYSTORE_BAD_PASSWORD', 'Wrong password (keystore MAC mismatch)');
  }
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const privateKey = new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  derived.fill(0);
  let address: string;
  try {
    address = evmAddress(privateKey);
  } catch {
    throw new KeystoreError(
      'KEYSTORE_MALFORMED',
      'Decrypted key is not a valid secp256k1 key',
      'crypto.ciphertext',
    );
  }
  if (
    typeof ks.address === 'string' &&
    ks.address.replace(/^0x/, '').toLowerCase() !== address.slice(2).toLowerCase()
  ) {
    throw new KeystoreError('KEYSTORE_MALFORMED', 'address does not match the decrypted key', 'address');
  }
  return { privateKey, address };
}
