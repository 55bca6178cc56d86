import { base58 } from '@scure/base';
import type { DerivedAccount } from './derivedAccount.js';
import { slip10Ed25519 } from './slip10Ed25519.js';

/**
 * The Solana account `m/44'/501'/{index}'/0'` (Phantom and Solflare's default layout); the address is the
 * base58 ed25519 public key.
 */
export function deriveSolanaAccount(seed: Uint8Array, index: number): DerivedAccount {
  const path = `m/44'/501'/${index}'/0'`;
  const node = slip10Ed25519(seed, path);
  return {
    chain: 'solana',
    index,
    path,
    address: base58.encode(node.publicKey),
    publicKey: node.publicKey,
    privateKey: node.privateKey,
  };
}
