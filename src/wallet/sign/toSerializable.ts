import type { TransactionSerializable } from 'viem';
import type { EvmTransaction } from './normalizeTransaction.js';

/** Map a validated transaction onto viem's serializable shape. */
export function toSerializable(tx: EvmTransaction): TransactionSerializable {
  const base = {
    nonce: tx.nonce,
    gas: tx.gas,
    value: tx.value,
    data: tx.data,
    ...(tx.to ? { to: tx.to } : {}),
  };
  switch (tx.type) {
    case 'legacy':
      return {
        type: 'legacy',
        ...base,
        gasPrice: tx.gasPrice,
        ...(tx.chainId ? { chainId: tx.chainId } : {}),
      };
    case 'eip2930':
      return {
        type: 'eip2930',
        ...base,
        chainId: tx.chainId,
        gasPrice: tx.gasPrice,
        accessList: tx.accessList,
      };
    case 'eip1559':
      return {
        type: 'eip1559',
        ...base,
        chainId: tx.chainId,
        maxFeePerGas: tx.maxFeePerGas,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
        accessList: tx.accessList,
      };
  }
}
