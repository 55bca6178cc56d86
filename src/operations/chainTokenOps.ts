import { Type } from '@sinclair/typebox';
import {
  createHolderTotalsCache,
  dailyActivity,
  type HolderTotalsCache,
  holderHistory,
  tokenSummary,
  topHolders,
} from '../chain/insights/index.js';
import type { Db } from '../db/index.js';
import {
  AmountSchema,
  AsOfSchema,
  addressParam,
  BlockRefSchema,
  CHAIN_AUTH,
  CHAIN_CACHE,
  CHAIN_TAGS,
  ChainAddressParams,
  ChainParams,
  CursorQuery,
  EX_AS_OF,
  EX_CHAIN,
  EX_HOLDER,
  EX_USDC,
  NextCursor,
  TokenInfoSchema,
} from './chainSchemas.js';
import { defineOperation } from './operation.js';

const HOLDERS_MAX_LIMIT = 1000;
const HISTORY_MAX_DAYS = 3660;
const ACTIVITY_MAX_DAYS = 90;

// Holder totals per database, kept between requests: counting 100k+ balances on every call
// would cost ~100 ms; catching up from the last call costs the transfers since. Keyed by the
// database so servers sharing a process (tests) never share entries.
const holderTotals = new WeakMap<Db, HolderTotalsCache>();
function holderTotalsOf(db: Db): HolderTotalsCache {
  let cache = holderTotals.get(db);
  if (!cache) {
    cache = createHolderTotalsCache();
    holderTotals.set(db, cache);
  }
  return cache;
}

export const getTokenHolders = defineOperation({
  id: 'getTokenHolders',
  method: 'GET',
  path: '/chains/{chainId}/tokens/{address}/holders',
  summary: 'Top holders of an ERC-20 by balance, with their share of the supply held',
  description: [
    'Addresses with a positive balance of the token, largest first (ties by address), from the balances the',
    'indexer keeps in step with every transfer. `share` is the balance over `totalHeld`, the sum of all positive',
    'balances (the supply held by indexed holders; equal to the circulating supply when the chain was indexed',
    'from the token’s creation). Amounts are exact base units as decimal strings, with `formatted` in whole',
    'tokens. Pages with `cursor`. 404 `CHAIN_NOT_FOUND` for a chain not indexed here, 404 `NOT_FOUND` for a',
    'token without indexed transfers.',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainAddressParams,
  query: Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: HOLDERS_MAX_LIMIT, default: 100 }),
    cursor: CursorQuery,
  }),
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      token: TokenInfoSchema,
      holderCount: Type.Integer({ description: 'Addresses with a balance > 0' }),
      totalHeld: AmountSchema,
      holders: Type.Array(
        Type.Object({
          rank: Type.Integer({ minimum: 1 }),
          address: Type.String(),
          balance: AmountSchema,
          share: Type.Number({ minimum: 0, maximum: 1, description: 'balance / totalHeld' }),
        }),
      ),
      nextCursor: NextCursor,
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          token: EX_USDC,
          holderCount: 2_104_311,
          totalHeld: { value: '32450123456789012', formatted: '32450123456.789012' },
          holders: [
            {
              rank: 1,
              address: EX_HOLDER,
              balance: { value: '1205000000000000', formatted: '1205000000' },
              share: 0.037134,
            },
          ],
          nextCursor:
            'azE6MTIwNTAwMDAwMDAwMDAwMDoweDI4YzZjMDYyOThkNTE0ZGIwODk5MzQwNzEzNTVlNTc0M2JmMjFkNjA6MQ',
        },
      ],
    },
  ),
  auth: CHAIN_AUTH,
  cache: CHAIN_CACHE,
  handler({ params, query }, { services }) {
    const token = addressParam('address', params.address, 'path');
    return topHolders(services.db, params.chainId, token, {
      limit: query.limit,
      cursor: query.cursor,
      totals: holderTotalsOf(services.db),
    });
  },
});

const BucketSchema = Type.Object({
  label: Type.String(),
  minShare: Type.Number(),
  maxShare: Type.Union([Type.Number(), Type.Null()]),
  holders: Type.Integer(),
  balance: AmountSchema,
  share: Type.Number({ description: 'Of the total held' }),
});

