import { Type } from '@sinclair/typebox';
import { defineOperation } from './operation.js';

const Freshness = Type.Object({
  dataset: Type.String({ description: 'Dataset name, e.g. `ohlcv:binance`' }),
  lastUpdatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  stale: Type.Boolean({ description: 'True when older than the dataset’s staleness threshold' }),
});

export const StatusResponse = Type.Object(
  {
    name: Type.Literal('sextant'),
    version: Type.String({ description: 'Server version (semver)' }),
    startedAt: Type.String({ format: 'date-time' }),
    uptimeSeconds: Type.Number({ description: 'Seconds since the process started' }),
    now: Type.String({ format: 'date-time', description: 'Server clock (UTC)' }),
    storage: Type.Object({
      kind: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')], {
        description: '`pglite` = embedded database in the data dir; `postgres` = PostgreSQL via DATABASE_URL',
      }),
      schemaVersion: Type.Integer({ description: 'Applied migration version' }),
    }),
    sharedState: Type.Union([Type.Literal('memory'), Type.Literal('redis')], {
      description: 'Where rate limits, quotas and the event bus live',
    }),
    freshness: Type.Array(Freshness, {
      description:
        'Last update of each dataset this server maintains (empty until a data source is configured)',
    }),
  },
  {
    examples: [
      {
        name: 'sextant',
        version: '0.1.0',
        startedAt: '2026-11-24T09:00:00.000Z',
        uptimeSeconds: 3600.5,
        now: '2026-11-24T10:00:00.500Z',
        storage: { kind: 'pglite', schemaVersion: 1 },
        sharedState: 'memory',
        freshness: [],
      },
    ],
  },
);

// `now` as ISO text, formatted once per millisecond: under load many status calls share one.
let lastNowMs = Number.NaN;
let lastNowIso = '';
function isoOf(ms: number): string {
  if (ms !== lastNowMs) {
    lastNowMs = ms;
    lastNowIso = new Date(ms).toISOString();
  }
  return lastNowIso;
}

export const getStatus = defineOperation({
  id: 'getStatus',
  method: 'GET',
  path: '/status',
  summary: 'Server status',
  description:
    'Version, uptime, storage kind and data freshness. Cheap (no database query): suitable for dashboards and uptime checks that also want to verify an API key works.',
  tags: ['system'],
  response: StatusResponse,
  auth: { anonymous: true, scope: 'read' },
  cache: 'no-store',
  // A few hundred bytes, polled often: compression would cost more than it saves.
  compress: false,
  handler(_input, { services, now }) {
    const { common } = services;
    return {
      name: 'sextant' as const,
      version: common.version,
      startedAt: common.startedAtIso,
      uptimeSeconds: Math.round((now - common.startedAt) / 100) / 10,
      now: isoOf(now),
      storage: { kind: services.db.kind, schemaVersion: services.schemaVersion },
      sharedState: services.counters.kind,
      freshness: services.freshness.map((probe) => probe()),
    };
  },
});
