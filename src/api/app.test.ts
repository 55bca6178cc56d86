import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, stopTestServer, type TestServer } from '../../test/helpers.js';
import { defineOperation, OPERATIONS } from '../operations/index.js';

const echo = defineOperation({
  id: 'testEcho',
  method: 'POST',
  path: '/test/echo',
  summary: 'Echo (test only)',
  description: 'Returns its body.',
  tags: ['test'],
  body: Type.Object({
    name: Type.String({ maxLength: 20 }),
    count: Type.Integer({ minimum: 0, maximum: 10 }),
  }),
  response: Type.Object({ name: Type.String(), count: Type.Integer() }),
  auth: { anonymous: true, scope: null },
  cache: 'no-store',
  handler: ({ body }) => body,
});

let hits = 0;
const cached = defineOperation({
  id: 'testCached',
  method: 'GET',
  path: '/test/cached/{id}',
  summary: 'Cacheable (test only)',
  description: 'A cacheable GET.',
  tags: ['test'],
  params: Type.Object({ id: Type.String({ pattern: '^[a-z]+$' }) }),
  response: Type.Object({ id: Type.String(), version: Type.Integer() }),
  auth: { anonymous: true, scope: null },
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  handler: ({ params }) => ({ id: params.id, version: Math.floor(hits++ / 2) }),
});

