import { Type } from '@sinclair/typebox';
import { whaleDepsOf } from '../chain/index.js';
import { type AddressLabels, labelFlows, type WhaleDeps, whaleTransfers } from '../chain/insights/index.js';
import { ServiceUnavailableError } from '../internal/errors.js';
import type { Services } from '../services/index.js';
import {
  AmountSchema,
  AsOfSchema,
  CHAIN_AUTH,
  CHAIN_CACHE,
  CHAIN_TAGS,
  ChainParams,
  EX_AS_OF,
  EX_CHAIN,
  EX_HOLDER,
  EX_USDC,
} from './chainSchemas.js';
import { defineOperation } from './operation.js';

const FLOWS_MAX_DAYS = 90;
const WHALES_MAX_HOURS = 720;
const WHALES_MAX_LIMIT = 1000;

/** The label file loaded at start (`CHAIN_LABELS_FILE`), when the services carry one. */
function chainLabels(services: Services): AddressLabels {
  const labels = services.chainLabels;
  if (!labels)
    throw new ServiceUnavailableError(
      'no label file configured (CHAIN_LABELS_FILE): exchange flows need a JSON or CSV file of labelled addresses (see docs/examples/labels.example.json)',
    );
  return labels;
}

const FlowTotalsSchema = {
  transfers: Type.Integer({ description: 'Transfers crossing the set boundary' }),
  inflow: AmountSchema,
  outflow: AmountSchema,
  net: AmountSchema,
};

