import { Type } from '@sinclair/typebox';
import { AssetSchema } from './getAsset.js';
import { defineOperation } from './operation.js';

const LIST_ASSETS_MAX_LIMIT = 250;
const LIST_ASSETS_DEFAULT_LIMIT = 100;

export const ListAssetsResponse = Type.Object(
  {
    items: Type.Array(AssetSchema),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` to get the next page; null on the last page',
    }),
  },
  {
    examples: [
      {
        items: [
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
        nextCursor: 'WzQ4LCJwYXgtZ29sZCJd',
      },
    ],
  },
);

export const listAssets = defineOperation({
  id: 'listAssets',
  method: 'GET',
  path: '/assets',
  summary: 'List and search assets',
  description:
    'Assets Sextant knows: a curated list of the top assets by market cap (with their markets on Binance, Coinbase, Kraken, OKX and Bybit) merged with the Uniswap default token list (ERC-20 contracts on Ethereum and other EVM chains). Ordered by market-cap rank, unranked assets last, then by id; the order is stable, so walking `nextCursor` visits every match exactly once. Filters combine with AND. Use `GET /assets/{id}` to look up one asset by id, symbol or contract.',
  tags: ['assets'],
  query: Type.Object({
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Case-insensitive substring of the id, symbol or name (`gold`, `usd`)',
      }),
    ),
    symbol: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'Exact symbol, case-insensitive (`USDC`)' }),
    ),
    chainId: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Only assets with a contract on this EIP-155 chain (`8453` = Base)',
      }),
    ),
    venue: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 32,
        description:
          'Only assets with a market on this CCXT venue (`binance`, `coinbase`, `kraken`, `okx`, `bybit`)',
      }),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: 512, description: '`nextCursor` of the previous page, unchanged (opaque)' }),
    ),
    limit: Type.Integer({
      minimum: 1,
      maximum: LIST_ASSETS_MAX_LIMIT,
      default: LIST_ASSETS_DEFAULT_LIMIT,
      description: `Page size, 1-${LIST_ASSETS_MAX_LIMIT}`,
    }),
  }),
  response: ListAssetsResponse,
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 300, visibility: 'public' },
  handler({ query }, { services }) {
    return services.assets.list(query);
  },
});
