import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';
import { entropyToMnemonic } from '@scure/bip39';
import { describe, expect, it } from 'vitest';
import { describeWithVectors, readVectors } from '../../../test/vectors/wallet/sharedVectors.js';
import { generateMnemonic } from './generateMnemonic.js';
import { MnemonicError } from './mnemonicError.js';
import { mnemonicToSeed } from './mnemonicToSeed.js';
import { validateMnemonic } from './validateMnemonic.js';
import { MNEMONIC_WORDLISTS, type MnemonicLanguage } from './wordlists.js';

const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

function thrown(fn: () => unknown): MnemonicError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MnemonicError) return err;
    throw err;
  }
  throw new Error('expected a MnemonicError');
}

describe('generateMnemonic', () => {
  it.each([12, 15, 18, 21, 24] as const)('makes %i valid words', (words) => {
    const m = generateMnemonic({ words });
    expect(m.split(' ')).toHaveLength(words);
    expect(validateMnemonic(m).language).toBe('english');
    expect(generateMnemonic({ words })).not.toBe(m);
  });
  it('makes other languages', () => {
    expect(validateMnemonic(generateMnemonic({ language: 'japanese' })).language).toBe('japanese');
  });
});

describe('validateMnemonic errors', () => {
  it('names the bad word, its position and suggestions, nothing else', () => {
    const err = thrown(() => validateMnemonic(ABANDON.replace(/about$/, 'abuot')));
    expect(err.code).toBe('MNEMONIC_INVALID_WORD');
    expect(err.position).toBe(12);
    expect(err.suggestions).toContain('about');
    expect(err.message).toContain('"abuot"');
    expect(err.message).not.toContain('abandon');
  });
  it('rejects a bad word count', () => {
    expect(thrown(() => validateMnemonic('abandon abandon about')).code).toBe('MNEMONIC_BAD_LENGTH');
  });
  it('rejects a bad checksum', () => {
    expect(thrown(() => validateMnemonic(ABANDON.replace(/about$/, 'abandon'))).code).toBe(
      'MNEMONIC_BAD_CHECKSUM',
    );
  });
  it('accepts extra whitespace and capitals', () => {
    expect(validateMnemonic(`  ${ABANDON.toUpperCase()}\n`).wordCount).toBe(12);
  });
});

describeWithVectors('BIP39 vectors (bip39/vectors.json)', ['bip39/vectors.json'], () => {
  const all = readVectors<Record<string, [string, string, string, string][]>>('bip39/vectors.json');
  // trezor/python-mnemonic names the lists by file name; ours follow @scure/bip39.
  const OFFICIAL: Record<string, MnemonicLanguage> = {
    english: 'english',
    chinese_simplified: 'simplified-chinese',
    chinese_traditional: 'traditional-chinese',
    czech: 'czech',
    french: 'french',
    italian: 'italian',
    japanese: 'japanese',
    korean: 'korean',
    portuguese: 'portuguese',
    spanish: 'spanish',
  };
  // In python-mnemonic but not among the BIP39 wordlists of bitcoin/bips (bip-0039-wordlists.md):
  // Sextant does not accept them, and says so (below) rather than silently ignoring the vectors.
  const NOT_OFFICIAL = ['russian', 'turkish'];

  it('the file holds exactly the 10 official languages plus the 2 unofficial ones', () => {
    expect(Object.keys(all).sort()).toEqual([...Object.keys(OFFICIAL), ...NOT_OFFICIAL].sort());
    expect(new Set(Object.values(OFFICIAL))).toEqual(new Set(Object.keys(MNEMONIC_WORDLISTS)));
  });

  for (const [name, language] of Object.entries(OFFICIAL)) {
    it(`${name} (${language}): every vector's mnemonic, entropy, language, seed ("TREZOR") and xprv`, () => {
      const cases = all[name] ?? [];
      expect(cases).toHaveLength(24);
      for (const [entropy, mnemonic, seed, xprv] of cases) {
        const label = `${name} ${entropy}`;
        // Entropy -> mnemonic with our wordlist (NFKD: the file may store composed accents; the
        // Japanese separator U+3000 normalizes to a space).
        const made = entropyToMnemonic(hexToBytes(entropy), MNEMONIC_WORDLISTS[language] as string[]);
        expect(made.normalize('NFKD'), label).toBe(mnemonic.normalize('NFKD'));
        const valid = validateMnemonic(mnemonic, { language });
        expect(bytesToHex(valid.entropy), label).toBe(entropy);
        expect(valid.language).toBe(language);
        // Without a hint: detected. The two Chinese lists share characters; the checksum decides
        // first for the simplified list, so a traditional phrase made only of shared characters
        // may be reported as simplified (same entropy, same seed).
        const detected = validateMnemonic(mnemonic);
        expect(bytesToHex(detected.entropy), label).toBe(entropy);
        if (!language.endsWith('chinese')) expect(detected.language, label).toBe(language);
        else expect(detected.language, label).toMatch(/-chinese$/);
        const s = mnemonicToSeed(mnemonic, { passphrase: 'TREZOR', language });
        expect(bytesToHex(s), label).toBe(seed);
        expect(HDKey.fromMasterSeed(s).privateExtendedKey, label).toBe(xprv);
      }
    });
  }

  for (const name of NOT_OFFICIAL) {
    it(`${name}: not an official BIP39 list, rejected with a clear error`, () => {
      const cases = all[name] ?? [];
      expect(cases.length).toBeGreaterThan(0);
      for (const [, mnemonic] of cases) {
        const err = thrown(() => validateMnemonic(mnemonic));
        expect(err.code).toBe('MNEMONIC_INVALID_WORD');
      }
    });
  }
});

