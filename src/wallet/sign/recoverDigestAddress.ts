import { secp256k1 } from '@noble/curves/secp256k1.js';
import { type Address, bytesToHex, hexToBytes } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { InvalidSignatureError } from './errors.js';
import { parseSignature, type SignatureInput } from './parseSignature.js';

/**
 * Recover the checksummed address that signed a 32-byte digest. Throws `InvalidSignatureError`
 * when the signature is malformed or no public key recovers from it.
 */
export function recoverDigestAddress(digest: Uint8Array, signature: SignatureInput): Address {
  const { r, s, yParity } = parseSignature(signature);
  const recovered = new Uint8Array(65);
  recovered[0] = yParity;
  recovered.set(hexToBytes(r), 1);
  recovered.set(hexToBytes(s), 33);
  let publicKey: Uint8Array;
  try {
    // Not constant-time: only public data (signatures, digests) flows here.
    const compressed = secp256k1.recoverPublicKey(recovered, digest, { prehash: false });
    publicKey = secp256k1.Point.fromBytes(compressed).toBytes(false);
  } catch (cause) {
    throw new InvalidSignatureError('no public key recovers from this signature', { cause });
  }
  return publicKeyToAddress(bytesToHex(publicKey));
}
