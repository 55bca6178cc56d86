import { decodeLog } from './decodeLog.js';
import {
  address,
  array,
  DecodeError,
  hash32,
  object,
  optional,
  quantity,
  smallQuantity,
} from './decodePrimitives.js';
import type { RpcReceipt } from './types.js';

/**
 * Decode `eth_getTransactionReceipt`: null stays null (unknown or not mined). When `expectedHash`
 * is given, the receipt must be that transaction's.
 * @example decodeReceipt(raw, hash)?.contractAddress
 */
export function decodeReceipt(raw: unknown, expectedHash?: string): RpcReceipt | null {
  if (raw === null) return null;
  const o = object(raw, 'receipt');
  const transactionHash = hash32(o.transactionHash, 'receipt.transactionHash');
  if (expectedHash !== undefined && transactionHash !== expectedHash.toLowerCase())
    throw new DecodeError('receipt.transactionHash', `is ${transactionHash}, not the transaction asked for`);
  const status = optional(o.status, (v) => quantity(v, 'receipt.status'));
  if (status !== null && status !== 0n && status !== 1n)
    throw new DecodeError('receipt.status', `is ${status} (expected 0x0 or 0x1)`);
  return {
    transactionHash,
    blockHash: hash32(o.blockHash, 'receipt.blockHash'),
    blockNumber: quantity(o.blockNumber, 'receipt.blockNumber'),
    transactionIndex: smallQuantity(o.transactionIndex, 'receipt.transactionIndex'),
    from: address(o.from, 'receipt.from'),
    to: optional(o.to, (v) => address(v, 'receipt.to')),
    contractAddress: optional(o.contractAddress, (v) => address(v, 'receipt.contractAddress')),
    status: status === null ? null : status === 1n ? 'success' : 'reverted',
    gasUsed: quantity(o.gasUsed, 'receipt.gasUsed'),
    effectiveGasPrice: optional(o.effectiveGasPrice, (v) => quantity(v, 'receipt.effectiveGasPrice')),
    logs: array(o.logs, 'receipt.logs').map((l, i) => decodeLog(l, `receipt.logs[${i}]`)),
  };
}
