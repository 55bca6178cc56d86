import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  backoffDelay,
  createSextantClient,
  createSseParser,
  parseRetryAfter,
  type RetryInfo,
  SextantApiError,
} from '@sextant/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * SDK behaviour that needs no Sextant server: retries against a scripted HTTP server on
 * 127.0.0.1 (429/503, Retry-After in seconds and as a date, bounds, network errors), errors of
 * non-problem answers, the SSE parser, and the README's examples being the files the tests run.
 */

type Scripted = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let baseUrl: string;
let script: Scripted[] = [];
const seen: { method: string; url: string; body: string; apiKey: string | undefined }[] = [];

function problem(res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(
    JSON.stringify({
      type: `urn:sextant:error:${code}`,
      title: code,
      status,
      detail: `scripted ${code}`,
      code,
      requestId: `req-${seen.length}`,
      retryable: status === 429 || status === 503,
    }),
  );
}
const ok: Scripted = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: 'ok', version: '1', attempt: seen.length }));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const key = req.headers['x-api-key'];
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        apiKey: typeof key === 'string' ? key : undefined,
      });
      const next = script.shift();
      if (!next) return problem(res, 500, 'SCRIPT_EXHAUSTED');
      next(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  script = [];
  seen.length = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A client whose waits are recorded instead of slept, with jitter fixed at half. */
function client(retries: number, extra: { maxDelayMs?: number } = {}) {
  const sleeps: number[] = [];
  const retriesSeen: RetryInfo[] = [];
  const sx = createSextantClient({
    baseUrl,
    apiKey: 'sxt_unit',
    retries,
    retry: {
      baseDelayMs: 100,
      ...extra,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      onRetry: (i) => retriesSeen.push(i),
    },
  });
  return { sx, sleeps, retriesSeen };
}

async function apiError(p: Promise<unknown>): Promise<SextantApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SextantApiError);
  return err as SextantApiError;
}

describe('retries', () => {
  it('a 429 with Retry-After in seconds is retried after that wait (plus jitter), with the key', async () => {
    script = [(_q, res) => problem(res, 429, 'RATE_LIMITED', { 'retry-after': '2' }), ok];
    const { sx, sleeps, retriesSeen } = client(2);
    const status = await sx.get('/v1/status');
    expect(status).toMatchObject({ status: 'ok', attempt: 2 });
    // 2 s asked + half of the 100 ms jitter range.
    expect(sleeps).toEqual([2050]);
    expect(retriesSeen).toMatchObject([{ attempt: 1, status: 429, delayMs: 2050, method: 'GET' }]);
    expect(seen.map((s) => [s.method, s.url, s.apiKey])).toEqual([
      ['GET', '/v1/status', 'sxt_unit'],
      ['GET', '/v1/status', 'sxt_unit'],
    ]);
  });

  it('a 503 with Retry-After as an HTTP date waits until that date', async () => {
    // Only Date is faked (timers and sockets stay real): the wait is exact.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.UTC(2025, 0, 1, 12, 0, 0));
      const at = new Date(Date.now() + 5_000).toUTCString();
      script = [(_q, res) => problem(res, 503, 'SERVICE_UNAVAILABLE', { 'retry-after': at }), ok];
      const { sx, sleeps } = client(2);
      await sx.get('/v1/status');
      // 5 s until the date, plus half of the 100 ms jitter range.
      expect(sleeps).toEqual([5_050]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('without Retry-After: exponential backoff, then the last answer is thrown as SextantApiError', async () => {
    script = [503, 503, 503].map(
      (s) => (_q: IncomingMessage, res: ServerResponse) => problem(res, s, 'UPSTREAM_DOWN'),
    );
    const { sx, sleeps } = client(2);
    const err = await apiError(sx.get('/v1/status'));
    // cap 100 then 200 ms, each waited between cap/2 and cap (random 0.5 → 3/4 of the cap).
    expect(sleeps).toEqual([75, 150]);
    expect(seen).toHaveLength(3);
    expect(err).toMatchObject({
      status: 503,
      code: 'UPSTREAM_DOWN',
      detail: 'scripted UPSTREAM_DOWN',
      requestId: 'req-3',
      retryable: true,
      request: { method: 'GET', url: `${baseUrl}/v1/status` },
    });
    expect(err.message).toBe('503 UPSTREAM_DOWN: scripted UPSTREAM_DOWN');
  });

  it('a Retry-After longer than maxDelayMs is not waited for: thrown at once with retryAfterMs', async () => {
    script = [(_q, res) => problem(res, 429, 'RATE_LIMITED', { 'retry-after': '3600' })];
    const { sx, sleeps } = client(5, { maxDelayMs: 10_000 });
    const err = await apiError(sx.get('/v1/status'));
    expect(err).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterMs: 3_600_000 });
    expect(sleeps).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it('retries: 0 turns retrying off', async () => {
    script = [(_q, res) => problem(res, 429, 'RATE_LIMITED', { 'retry-after': '1' })];
    const { sx, sleeps } = client(0);
    expect((await apiError(sx.get('/v1/status'))).retryAfterMs).toBe(1_000);
    expect(sleeps).toEqual([]);
  });

  it('a retried POST sends its body again, unchanged', async () => {
    script = [
      (_q, res) => problem(res, 429, 'RATE_LIMITED', { 'retry-after': '0' }),
      (_q, res, body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ valid: true, echo: JSON.parse(body) }));
      },
    ];
    const { sx } = client(1);
    const r = await sx.post('/v1/wallet/address/validate', { body: { chain: 'evm', address: '0xabc' } });
    expect(r).toMatchObject({ valid: true, echo: { chain: 'evm', address: '0xabc' } });
    expect(seen.map((s) => s.body)).toEqual([
      '{"chain":"evm","address":"0xabc"}',
      '{"chain":"evm","address":"0xabc"}',
    ]);
  });

  it('a dropped connection is retried for GET but not for POST (it may have been acted on)', async () => {
    const drop: Scripted = (req) => req.socket.destroy();
    script = [drop, ok];
    const get = client(2);
    await expect(get.sx.get('/v1/status')).resolves.toMatchObject({ status: 'ok' });
    expect(get.retriesSeen).toMatchObject([{ attempt: 1, status: undefined, delayMs: 75 }]);

    script = [drop, ok];
    seen.length = 0;
    const post = client(2);
    await expect(post.sx.post('/v1/auth/siwe/nonce')).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(1);
    expect(post.sleeps).toEqual([]);
  });

  it('an answer that is not a problem document still becomes a SextantApiError', async () => {
    script = [
      (_q, res) => {
        res.writeHead(502, { 'content-type': 'text/html', 'x-request-id': 'from-proxy' });
        res.end('<html><body>Bad gateway</body></html>');
      },
    ];
    const err = await apiError(client(0).sx.get('/v1/status'));
    expect(err).toMatchObject({
      status: 502,
      code: 'HTTP_502',
      detail: '<html><body>Bad gateway</body></html>',
      requestId: 'from-proxy',
      retryable: true,
      problem: undefined,
      issues: [],
    });
  });

  it('bad options are refused up front', () => {
    expect(() => createSextantClient({ baseUrl: '127.0.0.1:8080/' })).toThrow(/absolute URL/);
    expect(() => createSextantClient({ baseUrl: 'localhost:8080' })).toThrow(/http\(s\) URL, got localhost:/);
    expect(() => createSextantClient({ baseUrl, retries: -1 })).toThrow(/retries/);
    expect(() => createSextantClient({ baseUrl, retry: { maxDelayMs: Number.NaN } })).toThrow(/maxDelayMs/);
  });
});

