import { entropyToMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineMnemonicShares } from './combineMnemonicShares.js';
import { RecoveryError } from './recoveryError.js';
import { splitMnemonic } from './splitMnemonic.js';

function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [head!, ...s]), ...subsets(rest, k)];
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof RecoveryError ? err.code : 'OTHER';
  }
  return undefined;
}

const entropy = fc
  .constantFrom(16, 20, 24, 28, 32)
  .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

describe('plain Shamir over BIP39 entropy', () => {
  it('property: every threshold subset recovers; fewer fail', () => {
    fc.assert(
      fc.property(entropy, fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 2 }), (e, t, extra) => {
        const mnemonic = entropyToMnemonic(e, wordlist);
        const shares = splitMnemonic(mnemonic, { threshold: t, count: t + extra });
        for (const subset of subsets(shares, t)) expect(combineMnemonicShares(subset)).toBe(mnemonic);
        for (const subset of subsets(shares, t - 1))
          expect(code(() => combineMnemonicShares(subset))).toBe('SHARE_INSUFFICIENT');
        expect(combineMnemonicShares(shares)).toBe(mnemonic);
      }),
      { numRuns: 30 },
    );
  });
  it('detects a share from another split and a forged share value', () => {
    const m = entropyToMnemonic(new Uint8Array(16).fill(7), wordlist);
    const a = splitMnemonic(m, { threshold: 2, count: 3 });
    const b = splitMnemonic(m, { threshold: 2, count: 3 });
    // Identifiers are 16 random bits; on a 1-in-65536 collision the digest catches the mix instead.
    expect(code(() => combineMnemonicShares([a[0]!, b[1]!]))).toMatch(/^SHARE_(MISMATCH|BAD_DIGEST)$/);
    expect(
      code(() => combineMnemonicShares([a[0]!, a[1]!.slice(0, -1) + (a[1]!.endsWith('q') ? 'p' : 'q')])),
    ).toBe('SHARE_BAD_CHECKSUM');
  });
  it('property: a share with a tampered value (valid encoding) is detected by the digest', async () => {
    const { bech32m } = await import('@scure/base');
    fc.assert(
      fc.property(
        entropy,
        fc.integer({ min: 6, max: 21 }),
        fc.integer({ min: 1, max: 255 }),
        (e, pos, flip) => {
          const m = entropyToMnemonic(e, wordlist);
          const [s0, s1] = splitMnemonic(m, { threshold: 2, count: 2 });
          const { prefix, words } = bech32m.decode(s1 as `${string}1${string}`, 200);
          const bytes = bech32m.fromWords(words);
          bytes[Math.min(pos, bytes.length - 1)]! ^= flip;
          const forged = bech32m.encode(prefix, bech32m.toWords(bytes), 200);
          expect(code(() => combineMnemonicShares([s0!, forged]))).toBe('SHARE_BAD_DIGEST');
        },
      ),
      { numRuns: 50 },
    );
  });
  it('keeps the language', () => {
    const m = entropyToMnemonic(new Uint8Array(32).fill(3), wordlist);
    expect(combineMnemonicShares(splitMnemonic(m, { threshold: 3, count: 5 }).slice(2))).toBe(m);
  });
});
