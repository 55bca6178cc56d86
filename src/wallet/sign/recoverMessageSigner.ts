import { type Address, hashMessage, hexToBytes, type SignableMessage } from 'viem';
import type { SignatureInput } from './parseSignature.js';
import { recoverDigestAddress } from './recoverDigestAddress.js';

/** Recover the address that `personal_sign`ed (EIP-191) `message`; throws `InvalidSignatureError`. */
export function recoverMessageSigner(message: SignableMessage, signature: SignatureInput): Address {
  return recoverDigestAddress(hexToBytes(hashMessage(message)), signature);
}