export const getLabelFlows = defineOperation({
  id: 'getLabelFlows',
  method: 'GET',
  path: '/chains/{chainId}/flows',
  summary: 'Net inflow and outflow per token and day for a labelled set of addresses (exchanges)',
  description: [
    'For the addresses carrying `label` in the label file (`CHAIN_LABELS_FILE`, JSON or CSV; e.g. exchange hot',
    'wallets), per token and UTC day over the last `days` days: inflow (transfers from outside the set into it),',
    'outflow (from it to outside) and net = inflow − outflow, exact (net may be negative). Transfers between two',
    'labelled addresses are internal and not counted. Native coin flows (`token` null) appear when the indexer',
    'keeps native transfers of these addresses. 503 `SERVICE_UNAVAILABLE` without a label file, 404 `NOT_FOUND`',
    'when no address carries the label on this chain.',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainParams,
  query: Type.Object({
    label: Type.String({
      minLength: 1,
      maxLength: 64,
      default: 'exchange',
      description: 'Label in the file',
    }),
    days: Type.Integer({ minimum: 1, maximum: FLOWS_MAX_DAYS, default: 7 }),
  }),
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      label: Type.String(),
      addresses: Type.Integer({ description: 'Addresses carrying the label on this chain' }),
      from: Type.String({ format: 'date', description: 'First UTC day' }),
      to: Type.String({ format: 'date', description: 'Last UTC day (the checkpoint’s)' }),
      tokens: Type.Array(
        Type.Object({
          token: Type.Union([Type.String(), Type.Null()], { description: 'Null: the native coin' }),
          symbol: Type.Union([Type.String(), Type.Null()]),
          decimals: Type.Union([Type.Integer(), Type.Null()]),
          ...FlowTotalsSchema,
          days: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), ...FlowTotalsSchema })),
        }),
      ),
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          label: 'exchange',
          addresses: 4,
          from: '2024-05-31',
          to: '2024-05-31',
          tokens: [
            {
              token: EX_USDC.address,
              symbol: 'USDC',
              decimals: 6,
              transfers: 1830,
              inflow: { value: '91000000000000', formatted: '91000000' },
              outflow: { value: '104500000000000', formatted: '104500000' },
              net: { value: '-13500000000000', formatted: '-13500000' },
              days: [
                {
                  day: '2024-05-31',
                  transfers: 1830,
                  inflow: { value: '91000000000000', formatted: '91000000' },
                  outflow: { value: '104500000000000', formatted: '104500000' },
                  net: { value: '-13500000000000', formatted: '-13500000' },
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
    return labelFlows(services.db, params.chainId, chainLabels(services), {
      label: query.label,
      days: query.days,
    });
  },
});

/** Token → asset through the registry, and closed bars from the market service. */
function whaleDeps(services: Services): WhaleDeps {
  return whaleDepsOf(services);
}

export const listWhaleTransfers = defineOperation({
  id: 'listWhaleTransfers',
  method: 'GET',
  path: '/chains/{chainId}/whales',
  summary: 'Large ERC-20 transfers valued in USD',
  description: [
    'ERC-20 transfers of the last `hours` hours up to the checkpoint worth at least `minUsd`, newest first. A',
    'token is priced through its asset in the registry (CAIP-19 `eip155:{chainId}/erc20:{address}`; stablecoins',
    'are assets too) with the close of the 1h candle covering the block time (the previous one while that hour is',
    'open), else of the 1d candle, else 1 USD for a USD stablecoin without candles. Transfers of tokens the',
    'registry does not map are not valued: `skipped.unmappedToken` counts them; `skipped.noPrice` counts those',
    'of mapped tokens without a price at their time.',
  ].join(' '),
  tags: CHAIN_TAGS,
  params: ChainParams,
  query: Type.Object({
    minUsd: Type.Number({ minimum: 1, maximum: 1e12, default: 1_000_000, description: 'USD' }),
    hours: Type.Integer({ minimum: 1, maximum: WHALES_MAX_HOURS, default: 24 }),
    limit: Type.Integer({ minimum: 1, maximum: WHALES_MAX_LIMIT, default: 100 }),
  }),
  response: Type.Object(
    {
      chainId: Type.Integer(),
      asOf: AsOfSchema,
      minUsd: Type.Number(),
      from: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Window start' }),
      transfers: Type.Array(
        Type.Object({
          block: Type.String(),
          timestamp: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          logIndex: Type.Integer(),
          txHash: Type.String(),
          token: Type.String(),
          symbol: Type.Union([Type.String(), Type.Null()]),
          asset: Type.String({ description: 'Asset id in the registry' }),
          from: Type.String(),
          to: Type.String(),
          amount: AmountSchema,
          usd: Type.Number(),
          price: Type.Object({
            usd: Type.Number(),
            source: Type.Union([Type.Literal('1h'), Type.Literal('1d'), Type.Literal('peg')]),
            barTime: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
              description: 'Open time of the candle used',
            }),
          }),
        }),
      ),
      truncated: Type.Boolean({ description: 'More transfers qualified than `limit`' }),
      skipped: Type.Object({ unmappedToken: Type.Integer(), noPrice: Type.Integer() }),
    },
    {
      examples: [
        {
          chainId: EX_CHAIN,
          asOf: EX_AS_OF,
          minUsd: 1_000_000,
          from: '2024-05-30T23:59:59.000Z',
          transfers: [
            {
              block: '19999421',
              timestamp: '2024-05-31T22:03:47.000Z',
              logIndex: 87,
              txHash: '0x9f2c4e7a1b3d5f60718293a4b5c6d7e8f9012345678901234567890abcdef012',
              token: EX_USDC.address,
              symbol: 'USDC',
              asset: 'usd-coin',
              from: EX_HOLDER,
              to: '0x4e5b2e1dc63f6b91cb6cd759936495434c7e972f',
              amount: { value: '25000000000000', formatted: '25000000' },
              usd: 24_997_500,
              price: { usd: 0.9999, source: '1h', barTime: '2024-05-31T22:00:00.000Z' },
            },
          ],
          truncated: false,
          skipped: { unmappedToken: 40_213, noPrice: 12 },
        },
      ],
    },
  ),
  auth: CHAIN_AUTH,
  cache: CHAIN_CACHE,
  handler({ params, query }, { services }) {
    return whaleTransfers(
      services.db,
      params.chainId,
      { minUsd: query.minUsd, hours: query.hours, limit: query.limit },
      whaleDeps(services),
    );
  },
});
