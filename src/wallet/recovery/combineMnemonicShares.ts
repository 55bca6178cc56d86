import { entropyToMnemonic } from '@scure/bip39';
import { MNEMONIC_WORDLISTS } from '../keys/wordlists.js';
import { mnemonicShareCodec } from './mnemonicShareCodec.js';
import { RecoveryError } from './recoveryError.js';
import { shamirWithDigest } from './shamirWithDigest.js';

/**
 * Recovers the BIP39 mnemonic from `splitMnemonic` shares (at least the threshold; extra shares are checked too).
 * Shares from different splits, duplicates of one index or a corrupted share are rejected, never combined.
 */
export function combineMnemonicShares(shares: readonly string[]): string {
  const decoded = [...new Set(shares.map((s) => s.trim().toLowerCase()))].map(mnemonicShareCodec.decode);
  const first = decoded[0];
  if (!first) throw new RecoveryError('SHARE_INSUFFICIENT', 'No shares given');
  for (const s of decoded) {
    if (
      s.identifier !== first.identifier ||
      s.threshold !== first.threshold ||
      s.language !== first.language
    ) {
      throw new RecoveryError('SHARE_MISMATCH', 'The shares come from different splits');
    }
  }
  if (decoded.length < first.threshold) {
    throw new RecoveryError(
      'SHARE_INSUFFICIENT',
      `${first.threshold} shares are needed; got ${decoded.length}`,
    );
  }
  const entropy = shamirWithDigest.recover(
    first.threshold,
    decoded.map((s) => ({ x: s.index, y: s.value })),
  );
  return entropyToMnemonic(entropy, MNEMONIC_WORDLISTS[first.language] as string[]);
}
