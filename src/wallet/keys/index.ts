export { type DeriveAccountsOptions, deriveAccounts } from './deriveAccounts.js';
export {
  deriveAddressesFromXpub,
  deriveAddressFromXpub,
  type XpubAddressKind,
} from './deriveAddressFromXpub.js';
export { type BitcoinAccountOptions, deriveBitcoinAccount } from './deriveBitcoinAccount.js';
export type { AccountChain, BitcoinNetwork, DerivedAccount } from './derivedAccount.js';
export { deriveEvmAccount } from './deriveEvmAccount.js';
export { deriveSolanaAccount } from './deriveSolanaAccount.js';
export { evmAddress } from './evmAddress.js';
export { type ExportXpubOptions, exportAccountXpub } from './exportAccountXpub.js';
export { type GenerateMnemonicOptions, generateMnemonic } from './generateMnemonic.js';
export { KeyDerivationError, type KeyDerivationErrorCode } from './keyDerivationError.js';
export { MnemonicError, type MnemonicErrorCode } from './mnemonicError.js';
export { type MnemonicToSeedOptions, mnemonicToSeed } from './mnemonicToSeed.js';
export { parsePath } from './parsePath.js';
export { type Slip10Node, slip10Ed25519 } from './slip10Ed25519.js';
export { type ValidMnemonic, validateMnemonic } from './validateMnemonic.js';
export { MNEMONIC_WORDLISTS, type MnemonicLanguage } from './wordlists.js';
