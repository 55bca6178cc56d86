import { Type } from '@sinclair/typebox';
import { decodeCursor, encodeCursor } from './marketParams.js';
import { defineOperation } from './operation.js';

const MARKETS_MAX_LIMIT = 250;

const MarketRow = Type.Object({
  asset: Type.String(),
  symbol: Type.String(),
  name: Type.String(),
  rank: Type.Union([Type.Integer(), Type.Null()]),
  price: Type.Number({ description: 'USD' }),
  change24hPct: Type.Union([Type.Number(), Type.Null()]),
  volume24h: Type.Union([Type.Number(), Type.Null()], { description: 'Base asset' }),
  volume24hUsd: Type.Union([Type.Number(), Type.Null()]),
  asOf: Type.String({ format: 'date-time' }),
  stale: Type.Boolean(),
  venues: Type.Integer({ description: 'Venues in the aggregate' }),
});

export const listMarkets = defineOperation({
  id: 'listMarkets',
  method: 'GET',
  path: '/markets',
  summary: 'Top assets with price, 24 h change and volume',
  description:
    'Assets with market data, by market-cap rank of the registry (unranked last), each with its aggregate USD price, 24 h change and volume — the CoinGecko /coins/markets view. Same provenance rules as /v1/prices.',
  tags: ['market'],
  query: Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: MARKETS_MAX_LIMIT, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  }),
  response: Type.Object(
    { items: Type.Array(MarketRow), nextCursor: Type.Union([Type.String(), Type.Null()]) },
    {
      examples: [
        {
          items: [
            {
              asset: 'bitcoin',
              symbol: 'BTC',
              name: 'Bitcoin',
              rank: 1,
              price: 107135.34,
              change24hPct: -0.83,
              volume24h: 8512.3,
              volume24hUsd: 911993221.7,
              asOf: '2025-06-30T23:00:00.000Z',
              stale: false,
              venues: 1,
            },
          ],
          nextCursor: null,
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 10, visibility: 'public' },
  async handler({ query }, { services }) {
    const offset = decodeCursor(query.cursor) ?? 0;
    const assets = (await services.market.assetsWithData())
      .map((id) => services.assets.get(id))
      .filter((a) => a !== undefined)
      .sort(
        (a, b) =>
          (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
          a.id.localeCompare(b.id),
      );
    const page = assets.slice(offset, offset + query.limit);
    const quotes = await services.market.prices(page.map((a) => a.id));
    const items = page.flatMap((a) => {
      const q = quotes.get(a.id);
      if (!q) return [];
      return [
        {
          asset: a.id,
          symbol: a.symbol,
          name: a.name,
          rank: a.rank ?? null,
          price: q.price,
          change24hPct: q.change24hPct,
          volume24h: q.volume24h,
          volume24hUsd: q.volume24h === null ? null : q.volume24h * q.price,
          asOf: q.asOf,
          stale: q.stale,
          venues: q.venues.filter((v) => v.used).length,
        },
      ];
    });
    const end = offset + query.limit;
    return { items, nextCursor: end < assets.length ? encodeCursor(end) : null };
  },
});
