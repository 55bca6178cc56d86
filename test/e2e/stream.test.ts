import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { StreamOptions } from '../../src/api/stream.js';
import { defaultResolveAsset } from '../../src/api/streamProtocol.js';
import type { CandleUpdate, PriceQuote } from '../../src/market/events.js';
import {
  DATABASE_URL,
  dropSchema,
  REDIS_URL,
  startTestServer,
  stopTestServer,
  type TestServer,
  testEnv,
} from '../helpers.js';

/**
 * Live streams against real servers: WebSocket `/v1/stream` and SSE `/v1/stream/sse`, fed by
 * `market.price` / `market.candle` on the bus (in-process, or Redis when REDIS_URL is set).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setImmediate(r));

type Msg = { type: string; [k: string]: unknown };
type Closed = { code: number; reason: string };

function quote(asset: string, price: number, extra: Partial<PriceQuote> = {}): PriceQuote {
  return {
    asset,
    price,
    quote: 'USD',
    asOf: new Date().toISOString(),
    stale: false,
    deviationBps: 0,
    change24hPct: null,
    volume24h: null,
    venues: [],
    ...extra,
  };
}

function candle(asset: string, openTime: number, close: number, final = false): CandleUpdate {
  return {
    asset,
    venue: 'binance',
    symbol: 'BTC/USDT',
    interval: '1m',
    bar: { openTime, open: close, high: close, low: close, close, volume: 1 },
    final,
  };
}

/** A WebSocket client that records every message and how it closed. */
class Client {
  messages: Msg[] = [];
  closed: Promise<Closed>;
  closeInfo: Closed | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.messages.push(JSON.parse(data.toString()) as Msg);
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const c = new Client(ws);
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`upgrade refused: ${res.statusCode}`));
        res.resume();
      });
      ws.once('error', reject);
    });
  }

  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  of(type: string): Msg[] {
    return this.messages.filter((m) => m.type === type);
  }

  /** Wait for the first message (from index `from`) matching `pred`. */
  async next(pred: (m: Msg) => boolean, from = 0, timeout = 5_000): Promise<Msg> {
    return vi.waitFor(
      () => {
        const m = this.messages.slice(from).find(pred);
        if (!m) throw new Error('not yet');
        return m;
      },
      { timeout, interval: 5 },
    );
  }

  /** Send a command and wait for its reply (matched on `id`). */
  async request(m: Record<string, unknown>): Promise<Msg> {
    const id = randomBytes(4).toString('hex');
    this.send({ ...m, id });
    return this.next((r) => r.id === id);
  }

  get socket(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }
}

/** Try an upgrade that should be refused; resolve with the HTTP answer. */
function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => {});
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      const done = () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      res.once('end', done);
      res.once('close', done);
    });
  });
}

type SseEvent = { id?: string; event?: string; data?: string };

/** A streaming SSE client over fetch. */
async function openSse(url: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  const events: SseEvent[] = [];
  let ended = false;
  const done = (async () => {
    if (!res.ok || !res.body) return;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done: eof } = await reader.read();
        if (eof) break;
        buf += dec.decode(value, { stream: true });
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = {};
          for (const line of block.split('\n')) {
            const c = line.indexOf(':');
            if (c === 0) continue;
            const field = line.slice(0, c);
            const v = line.slice(c + 1).replace(/^ /, '');
            if (field === 'id' || field === 'event' || field === 'data') ev[field] = v;
          }
          if (ev.event || ev.data) events.push(ev);
          i = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return {
    res,
    events,
    done,
    get ended() {
      return ended;
    },
    of: (event: string) => events.filter((e) => e.event === event),
    close: () => ac.abort(),
  };
}

const clients: Client[] = [];
async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const c = await Client.open(url, headers);
  clients.push(c);
  return c;
}
async function closeClients(): Promise<void> {
  const all = clients.splice(0);
  for (const c of all) {
    c.socket?.resume();
    c.close();
  }
  await Promise.all(all.map((c) => Promise.race([c.closed, sleep(3_000)])));
}

