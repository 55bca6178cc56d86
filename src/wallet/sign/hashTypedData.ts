import { type Hex, type TypedDataDomain, hashTypedData as viemHashTypedData } from 'viem';
import { InvalidTypedDataError } from './errors.js';

/** EIP-712 typed data, as `eth_signTypedData_v4` takes it. `EIP712Domain` may be omitted from `types`. */
export type TypedDataInput = {
  domain?: TypedDataDomain;
  types: Record<string, readonly { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
};

/**
 * EIP-712 signing digest: keccak256(0x1901 || domainSeparator || hashStruct(message)). Values are
 * validated against their types (integer ranges, byte lengths, addresses); throws `InvalidTypedDataError`.
 */
export function hashTypedData(typedData: TypedDataInput): Hex {
  if (typedData === null || typeof typedData !== 'object' || typeof typedData.primaryType !== 'string') {
    throw new InvalidTypedDataError('typed data must be { domain, types, primaryType, message }');
  }
  if (typedData.primaryType !== 'EIP712Domain' && !typedData.types?.[typedData.primaryType]) {
    throw new InvalidTypedDataError(`primaryType ${typedData.primaryType} is not defined in types`);
  }
  try {
    return viemHashTypedData(typedData as Parameters<typeof viemHashTypedData>[0]);
  } catch (cause) {
    throw new InvalidTypedDataError(`typed data is invalid: ${shortMessage(cause)}`, { cause });
  }
}

function shortMessage(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error) return String(error.shortMessage);
  return error instanceof Error ? (error.message.split('\n')[0] ?? 'unknown') : 'unknown';
}
