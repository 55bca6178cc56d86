import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { base58 } from '@scure/base';
import type { DerivedAccount } from './derivedAccount.js';
import { KeyDerivationError } from './keyDerivationError.js';
import { slip10Derive, slip10Ed25519 } from './slip10Ed25519.js';

const H = 0x80000000;

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

/**
 * `count` Solana accounts from `from`: the same as `deriveSolanaAccount` for each index, with
 * the shared `m/44'/501'` node derived once.
 * @example deriveSolanaAccounts(seed, 0, 10).map((a) => a.address)
 */
export function deriveSolanaAccounts(seed: Uint8Array, from: number, count: number): DerivedAccount[] {
  if (seed.length < 16 || seed.length > 64) {
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'Seed must be 16 to 64 bytes');
  }
  const master = hmac(sha512, new TextEncoder().encode('ed25519 seed'), seed);
  const parent = slip10Derive(master, [H + 44, H + 501]);
  const parentI = new Uint8Array(64);
  parentI.set(parent.privateKey, 0);
  parentI.set(parent.chainCode, 32);
  const out: DerivedAccount[] = [];
  for (let index = from; index < from + count; index++) {
    const path = `m/44'/501'/${index}'/0'`;
    const node = slip10Derive(parentI, [H + index, H]);
    out.push({
      chain: 'solana',
      index,
      path,
      address: base58.encode(node.publicKey),
      publicKey: node.publicKey,
      privateKey: node.privateKey,
    });
  }
  parentI.fill(0);
  master.fill(0);
  parent.privateKey.fill(0);
  return out;
}