async function streamMetric(server: TestServer, name: string): Promise<number> {
  const text = await server.services.common.metrics.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Wait until the server has no stream connection left (closes are asynchronous). */
async function noConnections(server: TestServer): Promise<void> {
  await vi.waitFor(
    async () => {
      const text = await server.services.common.metrics.text();
      const open = text
        .split('\n')
        .filter((l) => l.startsWith('stream_connections{'))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
      if (open !== 0) throw new Error(`${open} stream connections open`);
    },
    { timeout: 5_000, interval: 20 },
  );
}

// ---------------------------------------------------------------------------------------------

describe('stream subscriptions name assets as the REST API does (the registry)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ANONYMOUS_RPM: '10000' });
  });
  afterEach(async () => {
    await closeClients();
  });
  afterAll(async () => {
    await stopTestServer(server);
  });

  it('resolves a symbol to its id and refuses an unknown asset, over WebSocket and SSE', async () => {
    const c = await connect(`${server.url.replace(/^http/, 'ws')}/v1/stream`);
    const sym = await c.request({ type: 'subscribe', channel: 'prices', assets: ['ETH', 'bitcoin'] });
    expect(sym).toMatchObject({ type: 'subscribed', assets: ['ethereum', 'bitcoin'] });
    // A symbol that names several assets is refused as REST refuses it (409 there).
    expect(await c.request({ type: 'subscribe', channel: 'prices', assets: ['BTC'] })).toMatchObject({
      type: 'error',
      code: 'AMBIGUOUS_SYMBOL',
    });
    const refused = await c.request({ type: 'subscribe', channel: 'prices', assets: ['no-such-asset'] });
    expect(refused).toMatchObject({ type: 'error', code: 'ASSET_NOT_FOUND' });
    expect(String(refused.message)).toContain('no-such-asset');
    const sse = await fetch(`${server.url}/v1/stream/sse?prices=no-such-asset`);
    expect(sse.status).toBe(404);
    expect(((await sse.json()) as { code: string }).code).toBe('ASSET_NOT_FOUND');
    const ambiguous = await fetch(`${server.url}/v1/stream/sse?prices=BTC`);
    expect(ambiguous.status).toBe(409);
    expect(((await ambiguous.json()) as { code: string }).code).toBe('AMBIGUOUS_SYMBOL');
  });
});

