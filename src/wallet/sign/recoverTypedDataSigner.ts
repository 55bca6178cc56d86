import { type Address, hexToBytes } from 'viem';
import { hashTypedData, type TypedDataInput } from './hashTypedData.js';
import type { SignatureInput } from './parseSignature.js';
import { recoverDigestAddress } from './recoverDigestAddress.js';

/** Recover the address that signed EIP-712 `typedData`; throws `InvalidSignatureError` / `InvalidTypedDataError`. */
export function recoverTypedDataSigner(typedData: TypedDataInput, signature: SignatureInput): Address {
  return recoverDigestAddress(hexToBytes(hashTypedData(typedData)), signature);
}
