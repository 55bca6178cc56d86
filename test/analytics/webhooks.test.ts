import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  isPrivateAddress,
  retryDelayMs,
  signWebhook,
  verifyWebhook,
  webhookUrlProblem,
} from '../../src/webhooks/index.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

type Received = { path: string; headers: IncomingHttpHeaders; body: string };

/** A receiver on 127.0.0.1: /ok answers 200, /flaky 500 twice then 200, /down 503, /gone 410. */
async function startReceiver(): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      got.push({ path, headers: req.headers, body });
      const id = `${path}|${req.headers['webhook-id']}`;
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      const status =
        path === '/ok' ? 200 : path === '/flaky' ? (n <= 2 ? 500 : 204) : path === '/gone' ? 410 : 503;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? 'receiver says no' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    got,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const signal = (asset: string, interval: string, issuedAt: number, direction = 'long') => ({
  asset,
  venue: 'binance',
  symbol: `${asset.toUpperCase()}/USDT`,
  interval,
  strategy: 'macd-momentum',
  modelVersion: '1',
  direction,
  strength: 0.7,
  reason: { macd: 12.5, signal: 10.1 },
  issuedAt,
  inputsHash: 'cd'.repeat(16),
  knownAt: issuedAt + 2000,
});

describe('webhook signing and URL policy', () => {
  it('signs the Standard Webhooks way and a plain body HMAC; verification refuses tampering and old timestamps', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw0wHrcZ8KzRM=';
    const body = '{"a":1}';
    const h = signWebhook(secret, 'evt_1', 1_700_000_000, body);
    const key = Buffer.from(secret.slice(6), 'base64');
    expect(h['webhook-signature']).toBe(
      `v1,${createHmac('sha256', key).update(`evt_1.1700000000.${body}`).digest('base64')}`,
    );
    expect(h['x-sextant-signature-256']).toBe(
      `sha256=${createHmac('sha256', key).update(body).digest('hex')}`,
    );
    expect(verifyWebhook(secret, h, body, 1_700_000_100)).toBe(true);
    expect(verifyWebhook(secret, h, '{"a":2}', 1_700_000_100)).toBe(false);
    expect(verifyWebhook(secret, h, body, 1_700_001_000)).toBe(false);
    expect(verifyWebhook('whsec_AAAA', h, body, 1_700_000_100)).toBe(false);
  });

  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['8.8.8.8', false],
    ['2606:4700::1111', false],
  ])('isPrivateAddress(%s) = %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });

  it.each([
    ['https://example.com/hook', false, null],
    ['ftp://example.com/hook', false, /https/],
    ['https://user:pw@example.com/', false, /credentials/],
    ['not a url', false, /absolute/],
    ['http://127.0.0.1:9/x', false, /private/],
    ['http://localhost/x', false, /private/],
    ['http://[::1]/x', false, /private/],
    ['http://127.0.0.1:9/x', true, null],
  ])('webhookUrlProblem(%s, allowPrivate %s)', (url, allow, problem) => {
    const p = webhookUrlProblem(url, allow);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });

  it('backs off exponentially with jitter, capped at an hour', () => {
    expect(retryDelayMs(1, 1000, () => 0.5)).toBe(1000);
    expect(retryDelayMs(4, 1000, () => 0.5)).toBe(8000);
    expect(retryDelayMs(30, 1000, () => 1)).toBe(3_600_000 * 1.2);
    expect(retryDelayMs(2, 1000, () => 0)).toBe(1600);
  });
});

