import { HDKey } from '@scure/bip32';
import { BITCOIN_VERSIONS } from './bitcoinVersions.js';
import type { BitcoinNetwork } from './derivedAccount.js';
import { KeyDerivationError } from './keyDerivationError.js';

/** Which account to export for watch-only use. */
export type ExportXpubOptions =
  | { chain: 'bitcoin-segwit' | 'bitcoin-taproot'; network?: BitcoinNetwork; account?: number }
  | { chain: 'evm'; account?: number };

/**
 * The account-level extended public key: zpub/vpub for BIP84 (`m/84'/c'/a'`), xpub/tpub for BIP86
 * (`m/86'/c'/a'`), xpub for EVM (`m/44'/60'/a'`). Safe to share; it reveals addresses, not keys.
 */
export function exportAccountXpub(seed: Uint8Array, options: ExportXpubOptions): string {
  const account = options.account ?? 0;
  if (!Number.isInteger(account) || account < 0 || account > 0x7fffffff) {
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'account must be an integer in [0, 2^31)');
  }
  if (options.chain === 'evm')
    return HDKey.fromMasterSeed(seed).derive(`m/44'/60'/${account}'`).publicExtendedKey;
  const purpose = options.chain === 'bitcoin-segwit' ? 84 : 86;
  const network = options.network ?? 'mainnet';
  const coin = network === 'mainnet' ? 0 : 1;
  return HDKey.fromMasterSeed(seed, BITCOIN_VERSIONS[purpose][network]).derive(
    `m/${purpose}'/${coin}'/${account}'`,
  ).publicExtendedKey;
}
