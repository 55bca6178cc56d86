import { generateMnemonic as scureGenerate } from '@scure/bip39';
import { MnemonicError } from './mnemonicError.js';
import { MNEMONIC_WORDLISTS, type MnemonicLanguage } from './wordlists.js';

/** Options for {@link generateMnemonic}. */
export type GenerateMnemonicOptions = {
  /** 12, 15, 18, 21 or 24 words (128..256 bits of entropy). Default 12. */
  words?: 12 | 15 | 18 | 21 | 24;
  language?: MnemonicLanguage;
};

/**
 * A fresh BIP39 mnemonic from the OS CSPRNG (`crypto.getRandomValues` via @scure/bip39).
 * @example generateMnemonic({ words: 24 })
 */
export function generateMnemonic(options: GenerateMnemonicOptions = {}): string {
  const words = options.words ?? 12;
  if (![12, 15, 18, 21, 24].includes(words)) {
    throw new MnemonicError(
      'MNEMONIC_BAD_OPTIONS',
      `words must be 12, 15, 18, 21 or 24 (got ${String(words)})`,
    );
  }
  const wordlist = MNEMONIC_WORDLISTS[options.language ?? 'english'];
  if (wordlist === undefined) throw new MnemonicError('MNEMONIC_BAD_OPTIONS', 'unknown mnemonic language');
  // 11 bits per word, of which 1 in 33 is checksum: strength = words * 32 / 3.
  return scureGenerate(wordlist as string[], (words * 32) / 3);
}