describe('WebSocket and SSE streams (anonymous access on)', () => {
  let server: TestServer;
  let wsUrl: string;
  const publish = (topic: string, m: unknown) => server.services.common.bus.publish(topic, m);

  const STREAMS: StreamOptions = {
    // Protocol mechanics on synthetic asset ids (a1…a5): any well-formed id is taken as is.
    resolveAsset: defaultResolveAsset,
    heartbeatIntervalMs: 300,
    maxSubscriptionsPerConnection: 5,
    maxConnectionsPerClient: 4,
    maxMessageBytes: 1024,
    maxMessagesPerSecond: 40,
  };

  beforeAll(async () => {
    server = await startTestServer({ ANONYMOUS_RPM: '10000' }, { streams: STREAMS });
    wsUrl = `${server.url.replace(/^http/, 'ws')}/v1/stream`;
  });
  afterEach(async () => {
    await closeClients();
    await noConnections(server);
  });
  afterAll(async () => {
    await stopTestServer(server);
  });

  it('subscribes, delivers prices and candles in publish order, and unsubscribes', async () => {
    const c = await connect(wsUrl);
    const ack = await c.request({ type: 'subscribe', channel: 'prices', assets: ['bitcoin', 'ethereum'] });
    expect(ack).toMatchObject({ type: 'subscribed', channel: 'prices', assets: ['bitcoin', 'ethereum'] });
    expect(
      await c.request({ type: 'subscribe', channel: 'candles', assets: ['bitcoin'], interval: '1m' }),
    ).toMatchObject({ type: 'subscribed', channel: 'candles', assets: ['bitcoin'], interval: '1m' });

    for (let i = 0; i < 200; i++) {
      publish('market.price', quote(i % 2 === 0 ? 'bitcoin' : 'ethereum', i));
      publish('market.price', quote('solana', i)); // not subscribed
      publish('market.candle', candle('bitcoin', 60_000 * Math.floor(i / 10), i, i % 10 === 9));
      publish('market.candle', { ...candle('bitcoin', 0, i), interval: '5m' }); // other interval
    }
    await vi.waitFor(() => expect(c.of('price').length + c.of('candle').length).toBe(400), {
      timeout: 5_000,
    });
    const prices = c.of('price').map((m) => m.data as PriceQuote);
    expect(prices.map((q) => q.price)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(prices.every((q) => q.asset === (q.price % 2 === 0 ? 'bitcoin' : 'ethereum'))).toBe(true);
    const candles = c.of('candle').map((m) => m.data as CandleUpdate);
    expect(candles.map((x) => x.bar.close)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(candles.every((x) => x.interval === '1m')).toBe(true);
    expect(candles.filter((x) => x.final)).toHaveLength(20);

    expect(await c.request({ type: 'unsubscribe', channel: 'prices', assets: ['bitcoin'] })).toMatchObject({
      type: 'unsubscribed',
      channel: 'prices',
      assets: ['bitcoin'],
    });
    const before = c.messages.length;
    publish('market.price', quote('bitcoin', 1000));
    publish('market.price', quote('ethereum', 1001));
    const got = await c.next((m) => m.type === 'price', before);
    expect((got.data as PriceQuote).asset).toBe('ethereum');
    await sleep(50);
    expect(c.messages.slice(before).filter((m) => m.type === 'price')).toHaveLength(1);
  });

  it('pushes new signals to subscribers of the signals channel (WebSocket and SSE), every one of them', async () => {
    const signal = (asset: string, issuedAt: number, direction: string) => ({
      asset,
      venue: 'binance',
      symbol: 'BTC/USDT',
      interval: '1h',
      strategy: 'macd-momentum',
      modelVersion: '1',
      direction,
      strength: 0.5,
      reason: { macd: 1 },
      issuedAt,
      inputsHash: 'ab'.repeat(16),
      knownAt: issuedAt + 1000,
    });
    const c = await connect(wsUrl);
    expect(await c.request({ type: 'subscribe', channel: 'signals', assets: ['bitcoin'] })).toMatchObject({
      type: 'subscribed',
      channel: 'signals',
      assets: ['bitcoin'],
    });
    expect(
      await c.request({ type: 'subscribe', channel: 'signals', assets: ['bitcoin'], interval: '1h' }),
    ).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
    const s = await openSse(`${server.url}/v1/stream/sse?signals=bitcoin`);
    try {
      await vi.waitFor(() => expect(s.of('subscribed')).toHaveLength(1));
      expect(JSON.parse(s.of('subscribed')[0]!.data!)).toMatchObject({ signals: ['bitcoin'] });
      for (let i = 0; i < 20; i++) {
        publish('signals.issued', signal('bitcoin', 3_600_000 * (i + 1), i % 2 ? 'long' : 'short'));
        publish('signals.issued', signal('ethereum', 3_600_000 * (i + 1), 'long')); // not subscribed
      }
      publish('signals.issued', { asset: 'bitcoin' }); // malformed: dropped
      await vi.waitFor(() => expect(c.of('signal')).toHaveLength(20), { timeout: 5_000 });
      await vi.waitFor(() => expect(s.of('signal')).toHaveLength(20), { timeout: 5_000 });
      expect(c.of('signal').map((m) => (m.data as { issuedAt: number }).issuedAt)).toEqual(
        Array.from({ length: 20 }, (_, i) => 3_600_000 * (i + 1)),
      );
      expect(s.of('signal').every((e) => JSON.parse(e.data!).asset === 'bitcoin')).toBe(true);
    } finally {
      s.close();
      await s.done;
    }
  });

  it('answers ping with pong and sends heartbeats (and WS pings) on its own', async () => {
    const c = await connect(wsUrl);
    let pings = 0;
    c.ws.on('ping', () => pings++);
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    const hb = await c.next((m) => m.type === 'heartbeat', 0, 3_000);
    expect(Number.isNaN(Date.parse(hb.ts as string))).toBe(false);
    await vi.waitFor(() => expect(c.of('heartbeat').length).toBeGreaterThanOrEqual(2), { timeout: 3_000 });
    expect(pings).toBeGreaterThanOrEqual(1);
    // Heartbeats answered by pongs keep the connection open.
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('answers bad messages with an error and keeps the connection open', async () => {
    const c = await connect(wsUrl);
    const cases: [unknown, string][] = [
      ['{not json', 'INVALID_JSON'],
      [{ type: 'hello' }, 'VALIDATION_FAILED'],
      [{ type: 'subscribe', channel: 'trades', assets: ['bitcoin'] }, 'VALIDATION_FAILED'],
      [{ type: 'subscribe', channel: 'candles', assets: ['bitcoin'], interval: '7m' }, 'VALIDATION_FAILED'],
      [{ type: 'subscribe', channel: 'candles', assets: ['bitcoin'] }, 'VALIDATION_FAILED'],
      [{ type: 'subscribe', channel: 'prices', assets: ['Not An Asset'] }, 'ASSET_NOT_FOUND'],
      [{ type: 'subscribe', channel: 'prices', assets: [] }, 'VALIDATION_FAILED'],
    ];
    for (const [m, code] of cases) {
      const from = c.messages.length;
      c.send(m);
      const err = await c.next((x) => x.type === 'error', from);
      expect(err.code, JSON.stringify(m)).toBe(code);
      expect(typeof err.message).toBe('string');
    }
    // Too many subscriptions (limit 5): all or nothing.
    await c.request({ type: 'subscribe', channel: 'prices', assets: ['a1', 'a2', 'a3', 'a4'] });
    const over = await c.request({
      type: 'subscribe',
      channel: 'candles',
      assets: ['a1', 'a2'],
      interval: '1h',
    });
    expect(over).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
    expect(over.message).toMatch(/at most 5/);
    expect(await c.request({ type: 'subscribe', channel: 'prices', assets: ['a5'] })).toMatchObject({
      type: 'subscribed',
    });
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes on a binary frame (1003) and on an oversized message (1009)', async () => {
    const a = await connect(wsUrl);
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await a.closed).toEqual({ code: 1003, reason: 'binary frames are not supported: send JSON text' });

    const b = await connect(wsUrl);
    b.send({ type: 'ping', pad: 'x'.repeat(2048) });
    expect((await b.closed).code).toBe(1009);
  });

  it('drops messages over the inbound rate with one RATE_LIMITED error', async () => {
    const c = await connect(wsUrl);
    for (let i = 0; i < 60; i++) c.send({ type: 'ping' });
    await c.next((m) => m.type === 'error' && m.code === 'RATE_LIMITED');
    await sleep(100);
    expect(c.of('pong').length).toBeLessThanOrEqual(40);
    expect(c.of('error')).toHaveLength(1);
    await sleep(1_000);
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });

  it('limits concurrent connections per client with a 429 at upgrade', async () => {
    for (let i = 0; i < 4; i++) await connect(wsUrl);
    const refused = await refusedUpgrade(wsUrl);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'RATE_LIMITED' });
    // SSE shares the same budget.
    const sse = await fetch(`${server.url}/v1/stream/sse?prices=bitcoin`);
    expect(sse.status).toBe(429);
    expect(sse.headers.get('content-type')).toMatch(/application\/problem\+json/);
    await sse.arrayBuffer();
  });

  it('answers a plain GET on the WebSocket path with a problem document', async () => {
    const res = await fetch(`${server.url}/v1/stream`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('streams SSE: subscribed, price and candle events with ids, heartbeats', async () => {
    const s = await openSse(`${server.url}/v1/stream/sse?prices=bitcoin,ethereum&candles=bitcoin:1m`);
    try {
      expect(s.res.status).toBe(200);
      expect(s.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(s.res.headers.get('x-request-id')).toBeTruthy();
      await vi.waitFor(() => expect(s.of('subscribed')).toHaveLength(1));
      expect(JSON.parse(s.of('subscribed')[0]!.data!)).toEqual({
        prices: ['bitcoin', 'ethereum'],
        candles: [{ asset: 'bitcoin', interval: '1m' }],
        signals: [],
      });
      for (let i = 0; i < 100; i++) {
        publish('market.price', quote(i % 3 === 0 ? 'solana' : 'bitcoin', i));
        publish('market.candle', candle('bitcoin', 0, i));
      }
      const expectedPrices = Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 3 !== 0);
      await vi.waitFor(() =>
        expect(s.of('price').length + s.of('candle').length).toBe(expectedPrices.length + 100),
      );
      expect(s.of('price').map((e) => (JSON.parse(e.data!) as PriceQuote).price)).toEqual(expectedPrices);
      expect(s.of('candle').map((e) => (JSON.parse(e.data!) as CandleUpdate).bar.close)).toEqual(
        Array.from({ length: 100 }, (_, i) => i),
      );
      const ids = [...s.of('price'), ...s.of('candle')].map((e) => Number(e.id));
      expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      await vi.waitFor(() => expect(s.of('heartbeat').length).toBeGreaterThanOrEqual(1), { timeout: 3_000 });
      expect(JSON.parse(s.of('heartbeat')[0]!.data!)).toMatchObject({ type: 'heartbeat' });
    } finally {
      s.close();
      await s.done;
    }
  });

  it('rejects a bad SSE query with a problem document before the stream starts', async () => {
    for (const q of [
      '',
      '?prices=',
      '?candles=bitcoin:7m',
      '?candles=bitcoin',
      '?prices=Bit%20Coin',
      '?prices=a,b,c,d,e,f',
    ]) {
      const res = await fetch(`${server.url}/v1/stream/sse${q}`);
      expect(res.status, q).toBeGreaterThanOrEqual(400);
      expect(res.status, q).toBeLessThan(500);
      expect(res.headers.get('content-type'), q).toMatch(/application\/problem\+json/);
      const body = (await res.json()) as { code: string };
      expect(['VALIDATION_FAILED', 'ASSET_NOT_FOUND']).toContain(body.code);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('stream auth, slow consumers and shutdown (anonymous access off)', () => {
  let server: TestServer | undefined;
  let wsUrl: string;
  let key: { id: string; secret: string };
  let stopped = false;

  const STREAMS: StreamOptions = {
    // Synthetic asset ids: any well-formed id is taken as is.
    resolveAsset: defaultResolveAsset,
    heartbeatIntervalMs: 30_000,
    sendHighWaterBytes: 16 * 1024,
    slowConsumerTimeoutMs: 300,
    maxPendingKeys: 16,
    closeGraceMs: 3_000,
    maxConnectionsPerClient: 10,
  };

  beforeAll(async () => {
    server = await startTestServer(
      { ANONYMOUS_ACCESS: 'false', TIER_PRO_RPM: '3', LOG_LEVEL: 'debug' },
      { streams: STREAMS },
    );
    wsUrl = `${server.url.replace(/^http/, 'ws')}/v1/stream`;
    key = await server.services.keys.create({ name: 'streamer', tier: 'free', scopes: ['read'] });
  });
  afterEach(async () => {
    await closeClients();
    if (server && !stopped) await noConnections(server);
  });
  afterAll(async () => {
    if (!stopped) await stopTestServer(server);
  });

  it('refuses an upgrade without a key, with a bad key or without the read scope', async () => {
    const none = await refusedUpgrade(wsUrl);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ code: 'UNAUTHORIZED' });
    const bad = await refusedUpgrade(wsUrl, { 'x-api-key': `sxt_${'A'.repeat(32)}` });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'INVALID_API_KEY' });
    const malformed = await refusedUpgrade(`${wsUrl}?apiKey=nope`);
    expect(malformed.status).toBe(401);
    const usageOnly = await server!.services.keys.create({
      name: 'usage-only',
      tier: 'free',
      scopes: ['usage'],
    });
    const forbidden = await refusedUpgrade(wsUrl, { authorization: `Bearer ${usageOnly.secret}` });
    expect(forbidden.status).toBe(403);
    const sse = await fetch(`${server!.url}/v1/stream/sse?prices=bitcoin`);
    expect(sse.status).toBe(401);
    expect(sse.headers.get('content-type')).toMatch(/application\/problem\+json/);
    await sse.arrayBuffer();
  });

  it('accepts the key as a header, a bearer token or ?apiKey=, and never logs it', async () => {
    await connect(wsUrl, { 'x-api-key': key.secret });
    await connect(wsUrl, { authorization: `Bearer ${key.secret}` });
    const viaQuery = await connect(`${wsUrl}?apiKey=${key.secret}`);
    expect(await viaQuery.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    const sse = await openSse(`${server!.url}/v1/stream/sse?prices=bitcoin&apiKey=${key.secret}`);
    expect(sse.res.status).toBe(200);
    await vi.waitFor(() => expect(sse.of('subscribed')).toHaveLength(1));
    sse.close();
    await sse.done;
    const wrong = `sxt_${randomBytes(24).toString('base64url')}`;
    expect((await refusedUpgrade(`${wsUrl}?apiKey=${wrong}`)).status).toBe(401);
    await closeClients();
    await noConnections(server!);

    const lines = server!.logs.json().filter((l) => l.msg === 'request');
    const ws = lines.filter((l) => l.route === '/v1/stream' && l.status === 101);
    expect(ws.length).toBeGreaterThanOrEqual(3);
    expect(ws.every((l) => l.key === key.id)).toBe(true);
    expect(
      lines.some(
        (l) => l.route === '/v1/stream/sse' && l.url === '/v1/stream/sse?prices=bitcoin&apiKey=[Redacted]',
      ),
    ).toBe(true);
    expect(lines.some((l) => l.status === 401 && String(l.url).includes('apiKey=[Redacted]'))).toBe(true);
    expect(server!.logs.text).not.toContain(key.secret);
    expect(server!.logs.text).not.toContain(wrong);
  });

  it('counts a connection as one request against the key’s rate limit', async () => {
    const pro = await server!.services.keys.create({ name: 'pro', tier: 'pro', scopes: ['read'] });
    for (let i = 0; i < 3; i++) await connect(wsUrl, { 'x-api-key': pro.secret });
    const refused = await refusedUpgrade(wsUrl, { 'x-api-key': pro.secret });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
  });

  it('disconnects a client that stops reading (4008) without delaying a fast one', async () => {
    const headers = { 'x-api-key': key.secret };
    const assets = Array.from({ length: 40 }, (_, i) => `asset-${i}`);
    const slow = await connect(wsUrl, headers);
    const fast = await connect(wsUrl, headers);
    await slow.request({ type: 'subscribe', channel: 'prices', assets });
    await fast.request({ type: 'subscribe', channel: 'prices', assets });
    slow.socket.pause();

    const latencies: number[] = [];
    const sentAt = new Map<string, number>();
    fast.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      if (m.type !== 'price') return;
      const q = m.data as PriceQuote;
      latencies.push(performance.now() - sentAt.get(`${q.asset}:${q.price}`)!);
    });
    // ~8 KiB per update: the paused client's kernel buffers fill within a few MB.
    const pad = [
      { venue: 'x', symbol: 'X/USD', price: 1, volume24h: null, asOf: 'x'.repeat(8 * 1024), used: true },
    ];
    const bus = server!.services.common.bus;
    let rounds = 0;
    const MAX_ROUNDS = 600;
    while (rounds < MAX_ROUNDS) {
      for (const a of assets) {
        sentAt.set(`${a}:${rounds}`, performance.now());
        bus.publish('market.price', quote(a, rounds, { venues: pad }));
      }
      rounds++;
      await tick();
      if (rounds % 10 === 0 && (await streamMetric(server!, 'stream_slow_consumer_disconnects_total')) >= 1)
        break;
    }
    expect(rounds).toBeLessThan(MAX_ROUNDS);
    const total = rounds * assets.length;

    // The fast client gets every update, in order per asset, while the slow one is stuck.
    await vi.waitFor(() => expect(fast.of('price')).toHaveLength(total), { timeout: 10_000 });
    for (const a of assets) {
      const seq = fast
        .of('price')
        .map((m) => m.data as PriceQuote)
        .filter((q) => q.asset === a)
        .map((q) => q.price);
      expect(seq).toEqual(Array.from({ length: rounds }, (_, i) => i));
    }
    latencies.sort((x, y) => x - y);
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    expect(p99).toBeLessThan(2_000);

    // The slow one, once it reads again, finds the close: 4008 slow consumer, after fewer updates.
    slow.socket.resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'slow consumer' });
    const got = slow.of('price').map((m) => m.data as PriceQuote);
    expect(got.length).toBeLessThan(total);
    for (const a of assets) {
      const seq = got.filter((q) => q.asset === a).map((q) => q.price);
      expect([...seq].sort((x, y) => x - y)).toEqual(seq);
    }
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
    expect(server!.logs.text).toContain('stream slow consumer disconnected');
  }, 60_000);

  it('closes every stream with 1001 when the server shuts down', async () => {
    const headers = { 'x-api-key': key.secret };
    const a = await connect(wsUrl, headers);
    const b = await connect(wsUrl, headers);
    await a.request({ type: 'subscribe', channel: 'prices', assets: ['bitcoin'] });
    const sse = await openSse(`${server!.url}/v1/stream/sse?prices=bitcoin`, headers);
    await vi.waitFor(() => expect(sse.of('subscribed')).toHaveLength(1));
    const t0 = Date.now();
    stopped = true;
    await stopTestServer(server);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await a.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect((await b.closed).code).toBe(1001);
    await sse.done;
    expect(sse.ended).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe.skipIf(!REDIS_URL)('streams across API processes through Redis', () => {
  let a: TestServer;
  let b: TestServer;
  const schema = `t_stream_${randomBytes(4).toString('hex')}`;
  const prefix = `sxt-stream-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    const overrides = { ANONYMOUS_RPM: '10000' };
    a = await startTestServer({}, { env: testEnv(overrides, { redis: true, schema, prefix }) });
    b = await startTestServer({}, { env: testEnv(overrides, { redis: true, schema, prefix }) });
  });
  afterAll(async () => {
    await closeClients();
    await stopTestServer(a);
    await stopTestServer(b);
    if (DATABASE_URL) await dropSchema(schema);
  });

  it('a client on B receives everything published on A, in order, none missing', async () => {
    expect(a.services.common.bus.kind).toBe('redis');
    const onB = await connect(`${b.url.replace(/^http/, 'ws')}/v1/stream`);
    const onA = await connect(`${a.url.replace(/^http/, 'ws')}/v1/stream`);
    for (const c of [onA, onB]) {
      await c.request({ type: 'subscribe', channel: 'prices', assets: ['bitcoin'] });
      await c.request({ type: 'subscribe', channel: 'candles', assets: ['bitcoin'], interval: '1m' });
    }
    const sse = await openSse(`${b.url}/v1/stream/sse?prices=bitcoin`);
    await vi.waitFor(() => expect(sse.of('subscribed')).toHaveLength(1));
    // The bus subscription is per process and made at start, so nothing needs to settle here.
    const N = 500;
    for (let i = 0; i < N; i++) {
      a.services.common.bus.publish('market.price', quote('bitcoin', i));
      a.services.common.bus.publish(
        'market.candle',
        candle('bitcoin', 60_000 * Math.floor(i / 50), i, i % 50 === 49),
      );
    }
    for (const c of [onB, onA]) {
      await vi.waitFor(() => expect(c.of('price').length + c.of('candle').length).toBe(2 * N), {
        timeout: 10_000,
      });
      const seq = c.messages
        .filter((m) => m.type === 'price' || m.type === 'candle')
        .map((m) => (m.type === 'price' ? (m.data as PriceQuote).price : (m.data as CandleUpdate).bar.close));
      // Interleaved exactly as published: price i, candle i.
      expect(seq).toEqual(Array.from({ length: 2 * N }, (_, i) => Math.floor(i / 2)));
    }
    await vi.waitFor(() => expect(sse.of('price')).toHaveLength(N), { timeout: 10_000 });
    expect(sse.of('price').map((e) => (JSON.parse(e.data!) as PriceQuote).price)).toEqual(
      Array.from({ length: N }, (_, i) => i),
    );
    sse.close();
    await sse.done;
  });
});
