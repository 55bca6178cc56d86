import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, stopTestServer, type TestServer } from '../../test/helpers.js';
import { hashSecret } from '../keys/index.js';

// A fixed clock keeps every request of this file inside one rate-limit window.
const NOW = Date.UTC(2026, 10, 15, 12, 0, 30);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    {
      TIER_FREE_RPM: '5',
      TIER_FREE_MONTHLY_QUOTA: '0',
      TIER_PRO_RPM: '1000',
      TIER_PRO_MONTHLY_QUOTA: '8',
      ANONYMOUS_RPM: '3',
    },
    { now: () => NOW },
  );
});
afterAll(() => stopTestServer(server));

const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '10.0.0.1') =>
  server.app.inject({ method: 'GET', url, headers, remoteAddress });

describe('API keys', () => {
  it('stores only a hash of the secret', async () => {
    const key = await server.services.keys.create({ name: 'hash-check', tier: 'free' });
    expect(key.secret).toMatch(/^sxt_[A-Za-z0-9_-]{32}$/);
    const rows = await server.services.db.query<Record<string, unknown>>(
      'select * from api_keys where id = $1',
      [key.id],
    );
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain(key.secret);
    expect(stored).not.toContain(key.secret.slice(10));
    expect(rows[0]?.secret_hash).toBe(hashSecret(key.secret));
    expect(JSON.stringify(await server.services.keys.list())).not.toContain(key.secret);
  });

  it('accepts a key as x-api-key or as a bearer token', async () => {
    const key = await server.services.keys.create({ name: 'both-headers', tier: 'pro' });
    expect((await get('/v1/usage', { 'x-api-key': key.secret })).statusCode).toBe(200);
    expect((await get('/v1/usage', { authorization: `Bearer ${key.secret}` })).statusCode).toBe(200);
  });

  it('401 for a missing, malformed, unknown or revoked key', async () => {
    const missing = await get('/v1/usage');
    expect(missing.statusCode).toBe(401);
    expect(missing.json().code).toBe('UNAUTHORIZED');
    const malformed = await get('/v1/usage', { 'x-api-key': 'not-a-key' });
    expect(malformed.json()).toMatchObject({ status: 401, code: 'INVALID_API_KEY' });
    const unknown = await get('/v1/usage', { 'x-api-key': `sxt_${'A'.repeat(32)}` });
    expect(unknown.json()).toMatchObject({ status: 401, code: 'INVALID_API_KEY' });

    const key = await server.services.keys.create({ name: 'to-revoke', tier: 'pro' });
    expect((await get('/v1/usage', { 'x-api-key': key.secret })).statusCode).toBe(200);
    await server.services.keys.revoke(key.id);
    server.app.authenticator.announceRevoked(key.id);
    const revoked = await get('/v1/usage', { 'x-api-key': key.secret });
    expect(revoked.json()).toMatchObject({ status: 401, code: 'API_KEY_REVOKED' });
    // A revoked key is refused on public endpoints too, not downgraded to anonymous.
    expect((await get('/v1/status', { 'x-api-key': key.secret })).statusCode).toBe(401);
  });

  it('403 when the key lacks the scope', async () => {
    const key = await server.services.keys.create({ name: 'read-only', tier: 'pro', scopes: ['read'] });
    const res = await get('/v1/usage', { 'x-api-key': key.secret });
    expect(res.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(res.json().detail).toContain("'usage' scope");
    expect((await get('/v1/status', { 'x-api-key': key.secret })).statusCode).toBe(200);
  });

  it('rejects unknown scopes and tiers at creation', async () => {
    await expect(server.services.keys.create({ name: 'x', tier: 'gold' as 'free' })).rejects.toThrow(
      /tier must be one of/,
    );
    await expect(server.services.keys.create({ name: 'x', tier: 'free', scopes: ['root'] })).rejects.toThrow(
      /unknown scope/,
    );
    await expect(server.services.keys.create({ name: '  ', tier: 'free' })).rejects.toThrow(
      /name is required/,
    );
  });
});

describe('rate limits', () => {
  it('sends RateLimit headers on every limited response and 429 with Retry-After past the limit', async () => {
    const key = await server.services.keys.create({ name: 'limited', tier: 'free' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await get('/v1/status', { 'x-api-key': key.secret });
      statuses.push(res.statusCode);
      expect(res.headers['ratelimit-limit']).toBe('5');
      expect(res.headers['ratelimit-remaining']).toBe(String(4 - i));
      expect(Number(res.headers['ratelimit-reset'])).toBe(30);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const over = await get('/v1/status', { 'x-api-key': key.secret });
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(over.headers['retry-after']).toBe('30');
    expect(over.headers['ratelimit-remaining']).toBe('0');
    // Another key has its own budget.
    const other = await server.services.keys.create({ name: 'other', tier: 'free' });
    expect((await get('/v1/status', { 'x-api-key': other.secret })).statusCode).toBe(200);
  });

  it('limits anonymous callers per IP', async () => {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await get('/v1/status', {}, '192.0.2.7')).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    expect((await get('/v1/status', {}, '192.0.2.8')).statusCode).toBe(200);
  });

  it('enforces the monthly quota of the tier', async () => {
    const key = await server.services.keys.create({ name: 'quota', tier: 'pro' });
    const codes = [];
    for (let i = 0; i < 9; i++) codes.push((await get('/v1/status', { 'x-api-key': key.secret })).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    const res = await get('/v1/status', { 'x-api-key': key.secret });
    expect(res.json()).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(86400);
  });
});

describe('usage', () => {
  it('counts requests per key per day', async () => {
    const key = await server.services.keys.create({ name: 'usage', tier: 'pro' });
    for (let i = 0; i < 3; i++) await get('/v1/status', { 'x-api-key': key.secret });
    await server.services.usage.flush();
    const res = await get('/v1/usage?days=3', { 'x-api-key': key.secret });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      keyId: key.id,
      tier: 'pro',
      limits: { requestsPerMinute: 1000, monthlyQuota: 8 },
    });
    // 3 status calls + this usage call.
    expect(body.daily).toEqual([
      { day: '2026-11-13', requests: 0 },
      { day: '2026-11-14', requests: 0 },
      { day: '2026-11-15', requests: 4 },
    ]);
    expect(body.month).toEqual({ month: '2026-11', requests: 4, remaining: 4 });
    const stored = await server.services.db.query<{ requests: number }>(
      'select requests from api_usage where key_id = $1',
      [key.id],
    );
    expect(stored[0]?.requests).toBeGreaterThanOrEqual(3);
  });

  it('validates the days parameter', async () => {
    const key = await server.services.keys.create({ name: 'usage-bad', tier: 'pro' });
    const res = await get('/v1/usage?days=1000', { 'x-api-key': key.secret });
    expect(res.json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['days'], in: 'query' }],
    });
  });
});

describe('anonymous access switched off', () => {
  it('answers 401 on public endpoints without a key', async () => {
    const s = await startTestServer({ ANONYMOUS_ACCESS: 'false' });
    try {
      const res = await s.app.inject({ method: 'GET', url: '/v1/status' });
      expect(res.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      expect(res.json().detail).toContain('anonymous access is disabled');
    } finally {
      await stopTestServer(s);
    }
  });
});
