import { type Hex, hexToBytes } from 'viem';
import { assertPrivateKey } from './assertPrivateKey.js';
import { hashTypedData, type TypedDataInput } from './hashTypedData.js';
import { serializeSignature } from './serializeSignature.js';
import { signDigest } from './signDigest.js';

/** An EIP-712 signature with the digest it covers. */
export type SignedTypedData = {
  /** 65-byte `r || s || v`, v = 27 or 28 (what `eth_signTypedData_v4` returns). */
  signature: Hex;
  hash: Hex;
};

/** Sign EIP-712 typed data (`eth_signTypedData_v4`). Throws `InvalidTypedDataError` on bad data. */
export function signTypedData(typedData: TypedDataInput, privateKey: Uint8Array): SignedTypedData {
  assertPrivateKey(privateKey);
  const hash = hashTypedData(typedData);
  return { signature: serializeSignature(signDigest(hexToBytes(hash), privateKey)), hash };
}
