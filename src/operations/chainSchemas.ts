import { Type } from '@sinclair/typebox';
import { normalizeAddress } from '../chain/insights/index.js';
import { ValidationError } from '../internal/errors.js';
import type { AuthPolicy, CachePolicy } from './operation.js';

/** On-chain insights are public reads, cached briefly (a new block lands every few seconds). */
export const CHAIN_AUTH: AuthPolicy = { anonymous: true, scope: 'read' };
export const CHAIN_CACHE: CachePolicy = { maxAgeSeconds: 15, visibility: 'public' };
export const CHAIN_TAGS = ['onchain'];

export const ChainIdParam = Type.Integer({
  minimum: 1,
  maximum: 2 ** 31 - 1,
  description: 'EIP-155 chain id (1 = Ethereum mainnet); must be indexed here (CHAINS)',
});

// No `pattern` here: the handler checks the address so the 400 says what an address looks like.
export const AddressParam = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'EVM address: 0x followed by 40 hex digits, any case (answers use lowercase)',
});

export const ChainParams = Type.Object({ chainId: ChainIdParam });
export const ChainAddressParams = Type.Object({ chainId: ChainIdParam, address: AddressParam });

/**
 * A lowercase address from a path or query value, or a 400 naming the parameter.
 * @example addressParam('address', '0xA0b8…eB48', 'path') // '0xa0b8…eb48'
 */
export function addressParam(name: string, value: string, where: 'path' | 'query'): string {
  const address = normalizeAddress(value);
  if (address) return address;
  throw new ValidationError(`${where} '${name}' must be an EVM address: 0x followed by 40 hex digits`, {
    issues: [{ path: [name], message: 'must be 0x followed by 40 hex digits', in: where }],
  });
}

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const AsOfSchema = Type.Object(
  {
    block: Type.String({ description: 'Indexed through this block (decimal)' }),
    timestamp: Nullable(Type.String({ format: 'date-time', description: 'Its block time' })),
  },
  { description: 'The chain checkpoint the answer is computed at' },
);

export const AmountSchema = Type.Object({
  value: Type.String({
    description: 'Exact amount in base units (decimal string; may be negative for net flows)',
  }),
  formatted: Nullable(Type.String({ description: 'In whole tokens using the decimals; null when unknown' })),
});

export const TokenInfoSchema = Type.Object({
  address: Type.String(),
  standard: Nullable(Type.String({ description: 'erc20, erc721 or erc1155; null when not read yet' })),
  name: Nullable(Type.String()),
  symbol: Nullable(Type.String()),
  decimals: Type.Union([Type.Integer(), Type.Null()]),
});

export const BlockRefSchema = Type.Object({
  block: Type.String(),
  timestamp: Nullable(Type.String({ format: 'date-time' })),
});

export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `cursor` for the next page; null on the last page',
});

export const CursorQuery = Type.Optional(
  Type.String({ maxLength: 400, description: '`nextCursor` of the previous page' }),
);

// Shared example values (Ethereum mainnet USDC and Binance 14).
export const EX_CHAIN = 1;
export const EX_AS_OF = { block: '20000000', timestamp: '2024-05-31T23:59:59.000Z' };
export const EX_USDC = {
  address: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
  standard: 'erc20',
  name: 'USD Coin',
  symbol: 'USDC',
  decimals: 6,
};
export const EX_HOLDER = '0x28c6c06298d514db089934071355e5743bf21d60';
