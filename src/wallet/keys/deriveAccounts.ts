import { bitcoinAccountAt, bitcoinChainParent } from './deriveBitcoinAccount.js';
import type { AccountChain, BitcoinNetwork, DerivedAccount } from './derivedAccount.js';
import { evmAccountAt, evmReceiveParent } from './deriveEvmAccount.js';
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
 * Account discovery: `count` consecutive accounts starting at index `from`. The shared parent node
 * (`m/44'/60'/a'/0`, `m/84'/c'/a'/0`, `m/86'/c'/a'/0`, `m/44'/501'`) is derived once per call;
 * each account then costs one child step. Same results as the single-account functions.
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
  if (!Number.isInteger(account) || account < 0 || account > MAX_INDEX) {
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'account must be an integer in [0, 2^31)');
  }
  const network = options.network ?? 'mainnet';
  const out: DerivedAccount[] = [];
  switch (options.chain) {
    case 'solana':
      return deriveSolanaAccounts(seed, from, count);
    case 'evm': {
      const parent = evmReceiveParent(seed, account);
      try {
        for (let i = from; i < from + count; i++) out.push(evmAccountAt(parent, account, i));
      } finally {
        parent.wipePrivateData();
      }
      return out;
    }
    case 'bitcoin-segwit':
    case 'bitcoin-taproot': {
      const purpose = options.chain === 'bitcoin-segwit' ? 84 : 86;
      const parent = bitcoinChainParent(seed, { purpose, network, account });
      try {
        for (let i = from; i < from + count; i++) out.push(bitcoinAccountAt(parent, i));
      } finally {
        parent.node.wipePrivateData();
      }
      return out;
    }
    default:
      throw new KeyDerivationError('KEY_BAD_OPTIONS', `Unknown chain ${String(options.chain)}`);
  }
}
