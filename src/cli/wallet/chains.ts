import type { AccountChain, BitcoinNetwork } from '../../wallet/keys/index.js';

/** The chain families a wallet keeps public data for (`--chains` of `wallet create`). */
export const WALLET_CHAINS = ['evm', 'btc', 'sol'] as const;
export type WalletChain = (typeof WALLET_CHAINS)[number];

/** Address kinds of `wallet address --chain`: `btc` is native segwit (BIP84), `btc-taproot` is BIP86. */
export const ADDRESS_CHAINS = ['evm', 'btc', 'btc-taproot', 'sol'] as const;
export type AddressChain = (typeof ADDRESS_CHAINS)[number];

/** The library's name of each address kind. */
export const ACCOUNT_CHAIN: Record<AddressChain, AccountChain> = {
  evm: 'evm',
  btc: 'bitcoin-segwit',
  'btc-taproot': 'bitcoin-taproot',
  sol: 'solana',
};

/** Which wallet chain family an address kind belongs to. */
export const FAMILY: Record<AddressChain, WalletChain> = {
  evm: 'evm',
  btc: 'btc',
  'btc-taproot': 'btc',
  sol: 'sol',
};

/** Address kinds of the given families, in display order. */
export function addressChainsOf(chains: readonly WalletChain[]): AddressChain[] {
  return ADDRESS_CHAINS.filter((c) => chains.includes(FAMILY[c]));
}

export const isBitcoin = (chain: AddressChain): boolean => FAMILY[chain] === 'btc';

/** The derivation path of account `index` (the layouts of the derive* functions in src/wallet/keys). */
export function derivationPath(
  chain: AddressChain,
  index: number,
  network: BitcoinNetwork = 'mainnet',
): string {
  const coin = network === 'mainnet' ? 0 : 1;
  switch (chain) {
    case 'evm':
      return `m/44'/60'/0'/0/${index}`;
    case 'btc':
      return `m/84'/${coin}'/0'/0/${index}`;
    case 'btc-taproot':
      return `m/86'/${coin}'/0'/0/${index}`;
    case 'sol':
      return `m/44'/501'/${index}'/0'`;
  }
}
