import { deriveBitcoinAccount } from './deriveBitcoinAccount.js';
import type { AccountChain, BitcoinNetwork, DerivedAccount } from './derivedAccount.js';
import { deriveEvmAccount } from './deriveEvmAccount.js';
import { deriveSolanaAccounts } from './deriveSolanaAccount.js';
import { KeyDerivationError } from './keyDerivationError.js';

const MAX_ACCOUNTS_PER_CALL = 1000;
const MAX_INDEX = 0x7fffffff;

/** Options for {@link deriveAccounts}. */
export type DeriveAccountsOptions = {
  chain: AccountChain;
  from?: number;
  count: number;
  network?: BitcoinNetwork;
  /** BIP44 account number for EVM/Bitcoin (Solana puts the index at the account level). */
  account?: number;
};

/**
 * Account discovery: `count` consecutive accounts starting at index `from`.
 * @example deriveAccounts(seed, { chain: 'evm', from: 0, count: 5 })
 */
export function deriveAccounts(seed: Uint8Array, options: DeriveAccountsOptions): DerivedAccount[] {
  const from = options.from ?? 0;
  const { count } = options;
  if (!Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count < 0) {
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'from and count must be non-negative integers');
  }
  if (count > MAX_ACCOUNTS_PER_CALL || from + count - 1 > MAX_INDEX) {
    throw new KeyDerivationError(
      'KEY_BAD_OPTIONS',
      `At most ${MAX_ACCOUNTS_PER_CALL} accounts below index 2^31`,
    );
  }
  const account = options.account ?? 0;
  const network = options.network ?? 'mainnet';
  if (options.chain === 'solana') return deriveSolanaAccounts(seed, from, count);
  const out: DerivedAccount[] = [];
  for (let i = from; i < from + count; i++) {
    switch (options.chain) {
      case 'evm':
        out.push(deriveEvmAccount(seed, i, { account }));
        break;
      case 'bitcoin-segwit':
        out.push(deriveBitcoinAccount(seed, i, { purpose: 84, network, account }));
        break;
      case 'bitcoin-taproot':
        out.push(deriveBitcoinAccount(seed, i, { purpose: 86, network, account }));
        break;
      default:
        throw new KeyDerivationError('KEY_BAD_OPTIONS', `Unknown chain ${String(options.chain)}`);
    }
  }
  return out;
}
