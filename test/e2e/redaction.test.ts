import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, startTestServer, stopTestServer, type TestServer } from '../helpers.js';

/**
 * Secrets never reach the log: API keys in headers, bearer tokens and query strings (valid,
 * revoked, unknown, malformed), credential fields logged by application code, the database
 * password and the metrics token. Every assertion runs against the captured log of a real server
 * at trace level, next to proof that the relevant lines were written at all.
 */

const METRICS_TOKEN = `metrics-canary-${randomBytes(8).toString('hex')}`;
// Used only when DATABASE_URL has no password: trust-auth servers ignore it, so it is safe to add.
const DB_PASSWORD_CANARY = `dbpw-canary-${randomBytes(6).toString('hex')}`;

type AccessLine = {
  msg: string;
  method: string;
  url: string;
  route: string;
  status: number;
  ms: number;
  reqId: string;
  key?: string;
};

let server: TestServer;
let stopped = false;
let dbPassword: string | undefined;
let key: { id: string; secret: string };
let revoked: { id: string; secret: string };
/** x-request-id of every response that went through Fastify's routing, in order. */
const answeredIds: string[] = [];

function canary(label: string): string {
  return `${label}-${randomBytes(12).toString('hex')}`;
}

function wellFormedSecret(): string {
  return `sxt_${randomBytes(24).toString('base64url')}`;
}

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(`${server.url}${path}`, { headers });
  await res.arrayBuffer();
  const id = res.headers.get('x-request-id');
  if (id) answeredIds.push(id);
  return res;
}

/** Send raw bytes on a fresh connection (malformed requests fetch would refuse to send). */
function rawExchange(bytes: string): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

function accessLines(): AccessLine[] {
  return server.logs.json().filter((l) => l.msg === 'request') as unknown as AccessLine[];
}

/** Wait until every answered request has its access-log line (written in onResponse, after the answer). */
async function settleAccessLog(): Promise<void> {
  await expect
    .poll(() => accessLines().length, { timeout: 3_000 })
    .toBeGreaterThanOrEqual(answeredIds.length);
}

/** Assert `secret` appears nowhere in the log; on failure, show the offending lines. */
function expectAbsent(secret: string, label: string): void {
  expect(secret.length, `${label} is long enough to be searched for`).toBeGreaterThanOrEqual(8);
  const offending = server.logs.lines.filter((l) => l.includes(secret));
  expect(offending, `${label} found in the log`).toEqual([]);
}

/** A Sextant secret and its random part (catches a log that strips or re-prefixes it). */
function expectKeyAbsent(secret: string, label: string): void {
  expectAbsent(secret, label);
  expectAbsent(secret.slice(10), `${label} (random part)`);
}

beforeAll(async () => {
  const overrides: Record<string, string> = {
    LOG_LEVEL: 'trace',
    METRICS_TOKEN,
    ANONYMOUS_RPM: '1000000',
    TIER_FREE_RPM: '1000000',
  };
  let injected = false;
  if (DATABASE_URL) {
    const url = new URL(DATABASE_URL);
    if (!url.password) {
      url.password = DB_PASSWORD_CANARY;
      injected = true;
    }
    dbPassword = decodeURIComponent(url.password);
    overrides.DATABASE_URL = url.toString();
  }
  try {
    server = await startTestServer(overrides);
  } catch (err) {
    // A server that authenticates by other means (PGPASSWORD, .pgpass) refuses the canary: go on
    // without the password check rather than fail on the test's own addition.
    if (!injected) throw err;
    delete overrides.DATABASE_URL;
    dbPassword = undefined;
    server = await startTestServer(overrides);
  }
  key = await server.services.keys.create({ name: 'redaction', tier: 'free', scopes: ['read', 'usage'] });
  revoked = await server.services.keys.create({ name: 'redaction-revoked', tier: 'free' });
  await server.services.keys.revoke(revoked.id);
});

afterAll(async () => {
  if (!stopped) await stopTestServer(server);
});

