import { HDKey } from '@scure/bip32';
import { NETWORK, p2tr, p2wpkh, TEST_NETWORK } from '@scure/btc-signer';
import { BITCOIN_VERSIONS } from './bitcoinVersions.js';
import type { BitcoinNetwork, DerivedAccount } from './derivedAccount.js';
import { assertChildIndex, assertSeed, KeyDerivationError } from './keyDerivationError.js';

/** Options for {@link deriveBitcoinAccount}. */
export type BitcoinAccountOptions = {
  /** 84 = native segwit P2WPKH (`bc1q…`), 86 = taproot key-path P2TR (`bc1p…`). Default 84. */
  purpose?: 84 | 86;
  network?: BitcoinNetwork;
  account?: number;
  /** 0 = receive, 1 = change. */
  change?: 0 | 1;
};

/** A Bitcoin chain node (`m/{purpose}'/{coin}'/{account}'/{change}`) with what its children need. */
export type BitcoinChainParent = {
  node: HDKey;
  purpose: 84 | 86;
  network: BitcoinNetwork;
  /** The path of `node`, to which each child appends `/{index}`. */
  path: string;
};

/**
 * A BIP84/BIP86 account key `m/{purpose}'/{coin}'/{account}'/{change}/{index}` and its address
 * (coin 0 on mainnet, 1 on testnet).
 * @example deriveBitcoinAccount(seed, 0, { purpose: 86 }).address // 'bc1p…'
 */
export function deriveBitcoinAccount(
  seed: Uint8Array,
  index: number,
  options: BitcoinAccountOptions = {},
): DerivedAccount {
  const parent = bitcoinChainParent(seed, options);
  try {
    return bitcoinAccountAt(parent, index);
  } finally {
    parent.node.wipePrivateData();
  }
}

/**
 * The chain node `m/{purpose}'/{coin}'/{account}'/{change}` that a range of addresses hangs from:
 * account discovery derives it once, then one non-hardened step per address.
 */
export function bitcoinChainParent(
  seed: Uint8Array,
  options: BitcoinAccountOptions = {},
): BitcoinChainParent {
  assertSeed(seed);
  const purpose = options.purpose ?? 84;
  const network = options.network ?? 'mainnet';
  if (purpose !== 84 && purpose !== 86)
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'purpose must be 84 or 86');
  const coin = network === 'mainnet' ? 0 : 1;
  const path = `m/${purpose}'/${coin}'/${options.account ?? 0}'/${options.change ?? 0}`;
  const node = HDKey.fromMasterSeed(seed, BITCOIN_VERSIONS[purpose][network]).derive(path);
  return { node, purpose, network, path };
}

/** Address `index` under a chain node from {@link bitcoinChainParent}. */
export function bitcoinAccountAt(parent: BitcoinChainParent, index: number): DerivedAccount {
  const path = `${parent.path}/${index}`;
  assertChildIndex(index, path);
  const node = parent.node.deriveChild(index);
  const { privateKey, publicKey } = node;
  if (!privateKey || !publicKey) throw new KeyDerivationError('KEY_BAD_PATH', `No key at ${path}`);
  node.wipePrivateData();
  const net = parent.network === 'mainnet' ? NETWORK : TEST_NETWORK;
  if (parent.purpose === 84) {
    const address = p2wpkh(publicKey, net).address!;
    return { chain: 'bitcoin-segwit', index, path, address, publicKey, privateKey };
  }
  // BIP86: the x-only internal key, tweaked by btc-signer with an empty script tree.
  const xOnly = publicKey.slice(1);
  const address = p2tr(xOnly, undefined, net).address!;
  return { chain: 'bitcoin-taproot', index, path, address, publicKey: xOnly, privateKey };
}
