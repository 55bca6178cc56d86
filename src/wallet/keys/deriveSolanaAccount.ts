import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import type { DerivedAccount } from './derivedAccount.js';
import { slip10Ed25519, slip10Master, slip10Step } from './slip10Ed25519.js';

const H = 0x80000000;

/**
 * The Solana account `m/44'/501'/{index}'/0'` (Phantom and Solflare's default layout); the address is the
 * base58 ed25519 public key.
 */
export function deriveSolanaAccount(seed: Uint8Array, index: number): DerivedAccount {
  const path = `m/44'/501'/${index}'/0'`;
  const node = slip10Ed25519(seed, path);
  node.chainCode.fill(0);
  return {
    chain: 'solana',
    index,
    path,
    address: base58.encode(node.publicKey),
    publicKey: node.publicKey,
    privateKey: node.privateKey,
  };
}

/**
 * `count` Solana accounts from `from`: the same as `deriveSolanaAccount` for each index, with
 * the shared `m/44'/501'` node derived once (and no public key computed for it).
 * @example deriveSolanaAccounts(seed, 0, 10).map((a) => a.address)
 */
export function deriveSolanaAccounts(seed: Uint8Array, from: number, count: number): DerivedAccount[] {
  const master = slip10Master(seed);
  const parent = slip10Step(master, [H + 44, H + 501]);
  master.fill(0);
  const out: DerivedAccount[] = [];
  try {
    for (let index = from; index < from + count; index++) {
      const I = slip10Step(parent, [H + index, H]);
      const privateKey = I.slice(0, 32);
      I.fill(0);
      const publicKey = ed25519.getPublicKey(privateKey);
      const path = `m/44'/501'/${index}'/0'`;
      out.push({ chain: 'solana', index, path, address: base58.encode(publicKey), publicKey, privateKey });
    }
  } finally {
    parent.fill(0);
  }
  return out;
}