describe('webhooks for new signals', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let key: string;
  let otherKey: string;
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, k = key) => {
    const r = await server.app.inject({
      method,
      url,
      headers: { 'x-api-key': k },
      ...(body === undefined ? {} : { payload: body as Json }),
    });
    return { status: r.statusCode, body: r.json() as Json };
  };
  const create = async (body: Json) => {
    const r = await call('POST', '/v1/webhooks', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '30',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_TIMEOUT_MS: '2000',
    });
    key = (await server.services.keys.create({ name: 'hooks', tier: 'pro' })).secret;
    otherKey = (await server.services.keys.create({ name: 'hooks-other', tier: 'pro' })).secret;
  }, 60_000);
  afterAll(async () => {
    await stopTestServer(server);
    await receiver.close();
  });

  it('delivers signed signals to matching webhooks, retries failures, fails for good, disables on 410', async () => {
    const ok = await create({ url: `${receiver.url}/ok`, assets: ['bitcoin'], intervals: ['1d'] });
    expect(ok.secret).toMatch(/^whsec_/);
    expect(ok.assets).toEqual(['bitcoin']);
    const flaky = await create({ url: `${receiver.url}/flaky` });
    const down = await create({ url: `${receiver.url}/down` });
    const gone = await create({ url: `${receiver.url}/gone` });

    const bus = server.services.common.bus;
    const day = Date.UTC(2025, 5, 30);
    bus.publish('signals.issued', signal('bitcoin', '1d', day));
    bus.publish('signals.issued', signal('bitcoin', '1d', day)); // the same event again: one delivery
    bus.publish('signals.issued', signal('ethereum', '1h', day + 3_600_000, 'short'));
    bus.publish('signals.issued', { asset: 'bitcoin' }); // malformed: ignored

    const log = async (id: string) =>
      (await call('GET', `/v1/webhooks/${id}/deliveries`)).body.data as Json[];
    await vi.waitFor(
      async () => {
        expect((await log(ok.id)).map((d) => d.status)).toEqual(['delivered']);
        expect((await log(flaky.id)).map((d) => d.status)).toEqual(['delivered', 'delivered']);
        expect((await log(down.id)).map((d) => d.status)).toEqual(['failed', 'failed']);
        expect((await log(gone.id)).every((d) => d.status === 'failed')).toBe(true);
      },
      { timeout: 15_000, interval: 100 },
    );

    // The receiver got the bitcoin signal, signed with the webhook's secret.
    const toOk = receiver.got.filter((r) => r.path === '/ok');
    expect(toOk).toHaveLength(1);
    const body = JSON.parse(toOk[0]!.body);
    expect(body).toMatchObject({
      type: 'signal.issued',
      data: { asset: 'bitcoin', interval: '1d', direction: 'long', issuedAt: new Date(day).toISOString() },
    });
    expect(body.id).toBe(toOk[0]!.headers['webhook-id']);
    expect(verifyWebhook(ok.secret, toOk[0]!.headers, toOk[0]!.body, Date.now() / 1000)).toBe(true);
    expect(verifyWebhook(flaky.secret, toOk[0]!.headers, toOk[0]!.body, Date.now() / 1000)).toBe(false);
    expect(toOk[0]!.headers['user-agent']).toMatch(/^Sextant-Webhooks\//);

    // Retries: two failures then a success, all in the log.
    const flakyLog = await log(flaky.id);
    expect(flakyLog.map((d) => d.attempts)).toEqual([3, 3]);
    expect(flakyLog[0]!.lastStatus).toBe(204);
    expect(receiver.got.filter((r) => r.path === '/flaky')).toHaveLength(6);
    // Down: gave up after WEBHOOK_MAX_ATTEMPTS, with the receiver's answer kept.
    const downLog = await log(down.id);
    expect(downLog.every((d) => d.attempts === 3 && d.lastStatus === 503)).toBe(true);
    expect(downLog[0]!.lastError).toMatch(/HTTP 503: receiver says no/);
    // 410 Gone: no retry (each event tried at most once, in parallel), then the webhook is off.
    const toGone = receiver.got.filter((r) => r.path === '/gone').map((r) => r.headers['webhook-id']);
    expect(toGone.length).toBeGreaterThanOrEqual(1);
    expect(new Set(toGone).size).toBe(toGone.length);
    const list = (await call('GET', '/v1/webhooks')).body.data as Json[];
    expect(list.find((w) => w.id === gone.id)!.active).toBe(false);
    expect(JSON.stringify(list)).not.toContain('whsec_');
  });

  it('pings a webhook on request', async () => {
    const w = await create({ url: `${receiver.url}/ok` });
    const r = await call('POST', `/v1/webhooks/${w.id}/ping`);
    expect(r.status).toBe(202);
    await vi.waitFor(
      async () => {
        const d = (await call('GET', `/v1/webhooks/${w.id}/deliveries`)).body.data as Json[];
        expect(d.map((x) => [x.eventType, x.status])).toEqual([['ping', 'delivered']]);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect((await call('DELETE', `/v1/webhooks/${w.id}`)).body).toEqual({ id: w.id, deleted: true });
    expect((await call('GET', `/v1/webhooks/${w.id}/deliveries`)).status).toBe(404);
  });

  it('keeps webhooks private to their key and rejects bad requests', async () => {
    const w = await create({ url: `${receiver.url}/ok` });
    expect((await call('GET', `/v1/webhooks/${w.id}/deliveries`, undefined, otherKey)).status).toBe(404);
    expect((await call('DELETE', `/v1/webhooks/${w.id}`, undefined, otherKey)).status).toBe(404);
    expect((await call('GET', '/v1/webhooks', undefined, otherKey)).body.data).toEqual([]);
    for (const [body, status] of [
      [{ url: 'ftp://example.com/x' }, 400],
      [{ url: 'https://u:p@example.com/x' }, 400],
      [{ url: 'https://example.com/x', events: ['price.changed'] }, 400],
      [{ url: 'https://example.com/x', intervals: ['7m'] }, 400],
      [{ url: 'https://example.com/x', strategies: ['astrology'] }, 400],
      [{ url: 'https://example.com/x', assets: ['no-such-coin'] }, 404],
      [{}, 400],
    ] as const) {
      const r = await call('POST', '/v1/webhooks', body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
    }
    expect((await call('GET', '/v1/webhooks/wh_nope/deliveries')).status).toBe(400);
    const anon = await server.app.inject({ method: 'GET', url: '/v1/webhooks' });
    expect(anon.statusCode).toBe(401);
  });
});
