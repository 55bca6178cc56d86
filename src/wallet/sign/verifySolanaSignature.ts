import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';

/**
 * Verify a detached ed25519 signature (base58) of `message` (a string is UTF-8) by `publicKey`
 * (base58). Malformed input is `false`, never a throw.
 */
export function verifySolanaSignature(
  message: string | Uint8Array,
  signature: string,
  publicKey: string,
): boolean {
  try {
    const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
    const sig = base58.decode(signature);
    const pub = base58.decode(publicKey);
    if (sig.length !== 64 || pub.length !== 32) return false;
    // zip215: false = strict RFC 8032 verification, as Solana's runtime does.
    return ed25519.verify(sig, bytes, pub, { zip215: false });
  } catch {
    return false;
  }
}
