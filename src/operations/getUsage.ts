import { Type } from '@sinclair/typebox';
import { UnauthorizedError } from '../internal/errors.js';
import { defineOperation } from './operation.js';

const USAGE_MAX_DAYS = 366;

export const UsageResponse = Type.Object(
  {
    keyId: Type.String(),
    name: Type.String(),
    tier: Type.Union([Type.Literal('free'), Type.Literal('pro'), Type.Literal('enterprise')]),
    limits: Type.Object({
      requestsPerMinute: Type.Integer(),
      monthlyQuota: Type.Union([Type.Integer(), Type.Null()], { description: 'null = unlimited' }),
    }),
    month: Type.Object({
      month: Type.String({ description: 'Calendar month (UTC), YYYY-MM' }),
      requests: Type.Integer(),
      remaining: Type.Union([Type.Integer(), Type.Null()], { description: 'null = unlimited' }),
    }),
    daily: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), requests: Type.Integer() }), {
      description: 'Requests per UTC day, oldest first, including today',
    }),
  },
  {
    examples: [
      {
        keyId: 'key_3f2a9c0d1e4b5a67',
        name: 'my-bot',
        tier: 'free',
        limits: { requestsPerMinute: 60, monthlyQuota: 100000 },
        month: { month: '2026-11', requests: 1234, remaining: 98766 },
        daily: [
          { day: '2026-11-23', requests: 1000 },
          { day: '2026-11-24', requests: 234 },
        ],
      },
    ],
  },
);

export const getUsage = defineOperation({
  id: 'getUsage',
  method: 'GET',
  path: '/usage',
  summary: 'Usage of the calling API key',
  description:
    'Requests counted per UTC day for the key making the call, the month-to-date total against the tier quota, and the per-minute limit. Counts are written to storage every few seconds, so the last seconds may not be included yet on another replica.',
  tags: ['account'],
  query: Type.Object({
    days: Type.Integer({
      minimum: 1,
      maximum: USAGE_MAX_DAYS,
      default: 30,
      description: `Number of days of history, 1-${USAGE_MAX_DAYS}`,
    }),
  }),
  response: UsageResponse,
  auth: { anonymous: false, scope: 'usage' },
  cache: { maxAgeSeconds: 0, visibility: 'private' },
  async handler({ query }, { services, auth, now }) {
    if (auth.type !== 'key') throw new UnauthorizedError('an API key is required');
    const { key } = auth;
    const limits = services.common.config.tiers[key.tier];
    const [daily, month] = await Promise.all([
      services.usage.daily(key.id, query.days, now),
      services.usage.monthTotal(key.id, now),
    ]);
    const quota = limits.monthlyQuota > 0 ? limits.monthlyQuota : null;
    return {
      keyId: key.id,
      name: key.name,
      tier: key.tier,
      limits: { requestsPerMinute: limits.rpm, monthlyQuota: quota },
      month: {
        month: new Date(now).toISOString().slice(0, 7),
        requests: month,
        remaining: quota === null ? null : Math.max(0, quota - month),
      },
      daily,
    };
  },
});
