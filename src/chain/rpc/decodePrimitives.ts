import type { Hex } from 'viem';

/**
 * A value in a node's answer is not what the protocol promises. The transport turns it into an
 * `RpcError` of kind `malformed` naming the endpoint; `path` says where (`block.transactions[3].to`).
 */
export class DecodeError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path} ${problem}`);
    this.name = 'DecodeError';
  }
}

// A quantity is at most 256 bits: 64 hex digits (EIP-1474 forbids leading zeros; some nodes send
// them anyway, and they do not change the value, so they are accepted).
const QUANTITY_RE = /^0x[0-9a-fA-F]{1,64}$/;
const HASH_RE = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const DATA_RE = /^0x(?:[0-9a-fA-F]{2})*$/;

/** A short, printable rendering of a bad value for an error message (node data, never ours). */
function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = typeof value;
  }
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** A hex quantity as a bigint. */
export function quantity(value: unknown, path: string): bigint {
  if (typeof value !== 'string' || !QUANTITY_RE.test(value))
    throw new DecodeError(path, `is not a hex quantity (got ${show(value)})`);
  return BigInt(value);
}

/** A hex quantity that must fit a JavaScript number (indexes, chain ids, tx types). */
export function smallQuantity(value: unknown, path: string): number {
  const n = quantity(value, path);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError(path, `is too large (got ${show(value)})`);
  return Number(n);
}

/** A 32-byte hash, lowercased. */
export function hash32(value: unknown, path: string): Hex {
  if (typeof value !== 'string' || !HASH_RE.test(value))
    throw new DecodeError(path, `is not a 32-byte hash (got ${show(value)})`);
  return value.toLowerCase() as Hex;
}

/** A 20-byte address, lowercased (not checksummed: compare and store lowercase everywhere). */
export function address(value: unknown, path: string): Hex {
  if (typeof value !== 'string' || !ADDRESS_RE.test(value))
    throw new DecodeError(path, `is not an address (got ${show(value)})`);
  return value.toLowerCase() as Hex;
}

/** Hex bytes of any length (even number of digits), lowercased. */
export function hexData(value: unknown, path: string): Hex {
  if (typeof value !== 'string' || !DATA_RE.test(value))
    throw new DecodeError(path, `is not hex data (got ${show(value)})`);
  return value.toLowerCase() as Hex;
}

/** A JSON object (not null, not an array). */
export function object(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new DecodeError(path, `is not an object (got ${show(value)})`);
  return value as Record<string, unknown>;
}

/** A JSON array. */
export function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new DecodeError(path, `is not a list (got ${show(value)})`);
  return value;
}

/** `decode(value)` unless the field is absent or null. */
export function optional<T>(value: unknown, decode: (v: unknown) => T): T | null {
  return value === undefined || value === null ? null : decode(value);
}
