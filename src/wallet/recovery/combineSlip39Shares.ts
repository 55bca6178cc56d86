import { RecoveryError } from './recoveryError.js';
import { shamirWithDigest } from './shamirWithDigest.js';
import { slip39Cipher } from './slip39Cipher.js';
import { type Slip39Share, slip39Share } from './slip39Share.js';

/**
 * Recovers the master secret from SLIP-39 share mnemonics (interoperable with Trezor and
 * python-shamir-mnemonic). Needs exactly the group threshold of groups, each with exactly its member threshold
 * of shares; every mismatch (identifier, parameters, duplicate index, digest) is rejected, never combined.
 * @example combineSlip39Shares([share1, share2], 'TREZOR')
 */
export function combineSlip39Shares(mnemonics: readonly string[], passphrase = ''): Uint8Array {
  if (mnemonics.length === 0) throw new RecoveryError('SHARE_INSUFFICIENT', 'No shares given');
  // Identical mnemonics typed twice are harmless: count them once, as the reference implementation does.
  const shares = [...new Set(mnemonics.map((m) => m.trim().toLowerCase().split(/\s+/u).join(' ')))].map(
    (m, i) => {
      try {
        return slip39Share.decode(m);
      } catch (err) {
        // Say which share is bad by its position in the list, never by its words.
        if (err instanceof RecoveryError) throw new RecoveryError(err.code, `Share ${i + 1}: ${err.message}`);
        throw err;
      }
    },
  );
  const first = shares[0]!;
  const groups = new Map<number, Slip39Share[]>();
  for (const s of shares) {
    if (
      s.identifier !== first.identifier ||
      s.extendable !== first.extendable ||
      s.iterationExponent !== first.iterationExponent ||
      s.groupThreshold !== first.groupThreshold ||
      s.groupCount !== first.groupCount
    ) {
      throw new RecoveryError(
        'SHARE_MISMATCH',
        'All shares must share the same identifier, iteration exponent, group threshold and group count',
      );
    }
    const group = groups.get(s.groupIndex) ?? [];
    if (group.length > 0 && group[0]!.memberThreshold !== s.memberThreshold) {
      throw new RecoveryError(
        'SHARE_MISMATCH',
        `Shares of group ${s.groupIndex + 1} disagree on the member threshold`,
      );
    }
    group.push(s);
    groups.set(s.groupIndex, group);
  }
  if (groups.size < first.groupThreshold) {
    throw new RecoveryError(
      'SHARE_INSUFFICIENT',
      `Shares from ${first.groupThreshold} groups are needed; got ${groups.size}`,
    );
  }
  if (groups.size > first.groupThreshold) {
    throw new RecoveryError(
      'SHARE_TOO_MANY',
      `Expected shares from exactly ${first.groupThreshold} groups; got ${groups.size}`,
    );
  }
  const groupSecrets = [...groups.entries()].map(([gi, members]) => {
    const t = members[0]!.memberThreshold;
    if (members.length < t) {
      throw new RecoveryError(
        'SHARE_INSUFFICIENT',
        `Group ${gi + 1} needs ${t} shares; got ${members.length}`,
      );
    }
    if (members.length > t) {
      throw new RecoveryError(
        'SHARE_TOO_MANY',
        `Group ${gi + 1} needs exactly ${t} shares; got ${members.length}`,
      );
    }
    return {
      x: gi,
      y: shamirWithDigest.recover(
        t,
        members.map((m) => ({ x: m.memberIndex, y: m.value })),
      ),
    };
  });
  const ems = shamirWithDigest.recover(first.groupThreshold, groupSecrets);
  return slip39Cipher.decrypt(
    ems,
    new TextEncoder().encode(passphrase),
    first.iterationExponent,
    first.identifier,
    first.extendable,
  );
}