describe('helpers', () => {
  it('parseRetryAfter: delay-seconds, HTTP dates (past → 0), garbage → undefined', () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 12:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 12:00:00 GMT', now)).toBe(0);
    for (const bad of [null, undefined, '', '-1', '1.5', 'soon', '12 parsecs'])
      expect(parseRetryAfter(bad, now), String(bad)).toBeUndefined();
  });

  it('backoffDelay: [cap/2, cap] with cap = min(max, base·2^attempt)', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, 100, 1_000, () => 0))).toEqual([50, 100, 200, 400]);
    expect(backoffDelay(10, 100, 1_000, () => 0.99)).toBe(995);
  });

  it('the SSE parser handles split chunks, CRLF, comments, ids and multi-line data', () => {
    const events: { event: string; data: string; id?: string }[] = [];
    const feed = createSseParser((e) => events.push(e));
    const text =
      'retry: 3000\nevent: subscribed\ndata: {"prices":["bitcoin"]}\n\n: comment\r\nid: 7\r\nevent: price\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: plain\n\nevent: heartbeat\ndata: x';
    // Byte-by-byte and all at once give the same events; the unterminated last one waits.
    for (const c of text) feed(c);
    const oneGo: typeof events = [];
    createSseParser((e) => oneGo.push(e))(text);
    expect(events).toEqual(oneGo);
    expect(events).toEqual([
      { event: 'subscribed', data: '{"prices":["bitcoin"]}' },
      { event: 'price', data: '{"a":\n1}', id: '7' },
      { event: 'message', data: 'plain', id: '7' },
    ]);
  });
});

describe('README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const examplesDir = new URL('../../packages/sdk/examples/', import.meta.url);
  const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.ts'));

  it('"Use from TypeScript" shows every SDK example verbatim (the tests run these files)', () => {
    const section = readme.split(/^## /m).find((s) => s.startsWith('Use from TypeScript'));
    expect(section, 'README section "## Use from TypeScript"').toBeDefined();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const shown = [
      ...section!.matchAll(/<!-- (packages\/sdk\/examples\/[\w.-]+) -->\n```ts\n([\s\S]*?)```/g),
    ];
    expect(shown.map((m) => m[1]).sort()).toEqual(examples.map((f) => `packages/sdk/examples/${f}`).sort());
    for (const [, file, code] of shown) {
      expect(code, `${file} in the README`).toBe(
        readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'),
      );
    }
  });
});
