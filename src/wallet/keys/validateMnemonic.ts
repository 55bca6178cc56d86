import { mnemonicToEntropy } from '@scure/bip39';
import { MnemonicError } from './mnemonicError.js';
import { MNEMONIC_WORDLISTS, type MnemonicLanguage } from './wordlists.js';

const VALID_WORD_COUNTS = [12, 15, 18, 21, 24];
const MAX_SUGGESTIONS = 3;
const MAX_SUGGESTION_DISTANCE = 2;

/** A mnemonic that passed every BIP39 check. */
export type ValidMnemonic = {
  language: MnemonicLanguage;
  /** The NFKD-normalized phrase, words joined by single spaces (Japanese uses U+3000 as BIP39 requires). */
  normalized: string;
  wordCount: number;
  entropy: Uint8Array;
};

const nfkd = (s: string): string => s.normalize('NFKD');

// NFKD-normalized word -> index, per language, built on first use.
const lookups = new Map<MnemonicLanguage, Map<string, number>>();
function lookup(language: MnemonicLanguage): Map<string, number> {
  let map = lookups.get(language);
  if (map === undefined) {
    map = new Map(MNEMONIC_WORDLISTS[language].map((w, i) => [nfkd(w), i]));
    lookups.set(language, map);
  }
  return map;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

function suggest(word: string, language: MnemonicLanguage): string[] {
  const scored: [string, number][] = [];
  for (const candidate of lookup(language).keys()) {
    // BIP39 English words are unique in their first 4 letters, so a shared prefix is a strong hint.
    const d = word.length >= 4 && candidate.startsWith(word.slice(0, 4)) ? 0.5 : distance(word, candidate);
    if (d <= MAX_SUGGESTION_DISTANCE) scored.push([candidate, d]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_SUGGESTIONS)
    .map(([w]) => w);
}

const label = (language: MnemonicLanguage): string => language[0]!.toUpperCase() + language.slice(1);

/**
 * Checks a BIP39 mnemonic (word count, wordlist, checksum), detecting its language unless given.
 * Throws {@link MnemonicError} with `MNEMONIC_BAD_LENGTH`, `MNEMONIC_INVALID_WORD` (naming the position,
 * the word and close matches) or `MNEMONIC_BAD_CHECKSUM`.
 * @example validateMnemonic('abandon abandon … about').language // 'english'
 */
export function validateMnemonic(
  mnemonic: string,
  options: { language?: MnemonicLanguage } = {},
): ValidMnemonic {
  if (typeof mnemonic !== 'string')
    throw new MnemonicError('MNEMONIC_BAD_LENGTH', 'mnemonic must be a string');
  const words = nfkd(mnemonic).trim().toLowerCase().split(/\s+/u).filter(Boolean);
  if (!VALID_WORD_COUNTS.includes(words.length)) {
    throw new MnemonicError(
      'MNEMONIC_BAD_LENGTH',
      `A mnemonic has 12, 15, 18, 21 or 24 words; got ${words.length}`,
    );
  }
  const languages = options.language
    ? [options.language]
    : (Object.keys(MNEMONIC_WORDLISTS) as MnemonicLanguage[]);
  const complete = languages.filter((lang) => words.every((w) => lookup(lang).has(w)));
  if (complete.length === 0) {
    // Report against the language that recognises the most words.
    let best = languages[0]!;
    let bestHits = -1;
    for (const lang of languages) {
      const hits = words.filter((w) => lookup(lang).has(w)).length;
      if (hits > bestHits) [best, bestHits] = [lang, hits];
    }
    const position = words.findIndex((w) => !lookup(best).has(w));
    const word = words[position]!;
    const suggestions = suggest(word, best);
    const hint =
      suggestions.length > 0 ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : '';
    throw new MnemonicError(
      'MNEMONIC_INVALID_WORD',
      `Word ${position + 1} ("${word}") is not in the ${label(best)} BIP39 wordlist${hint}`,
      { position: position + 1, suggestions },
    );
  }
  // Several lists can share every word (e.g. the two Chinese lists): the checksum decides.
  for (const language of complete) {
    const wordlist = MNEMONIC_WORDLISTS[language];
    const indices = words.map((w) => lookup(language).get(w)!);
    const canonical = indices.map((i) => wordlist[i]!);
    const separator = language === 'japanese' ? '\u3000' : ' ';
    try {
      const entropy = mnemonicToEntropy(canonical.join(separator), wordlist as string[]);
      return { language, normalized: nfkd(canonical.join(separator)), wordCount: words.length, entropy };
    } catch {
      // Security: the library's error is dropped on purpose so that no phrase text can leak through `cause`.
    }
  }
  throw new MnemonicError(
    'MNEMONIC_BAD_CHECKSUM',
    `The mnemonic's checksum does not match (${words.length} words)`,
  );
}
