import { keccak_256 } from '@noble/hashes/sha3.js';
import {
  type AccessList,
  type Address,
  concatHex,
  fromRlp,
  type Hex,
  hexToBytes,
  isHex,
  keccak256,
  parseTransaction,
  serializeTransaction,
  type TransactionSerializable,
  toRlp,
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
 * Typed transactions with chain id 0 are decoded too (`chainId: 0`), though `signTransaction`
 * refuses to make them: no network accepts them, so they can only be inspected.
 */
export function decodeSignedTransaction(raw: Hex): DecodedTransaction {
  if (typeof raw !== 'string' || !isHex(raw, { strict: true }) || raw.length < 4) {
    throw new InvalidTransactionError('raw transaction must be 0x hex');
  }
  // Typed transactions with chain id 0: viem refuses them, but they are well-formed and signed
  // by other libraries (ethers does); decoded here so they can be inspected (never signed by us).
  const chainIdZero = decodeTypedChainIdZero(raw);
  if (chainIdZero) return chainIdZero;
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
    // e.g. an EIP-1559 tip above the fee cap, which viem refuses to serialize.
    throw new InvalidTransactionError('transaction fields are not valid for signing', { cause });
  }
  const digest = keccak_256(hexToBytes(payload));
  return { transaction, signature, from: recoverDigestAddress(digest, signature), hash: keccak256(raw) };
}

const TYPED_FIELD_COUNT = { '0x01': 11, '0x02': 12 } as const;

/**
 * Decode an EIP-2930 (0x01) or EIP-1559 (0x02) transaction whose chain id is 0, or return
 * undefined for anything else (left to viem). The signing payload is the type byte followed by the
 * RLP list of the signed fields minus the signature, as EIP-2718 defines it; RLP is viem's.
 */
function decodeTypedChainIdZero(raw: Hex): DecodedTransaction | undefined {
  const prefix = raw.slice(0, 4).toLowerCase();
  if (prefix !== '0x01' && prefix !== '0x02') return undefined;
  let fields: RlpItem[];
  try {
    const list = fromRlp(`0x${raw.slice(4)}`, 'hex');
    if (!Array.isArray(list)) return undefined;
    fields = list;
  } catch {
    return undefined; // viem reports the malformed encoding
  }
  if (fields[0] !== '0x') return undefined;
  const type = prefix === '0x01' ? 'eip2930' : 'eip1559';
  if (fields.length !== TYPED_FIELD_COUNT[prefix]) {
    throw new InvalidTransactionError(`${type} transaction must have ${TYPED_FIELD_COUNT[prefix]} fields`);
  }
  const [yParityItem, rItem, sItem] = fields.slice(-3);
  const yParity = quantityField(yParityItem, 'yParity');
  if (yParity > 1n) throw new InvalidSignatureError('yParity must be 0 or 1');
  const signature: EcdsaSignature = {
    r: pad32(bytesField(rItem, 'r', 32)),
    s: pad32(bytesField(sItem, 's', 32)),
    yParity: yParity === 1n ? 1 : 0,
  };
  const nonce = quantityField(fields[1], 'nonce');
  if (nonce > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidTransactionError('nonce is too large');
  // Fields after chain id and nonce: 2930 = gasPrice, gas, to, value, data, accessList;
  // 1559 = maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data, accessList.
  const rest = fields.slice(2, -3);
  const fees = type === 'eip1559' ? rest.splice(0, 2) : rest.splice(0, 1);
  const [gasItem, toItem, valueItem, dataItem, accessListItem] = rest;
  const toBytes = bytesField(toItem, 'to');
  if (toBytes !== '0x' && toBytes.length !== 42)
    throw new InvalidTransactionError('to must be 20 bytes or empty');
  const base = {
    nonce: Number(nonce),
    gas: quantityField(gasItem, 'gas'),
    to: toBytes === '0x' ? null : checksumAddress(toBytes, 'to'),
    value: quantityField(valueItem, 'value'),
    data: bytesField(dataItem, 'data').toLowerCase() as Hex,
  };
  const accessList = accessListField(accessListItem);
  const transaction: EvmTransaction =
    type === 'eip2930'
      ? { type, ...base, chainId: 0, gasPrice: quantityField(fees[0], 'gasPrice'), accessList }
      : {
          type,
          ...base,
          chainId: 0,
          maxPriorityFeePerGas: quantityField(fees[0], 'maxPriorityFeePerGas'),
          maxFeePerGas: quantityField(fees[1], 'maxFeePerGas'),
          accessList,
        };
  const payload = concatHex([prefix as Hex, toRlp(fields.slice(0, -3))]);
  const from = recoverDigestAddress(keccak_256(hexToBytes(payload)), signature);
  return { transaction, signature, from, hash: keccak256(raw) };
}

type RlpItem = Hex | readonly RlpItem[];

function bytesField(item: RlpItem | undefined, name: string, maxBytes = Number.POSITIVE_INFINITY): Hex {
  if (typeof item !== 'string') throw new InvalidTransactionError(`${name} must be a byte string`);
  if ((item.length - 2) / 2 > maxBytes)
    throw new InvalidTransactionError(`${name} is longer than ${maxBytes} bytes`);
  return item;
}

/** An RLP integer: big-endian, no leading zero byte (0 is the empty string). */
function quantityField(item: RlpItem | undefined, name: string): bigint {
  const hex = bytesField(item, name, 32);
  if (hex.startsWith('0x00')) throw new InvalidTransactionError(`${name} has a leading zero byte`);
  return hex === '0x' ? 0n : BigInt(hex);
}

function accessListField(item: RlpItem | undefined): AccessList {
  if (!Array.isArray(item)) throw new InvalidTransactionError('accessList must be a list');
  return item.map((entry: RlpItem, i) => {
    if (!Array.isArray(entry) || entry.length !== 2 || !Array.isArray(entry[1])) {
      throw new InvalidTransactionError(`accessList[${i}] must be [address, storageKeys]`);
    }
    const address = bytesField(entry[0], `accessList[${i}].address`, 20);
    const storageKeys = (entry[1] as RlpItem[]).map((key, j) => {
      const k = bytesField(key, `accessList[${i}].storageKeys[${j}]`, 32);
      if (k.length !== 66)
        throw new InvalidTransactionError(`accessList[${i}].storageKeys[${j}] must be 32 bytes`);
      return k.toLowerCase() as Hex;
    });
    return { address: checksumAddress(address, `accessList[${i}].address`), storageKeys };
  });
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
