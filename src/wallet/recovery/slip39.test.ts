import { bytesToHex } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWithVectors, readVectors } from '../../../test/vectors/wallet/sharedVectors.js';
import { combineSlip39Shares } from './combineSlip39Shares.js';
import { generateSlip39Shares } from './generateSlip39Shares.js';
import { RecoveryError } from './recoveryError.js';
import { SLIP39_WORDLIST } from './slip39Wordlist.js';

/** Every k-subset of `items`. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [head!, ...s]), ...subsets(rest, k)];
}

describe('SLIP-39 wordlist', () => {
  it('has 1024 sorted words, unique in their first 4 letters', () => {
    expect(SLIP39_WORDLIST).toHaveLength(1024);
    expect([...SLIP39_WORDLIST].sort()).toEqual(SLIP39_WORDLIST);
    expect(new Set(SLIP39_WORDLIST.map((w) => w.slice(0, 4))).size).toBe(1024);
  });
});

describeWithVectors('SLIP-39 vectors (slip39/vectors.json)', ['slip39/vectors.json'], () => {
  const cases = readVectors<[string, string[], string, string][]>('slip39/vectors.json');
  it('has 45 cases', () => expect(cases).toHaveLength(45));
  for (const [description, mnemonics, secret, xprv] of cases) {
    it(description, () => {
      if (secret === '') {
        expect(() => combineSlip39Shares(mnemonics, 'TREZOR')).toThrow(RecoveryError);
        return;
      }
      const ms = combineSlip39Shares(mnemonics, 'TREZOR');
      expect(bytesToHex(ms)).toBe(secret);
      expect(HDKey.fromMasterSeed(ms).privateExtendedKey).toBe(xprv);
    });
  }
});

describe('SLIP-39 split/combine', () => {
  it('property: every threshold subset recovers, fewer shares fail (single group)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 32 }).filter((s) => s.length % 2 === 0),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        (secret, t, extra) => {
          const [shares] = generateSlip39Shares(secret, {
            groupThreshold: 1,
            groups: [[t, t + extra]],
            iterationExponent: 0,
          });
          for (const subset of subsets(shares!, t)) expect(combineSlip39Shares(subset)).toEqual(secret);
          for (const subset of subsets(shares!, t - 1))
            expect(() => combineSlip39Shares(subset)).toThrow(RecoveryError);
        },
      ),
      { numRuns: 8 },
    );
  });
  it('two-level groups with a passphrase; non-extendable too', () => {
    const secret = new Uint8Array(32).map((_, i) => i * 7);
    for (const extendable of [true, false]) {
      const groups = generateSlip39Shares(secret, {
        groupThreshold: 2,
        groups: [
          [1, 1],
          [2, 3],
          [3, 5],
        ],
        passphrase: 'TREZOR',
        iterationExponent: 0,
        extendable,
      });
      expect(combineSlip39Shares([groups[0]![0]!, ...groups[2]!.slice(1, 4)], 'TREZOR')).toEqual(secret);
      expect(combineSlip39Shares([groups[1]![2]!, groups[1]![0]!, groups[0]![0]!], 'TREZOR')).toEqual(secret);
      // A different passphrase yields a different (plausible) secret: that is SLIP-39's plausible deniability.
      expect(combineSlip39Shares([groups[1]![2]!, groups[1]![0]!, groups[0]![0]!], '')).not.toEqual(secret);
      expect(() => combineSlip39Shares([groups[1]![2]!, groups[1]![0]!])).toThrow(RecoveryError);
    }
  });
  it('detects shares from another split', () => {
    const s = new Uint8Array(16).fill(1);
    const [a] = generateSlip39Shares(s, { groupThreshold: 1, groups: [[2, 3]], iterationExponent: 0 });
    const [b] = generateSlip39Shares(s, { groupThreshold: 1, groups: [[2, 3]], iterationExponent: 0 });
    const err = (() => {
      try {
        combineSlip39Shares([a![0]!, b![1]!]);
      } catch (e) {
        return e as RecoveryError;
      }
    })();
    // 15-bit identifiers: on a rare collision the digest share catches the mix instead.
    expect(err?.code).toMatch(/^SHARE_(MISMATCH|BAD_DIGEST)$/);
  });
});
