import { HDKey } from '@scure/bip32';
import type { DerivedAccount } from './derivedAccount.js';
import { evmAddress } from './evmAddress.js';
import { assertChildIndex, assertSeed, KeyDerivationError } from './keyDerivationError.js';

/**
 * The BIP44 Ethereum account `m/44'/60'/{account}'/0/{index}` (MetaMask's layout).
 * @example deriveEvmAccount(seed, 0).address // '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'
 */
export function deriveEvmAccount(
  seed: Uint8Array,
  index: number,
  options: { account?: number } = {},
): DerivedAccount {
  const parent = evmReceiveParent(seed, options.account ?? 0);
  try {
    return evmAccountAt(parent, options.account ?? 0, index);
  } finally {
    parent.wipePrivateData();
  }
}

/**
 * The receive-chain node `m/44'/60'/{account}'/0` that every EVM address of an account hangs
 * from: account discovery derives it once and then one non-hardened step per address.
 */
export function evmReceiveParent(seed: Uint8Array, account: number): HDKey {
  assertSeed(seed);
  return HDKey.fromMasterSeed(seed).derive(`m/44'/60'/${account}'/0`);
}

/** Account `index` under a receive-chain node from {@link evmReceiveParent}. */
export function evmAccountAt(parent: HDKey, account: number, index: number): DerivedAccount {
  const path = `m/44'/60'/${account}'/0/${index}`;
  assertChildIndex(index, path);
  const node = parent.deriveChild(index);
  const { privateKey, publicKey } = node;
  if (!privateKey || !publicKey) throw new KeyDerivationError('KEY_BAD_PATH', `No key at ${path}`);
  node.wipePrivateData();
  // The node already holds the public key: decompressing it is ~5x cheaper than a second k·G.
  return { chain: 'evm', index, path, address: evmAddress(publicKey), publicKey, privateKey };
}
