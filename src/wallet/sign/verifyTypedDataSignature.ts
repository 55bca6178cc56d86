import { checksumAddress } from './checksumAddress.js';
import { InvalidSignatureError } from './errors.js';
import type { TypedDataInput } from './hashTypedData.js';
import type { SignatureInput } from './parseSignature.js';
import { recoverTypedDataSigner } from './recoverTypedDataSigner.js';

/**
 * True when `signature` is an EIP-712 signature of `typedData` by the EOA `address`. A malformed
 * signature is `false`; malformed typed data or address throws.
 */
export function verifyTypedDataSignature(
  address: string,
  typedData: TypedDataInput,
  signature: SignatureInput,
): boolean {
  const expected = checksumAddress(address);
  try {
    return recoverTypedDataSigner(typedData, signature) === expected;
  } catch (error) {
    if (error instanceof InvalidSignatureError) return false;
    throw error;
  }
}
