import { wordlist as czech } from '@scure/bip39/wordlists/czech.js';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { wordlist as french } from '@scure/bip39/wordlists/french.js';
import { wordlist as italian } from '@scure/bip39/wordlists/italian.js';
import { wordlist as japanese } from '@scure/bip39/wordlists/japanese.js';
import { wordlist as korean } from '@scure/bip39/wordlists/korean.js';
import { wordlist as portuguese } from '@scure/bip39/wordlists/portuguese.js';
import { wordlist as simplifiedChinese } from '@scure/bip39/wordlists/simplified-chinese.js';
import { wordlist as spanish } from '@scure/bip39/wordlists/spanish.js';
import { wordlist as traditionalChinese } from '@scure/bip39/wordlists/traditional-chinese.js';

/** A BIP39 wordlist language (the official lists shipped with `@scure/bip39`). */
export type MnemonicLanguage =
  | 'english'
  | 'czech'
  | 'french'
  | 'italian'
  | 'japanese'
  | 'korean'
  | 'portuguese'
  | 'simplified-chinese'
  | 'spanish'
  | 'traditional-chinese';

/** The official BIP39 wordlists by language. English first: it wins ties when detecting a language. */
export const MNEMONIC_WORDLISTS: Readonly<Record<MnemonicLanguage, readonly string[]>> = Object.freeze({
  english,
  czech,
  french,
  italian,
  japanese,
  korean,
  portuguese,
  'simplified-chinese': simplifiedChinese,
  spanish,
  'traditional-chinese': traditionalChinese,
});
