import { Type } from '@sinclair/typebox';
import { assertKnownStrategy, SIGNAL_EXAMPLE, SignalSchema } from './getSignals.js';
import { IntervalSchema, parseTimeParam } from './marketParams.js';
import { defineOperation } from './operation.js';

/** The current call of every strategy: what a trader reads first. */
export const getLatestSignals = defineOperation({
  id: 'getLatestSignals',
  method: 'GET',
  path: '/signals/latest',
  summary: 'The newest signal of each strategy',
  description: [
    'For each asset, interval and strategy, the newest signal in the append-only ledger as known at `asOf`',
    '(default now): the position each strategy holds. A strategy issues a signal only when its direction changes,',
    'so the newest one can be old; `issuedAt` says when. Filter by asset, interval and strategy.',
  ].join(' '),
  tags: ['signals'],
  query: Type.Object({
    asset: Type.Optional(
      Type.String({ minLength: 1, maxLength: 120, description: 'Asset id, symbol or CAIP-19 contract' }),
    ),
    interval: Type.Optional(IntervalSchema),
    strategy: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$' })),
    asOf: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'Point in time (ISO 8601 or epoch ms): what was known then',
      }),
    ),
  }),
  response: Type.Object(
    { data: Type.Array(SignalSchema) },
    {
      examples: [
        {
          data: [SIGNAL_EXAMPLE],
        },
      ],
    },
  ),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 10, visibility: 'public' },
  async handler({ query }, { services }) {
    assertKnownStrategy(query.strategy);
    const asOf = parseTimeParam('asOf', query.asOf);
    const rows = await services.signals.latest({
      ...(query.asset ? { asset: services.assets.resolve(query.asset).id } : {}),
      ...(query.interval ? { interval: query.interval } : {}),
      ...(query.strategy ? { strategy: query.strategy } : {}),
      ...(asOf !== undefined ? { asOf } : {}),
    });
    return {
      data: rows.map((r) => ({
        ...r,
        issuedAt: new Date(r.issuedAt).toISOString(),
        knownAt: new Date(r.knownAt).toISOString(),
      })),
    };
  },
});
