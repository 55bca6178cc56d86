import type { Queryable } from '../../db/index.js';
import { ValidationError } from '../../internal/errors.js';

/** Allowances at or above 2^255 are "unlimited" (wallets approve 2^256 − 1; some tokens decrement it). */
export const UNLIMITED_ALLOWANCE = 2n ** 255n;

// Token contracts report any uint8; beyond this a "formatted" amount means nothing.
const MAX_FORMAT_DECIMALS = 77;

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/**
 * A lowercase `0x` address, or null when `value` is not 0x + 40 hex digits (any case).
 * @example normalizeAddress('0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48') // '0xa0b8…eb48'
 */
export function normalizeAddress(value: string): string | null {
  return ADDRESS_RE.test(value) ? value.toLowerCase() : null;
}

/**
 * Base units as a decimal string in whole tokens, exact (no float); null when the decimals are
 * unknown or absurd.
 * @example formatAmount(1500000n, 6) // '1.5'
 */
export function formatAmount(value: bigint, decimals: number | null): string | null {
  if (decimals === null || !Number.isInteger(decimals) || decimals < 0 || decimals > MAX_FORMAT_DECIMALS)
    return null;
  const neg = value < 0n;
  const digits = (neg ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** `part / total` as a float in [0, 1] from exact integers (0 when total is 0). */
export function shareOf(part: bigint, total: bigint): number {
  if (total === 0n) return 0;
  // 12 significant digits survive the bigint division; plenty for a share.
  return Number((part * 1_000_000_000_000n) / total) / 1e12;
}

/** Token metadata as the insights show it. */
export type TokenInfo = {
  address: string;
  standard: string | null;
  name: string | null;
  symbol: string | null;
  decimals: number | null;
};

/** Metadata of `tokens` from `chain_tokens` (unknown tokens get nulls). */
export async function tokenInfos(
  db: Queryable,
  chainId: number,
  tokens: readonly string[],
): Promise<Map<string, TokenInfo>> {
  const out = new Map<string, TokenInfo>();
  const unique = [...new Set(tokens)];
  if (unique.length > 0) {
    const rows = await db.query<{
      address: string;
      standard: string;
      name: string | null;
      symbol: string | null;
      decimals: number | null;
    }>(
      `select address, standard, name, symbol, decimals from chain_tokens
        where chain_id = $1 and address = any($2::text[])`,
      [chainId, unique],
    );
    for (const r of rows) out.set(r.address, { ...r, address: r.address });
  }
  for (const t of unique)
    if (!out.has(t)) out.set(t, { address: t, standard: null, name: null, symbol: null, decimals: null });
  return out;
}

/** An amount as served: exact base units and, when the decimals are known, whole tokens. */
export function amountJson(
  value: bigint,
  decimals: number | null,
): { value: string; formatted: string | null } {
  return { value: value.toString(), formatted: formatAmount(value, decimals) };
}

/**
 * Opaque keyset cursor over a tuple of strings (block numbers, indexes, balances, addresses).
 * @example decodeKeyset(encodeKeyset(['12', '3']), [DIGITS, DIGITS]) // ['12', '3']
 */
export function encodeKeyset(parts: readonly (string | number | bigint)[]): string {
  return Buffer.from(`k1:${parts.map(String).join(':')}`).toString('base64url');
}

/** Unsigned decimal integer (up to uint256) inside a cursor. */
export const CURSOR_DIGITS = /^\d{1,78}$/;
/** Lowercase address inside a cursor. */
export const CURSOR_ADDRESS = /^0x[0-9a-f]{40}$/;

/**
 * The parts of a cursor made by `encodeKeyset`, each checked against its pattern. Throws a
 * `ValidationError` (400) naming `cursor` when it is not one this API returned.
 */
export function decodeKeyset(cursor: string, patterns: readonly RegExp[]): string[] {
  const text = cursor.length > 400 ? '' : Buffer.from(cursor, 'base64url').toString('latin1');
  const parts = text.startsWith('k1:') ? text.slice(3).split(':') : [];
  if (parts.length !== patterns.length || !parts.every((p, i) => patterns[i]!.test(p)))
    throw new ValidationError("query 'cursor' is not a cursor this API returned", {
      issues: [{ path: ['cursor'], message: 'malformed cursor', in: 'query' }],
    });
  return parts;
}
