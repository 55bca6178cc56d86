/**
 * The wallet toolkit's public entry (`sextant/wallet`): mnemonics and HD derivation, watch-only
 * xpubs, address validation, signing and verification (EVM, Bitcoin PSBT, Solana), SIWE,
 * keystores and vaults, SLIP-39 and plain Shamir recovery.
 *
 * Pure: nothing here touches the disk or the network (randomness comes from the platform CSPRNG,
 * clocks are passed in). The two file helpers of the keystore, `readSecretFile` and
 * `writeSecretFile`, do I/O and are deliberately left out; the CLI imports them from
 * `wallet/keystore/index.js` inside this repository.
 */
export * from './address/index.js';
export * from './keys/index.js';
// The keystore's pure parts, file by file: its index also loads the two file helpers (node:fs).
export { type DecryptedKeystore, decryptKeystore } from './keystore/decryptKeystore.js';
export { decryptVault } from './keystore/decryptVault.js';
export { type EncryptKeystoreOptions, encryptKeystore, type KeystoreV3 } from './keystore/encryptKeystore.js';
export { encryptVault } from './keystore/encryptVault.js';
export type { KdfParams } from './keystore/kdf.js';
export { KeystoreError, type KeystoreErrorCode } from './keystore/keystoreError.js';
export type { VaultAccount, VaultContents, VaultFile } from './keystore/vaultFormat.js';
export * from './recovery/index.js';
export * from './sign/index.js';
export * from './siwe/index.js';
