import { Type } from '@sinclair/typebox';
import { findContractCreation } from '../chain/findContractCreation.js';
import { contractAge, walletApprovals, walletOverview, walletTransfers } from '../chain/insights/index.js';
import {
  AmountSchema,
  AsOfSchema,
  addressParam,
  BlockRefSchema,
  CHAIN_AUTH,
  CHAIN_CACHE,
  CHAIN_TAGS,
  ChainAddressParams,
  CursorQuery,
  EX_AS_OF,
  EX_CHAIN,
  EX_HOLDER,
  EX_USDC,
  NextCursor,
  TokenInfoSchema,
} from './chainSchemas.js';
import { defineOperation } from './operation.js';

const TRANSFERS_MAX_LIMIT = 500;
const Str = Type.String();
const NullableStr = Type.Union([Type.String(), Type.Null()]);
// Permit2, the spender most wallets approve today.
const EX_SPENDER = '0x000000000022d473030f116ddee9f6b43ac78ba3';
const EX_WALLET = '0x4e5b2e1dc63f6b91cb6cd759936495434c7e972f';

export const getWallet = defineOperation({
  id: 'getWallet',
  method: 'GET',
  path: '/chains/{chainId}/addresses/{address}',
  summary: 'What an address holds: ERC-20 balances, NFTs per collection, first seen',
  description: [
    'Positive ERC-20 balances with token metadata (exact base units and whole tokens), NFT holdings per',
    'collection (ERC-721: token ids whose latest transfer went to the address; ERC-1155: ids with more units',
    'received than sent) and the first block the address appears in. Balances cover the indexed range: when',
    'the chain was indexed from a later block than the address’s first transfer, older holdings are missing.',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainAddressParams,
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      address: Str,
      firstSeen: Type.Union([BlockRefSchema, Type.Null()]),
      tokens: Type.Array(Type.Object({ token: TokenInfoSchema, balance: AmountSchema })),
      nfts: Type.Array(
        Type.Object({
          token: Str,
          standard: Type.Union([Type.Literal('erc721'), Type.Literal('erc1155')]),
          name: NullableStr,
          symbol: NullableStr,
          tokenIds: Type.Integer({ description: 'Distinct token ids held' }),
          units: Type.String({ description: 'Units held (ERC-721: the number of ids)' }),
        }),
      ),
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          address: EX_HOLDER,
          firstSeen: { block: '12001000', timestamp: '2021-03-09T09:12:31.000Z' },
          tokens: [{ token: EX_USDC, balance: { value: '1205000000000000', formatted: '1205000000' } }],
          nfts: [
            {
              token: '0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d',
              standard: 'erc721',
              name: 'BoredApeYachtClub',
              symbol: 'BAYC',
              tokenIds: 2,
              units: '2',
            },
          ],
        },
      ],
    },
  ),
  auth: CHAIN_AUTH,
  cache: CHAIN_CACHE,
  handler({ params }, { services }) {
    return walletOverview(services.db, params.chainId, addressParam('address', params.address, 'path'));
  },
});

export const listWalletTransfers = defineOperation({
  id: 'listWalletTransfers',
  method: 'GET',
  path: '/chains/{chainId}/addresses/{address}/transfers',
  summary: 'ERC-20 and native transfers of an address, newest first',
  description: [
    'Transfers from or to the address, newest first, in pages (`cursor`): ERC-20 transfers and, where the',
    'indexer keeps them (`fullBlocks` and `nativeAddresses`), native coin transfers (`token` null, 18 decimals).',
    'Inside a block, ERC-20 transfers come first by log index, then native ones by transaction index. `token`',
    'limits the list to one ERC-20. `direction` is seen from the address.',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainAddressParams,
  query: Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: TRANSFERS_MAX_LIMIT, default: 50 }),
    cursor: CursorQuery,
    token: Type.Optional(Type.String({ maxLength: 200, description: 'Only this ERC-20 (address)' })),
  }),
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      address: Str,
      transfers: Type.Array(
        Type.Object({
          type: Type.Union([Type.Literal('erc20'), Type.Literal('native')]),
          block: Str,
          timestamp: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          index: Type.Integer({ description: 'Log index (ERC-20) or transaction index (native)' }),
          txHash: Str,
          token: NullableStr,
          symbol: NullableStr,
          decimals: Type.Union([Type.Integer(), Type.Null()]),
          from: Str,
          to: Str,
          direction: Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('self')]),
          amount: AmountSchema,
        }),
      ),
      nextCursor: NextCursor,
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          address: EX_HOLDER,
          transfers: [
            {
              type: 'erc20',
              block: '19999990',
              timestamp: '2024-05-31T23:57:59.000Z',
              index: 112,
              txHash: '0x9f2c4e7a1b3d5f60718293a4b5c6d7e8f9012345678901234567890abcdef012',
              token: EX_USDC.address,
              symbol: 'USDC',
              decimals: 6,
              from: EX_HOLDER,
              to: EX_WALLET,
              direction: 'out',
              amount: { value: '2500000000', formatted: '2500' },
            },
          ],
          nextCursor: null,
        },
      ],
    },
  ),
  auth: CHAIN_AUTH,
  cache: CHAIN_CACHE,
  handler({ params, query }, { services }) {
    const address = addressParam('address', params.address, 'path');
    const token = query.token === undefined ? undefined : addressParam('token', query.token, 'query');
    return walletTransfers(services.db, params.chainId, address, {
      limit: query.limit,
      cursor: query.cursor,
      token,
    });
  },
});

