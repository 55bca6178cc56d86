import { randomBytes } from '@noble/hashes/utils.js';
import { validateMnemonic } from '../keys/validateMnemonic.js';
import { mnemonicShareCodec } from './mnemonicShareCodec.js';
import { RecoveryError } from './recoveryError.js';
import { shamirWithDigest } from './shamirWithDigest.js';

/**
 * Plain k-of-n Shamir over a BIP39 mnemonic's entropy (GF(256), with SLIP-39's digest share so that wrong or
 * mixed shares are detected). Returns `count` `sxshare1…` strings; any `threshold` of them recover the mnemonic.
 * For Trezor-compatible backups use `generateSlip39Shares` instead.
 * @example splitMnemonic(phrase, { threshold: 2, count: 3 })
 */
export function splitMnemonic(mnemonic: string, options: { threshold: number; count: number }): string[] {
  const { threshold, count } = options;
  if (
    !Number.isInteger(threshold) ||
    !Number.isInteger(count) ||
    threshold < 2 ||
    threshold > count ||
    count > 16
  ) {
    throw new RecoveryError('SHARE_BAD_OPTIONS', 'Need 2 <= threshold <= count <= 16');
  }
  const { entropy, language } = validateMnemonic(mnemonic);
  const id = randomBytes(2);
  const identifier = (id[0]! << 8) | id[1]!;
  return shamirWithDigest
    .split(threshold, count, entropy)
    .map((s) => mnemonicShareCodec.encode({ identifier, threshold, index: s.x, language, value: s.y }));
}
