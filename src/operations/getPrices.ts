import { Type } from '@sinclair/typebox';
import { ValidationError } from '../internal/errors.js';
import { defineOperation } from './operation.js';

const PRICES_MAX_IDS = 250;

export const VenuePriceSchema = Type.Object({
  venue: Type.String(),
  symbol: Type.String(),
  price: Type.Number(),
  volume24h: Type.Union([Type.Number(), Type.Null()], { description: '24 h volume in the base asset' }),
  asOf: Type.String({ format: 'date-time' }),
  used: Type.Boolean({ description: 'False when left out of the aggregate' }),
  reason: Type.Optional(Type.Union([Type.Literal('outlier'), Type.Literal('stale')])),
});

export const PriceQuoteSchema = Type.Object({
  asset: Type.String(),
  price: Type.Number({ description: 'Volume-weighted across the venues used, in USD' }),
  quote: Type.Literal('USD'),
  asOf: Type.String({ format: 'date-time', description: 'Time of the newest input' }),
  stale: Type.Boolean({ description: 'True when the newest input is older than the configured maximum age' }),
  deviationBps: Type.Number({
    description: 'Largest distance of a used venue from the aggregate, basis points',
  }),
  change24hPct: Type.Union([Type.Number(), Type.Null()]),
  volume24h: Type.Union([Type.Number(), Type.Null()], {
    description: 'Summed 24 h volume in the base asset',
  }),
  venues: Type.Array(VenuePriceSchema),
});

export const PricesResponse = Type.Object(
  {
    data: Type.Array(PriceQuoteSchema),
    unavailable: Type.Array(Type.String(), { description: 'Known assets without any market data' }),
  },
  {
    examples: [
      {
        data: [
          {
            asset: 'bitcoin',
            price: 107135.34,
            quote: 'USD',
            asOf: '2025-06-30T23:00:00.000Z',
            stale: false,
            deviationBps: 1.2,
            change24hPct: -0.83,
            volume24h: 8512.3,
            venues: [
              {
                venue: 'binance',
                symbol: 'BTC/USDT',
                price: 107135.34,
                volume24h: 8512.3,
                asOf: '2025-06-30T23:00:00.000Z',
                used: true,
              },
            ],
          },
        ],
        unavailable: [],
      },
    ],
  },
);

export const getPrices = defineOperation({
  id: 'getPrices',
  method: 'GET',
  path: '/prices',
  summary: 'Current prices of many assets',
  description: [
    'Like CoinGecko simple/price, with provenance: each price carries `asOf`, the venues used (and those left out,',
    'with why), the cross-venue deviation and `stale: true` when the newest input is older than PRICE_STALE_AFTER_MS.',
    'The aggregate is volume-weighted across venues; with three or more venues, venues further than',
    'PRICE_OUTLIER_PCT from the median are dropped. Stablecoin quotes (USDT, USDC…) count as USD, so a depeg shows',
    'up as deviation. Each id may also be a symbol (409 if ambiguous) or a CAIP-19 contract.',
  ].join(' '),
  tags: ['market'],
  query: Type.Object({
    ids: Type.String({
      minLength: 1,
      maxLength: 8000,
      description: `Comma-separated asset ids (up to ${PRICES_MAX_IDS})`,
      examples: ['bitcoin,ethereum'],
    }),
  }),
  response: PricesResponse,
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 5, visibility: 'public' },
  async handler({ query }, { services }) {
    const refs = query.ids
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (refs.length === 0 || refs.length > PRICES_MAX_IDS)
      throw new ValidationError(`query 'ids' must name 1 to ${PRICES_MAX_IDS} assets`, {
        issues: [{ path: ['ids'], message: `must name 1 to ${PRICES_MAX_IDS} assets`, in: 'query' }],
      });
    const ids = [...new Set(refs.map((r) => services.assets.resolve(r).id))];
    const quotes = await services.market.prices(ids);
    return {
      data: ids.flatMap((id) => quotes.get(id) ?? []),
      unavailable: ids.filter((id) => !quotes.has(id)),
    };
  },
});
