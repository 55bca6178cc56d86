import { BadRequestError } from '../internal/errors.js';

/** A parsed ERC-20 CAIP-19 asset id. */
export type Caip19 = {
  chainId: number;
  /** Lower-case `0x` address. */
  address: string;
  /** Canonical form: lower-case address. */
  caip19: string;
};

// CAIP-2 namespaces are lower-case; EIP-155 references are decimal chain ids without a leading zero.
const CAIP19_ERC20 = /^eip155:([1-9][0-9]{0,15})\/erc20:(0x[0-9a-fA-F]{40})$/;

/** True when `ref` looks like it is meant as a CAIP-19 id (so a parse error is the caller's mistake). */
export function looksLikeCaip19(ref: string): boolean {
  return /^eip155:/i.test(ref);
}

/**
 * Parse and validate an ERC-20 CAIP-19 id; throws `BadRequestError` when malformed.
 * @example parseCaip19('eip155:1/erc20:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48') // { chainId: 1, address: '0xa0b8…', caip19 }
 */
export function parseCaip19(ref: string): Caip19 {
  const m = CAIP19_ERC20.exec(ref);
  const chainId = m ? Number(m[1]) : Number.NaN;
  if (!m || !Number.isSafeInteger(chainId))
    throw new BadRequestError('not a CAIP-19 ERC-20 id: expected eip155:<chainId>/erc20:0x<40 hex digits>');
  return formatCaip19(chainId, m[2]!);
}

/** The canonical CAIP-19 id of an ERC-20 contract (address lower-cased; not validated). */
export function formatCaip19(chainId: number, address: string): Caip19 {
  const lower = address.toLowerCase();
  return { chainId, address: lower, caip19: `eip155:${chainId}/erc20:${lower}` };
}
