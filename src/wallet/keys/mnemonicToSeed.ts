import { mnemonicToSeedSync } from '@scure/bip39';
import { validateMnemonic } from './validateMnemonic.js';
import type { MnemonicLanguage } from './wordlists.js';

/** Options for {@link mnemonicToSeed}. */
export type MnemonicToSeedOptions = {
  /** BIP39 passphrase ("25th word"), NFKD-normalized. Default ''. */
  passphrase?: string;
  language?: MnemonicLanguage;
};

/**
 * The 64-byte BIP39 seed of a validated mnemonic (PBKDF2-HMAC-SHA512, 2048 rounds, NFKD).
 * @example mnemonicToSeed(phrase, { passphrase: 'TREZOR' })
 */
export function mnemonicToSeed(mnemonic: string, options: MnemonicToSeedOptions = {}): Uint8Array {
  const valid = validateMnemonic(mnemonic, options.language ? { language: options.language } : {});
  return mnemonicToSeedSync(valid.normalized, (options.passphrase ?? '').normalize('NFKD'));
}
