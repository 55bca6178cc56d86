import { Type } from '@sinclair/typebox';
import { defineOperation } from './operation.js';

const ASSET_REF_MAX_LENGTH = 200;

const MarketRefSchema = Type.Object({
  venue: Type.String({ description: 'CCXT exchange id, e.g. `binance`, `coinbase`, `binanceusdm`' }),
  symbol: Type.String({
    description: 'CCXT unified symbol: `BTC/USDT` (spot), `BTC/USDT:USDT` (perpetual settled in USDT)',
  }),
});

const AssetContractSchema = Type.Object({
  caip19: Type.String({
    description: 'CAIP-19 asset id, address lower-case: `eip155:<chainId>/erc20:0x<address>`',
  }),
  chainId: Type.Integer({ description: 'EIP-155 chain id (1 = Ethereum mainnet, 42161 = Arbitrum One, …)' }),
  address: Type.String({ pattern: '^0x[0-9a-f]{40}$', description: 'Contract address, lower-case' }),
  decimals: Type.Integer({
    minimum: 0,
    maximum: 255,
    description: 'Token decimals on this chain (bridged copies can differ, e.g. USDC on BNB Chain has 18)',
  }),
});

/** One asset as the API returns it (reused by every operation that embeds assets). */
export const AssetSchema = Type.Object(
  {
    id: Type.String({
      description:
        'Canonical id: the CoinGecko id for curated assets (`bitcoin`, `avalanche-2`), a slug of the name for assets from the token list',
    }),
    symbol: Type.String({ description: 'Ticker, upper-case. Not unique: several assets can share one' }),
    name: Type.String(),
    decimals: Type.Union([Type.Integer(), Type.Null()], {
      description:
        'Native decimals (BTC 8, ETH 18; for tokens, the Ethereum mainnet token’s); null if not meaningful',
    }),
    rank: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description: 'Market-cap rank in the curated list (approximate, 2025); null for token-list assets',
    }),
    stablecoin: Type.Union([Type.String(), Type.Null()], {
      description: 'Currency the asset is pegged to (`USD`), or null',
    }),
    markets: Type.Array(MarketRefSchema, {
      description: 'Markets where this asset is the base currency, on the venues Sextant knows',
    }),
    contracts: Type.Array(AssetContractSchema, {
      description: 'EVM token contracts, by chain id (empty for native coins such as BTC)',
    }),
    source: Type.Union([Type.Literal('curated'), Type.Literal('token-list')], {
      description: '`curated`: Sextant’s list of top assets; `token-list`: the Uniswap default token list',
    }),
  },
  {
    examples: [
      {
        id: 'pax-gold',
        symbol: 'PAXG',
        name: 'PAX Gold',
        decimals: 18,
        rank: 48,
        stablecoin: null,
        markets: [
          { venue: 'binance', symbol: 'PAXG/USDT' },
          { venue: 'kraken', symbol: 'PAXG/USD' },
        ],
        contracts: [
          {
            caip19: 'eip155:1/erc20:0x45804880de22913dafe09f4980848ece6ecbaf78',
            chainId: 1,
            address: '0x45804880de22913dafe09f4980848ece6ecbaf78',
            decimals: 18,
          },
        ],
        source: 'curated',
      },
    ],
  },
);

export const getAsset = defineOperation({
  id: 'getAsset',
  method: 'GET',
  path: '/assets/{id}',
  summary: 'One asset by id, symbol or contract',
  description: [
    'Looks up one asset. `{id}` may be:',
    '',
    '- an asset id (`bitcoin`, `usd-coin`): an exact id always wins;',
    '- a symbol (`LINK`, case-insensitive): answered only when exactly one asset has it;',
    '- a CAIP-19 ERC-20 id (`eip155:1/erc20:0xa0b8…eb48`, address in any case). Percent-encode the slash: `/v1/assets/eip155:1%2Ferc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48`.',
    '',
    'Sextant never guesses between assets: a symbol held by several assets (for example `BTC`, which is also a wrapped-bitcoin token on Celo) answers **409 `AMBIGUOUS_SYMBOL`** with `candidates` (`id`, `symbol`, `name`, `rank`; ranked assets first); ask again with one of the ids. An unknown reference answers **404 `ASSET_NOT_FOUND`**, and a malformed CAIP-19 id **400 `BAD_REQUEST`**.',
  ].join('\n'),
  tags: ['assets'],
  params: Type.Object({
    id: Type.String({
      minLength: 1,
      maxLength: ASSET_REF_MAX_LENGTH,
      description: 'Asset id, symbol, or CAIP-19 contract id',
      examples: ['bitcoin', 'LINK', 'eip155:1/erc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48'],
    }),
  }),
  response: AssetSchema,
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 300, visibility: 'public' },
  handler({ params }, { services }) {
    return services.assets.resolve(params.id);
  },
});
