import type { Hex } from 'viem';
import {
  address,
  array,
  DecodeError,
  hash32,
  hexData,
  object,
  optional,
  quantity,
  smallQuantity,
} from './decodePrimitives.js';
import type { RpcBlock, RpcTransaction } from './types.js';

/** Decode one transaction of a full block; `position` stands in for a missing `transactionIndex`. */
export function decodeTransaction(raw: unknown, path: string, position: number): RpcTransaction {
  const o = object(raw, path);
  const index = optional(o.transactionIndex, (v) => smallQuantity(v, `${path}.transactionIndex`));
  if (index !== null && index !== position)
    throw new DecodeError(`${path}.transactionIndex`, `is ${index} at position ${position}`);
  return {
    hash: hash32(o.hash, `${path}.hash`),
    from: address(o.from, `${path}.from`),
    to: optional(o.to, (v) => address(v, `${path}.to`)),
    value: quantity(o.value, `${path}.value`),
    // Some nodes send `data` instead of `input` for old transactions.
    input: hexData(o.input ?? o.data, `${path}.input`),
    // Pre-EIP-2718 nodes omit `type`: those transactions are legacy (0).
    type: optional(o.type, (v) => smallQuantity(v, `${path}.type`)) ?? 0,
    nonce: quantity(o.nonce, `${path}.nonce`),
    transactionIndex: position,
  };
}

/**
 * Decode `eth_getBlockByNumber`: null stays null (no such block yet); a block must have a number
 * and a hash (a pending block, which has neither, is malformed here), and `transactions` must be
 * hashes or objects as asked. When `expected` is a number, the block must carry that number.
 * @example decodeBlock(raw, true, 100n)?.transactions[0]?.from
 */
export function decodeBlock(
  raw: unknown,
  includeTransactions: false,
  expected?: bigint,
): RpcBlock<Hex> | null;
export function decodeBlock(
  raw: unknown,
  includeTransactions: true,
  expected?: bigint,
): RpcBlock<RpcTransaction> | null;
export function decodeBlock(
  raw: unknown,
  includeTransactions: boolean,
  expected?: bigint,
): RpcBlock<Hex> | RpcBlock<RpcTransaction> | null;
export function decodeBlock(
  raw: unknown,
  includeTransactions: boolean,
  expected?: bigint,
): RpcBlock<Hex> | RpcBlock<RpcTransaction> | null {
  if (raw === null) return null;
  const o = object(raw, 'block');
  const number = quantity(o.number, 'block.number');
  if (expected !== undefined && number !== expected)
    throw new DecodeError('block.number', `is ${number}, not the block asked for (${expected})`);
  const txs = array(o.transactions, 'block.transactions');
  const head = {
    number,
    hash: hash32(o.hash, 'block.hash'),
    parentHash: hash32(o.parentHash, 'block.parentHash'),
    timestamp: quantity(o.timestamp, 'block.timestamp'),
    gasUsed: quantity(o.gasUsed, 'block.gasUsed'),
    gasLimit: quantity(o.gasLimit, 'block.gasLimit'),
    baseFeePerGas: optional(o.baseFeePerGas, (v) => quantity(v, 'block.baseFeePerGas')),
  };
  if (includeTransactions)
    return { ...head, transactions: txs.map((t, i) => decodeTransaction(t, `block.transactions[${i}]`, i)) };
  return { ...head, transactions: txs.map((t, i) => hash32(t, `block.transactions[${i}]`)) };
}
