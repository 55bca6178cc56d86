export { type DecryptedKeystore, decryptKeystore } from './decryptKeystore.js';
export { decryptVault } from './decryptVault.js';
export { type EncryptKeystoreOptions, encryptKeystore, type KeystoreV3 } from './encryptKeystore.js';
export { encryptVault } from './encryptVault.js';
export type { KdfParams } from './kdf.js';
export { KeystoreError, type KeystoreErrorCode } from './keystoreError.js';
export { readSecretFile } from './readSecretFile.js';
export type { VaultAccount, VaultContents, VaultFile } from './vaultFormat.js';
export { writeSecretFile } from './writeSecretFile.js';
