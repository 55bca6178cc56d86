import { type Hex, hashMessage, hexToBytes, type SignableMessage } from 'viem';
import { assertPrivateKey } from './assertPrivateKey.js';
import { serializeSignature } from './serializeSignature.js';
import { signDigest } from './signDigest.js';

/** An EIP-191 `personal_sign` result. */
export type SignedMessage = {
  /** 65-byte `r || s || v` signature, v = 27 or 28 (what wallets return). */
  signature: Hex;
  /** The EIP-191 digest that was signed: keccak256("\x19Ethereum Signed Message:\n" + len + message). */
  hash: Hex;
};

/**
 * EIP-191 `personal_sign`: a string is signed as its UTF-8 bytes; `{ raw }` signs bytes as given.
 * @example signMessage('hello', privateKey).signature
 */
export function signMessage(message: SignableMessage, privateKey: Uint8Array): SignedMessage {
  assertPrivateKey(privateKey);
  const hash = hashMessage(message);
  return { signature: serializeSignature(signDigest(hexToBytes(hash), privateKey)), hash };
}
