import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { assertPrivateKey } from './assertPrivateKey.js';

/** A detached ed25519 signature and the signer's public key, both base58. */
export type SolanaSignature = {
  signature: string;
  publicKey: string;
};

/**
 * Sign arbitrary bytes (a string is signed as UTF-8) with a 32-byte ed25519 seed, as Solana
 * wallets' `signMessage` does: a detached signature, base58.
 */
export function signSolanaMessage(message: string | Uint8Array, privateKey: Uint8Array): SolanaSignature {
  assertPrivateKey(privateKey, 'ed25519');
  const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
  return {
    signature: base58.encode(ed25519.sign(bytes, privateKey)),
    publicKey: base58.encode(ed25519.getPublicKey(privateKey)),
  };
}