export const getTokenInfo = defineOperation({
  id: 'getTokenInfo',
  method: 'GET',
  path: '/chains/{chainId}/tokens/{address}',
  summary: 'ERC-20 metadata and holder statistics: count, concentration, Gini, distribution',
  description: [
    'Token metadata (name, symbol, decimals as read from the contract), the number of holders (balance > 0), the',
    'total held, the share of the 10 largest holders, the Gini coefficient of the positive balances (0 = equal,',
    'close to 1 = one holder has nearly everything), and the holders bucketed by their share of the total held',
    '(≥ 10%, 1–10%, 0.1–1%, 0.01–0.1%, < 0.01%). Buckets are by share rather than by balance magnitude so that',
    'tokens with different decimals and prices compare directly. Also the number of indexed transfers and the',
    'first and last transfer block.',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainAddressParams,
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      token: Type.Object({
        ...TokenInfoSchema.properties,
        firstBlock: Type.Union([Type.String(), Type.Null()], {
          description: 'First block the indexer saw it in',
        }),
      }),
      holderCount: Type.Integer(),
      totalHeld: AmountSchema,
      top10Share: Type.Number({ minimum: 0, maximum: 1 }),
      gini: Type.Number({ minimum: 0, maximum: 1 }),
      distribution: Type.Object({
        basis: Type.Literal('share-of-held'),
        buckets: Type.Array(BucketSchema),
      }),
      transfers: Type.Object({
        count: Type.Integer(),
        first: Type.Union([BlockRefSchema, Type.Null()]),
        last: Type.Union([BlockRefSchema, Type.Null()]),
      }),
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          token: { ...EX_USDC, firstBlock: '6082465' },
          holderCount: 2_104_311,
          totalHeld: { value: '32450123456789012', formatted: '32450123456.789012' },
          top10Share: 0.2231,
          gini: 0.9871,
          distribution: {
            basis: 'share-of-held',
            buckets: [
              {
                label: '>= 10%',
                minShare: 0.1,
                maxShare: null,
                holders: 0,
                balance: { value: '0', formatted: '0' },
                share: 0,
              },
              {
                label: '1% - 10%',
                minShare: 0.01,
                maxShare: 0.1,
                holders: 6,
                balance: { value: '6100000000000000', formatted: '6100000000' },
                share: 0.188,
              },
            ],
          },
          transfers: {
            count: 1_000_000,
            first: { block: '19800000', timestamp: '2024-05-04T20:11:47.000Z' },
            last: { block: '20000000', timestamp: '2024-05-31T23:59:59.000Z' },
          },
        },
      ],
    },
  ),
  auth: CHAIN_AUTH,
  cache: CHAIN_CACHE,
  handler({ params }, { services }) {
    return tokenSummary(services.db, params.chainId, addressParam('address', params.address, 'path'));
  },
});

export const getTokenHolderHistory = defineOperation({
  id: 'getTokenHolderHistory',
  method: 'GET',
  path: '/chains/{chainId}/tokens/{address}/holders/history',
  summary: 'Daily holder count of an ERC-20',
  description: [
    'For each UTC day of the last `days` days up to the checkpoint: holders gained (a balance going from 0 to',
    'positive), lost (from positive to 0) and the running count at the end of the day. Every holder’s balance is',
    'replayed from the first indexed transfer, so the last day’s count equals the current holder count. Days are',
    'those of the block times. `undatedChange` is the net change from blocks whose header is not stored (0',
    'normally).',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainAddressParams,
  query: Type.Object({ days: Type.Integer({ minimum: 1, maximum: HISTORY_MAX_DAYS, default: 30 }) }),
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      token: TokenInfoSchema,
      days: Type.Array(
        Type.Object({
          day: Type.String({ format: 'date', description: 'UTC day' }),
          gained: Type.Integer(),
          lost: Type.Integer(),
          change: Type.Integer(),
          holders: Type.Integer({ description: 'At the end of the day' }),
        }),
      ),
      undatedChange: Type.Integer(),
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          token: EX_USDC,
          days: [{ day: '2024-05-31', gained: 5210, lost: 4987, change: 223, holders: 2_104_311 }],
          undatedChange: 0,
        },
      ],
    },
  ),
  auth: CHAIN_AUTH,
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  handler({ params, query }, { services }) {
    const token = addressParam('address', params.address, 'path');
    return holderHistory(services.db, params.chainId, token, { days: query.days });
  },
});

export const getChainActivity = defineOperation({
  id: 'getChainActivity',
  method: 'GET',
  path: '/chains/{chainId}/activity',
  summary: 'Daily active and new addresses, transfer counts and volumes',
  description: [
    'ERC-20 activity per UTC day over the last `days` days up to the checkpoint: active addresses (distinct',
    'senders and recipients, the zero address left out), new addresses (active that day for the first time in',
    'the index — of `token`, when given), the number of transfers, and per token the transfer count and volume',
    '(exact base units and whole tokens). Without `token`, each day lists its `tokenLimit` busiest tokens and',
    '`tokenCount` says how many there were.',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainParams,
  query: Type.Object({
    token: Type.Optional(Type.String({ maxLength: 200, description: 'Only this ERC-20 (address)' })),
    days: Type.Integer({ minimum: 1, maximum: ACTIVITY_MAX_DAYS, default: 7 }),
    tokenLimit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Tokens listed per day' }),
  }),
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      token: Type.Union([Type.String(), Type.Null()]),
      days: Type.Array(
        Type.Object({
          day: Type.String({ format: 'date' }),
          activeAddresses: Type.Integer(),
          newAddresses: Type.Integer(),
          transfers: Type.Integer(),
          tokenCount: Type.Integer(),
          tokens: Type.Array(
            Type.Object({
              token: Type.String(),
              symbol: Type.Union([Type.String(), Type.Null()]),
              decimals: Type.Union([Type.Integer(), Type.Null()]),
              transfers: Type.Integer(),
              volume: AmountSchema,
            }),
          ),
        }),
      ),
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          token: EX_USDC.address,
          days: [
            {
              day: '2024-05-31',
              activeAddresses: 61_240,
              newAddresses: 7_118,
              transfers: 148_302,
              tokenCount: 1,
              tokens: [
                {
                  token: EX_USDC.address,
                  symbol: 'USDC',
                  decimals: 6,
                  transfers: 148_302,
                  volume: { value: '2140000000000000', formatted: '2140000000' },
                },
              ],
            },
          ],
        },
      ],
    },
  ),
  auth: CHAIN_AUTH,
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  handler({ params, query }, { services }) {
    const token = query.token === undefined ? undefined : addressParam('token', query.token, 'query');
    return dailyActivity(services.db, params.chainId, {
      token,
      days: query.days,
      tokenLimit: query.tokenLimit,
    });
  },
});
