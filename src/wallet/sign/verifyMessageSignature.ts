import type { SignableMessage } from 'viem';
import { checksumAddress } from './checksumAddress.js';
import { InvalidSignatureError } from './errors.js';
import type { SignatureInput } from './parseSignature.js';
import { recoverMessageSigner } from './recoverMessageSigner.js';

/**
 * True when `signature` is an EIP-191 signature of `message` by the EOA `address`. A malformed
 * signature is `false`; a malformed address throws `InvalidAddressError`.
 */
export function verifyMessageSignature(
  address: string,
  message: SignableMessage,
  signature: SignatureInput,
): boolean {
  const expected = checksumAddress(address);
  try {
    return recoverMessageSigner(message, signature) === expected;
  } catch (error) {
    if (error instanceof InvalidSignatureError) return false;
    throw error;
  }
}
