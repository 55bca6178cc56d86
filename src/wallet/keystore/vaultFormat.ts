import type { AccountChain } from '../keys/derivedAccount.js';

/** Metadata of one account kept in a vault (no keys: they are re-derived from the mnemonic). */
export type VaultAccount = { chain: AccountChain; index: number; address: string; label?: string };

/** What a vault protects: the mnemonic, its optional BIP39 passphrase ("25th word") and the account list. */
export type VaultContents = { mnemonic: string; passphrase?: string; accounts: VaultAccount[] };

/**
 * The vault file (JSON). The header (everything but `ciphertext`/`tag`) is bound as AES-GCM
 * associated data, so KDF or cipher parameters cannot be altered without detection.
 */
export type VaultFile = {
  version: 1;
  type: 'sextant-vault';
  kdf: { name: 'scrypt'; n: number; r: number; p: number; dklen: 32; salt: string };
  cipher: { name: 'aes-256-gcm'; iv: string };
  ciphertext: string;
  tag: string;
};

/** The canonical associated data of a vault header. */
export function vaultHeaderBytes(file: Pick<VaultFile, 'version' | 'type' | 'kdf' | 'cipher'>): Uint8Array {
  const { version, type, kdf, cipher } = file;
  return new TextEncoder().encode(
    JSON.stringify({
      version,
      type,
      kdf: { name: kdf.name, n: kdf.n, r: kdf.r, p: kdf.p, dklen: kdf.dklen, salt: kdf.salt },
      cipher: { name: cipher.name, iv: cipher.iv },
    }),
  );
}
