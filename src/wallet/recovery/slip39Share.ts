import { RecoveryError } from './recoveryError.js';
import { rs1024 } from './rs1024.js';
import { SLIP39_WORDLIST } from './slip39Wordlist.js';

const RADIX_BITS = 10;
const ID_EXP_LENGTH_WORDS = 2;
const CHECKSUM_LENGTH_WORDS = 3;
const METADATA_LENGTH_WORDS = ID_EXP_LENGTH_WORDS + 2 + CHECKSUM_LENGTH_WORDS;
const MIN_STRENGTH_BITS = 128;
const MIN_MNEMONIC_LENGTH_WORDS = METADATA_LENGTH_WORDS + Math.ceil(MIN_STRENGTH_BITS / RADIX_BITS);

/** A decoded SLIP-39 share. Thresholds and counts are 1-based as users see them. */
export type Slip39Share = {
  identifier: number;
  extendable: boolean;
  iterationExponent: number;
  groupIndex: number;
  groupThreshold: number;
  groupCount: number;
  memberIndex: number;
  memberThreshold: number;
  value: Uint8Array;
};

const WORD_INDEX = new Map(SLIP39_WORDLIST.map((w, i) => [w, i]));
const customization = (extendable: boolean) => (extendable ? 'shamir_extendable' : 'shamir');

function toWords(value: bigint, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = count - 1; i >= 0; i--) {
    out[i] = Number(value & 1023n);
    value >>= 10n;
  }
  return out;
}

const fromWords = (indices: readonly number[]): bigint =>
  indices.reduce((acc, i) => (acc << 10n) | BigInt(i), 0n);

/** Encodes and decodes SLIP-39 share mnemonics (metadata, value, RS1024 checksum). */
export const slip39Share = {
  encode(s: Slip39Share): string {
    const idExp = (s.identifier << 5) | ((s.extendable ? 1 : 0) << 4) | s.iterationExponent;
    const params =
      (s.groupIndex << 16) |
      ((s.groupThreshold - 1) << 12) |
      ((s.groupCount - 1) << 8) |
      (s.memberIndex << 4) |
      (s.memberThreshold - 1);
    const valueWords = Math.ceil((s.value.length * 8) / RADIX_BITS);
    let v = 0n;
    for (const b of s.value) v = (v << 8n) | BigInt(b);
    const data = [...toWords(BigInt(idExp), 2), ...toWords(BigInt(params), 2), ...toWords(v, valueWords)];
    const all = [...data, ...rs1024.create(data, customization(s.extendable))];
    return all.map((i) => SLIP39_WORDLIST[i]).join(' ');
  },

  decode(mnemonic: string): Slip39Share {
    const words = mnemonic.trim().toLowerCase().split(/\s+/u).filter(Boolean);
    const indices = words.map((w, pos) => {
      const i = WORD_INDEX.get(w);
      if (i === undefined) {
        throw new RecoveryError(
          'SHARE_INVALID_WORD',
          `Word ${pos + 1} ("${w}") is not in the SLIP-39 wordlist`,
        );
      }
      return i;
    });
    if (indices.length < MIN_MNEMONIC_LENGTH_WORDS) {
      throw new RecoveryError(
        'SHARE_BAD_LENGTH',
        `A share has at least ${MIN_MNEMONIC_LENGTH_WORDS} words; got ${indices.length}`,
      );
    }
    const paddingBits = (RADIX_BITS * (indices.length - METADATA_LENGTH_WORDS)) % 16;
    if (paddingBits > 8)
      throw new RecoveryError('SHARE_BAD_LENGTH', `Invalid share length (${indices.length} words)`);
    const idExp = Number(fromWords(indices.slice(0, 2)));
    const extendable = ((idExp >> 4) & 1) === 1;
    if (!rs1024.verify(indices, customization(extendable))) {
      throw new RecoveryError('SHARE_BAD_CHECKSUM', 'Invalid share checksum (a word is wrong or missing)');
    }
    const params = Number(fromWords(indices.slice(2, 4)));
    const share: Slip39Share = {
      identifier: idExp >> 5,
      extendable,
      iterationExponent: idExp & 15,
      groupIndex: (params >> 16) & 15,
      groupThreshold: ((params >> 12) & 15) + 1,
      groupCount: ((params >> 8) & 15) + 1,
      memberIndex: (params >> 4) & 15,
      memberThreshold: (params & 15) + 1,
      value: new Uint8Array(0),
    };
    if (share.groupCount < share.groupThreshold) {
      throw new RecoveryError('SHARE_MISMATCH', 'The share has a group threshold above its group count');
    }
    const valueIndices = indices.slice(4, -CHECKSUM_LENGTH_WORDS);
    const byteCount = Math.ceil((RADIX_BITS * valueIndices.length - paddingBits) / 8);
    let v = fromWords(valueIndices);
    if (v >> BigInt(byteCount * 8) !== 0n) {
      throw new RecoveryError('SHARE_BAD_PADDING', 'Invalid share padding');
    }
    const value = new Uint8Array(byteCount);
    for (let i = byteCount - 1; i >= 0; i--) {
      value[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    if (byteCount * 8 < MIN_STRENGTH_BITS || byteCount % 2 !== 0) {
      throw new RecoveryError('SHARE_BAD_LENGTH', 'Invalid master secret length in the share');
    }
    share.value = value;
    return share;
  },
};