const boom = defineOperation({
  id: 'testBoom',
  method: 'GET',
  path: '/test/boom',
  summary: 'Throws (test only)',
  description: 'Throws an unexpected error.',
  tags: ['test'],
  response: Type.Object({}),
  auth: { anonymous: true, scope: null },
  cache: 'no-store',
  handler: () => {
    throw new Error(`secret internals at ${import.meta.url}`);
  },
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    { BODY_LIMIT_BYTES: '2048', ANONYMOUS_RPM: '100000', CORS_ORIGINS: 'https://app.example' },
    { operations: [...OPERATIONS, echo, cached, boom] },
  );
});
afterAll(() => stopTestServer(server));

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: string,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `urn:sextant:error:${code}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.requestId).toBe(res.headers['x-request-id']);
  return body;
}

describe('problem documents', () => {
  it('404 for an unknown route', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/nope' });
    expectProblem(res, 404, 'ROUTE_NOT_FOUND');
  });

  it('405 with Allow for a known path and wrong method', async () => {
    const res = await server.app.inject({ method: 'DELETE', url: '/v1/status' });
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, HEAD');
    const p = await server.app.inject({ method: 'PUT', url: '/v1/test/cached/abc' });
    expectProblem(p, 405, 'METHOD_NOT_ALLOWED');
  });

  it('413 for a body over the limit', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(5000), count: 1 }),
    });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('415 for an unsupported media type', async () => {
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/v1/test/echo',
        headers: { 'content-type': type },
        payload: 'a=b',
      });
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('400 for malformed JSON', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "a",',
    });
    expectProblem(res, 400, 'INVALID_JSON');
    const proto = await server.app.inject({
      method: 'POST',
      url: '/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"a","count":1,"__proto__":{"x":1}}',
    });
    expect(proto.statusCode).toBe(400);
  });

  it('400 with one issue per offending field', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/test/echo',
      payload: { name: 'x'.repeat(30), count: 99 },
    });
    const body = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(body.issues).toEqual(
      expect.arrayContaining([
        { path: ['name'], message: 'must NOT have more than 20 characters', in: 'body' },
        { path: ['count'], message: 'must be <= 10', in: 'body' },
      ]),
    );
    const missing = await server.app.inject({ method: 'POST', url: '/v1/test/echo', payload: { count: 1 } });
    expect(expectProblem(missing, 400, 'VALIDATION_FAILED').issues).toEqual([
      { path: ['name'], message: "must have required property 'name'", in: 'body' },
    ]);
    const q = await server.app.inject({ method: 'GET', url: '/v1/test/cached/ABC' });
    expect(expectProblem(q, 400, 'VALIDATION_FAILED').issues).toEqual([
      { path: ['id'], message: 'must match pattern "^[a-z]+$"', in: 'path' },
    ]);
  });

  it('500 reveals nothing about internals and logs the error', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/test/boom' });
    const body = expectProblem(res, 500, 'INTERNAL');
    expect(res.body).not.toContain('secret internals');
    expect(res.body).not.toMatch(/\/work\/|file:|\.ts|at /);
    expect(server.logs.text).toContain(body.requestId as string);
  });
});

describe('request ids', () => {
  it('accepts a sane incoming x-request-id and replaces an unsafe one', async () => {
    const ok = await server.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123.X:y_z' },
    });
    expect(ok.headers['x-request-id']).toBe('abc-123.X:y_z');
    const bad = await server.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'a b\u0000<script>' },
    });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const long = await server.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'a'.repeat(500) },
    });
    expect(long.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('caching', () => {
  it('sends ETag and Cache-Control on cacheable GETs and 304 on If-None-Match', async () => {
    const first = await server.app.inject({ method: 'GET', url: '/v1/test/cached/abc' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('public, max-age=60');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/".+"$/);
    const second = await server.app.inject({
      method: 'GET',
      url: '/v1/test/cached/abc',
      headers: { 'if-none-match': etag },
    });
    expect(second.statusCode).toBe(304);
    expect(second.body).toBe('');
    // The representation changes (version increments every 2 calls): a stale tag gets a full 200.
    await server.app.inject({ method: 'GET', url: '/v1/test/cached/abc' });
    const third = await server.app.inject({
      method: 'GET',
      url: '/v1/test/cached/abc',
      headers: { 'if-none-match': etag },
    });
    expect(third.statusCode).toBe(200);
    expect(third.headers.etag).not.toBe(etag);
  });

  it('marks non-cacheable operations no-store', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/status' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag).toBeUndefined();
  });
});

describe('HTTP hygiene', () => {
  it('sets security headers and CORS for allowed origins only', async () => {
    const res = await server.app.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { origin: 'https://app.example' },
    });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await server.app.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await server.app.inject({
      method: 'OPTIONS',
      url: '/v1/status',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.statusCode).toBe(204);
  });

  it('compresses large responses when asked', async () => {
    const res = await server.app.inject({
      method: 'GET',
      url: '/openapi.json',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.headers['content-encoding']).toBe('gzip');
  });

  it('answers health and readiness', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true } },
    });
  });

  it('exposes Prometheus metrics by route and status', async () => {
    await server.app.inject({ method: 'GET', url: '/v1/status' });
    const res = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/status",status_code="200"\} \d+/,
    );
    expect(res.body).toContain('http_requests_in_flight');
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  it('writes one access-log line per request', async () => {
    const before = server.logs.json().filter((l) => l.msg === 'request').length;
    await server.app.inject({ method: 'GET', url: '/v1/status', headers: { 'x-request-id': 'log-check-1' } });
    const lines = server.logs.json().filter((l) => l.msg === 'request');
    expect(lines.length).toBe(before + 1);
    expect(lines.at(-1)).toMatchObject({
      reqId: 'log-check-1',
      method: 'GET',
      route: '/v1/status',
      status: 200,
    });
  });
});

describe('OpenAPI and docs', () => {
  it('serves an OpenAPI 3.1 document built from the operation registry', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { operationId?: string; description?: string; responses: Record<string, unknown> }>
      >;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const op of OPERATIONS) {
      const path = `/v1${op.path}`;
      const entry = doc.paths[path]?.[op.method.toLowerCase()];
      expect(entry?.operationId).toBe(op.id);
      expect(entry?.description).toContain(op.description.slice(0, 20));
      expect(JSON.stringify(entry?.responses[String(op.successStatus ?? 200)])).toMatch(/"examples?"/);
    }
    expect(doc.paths['/v1/test/cached/{id}']).toBeDefined();
    expect(doc.components.securitySchemes.apiKey).toBeDefined();
    expect(doc.paths['/healthz']).toBeDefined();
  });

  it('serves the interactive docs page', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('swagger');
  });
});
