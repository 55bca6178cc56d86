import type { AccessList, Address, Hex } from 'viem';
import { isHex } from 'viem';
import { checksumAddress } from './checksumAddress.js';
import { InvalidChainIdError, InvalidTransactionError } from './errors.js';

/** An unsigned integer: a bigint, a safe integer, or a decimal / `0x` hex string. */
export type Quantity = bigint | number | string;

type RequestBase = {
  nonce: Quantity;
  /** Gas limit. */
  gas: Quantity;
  /** Recipient; `null` or absent for a contract creation. Mixed case must be a valid EIP-55 checksum. */
  to?: string | null;
  value?: Quantity;
  data?: Hex;
};

/** A transaction to sign. Amounts are base units (wei). */
export type EvmTransactionRequest =
  | (RequestBase & {
      type: 'legacy';
      /** Absent: pre-EIP-155 (replayable on every chain, signed only when asked to). */
      chainId?: number;
      gasPrice: Quantity;
    })
  | (RequestBase & {
      type: 'eip2930';
      chainId: number;
      gasPrice: Quantity;
      accessList?: AccessList;
    })
  | (RequestBase & {
      type: 'eip1559';
      chainId: number;
      maxFeePerGas: Quantity;
      maxPriorityFeePerGas: Quantity;
      accessList?: AccessList;
    });

type TransactionBase = {
  nonce: number;
  gas: bigint;
  /** Checksummed recipient, `null` for a contract creation. */
  to: Address | null;
  value: bigint;
  data: Hex;
};

/** A validated transaction: every field present, quantities as bigint, addresses checksummed. */
export type EvmTransaction =
  | (TransactionBase & { type: 'legacy'; chainId: number | null; gasPrice: bigint })
  | (TransactionBase & { type: 'eip2930'; chainId: number; gasPrice: bigint; accessList: AccessList })
  | (TransactionBase & {
      type: 'eip1559';
      chainId: number;
      maxFeePerGas: bigint;
      maxPriorityFeePerGas: bigint;
      accessList: AccessList;
    });

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_NONCE = Number.MAX_SAFE_INTEGER;

/**
 * Validate a transaction request and fill defaults (`value` 0, `data` 0x, `to` null, empty
 * access list). Throws `InvalidTransactionError`, `InvalidChainIdError` or `InvalidAddressError`.
 */
export function normalizeTransaction(request: EvmTransactionRequest): EvmTransaction {
  if (request === null || typeof request !== 'object') {
    throw new InvalidTransactionError('transaction must be an object');
  }
  const type = (request as { type?: unknown }).type;
  if (type !== 'legacy' && type !== 'eip2930' && type !== 'eip1559') {
    throw new InvalidTransactionError(`type must be 'legacy', 'eip2930' or 'eip1559', got ${String(type)}`);
  }
  const base: TransactionBase = {
    nonce: Number(quantity(request, 'nonce', BigInt(MAX_NONCE))),
    gas: quantity(request, 'gas'),
    to: optionalAddress(request.to, 'to'),
    value: request.value === undefined ? 0n : quantity(request, 'value'),
    data: hexData(request.data),
  };
  switch (request.type) {
    case 'legacy':
      return {
        type: 'legacy',
        ...base,
        chainId: request.chainId === undefined ? null : chainId(request.chainId),
        gasPrice: quantity(request, 'gasPrice'),
      };
    case 'eip2930':
      return {
        type: 'eip2930',
        ...base,
        chainId: chainId(request.chainId),
        gasPrice: quantity(request, 'gasPrice'),
        accessList: accessList(request.accessList),
      };
    case 'eip1559': {
      const maxFeePerGas = quantity(request, 'maxFeePerGas');
      const maxPriorityFeePerGas = quantity(request, 'maxPriorityFeePerGas');
      // Consensus rule of EIP-1559: a tip above the fee cap makes the transaction invalid.
      if (maxPriorityFeePerGas > maxFeePerGas) {
        throw new InvalidTransactionError('maxPriorityFeePerGas must not exceed maxFeePerGas', {
          issues: [{ path: ['maxPriorityFeePerGas'], message: 'must be <= maxFeePerGas' }],
        });
      }
      return {
        type: 'eip1559',
        ...base,
        chainId: chainId(request.chainId),
        maxFeePerGas,
        maxPriorityFeePerGas,
        accessList: accessList(request.accessList),
      };
    }
  }
}

/** Parse one quantity field of `request`; missing or malformed fields throw with the field's path. */
function quantity(request: object, field: string, max = MAX_UINT256): bigint {
  const raw = (request as Record<string, unknown>)[field];
  const fail = (message: string): never => {
    throw new InvalidTransactionError(`${field} ${message}`, { issues: [{ path: [field], message }] });
  };
  if (raw === undefined || raw === null) return fail('is required');
  let value: bigint;
  if (typeof raw === 'bigint') value = raw;
  else if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw)) return fail('must be a safe integer');
    value = BigInt(raw);
  } else if (typeof raw === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(raw)) value = BigInt(raw);
  else return fail('must be an unsigned integer (bigint, number, decimal or 0x hex string)');
  if (value < 0n) return fail('must not be negative');
  if (value > max) return fail(`must be <= ${max}`);
  return value;
}

/** A chain id: a positive safe integer (EIP-155 folds it into v, so 0 would collide with pre-155). */
function chainId(value: unknown): number {
  if (value === undefined || value === null) throw new InvalidChainIdError('chainId is required');
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidChainIdError(`chainId must be a positive safe integer, got ${String(value)}`);
  }
  return value;
}

function optionalAddress(value: unknown, field: string): Address | null {
  if (value === undefined || value === null) return null;
  return checksumAddress(value, field);
}

function hexData(value: unknown): Hex {
  if (value === undefined) return '0x';
  if (typeof value !== 'string' || !isHex(value, { strict: true }) || value.length % 2 !== 0) {
    throw new InvalidTransactionError('data must be even-length 0x hex', {
      issues: [{ path: ['data'], message: 'must be even-length 0x hex' }],
    });
  }
  return value.toLowerCase() as Hex;
}

function accessList(value: unknown): AccessList {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidTransactionError('accessList must be an array');
  return value.map((item: unknown, i) => {
    const entry = item as { address?: unknown; storageKeys?: unknown };
    if (entry === null || typeof entry !== 'object' || !Array.isArray(entry.storageKeys)) {
      throw new InvalidTransactionError(`accessList[${i}] must be { address, storageKeys[] }`);
    }
    const storageKeys = entry.storageKeys.map((key: unknown, j) => {
      if (typeof key !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
        throw new InvalidTransactionError(`accessList[${i}].storageKeys[${j}] must be 32-byte hex`);
      }
      return key.toLowerCase() as Hex;
    });
    return { address: checksumAddress(entry.address, `accessList[${i}].address`), storageKeys };
  });
}
