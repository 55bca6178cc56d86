import { keccak_256 } from '@noble/hashes/sha3.js';
import {
  type AccessList,
  type Address,
  type Hex,
  hexToBytes,
  isHex,
  keccak256,
  parseTransaction,
  serializeTransaction,
  type TransactionSerializable,
} from 'viem';
import { checksumAddress } from './checksumAddress.js';
import { InvalidSignatureError, InvalidTransactionError } from './errors.js';
import type { EvmTransaction } from './normalizeTransaction.js';
import { recoverDigestAddress } from './recoverDigestAddress.js';
import type { EcdsaSignature } from './signDigest.js';
import { toSerializable } from './toSerializable.js';

/** A decoded signed transaction: its fields, signature, hash and the recovered sender. */
export type DecodedTransaction = {
  transaction: EvmTransaction;
  /** The signature; `v` is the raw legacy value (27/28 or chainId * 2 + 35/36), absent for typed txs. */
  signature: EcdsaSignature & { v?: bigint };
  /** Checksummed sender, recovered from the signature. */
  from: Address;
  hash: Hex;
};

/**
 * Decode a raw signed legacy / EIP-2930 / EIP-1559 transaction and recover its sender. Needs no
 * key: this is what a stateless API uses to inspect a transaction before broadcasting it.
 */
export function decodeSignedTransaction(raw: Hex): DecodedTransaction {
  if (typeof raw !== 'string' || !isHex(raw, { strict: true }) || raw.length < 4) {
    throw new InvalidTransactionError('raw transaction must be 0x hex');
  }
  let parsed: ReturnType<typeof parseTransaction>;
  try {
    parsed = parseTransaction(raw);
  } catch (cause) {
    throw new InvalidTransactionError('raw transaction could not be decoded', { cause });
  }
  if (parsed.type !== 'legacy' && parsed.type !== 'eip2930' && parsed.type !== 'eip1559') {
    throw new InvalidTransactionError(`unsupported transaction type: ${parsed.type}`);
  }
  if (parsed.r === undefined || parsed.s === undefined || parsed.yParity === undefined) {
    throw new InvalidSignatureError('transaction is not signed');
  }
  const base = {
    nonce: parsed.nonce ?? 0,
    gas: parsed.gas ?? 0n,
    to: parsed.to ? checksumAddress(parsed.to, 'to') : null,
    value: parsed.value ?? 0n,
    data: (parsed.data ?? '0x') as Hex,
  };
  let transaction: EvmTransaction;
  switch (parsed.type) {
    case 'legacy':
      transaction = {
        type: 'legacy',
        ...base,
        chainId: parsed.chainId ?? null,
        gasPrice: parsed.gasPrice ?? 0n,
      };
      break;
    case 'eip2930':
      transaction = {
        type: 'eip2930',
        ...base,
        chainId: parsed.chainId,
        gasPrice: parsed.gasPrice ?? 0n,
        accessList: checksumAccessList(parsed.accessList),
      };
      break;
    case 'eip1559':
      transaction = {
        type: 'eip1559',
        ...base,
        chainId: parsed.chainId,
        maxFeePerGas: parsed.maxFeePerGas ?? 0n,
        maxPriorityFeePerGas: parsed.maxPriorityFeePerGas ?? 0n,
        accessList: checksumAccessList(parsed.accessList),
      };
      break;
  }
  const signature: DecodedTransaction['signature'] = {
    r: pad32(parsed.r),
    s: pad32(parsed.s),
    yParity: parsed.yParity === 1 ? 1 : 0,
    ...(parsed.type === 'legacy' && parsed.v !== undefined ? { v: parsed.v } : {}),
  };
  // The signing payload is the unsigned serialization (with chainId, 0, 0 for EIP-155 legacy).
  const unsigned: TransactionSerializable = toSerializable(transaction);
  let payload: Hex;
  try {
    payload = serializeTransaction(unsigned);
  } catch (cause) {
    // e.g. a typed transaction with chain id 0, which viem (and this toolkit) refuse to sign.
    throw new InvalidTransactionError('transaction fields are not valid for signing', { cause });
  }
  const digest = keccak_256(hexToBytes(payload));
  return { transaction, signature, from: recoverDigestAddress(digest, signature), hash: keccak256(raw) };
}

function checksumAccessList(list: AccessList | undefined): AccessList {
  return (list ?? []).map((entry) => ({
    address: checksumAddress(entry.address, 'accessList.address'),
    storageKeys: entry.storageKeys.map((k) => k.toLowerCase() as Hex),
  }));
}

function pad32(value: Hex): Hex {
  return `0x${value.slice(2).padStart(64, '0')}`;
}
