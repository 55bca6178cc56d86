import { createCipheriv, randomBytes } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { validateMnemonic } from '../keys/validateMnemonic.js';
import { deriveKdfKey } from './kdf.js';
import { KeystoreError } from './keystoreError.js';
import { passwordBytes } from './passwordBytes.js';
import { type VaultContents, type VaultFile, vaultHeaderBytes } from './vaultFormat.js';

const DEFAULT_SCRYPT_N = 1 << 17;

/**
 * Encrypts a mnemonic (with its optional BIP39 passphrase) and its account list into a vault (scrypt + AES-256-GCM, header authenticated).
 * @example await writeSecretFile(path, JSON.stringify(await encryptVault({ mnemonic, accounts }, pw)))
 */
export async function encryptVault(
  contents: VaultContents,
  password: string | Uint8Array,
  options: { scryptN?: number } = {},
): Promise<VaultFile> {
  validateMnemonic(contents.mnemonic);
  if (!Array.isArray(contents.accounts))
    throw new KeystoreError('KEYSTORE_MALFORMED', 'accounts must be an array', 'accounts');
  const { passphrase } = contents;
  if (passphrase !== undefined && typeof passphrase !== 'string')
    throw new KeystoreError('KEYSTORE_MALFORMED', 'passphrase must be a string', 'passphrase');
  const header: Pick<VaultFile, 'version' | 'type' | 'kdf' | 'cipher'> = {
    version: 1,
    type: 'sextant-vault',
    kdf: {
      name: 'scrypt',
      n: options.scryptN ?? DEFAULT_SCRYPT_N,
      r: 8,
      p: 1,
      dklen: 32,
      salt: bytesToHex(randomBytes(32)),
    },
    cipher: { name: 'aes-256-gcm', iv: bytesToHex(randomBytes(12)) },
  };
  const key = await deriveKdfKey('scrypt', header.kdf, passwordBytes(password), 'kdf');
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(header.cipher.iv, 'hex'));
  cipher.setAAD(vaultHeaderBytes(header));
  const plaintext = Buffer.from(
    // An empty passphrase is BIP39's default: left out so such vaults decrypt to the same shape as before.
    JSON.stringify({
      mnemonic: contents.mnemonic,
      ...(passphrase ? { passphrase } : {}),
      accounts: contents.accounts,
    }),
    'utf8',
  );
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  plaintext.fill(0);
  key.fill(0);
  return { ...header, ciphertext: ciphertext.toString('hex'), tag: cipher.getAuthTag().toString('hex') };
}