export const listWalletApprovals = defineOperation({
  id: 'listWalletApprovals',
  method: 'GET',
  path: '/chains/{chainId}/addresses/{address}/approvals',
  summary: 'Outstanding ERC-20 approvals of an address (what revoke.cash lists)',
  description: [
    'For each (token, spender) the address ever approved, the current allowance — the newest snapshot, from an',
    '`Approval` event or from an `allowance()` read the indexer makes after a spend (tokens need not log spending)',
    '— kept when above zero. `unlimited` is true at or above 2^255 (an "infinite" approval). `lastUpdate` is the',
    'block of that snapshot; its time is null when the header of a block without transfers was pruned, and',
    '`txHash` is null until the indexer stores the transaction of a snapshot.',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainAddressParams,
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      address: Str,
      approvals: Type.Array(
        Type.Object({
          token: TokenInfoSchema,
          spender: Str,
          allowance: AmountSchema,
          unlimited: Type.Boolean(),
          source: Type.Union([Type.Literal('event'), Type.Literal('read')]),
          lastUpdate: Type.Object({
            block: Str,
            timestamp: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
            txHash: NullableStr,
          }),
        }),
      ),
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          address: EX_WALLET,
          approvals: [
            {
              token: EX_USDC,
              spender: EX_SPENDER,
              allowance: {
                value: '115792089237316195423570985008687907853269984665640564039457584007913129639935',
                formatted: '115792089237316195423570985008687907853269984665640564039457584007913.129639935',
              },
              unlimited: true,
              source: 'event',
              lastUpdate: { block: '19876543', timestamp: '2024-05-14T16:20:11.000Z', txHash: null },
            },
          ],
        },
      ],
    },
  ),
  auth: CHAIN_AUTH,
  cache: CHAIN_CACHE,
  handler({ params }, { services }) {
    return walletApprovals(services.db, params.chainId, addressParam('address', params.address, 'path'));
  },
});

export const getContract = defineOperation({
  id: 'getContract',
  method: 'GET',
  path: '/chains/{chainId}/contracts/{address}',
  summary: 'When a contract was created, by whom, and its age',
  description: [
    'The creation block, time, transaction and creator of a contract the indexer saw being created (chains',
    'indexed with `fullBlocks`), and its age in days at the checkpoint’s block time. 404 `NOT_FOUND` when the',
    'creation is not known here.',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainAddressParams,
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      address: Str,
      creation: Type.Object({
        block: Str,
        timestamp: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        txHash: NullableStr,
        creator: NullableStr,
      }),
      ageDays: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
      source: Type.Union([Type.Literal('index'), Type.Literal('lookup')]),
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          address: EX_USDC.address,
          creation: {
            block: '6082465',
            timestamp: '2018-08-03T19:28:24.000Z',
            txHash: '0x3c1a5e9b7d2f4068a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0',
            creator: EX_WALLET,
          },
          ageDays: 2127.19,
          source: 'index',
        },
      ],
    },
  ),
  auth: CHAIN_AUTH,
  cache: CHAIN_CACHE,
  handler({ params }, { services }) {
    const rpc = services.chainRpc(params.chainId);
    // Not in the index (created by a contract, or before startBlock): ask the node.
    const lookup = rpc
      ? (_chainId: number, address: string) => findContractCreation(rpc.rpc, address)
      : undefined;
    return contractAge(services.db, params.chainId, addressParam('address', params.address, 'path'), lookup);
  },
});
