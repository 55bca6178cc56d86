import { createDecipheriv } from 'node:crypto';
import { deriveKdfKey, hexField } from './kdf.js';
import { KeystoreError } from './keystoreError.js';
import { passwordBytes } from './passwordBytes.js';
import { type VaultContents, type VaultFile, vaultHeaderBytes } from './vaultFormat.js';

/**
 * Opens a vault written by `encryptVault`. Wrong password (or any tampering) → `KEYSTORE_BAD_PASSWORD`;
 * a bad field → `KEYSTORE_MALFORMED` naming it.
 */
export async function decryptVault(json: unknown, password: string | Uint8Array): Promise<VaultContents> {
  let v: unknown = json;
  if (typeof json === 'string') {
    try {
      v = JSON.parse(json);
    } catch {
      throw new KeystoreError('KEYSTORE_MALFORMED', 'Vault is not valid JSON', '$');
    }
  }
  if (typeof v !== 'object' || v === null)
    throw new KeystoreError('KEYSTORE_MALFORMED', 'Vault must be an object', '$');
  const file = v as Partial<VaultFile>;
  if (file.type !== 'sextant-vault')
    throw new KeystoreError('KEYSTORE_MALFORMED', 'type must be sextant-vault', 'type');
  if (file.version !== 1) throw new KeystoreError('KEYSTORE_UNSUPPORTED', 'version must be 1', 'version');
  if (file.kdf?.name !== 'scrypt')
    throw new KeystoreError('KEYSTORE_UNSUPPORTED', 'kdf.name must be scrypt', 'kdf.name');
  if (file.cipher?.name !== 'aes-256-gcm') {
    throw new KeystoreError('KEYSTORE_UNSUPPORTED', 'cipher.name must be aes-256-gcm', 'cipher.name');
  }
  const iv = hexField(file.cipher.iv, 'cipher.iv');
  if (iv.length !== 12)
    throw new KeystoreError('KEYSTORE_MALFORMED', 'cipher.iv must be 12 bytes', 'cipher.iv');
  const ciphertext = hexField(file.ciphertext, 'ciphertext');
  const tag = hexField(file.tag, 'tag');
  if (tag.length !== 16) throw new KeystoreError('KEYSTORE_MALFORMED', 'tag must be 16 bytes', 'tag');
  const key = await deriveKdfKey('scrypt', file.kdf, passwordBytes(password), 'kdf');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(vaultHeaderBytes(file as VaultFile));
  decipher.setAuthTag(tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new KeystoreError('KEYSTORE_BAD_PASSWORD', 'Wrong password (vault authentication failed)');
  } finally {
    key.fill(0);
  }
  const contents = JSON.parse(plaintext.toString('utf8')) as VaultContents;
  plaintext.fill(0);
  return contents;
}
