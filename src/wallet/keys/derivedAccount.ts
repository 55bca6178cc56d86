/** Which address family an account belongs to. */
export type AccountChain = 'evm' | 'bitcoin-segwit' | 'bitcoin-taproot' | 'solana';

/** Bitcoin network for address encoding and extended-key versions. */
export type BitcoinNetwork = 'mainnet' | 'testnet';

/** One derived account: its path, address and keys. `privateKey` is secret: never log it. */
export type DerivedAccount = {
  chain: AccountChain;
  index: number;
  path: string;
  address: string;
  /** secp256k1 compressed (33 bytes), x-only for taproot (32), ed25519 (32) for Solana. */
  publicKey: Uint8Array;
  privateKey: Uint8Array;
};
