import { bech32m } from '@scure/base';
import { MNEMONIC_WORDLISTS, type MnemonicLanguage } from '../keys/wordlists.js';
import { RecoveryError } from './recoveryError.js';

const HRP = 'sxshare';
const VERSION = 1;
const LANGUAGES = Object.keys(MNEMONIC_WORDLISTS) as MnemonicLanguage[];

/** One plain Shamir share of BIP39 entropy. */
export type MnemonicShare = {
  identifier: number;
  threshold: number;
  index: number;
  language: MnemonicLanguage;
  value: Uint8Array;
};

/**
 * Text form of a plain share: bech32m (`sxshare1…`), whose checksum catches typos in a single share;
 * the payload is version, 16-bit identifier, threshold, index, language and the share value.
 */
export const mnemonicShareCodec = {
  encode(s: MnemonicShare): string {
    const header = [
      VERSION,
      s.identifier >> 8,
      s.identifier & 0xff,
      s.threshold,
      s.index,
      LANGUAGES.indexOf(s.language),
    ];
    const bytes = Uint8Array.from([...header, ...s.value]);
    return bech32m.encode(HRP, bech32m.toWords(bytes), 200);
  },
  decode(text: string): MnemonicShare {
    let bytes: Uint8Array;
    try {
      const { prefix, words } = bech32m.decode(text.trim().toLowerCase() as `${string}1${string}`, 200);
      if (prefix !== HRP) throw new Error('prefix');
      bytes = bech32m.fromWords(words);
    } catch {
      throw new RecoveryError('SHARE_BAD_CHECKSUM', 'Not a valid sxshare1… share (typo or truncated)');
    }
    const [version, idHi, idLo, threshold, index, lang] = bytes;
    const language = LANGUAGES[lang ?? -1];
    if (version !== VERSION || language === undefined || bytes.length < 6 + 16) {
      throw new RecoveryError('SHARE_BAD_LENGTH', 'Unsupported share version or layout');
    }
    return {
      identifier: (idHi! << 8) | idLo!,
      threshold: threshold!,
      index: index!,
      language,
      value: bytes.slice(6),
    };
  },
};
