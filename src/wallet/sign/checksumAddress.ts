import { type Address, getAddress } from 'viem';
import { InvalidAddressError } from './errors.js';

/** Checksum an address; a mixed-case input must already carry a valid EIP-55 checksum. */
export function checksumAddress(value: unknown, field = 'address'): Address {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new InvalidAddressError(`${field} must be a 20-byte 0x-prefixed hex address`, {
      issues: [{ path: [field], message: 'malformed address' }],
    });
  }
  const checksummed = getAddress(value);
  const body = value.slice(2);
  // All-lower or all-upper hex carries no checksum (EIP-55); mixed case must match exactly.
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  if (mixed && checksummed !== value) {
    throw new InvalidAddressError(`${field} has an invalid EIP-55 checksum`, {
      issues: [{ path: [field], message: 'bad checksum' }],
    });
  }
  return checksummed;
}