type EthersMnemonic = {
  name: string;
  locale: string;
  phrase: string;
  password: string;
  entropy: string;
  seed: string;
  nodes: { path: string; privateKey: string; xpriv: string; xpub: string; chainCode: string }[];
};
const LOCALES: Record<string, MnemonicLanguage> = {
  cz: 'czech',
  en: 'english',
  es: 'spanish',
  fr: 'french',
  it: 'italian',
  ja: 'japanese',
  ko: 'korean',
  pt: 'portuguese',
  zh_cn: 'simplified-chinese',
  zh_tw: 'traditional-chinese',
};
const utf8 = (hex: string) => new TextDecoder().decode(hexToBytes(hex.slice(2)));

describeWithVectors('ethers mnemonics.json.gz', ['ethers/mnemonics.json.gz'], () => {
  const cases = readVectors<EthersMnemonic[]>('ethers/mnemonics.json.gz');
  it(`passes all ${cases.length} cases: language detection, entropy, seed, BIP32 nodes`, () => {
    expect(cases.length).toBeGreaterThan(0);
    let nodes = 0;
    for (const c of cases) {
      const phrase = utf8(c.phrase);
      const language = LOCALES[c.locale];
      expect(language, c.locale).toBeDefined();
      const valid = validateMnemonic(phrase, { language: language! });
      expect(bytesToHex(valid.entropy), c.name).toBe(c.entropy.slice(2));
      const seed = mnemonicToSeed(phrase, { passphrase: utf8(c.password), language: language! });
      expect(bytesToHex(seed), c.name).toBe(c.seed.slice(2));
      const root = HDKey.fromMasterSeed(seed);
      for (const n of c.nodes) {
        const node = root.derive(n.path);
        expect(node.privateExtendedKey, `${c.name} ${n.path}`).toBe(n.xpriv);
        expect(node.publicExtendedKey).toBe(n.xpub);
        nodes++;
      }
    }
    expect(nodes).toBeGreaterThan(0);
  });
  it('detects the language without a hint for every case', () => {
    let mismatched = 0;
    for (const c of cases) {
      const detected = validateMnemonic(utf8(c.phrase)).language;
      // The Chinese lists share characters; an all-shared phrase may validate under both.
      if (detected !== LOCALES[c.locale] && !String(detected).includes('chinese')) mismatched++;
    }
    expect(mismatched).toBe(0);
  });
});
