import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATABASE_URL,
  dropSchema,
  REDIS_URL,
  startTestServer,
  stopTestServer,
  type TestServer,
  testEnv,
} from '../helpers.js';

// Two API processes' worth of servers sharing one Redis (and one Postgres schema when available)
// must enforce one key's limit together.
const NOW = Date.UTC(2026, 10, 15, 12, 0, 10);
const LIMIT = 40;

describe.skipIf(!REDIS_URL)('rate limits shared through Redis', () => {
  let a: TestServer;
  let b: TestServer;
  const schema = `t_shared_${randomBytes(4).toString('hex')}`;
  const prefix = `sxt-shared-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    const overrides = { TIER_FREE_RPM: String(LIMIT), TIER_FREE_MONTHLY_QUOTA: '0', ANONYMOUS_RPM: '10' };
    a = await startTestServer(
      {},
      { now: () => NOW, env: testEnv(overrides, { redis: true, schema, prefix }) },
    );
    b = await startTestServer(
      {},
      { now: () => NOW, env: testEnv(overrides, { redis: true, schema, prefix }) },
    );
  });
  afterAll(async () => {
    await stopTestServer(a);
    await stopTestServer(b);
    await dropSchema(schema);
  });

  async function sharedKey(name: string) {
    const key = await a.services.keys.create({ name, tier: 'free' });
    if (!DATABASE_URL) {
      // Separate embedded databases: copy the key row so both servers know it.
      const [row] = await a.services.db.query<Record<string, unknown>>(
        'select * from api_keys where id = $1',
        [key.id],
      );
      await b.services.db.query(
        'insert into api_keys (id, name, prefix, secret_hash, tier, scopes) values ($1, $2, $3, $4, $5, $6)',
        [row!.id, row!.name, row!.prefix, row!.secret_hash, row!.tier, row!.scopes],
      );
    }
    return key;
  }

  it('two servers together never exceed a key’s limit', async () => {
    const key = await sharedKey('shared-limit');
    const requests = Array.from({ length: LIMIT * 3 }, (_, i) =>
      fetch(`${(i % 2 === 0 ? a : b).url}/v1/status`, { headers: { 'x-api-key': key.secret } }).then(
        (r) => r.status,
      ),
    );
    const statuses = await Promise.all(requests);
    const ok = statuses.filter((s) => s === 200).length;
    const limited = statuses.filter((s) => s === 429).length;
    expect(ok).toBe(LIMIT);
    expect(limited).toBe(LIMIT * 2);
    expect(a.services.counters.kind).toBe('redis');
  });

  it('a revocation on one server reaches the other through Redis', async () => {
    const key = await sharedKey('shared-revoke');
    expect((await fetch(`${b.url}/v1/status`, { headers: { 'x-api-key': key.secret } })).status).toBe(200);
    await a.services.keys.revoke(key.id);
    if (!DATABASE_URL) await b.services.keys.revoke(key.id);
    a.app.authenticator.announceRevoked(key.id);
    let status = 0;
    for (let i = 0; i < 50 && status !== 401; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await fetch(`${b.url}/v1/status`, { headers: { 'x-api-key': key.secret } })).status;
    }
    expect(status).toBe(401);
  });

  it('reports Redis in readiness', async () => {
    const ready = await (await fetch(`${a.url}/readyz`)).json();
    expect(ready).toMatchObject({ status: 'ready', checks: { redis: { ok: true } } });
  });
});