describe('secret redaction in logs', () => {
  it('never logs an API key sent as x-api-key, bearer token or query parameter', async () => {
    const unknown = wellFormedSecret();
    const malformed = canary('not-a-key');
    const answers: [string, Response][] = [
      ['x-api-key', await get('/v1/usage?days=2', { 'x-api-key': key.secret })],
      ['bearer', await get('/v1/usage?days=2', { authorization: `Bearer ${key.secret}` })],
      ['bearer on anonymous route', await get('/v1/status', { authorization: `Bearer ${key.secret}` })],
      ['revoked', await get('/v1/usage', { 'x-api-key': revoked.secret })],
      ['revoked bearer', await get('/v1/status', { authorization: `Bearer ${revoked.secret}` })],
      ['unknown', await get('/v1/usage', { 'x-api-key': unknown })],
      ['malformed', await get('/v1/usage', { 'x-api-key': malformed })],
      ['malformed bearer', await get('/v1/usage', { authorization: `Bearer ${malformed}` })],
    ];
    expect(answers.map(([label, r]) => `${label} ${r.status}`)).toEqual([
      'x-api-key 200',
      'bearer 200',
      'bearer on anonymous route 200',
      'revoked 401',
      'revoked bearer 401',
      'unknown 401',
      'malformed 401',
      'malformed bearer 401',
    ]);

    // Keys in the query string: the API ignores them, but clients send them anyway.
    const queryNames = ['api_key', 'token', 'apiKey', 'api-key', 'API_KEY', 'key', 'access_token', 'secret'];
    for (const name of queryNames) {
      expect((await get(`/v1/status?${name}=${key.secret}`)).status, name).toBe(200);
      expect((await get(`/v1/status?days=1&${name}=${revoked.secret}&x=1`)).status, name).toBe(200);
    }
    expect((await get(`/v1/usage?token=${key.secret}`, { 'x-api-key': key.secret })).status).toBe(200);
    expect((await get(`/v1/usage?api_key=${unknown}`)).status).toBe(401);

    // Malformed HTTP carrying a key never reaches Fastify: the client-error path must not log it either.
    const host = `Host: ${new URL(server.url).host}`;
    const badHeader = await rawExchange(
      `GET /v1/usage HTTP/1.1\r\n${host}\r\nx-api-key: ${key.secret}\r\nBroken Header\r\n\r\n`,
    );
    expect(badHeader).toMatch(/^HTTP\/1\.1 400 /);
    const oversized = await rawExchange(
      `GET /v1/usage?api_key=${key.secret} HTTP/1.1\r\n${host}\r\nx-api-key: ${key.secret}\r\nx-pad: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(oversized).toMatch(/^HTTP\/1\.1 431 /);

    await settleAccessLog();
    for (const [secret, label] of [
      [key.secret, 'valid key'],
      [revoked.secret, 'revoked key'],
      [unknown, 'unknown key'],
    ] as const)
      expectKeyAbsent(secret, label);
    expectAbsent(malformed, 'malformed key');

    // The lines exist and carry the masked URL and the key id (not the secret).
    const lines = accessLines();
    for (const name of queryNames) expect(lines.map((l) => l.url)).toContain(`/v1/status?${name}=[Redacted]`);
    const keyed = lines.filter((l) => l.key === key.id);
    expect(keyed.length).toBeGreaterThanOrEqual(4);
  });

  it('writes exactly one access-log line per request, with method, url, route, status, ms and reqId', async () => {
    await get('/healthz');
    await get('/v1/status?days=1');
    await get('/no/such/route');
    await settleAccessLog();
    const lines = accessLines();
    for (const id of answeredIds)
      expect(
        lines.filter((l) => l.reqId === id),
        id,
      ).toHaveLength(1);
    expect(lines).toHaveLength(answeredIds.length);
    for (const l of lines) {
      expect(l).toMatchObject({
        msg: 'request',
        method: expect.any(String),
        url: expect.any(String),
        route: expect.any(String),
        status: expect.any(Number),
        ms: expect.any(Number),
        reqId: expect.any(String),
      });
    }
    expect(lines.find((l) => l.url === '/no/such/route')).toMatchObject({
      status: 404,
      route: '(unmatched)',
    });
    expect(lines.find((l) => l.url === '/v1/status?days=1')).toMatchObject({
      status: 200,
      route: '/v1/status',
    });
  });

  it('redacts credential fields logged by application code', () => {
    const values = {
      mnemonic:
        'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
      privateKey: `0x${randomBytes(32).toString('hex')}`,
      password: canary('password'),
      passphrase: canary('passphrase'),
      seed: canary('seed'),
      token: canary('token'),
      apiKey: wellFormedSecret(),
      secret: canary('secret'),
      nestedSecret: canary('nested-secret'),
      nestedPrivateKey: `0x${randomBytes(32).toString('hex')}`,
      nestedMnemonic: canary('nested-mnemonic'),
      childPassword: canary('child-password'),
      errPassword: canary('err-password'),
    };
    const { logger } = server.services.common;
    logger.info(
      {
        mnemonic: values.mnemonic,
        privateKey: values.privateKey,
        password: values.password,
        passphrase: values.passphrase,
        seed: values.seed,
        token: values.token,
        apiKey: values.apiKey,
        secret: values.secret,
        nested: {
          secret: values.nestedSecret,
          privateKey: values.nestedPrivateKey,
          mnemonic: values.nestedMnemonic,
        },
      },
      'wallet imported',
    );
    logger.child({ reqId: 'child-1' }).warn({ user: { password: values.childPassword } }, 'login failed');
    logger.error({ err: Object.assign(new Error('boom'), { password: values.errPassword }) }, 'failed');
    logger.flush();

    const lines = server.logs.json();
    const wallet = lines.find((l) => l.msg === 'wallet imported');
    expect(wallet).toMatchObject({
      mnemonic: '[Redacted]',
      privateKey: '[Redacted]',
      password: '[Redacted]',
      passphrase: '[Redacted]',
      seed: '[Redacted]',
      token: '[Redacted]',
      apiKey: '[Redacted]',
      secret: '[Redacted]',
      nested: { secret: '[Redacted]', privateKey: '[Redacted]', mnemonic: '[Redacted]' },
    });
    expect(lines.find((l) => l.msg === 'login failed')).toMatchObject({ user: { password: '[Redacted]' } });
    expect(lines.find((l) => l.msg === 'failed')).toMatchObject({ err: { password: '[Redacted]' } });
    for (const [label, value] of Object.entries(values)) expectAbsent(value, label);
  });

  it('never logs the database password or the metrics token', async () => {
    const wrong = canary('wrong-metrics-token');
    expect((await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
    expect((await get('/metrics', { authorization: `Bearer ${wrong}` })).status).toBe(401);
    // Code that logs the whole config must not spill its secrets either.
    server.services.common.logger.info({ config: server.services.common.config }, 'config dump');
    await settleAccessLog();

    const dump = server.logs.json().find((l) => l.msg === 'config dump') as {
      config: Record<string, unknown>;
    };
    expect(dump.config.metricsToken).toBe('[Redacted]');
    expectAbsent(METRICS_TOKEN, 'metrics token');
    expectAbsent(wrong, 'presented metrics token');

    if (dbPassword === undefined) return; // PGlite: no database URL, no password to leak.
    expect(dump.config.databaseUrl).toBe('[Redacted]');
    // The storage line is written (at debug), with the password masked.
    const open = server.logs.json().find((l) => l.msg === 'database open') as { target?: string } | undefined;
    expect(open?.target).toMatch(/^postgres(ql)?:\/\/[^@]*:\*\*\*@/);
    expectAbsent(dbPassword, 'database password');
  });

  // Gaps: redactUrl masks a fixed list of parameter names, and pino's `*.x` paths reach one level
  // down only. Sextant secrets have a fixed shape (sxt_ + 32 chars), so they can be masked by value.
  it('masks a key-shaped value anywhere in the logged URL, whatever the parameter name', async () => {
    // A key of its own, so a leak here does not fail the whole-log check of the main key below.
    const secret = wellFormedSecret();
    const paths = [
      `/v1/status?x-api-key=${secret}`,
      `/v1/status?authorization=Bearer%20${secret}`,
      `/v1/status?api_key[]=${secret}`,
      `/v1/keys/${secret}`,
    ];
    for (const path of paths) await get(path);
    await settleAccessLog();
    const urls = accessLines().map((l) => l.url);
    expect(urls.filter((u) => u.includes(secret))).toEqual([]);
  });

  it('redacts credential fields nested more than one level deep', () => {
    const privateKey = `0x${randomBytes(32).toString('hex')}`;
    const password = canary('deep-password');
    server.services.common.logger.info(
      { wallet: { account: { privateKey } }, upstream: { auth: { password } } },
      'deep secrets',
    );
    expectAbsent(privateKey, 'privateKey at depth 3');
    expectAbsent(password, 'password at depth 3');
  });

  it('keeps every secret out of the log through shutdown', async () => {
    await stopTestServer(server);
    stopped = true;
    expect(server.logs.json().some((l) => l.msg === 'stopped')).toBe(true);
    expectKeyAbsent(key.secret, 'valid key');
    expectKeyAbsent(revoked.secret, 'revoked key');
    expectAbsent(METRICS_TOKEN, 'metrics token');
    if (dbPassword !== undefined) expectAbsent(dbPassword, 'database password');
  });
});
