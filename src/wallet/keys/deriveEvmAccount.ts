import { HDKey } from '@scure/bip32';
import type { DerivedAccount } from './derivedAccount.js';
import { evmAddress } from './evmAddress.js';
import { KeyDerivationError } from './keyDerivationError.js';

/**
 * The BIP44 Ethereum account `m/44'/60'/{account}'/0/{index}` (MetaMask's layout).
 * @example deriveEvmAccount(seed, 0).address // '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'
 */
export function deriveEvmAccount(
  seed: Uint8Array,
  index: number,
  options: { account?: number } = {},
): DerivedAccount {
  const account = options.account ?? 0;
  const path = `m/44'/60'/${account}'/0/${index}`;
  const node = HDKey.fromMasterSeed(seed).derive(path);
  if (!node.privateKey || !node.publicKey) throw new KeyDerivationError('KEY_BAD_PATH', `No key at ${path}`);
  return {
    chain: 'evm',
    index,
    path,
    address: evmAddress(node.privateKey),
    publicKey: node.publicKey,
    privateKey: node.privateKey,
  };
}
