import { randomBytes } from '@noble/hashes/utils.js';
import { RecoveryError } from './recoveryError.js';
import { shamirWithDigest } from './shamirWithDigest.js';
import { slip39Cipher } from './slip39Cipher.js';
import { slip39Share } from './slip39Share.js';

const MIN_SECRET_BYTES = 16;
const MAX_ITERATION_EXPONENT = 15;

/** Options for {@link generateSlip39Shares}. */
export type Slip39Options = {
  /** How many groups are needed. */
  groupThreshold: number;
  /** Per group: [memberThreshold, memberCount]. A threshold of 1 needs a count of 1. */
  groups: readonly (readonly [number, number])[];
  /** Printable ASCII (SLIP-39 limits it); default ''. */
  passphrase?: string;
  /** PBKDF2 cost: 10000 * 2^e iterations in total. Default 1. */
  iterationExponent?: number;
  /** Default true, as python-shamir-mnemonic ≥ 0.3 and Trezor do. */
  extendable?: boolean;
};

/**
 * Splits a master secret (16..32+ bytes, even length) into SLIP-39 share mnemonics, grouped.
 * @example generateSlip39Shares(secret, { groupThreshold: 1, groups: [[2, 3]] })
 */
export function generateSlip39Shares(masterSecret: Uint8Array, options: Slip39Options): string[][] {
  const { groupThreshold, groups } = options;
  const e = options.iterationExponent ?? 1;
  const extendable = options.extendable ?? true;
  if (masterSecret.length < MIN_SECRET_BYTES || masterSecret.length % 2 !== 0) {
    throw new RecoveryError(
      'SHARE_BAD_OPTIONS',
      'The master secret must be at least 16 bytes and of even length',
    );
  }
  if (!Number.isInteger(e) || e < 0 || e > MAX_ITERATION_EXPONENT) {
    throw new RecoveryError('SHARE_BAD_OPTIONS', 'iterationExponent must be 0..15');
  }
  if (!Number.isInteger(groupThreshold) || groupThreshold < 1 || groupThreshold > groups.length) {
    throw new RecoveryError('SHARE_BAD_OPTIONS', 'groupThreshold must be between 1 and the number of groups');
  }
  for (const [t, n] of groups) {
    if (!Number.isInteger(t) || !Number.isInteger(n) || t < 1 || t > n || n > 16) {
      throw new RecoveryError('SHARE_BAD_OPTIONS', 'Each group needs 1 <= threshold <= count <= 16');
    }
    if (t === 1 && n > 1) {
      throw new RecoveryError(
        'SHARE_BAD_OPTIONS',
        'A member threshold of 1 with several shares is not allowed; use 1-of-1',
      );
    }
  }
  const passphrase = new TextEncoder().encode(options.passphrase ?? '');
  const idBytes = randomBytes(2);
  const identifier = ((idBytes[0]! << 8) | idBytes[1]!) & 0x7fff;
  const ems = slip39Cipher.encrypt(masterSecret, passphrase, e, identifier, extendable);
  const groupShares = shamirWithDigest.split(groupThreshold, groups.length, ems);
  return groups.map(([memberThreshold, memberCount], gi) =>
    shamirWithDigest.split(memberThreshold, memberCount, groupShares[gi]!.y).map((m) =>
      slip39Share.encode({
        identifier,
        extendable,
        iterationExponent: e,
        groupIndex: gi,
        groupThreshold,
        groupCount: groups.length,
        memberIndex: m.x,
        memberThreshold,
        value: m.y,
      }),
    ),
  );
}
