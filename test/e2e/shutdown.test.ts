import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeSettings } from '../../src/internal/config.js';
import { defineOperation, OPERATIONS, type Operation } from '../../src/operations/index.js';
import { BUILD_WAIT_MS, type CliChild, ensureBuilt, spawnSextant } from '../build.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';

/**
 * Acceptance: graceful shutdown with a request in flight. In-process servers with a test-only
 * slow operation (the in-flight request finishes, new connections are refused, storage closes;
 * the grace period bounds the wait), then the real `sextant serve` process on SIGTERM/SIGINT.
 */

const LISTEN_WAIT_MS = 90_000;
const EXIT_WAIT_MS = 20_000;

const SLOW_MS = 700;
const SLOWER_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Test-only slow operations
// ---------------------------------------------------------------------------------------------

/** Handler timers still pending (cleared after each test so no handler outlives it). */
const handlerTimers = new Set<NodeJS.Timeout>();
/** Resolvers waiting for a slow handler to start. */
let onHandlerStarted: (() => void)[] = [];

function handlerStarted(): Promise<void> {
  return new Promise((resolve) => onHandlerStarted.push(resolve));
}

function slowOperation(id: string, path: string, ms: number): Operation {
  return defineOperation({
    id,
    method: 'GET',
    path,
    summary: `Test only: answers after ${ms} ms`,
    description: 'Test-only operation for graceful-shutdown tests.',
    tags: ['system'],
    response: Type.Object({ done: Type.Boolean() }),
    auth: { anonymous: true, scope: null },
    cache: 'no-store',
    async handler() {
      const started = onHandlerStarted;
      onHandlerStarted = [];
      for (const r of started) r();
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          handlerTimers.delete(t);
          resolve();
        }, ms);
        handlerTimers.add(t);
      });
      return { done: true };
    },
  });
}

const TEST_OPERATIONS: readonly Operation[] = [
  ...OPERATIONS,
  slowOperation('testSlow', '/test/slow', SLOW_MS),
  slowOperation('testSlower', '/test/slower', SLOWER_MS),
];

// ---------------------------------------------------------------------------------------------
// HTTP client
// ---------------------------------------------------------------------------------------------

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** GET with node:http; `agent: false` forces a fresh connection. Rejects with the socket error. */
function get(url: string, agent: Agent | false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The error code a rejected request failed with ('' if it did not reject). */
async function failureOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return '';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

// ---------------------------------------------------------------------------------------------
// In-process servers
// ---------------------------------------------------------------------------------------------

describe('graceful shutdown with a request in flight (in-process)', () => {
  let server: TestServer | undefined;
  let agent: Agent | undefined;

  afterEach(async () => {
    agent?.destroy();
    agent = undefined;
    for (const t of handlerTimers) clearTimeout(t);
    handlerTimers.clear();
    onHandlerStarted = [];
    await stopTestServer(server);
    server = undefined;
  });

  it('finishes the in-flight request, refuses new connections, then closes storage', async () => {
    server = await startTestServer({}, { operations: TEST_OPERATIONS });
    const s = server;
    // A keep-alive client, as browsers and SDKs are.
    agent = new Agent({ keepAlive: true });
    expect((await get(`${s.url}/healthz`, agent)).status).toBe(200);

    const started = handlerStarted();
    const inFlight = get(`${s.url}/v1/test/slow`, agent);
    await started;
    await sleep(100);
    const closing = s.close('SIGTERM');

    // While draining: a new connection is not served.
    const during = await get(`${s.url}/healthz`, false).then(
      (r) => `HTTP ${r.status}`,
      (err: NodeJS.ErrnoException) => err.code ?? String(err),
    );
    expect(during).toMatch(/^(ECONNREFUSED|ECONNRESET|HTTP 503)$/);

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ done: true });

    // close() resolves (bounded by the default 10 s grace period at worst).
    await closing;
    expect(await failureOf(get(`${s.url}/healthz`, false))).toBe('ECONNREFUSED');
    await expect(s.services.db.ping()).rejects.toThrow();

    const logs = s.logs.json();
    const access = logs.find((l) => l.msg === 'request' && l.url === '/v1/test/slow');
    expect(access).toMatchObject({ status: 200 });
    expect(logs.some((l) => l.msg === 'shutting down' && l.reason === 'SIGTERM')).toBe(true);
    expect(logs.at(-1)?.msg).toBe('stopped');
  }, 60_000);

  it('close() resolves once the in-flight request is answered, not at the end of the grace period', async () => {
    // A long grace period makes "waited for the timer" unmistakable.
    server = await startTestServer({ SHUTDOWN_TIMEOUT_MS: '20000' }, { operations: TEST_OPERATIONS });
    const s = server;
    agent = new Agent({ keepAlive: true });
    const started = handlerStarted();
    const inFlight = get(`${s.url}/v1/test/slow`, agent);
    await started;
    const closing = s.close('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    const answeredAt = Date.now();
    await closing;
    const lingeredMs = Date.now() - answeredAt;
    // Fails today (~20 s): the keep-alive connection goes idle after its response, but Fastify
    // reaped idle connections only once, at close(), so nothing closes it until the grace timer.
    expect(lingeredMs).toBeLessThan(5_000);
    expect(s.logs.text).not.toContain('shutdown grace period over');
  }, 60_000);

  it('the grace period bounds the wait: a request slower than SHUTDOWN_TIMEOUT_MS is cut', async () => {
    server = await startTestServer({ SHUTDOWN_TIMEOUT_MS: '500' }, { operations: TEST_OPERATIONS });
    const s = server;
    agent = new Agent({ keepAlive: true });
    const started = handlerStarted();
    const inFlight = failureOf(get(`${s.url}/v1/test/slower`, agent));
    await started;
    const t0 = Date.now();
    await s.close('SIGTERM');
    const closeMs = Date.now() - t0;
    // 500 ms grace + closing storage; far below the 5 s the handler would take.
    expect(closeMs).toBeLessThan(SLOWER_MS - 1_000);
    // The client sees its connection cut, not an answer.
    expect(await inFlight).toMatch(/^(ECONNRESET|EPIPE)$/);
    await expect(s.services.db.ping()).rejects.toThrow();
    const warn = s.logs.json().find((l) => l.msg === 'shutdown grace period over: closing open connections');
    expect(warn).toMatchObject({ timeoutMs: 500 });
  }, 60_000);

  it('close() is idempotent: a second call returns the same shutdown', async () => {
    server = await startTestServer({}, { operations: TEST_OPERATIONS });
    const a = server.close('SIGTERM');
    const b = server.close('SIGINT');
    expect(b).toBe(a);
    await a;
    expect(server.logs.json().filter((l) => l.msg === 'shutting down')).toHaveLength(1);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// The real `sextant serve` process
// ---------------------------------------------------------------------------------------------

type ServeChild = CliChild & { dir: string };

const children = new Set<CliChild>();
const tempDirs: string[] = [];

/** `node bin/sextant.js serve --port 0 --data-dir <temp>` with no Sextant setting inherited. */
function spawnServe(env: Record<string, string> = {}): ServeChild {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-shutdown-'));
  tempDirs.push(dir);
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const s of describeSettings()) delete base[s.env];
  const child = spawnSextant(['serve', '--port', '0', '--data-dir', dir], { ...base, ...env }, children);
  return Object.assign(child, { dir });
}

/** Poll until `ready()` or fail after `ms` with `what`. */
async function until(ready: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(what());
    await sleep(50);
  }
}

async function listening(child: ServeChild): Promise<string> {
  await until(
    () => /listening on http:\/\//.test(child.err) || child.proc.exitCode !== null,
    LISTEN_WAIT_MS,
    () => `serve did not listen within ${LISTEN_WAIT_MS} ms; stderr:\n${child.err}`,
  );
  const url = /listening on (http:\/\/[^\s]+)/.exec(child.err)?.[1];
  if (!url) throw new Error(`serve exited before listening; stderr:\n${child.err}`);
  return url;
}

function exitWithin(child: ServeChild, ms = EXIT_WAIT_MS) {
  return Promise.race([
    child.closed,
    sleep(ms).then(() => {
      throw new Error(`serve did not exit within ${ms} ms; stderr:\n${child.err}`);
    }),
  ]);
}

/** A connection stuck mid-request: headers started, never finished. */
function stalledRequest(url: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\nX-Slow: `);
      resolve({ socket, closed: new Promise((r) => socket.once('close', () => r())) });
    });
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

describe('sextant serve process: signals', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, BUILD_WAIT_MS);

  afterEach(async () => {
    await Promise.all(
      [...children].map(async (c) => {
        if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
        await c.closed;
      }),
    );
  });

  afterAll(() => {
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s: exits 0 and releases the data dir',
    async (signal) => {
      const child = spawnServe();
      const url = await listening(child);
      expect(existsSync(join(child.dir, 'sextant.lock'))).toBe(true);
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);

      child.proc.kill(signal);
      const { code, signal: killedBy } = await exitWithin(child);
      expect(killedBy).toBeNull();
      expect(code).toBe(0);
      expect(child.err).not.toContain('shutdown failed');
      expect(existsSync(join(child.dir, 'sextant.lock'))).toBe(false);
      expect(existsSync(join(child.dir, 'admin.sock'))).toBe(false);
      // The JSON log records an orderly stop for this signal.
      expect(child.out).toContain(`"reason":"${signal}"`);
      expect(child.out).toContain('"msg":"stopped"');
      expect(await failureOf(fetch(`${url}/healthz`))).not.toBe('');
    },
    LISTEN_WAIT_MS + EXIT_WAIT_MS,
  );

  it(
    'SIGTERM with a stalled request: waits at most SHUTDOWN_TIMEOUT_MS, cuts it, exits 0',
    async () => {
      const child = spawnServe({ SHUTDOWN_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '0' });
      const url = await listening(child);
      const stalled = await stalledRequest(url);

      child.proc.kill('SIGTERM');
      const { code } = await exitWithin(child);
      expect(code).toBe(0);
      await stalled.closed; // the server cut it
      expect(existsSync(join(child.dir, 'sextant.lock'))).toBe(false);
    },
    LISTEN_WAIT_MS + EXIT_WAIT_MS,
  );

  it(
    'a second SIGTERM while draining exits at once with code 1 (and says so)',
    async () => {
      // The stalled connection keeps the drain going for the whole (long) grace period.
      const child = spawnServe({ SHUTDOWN_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '0' });
      const url = await listening(child);
      const stalled = await stalledRequest(url);

      child.proc.kill('SIGTERM');
      // The log line is flushed within a second; then the server is known to be draining.
      await until(
        () => child.out.includes('"msg":"shutting down"'),
        EXIT_WAIT_MS,
        () => `no "shutting down" log line; stdout:\n${child.out}`,
      );
      expect(child.proc.exitCode).toBeNull();

      child.proc.kill('SIGTERM');
      const { code, signal } = await exitWithin(child);
      stalled.socket.destroy();
      // Fails today (killed by SIGTERM, code null): the handlers are registered with
      // process.once, so the second SIGTERM finds none and the default action kills the process
      // without the "again" message, log flush or lock release.
      expect({ code, signal }).toEqual({ code: 1, signal: null });
      expect(child.err).toContain('received SIGTERM again');
      expect(existsSync(join(child.dir, 'sextant.lock'))).toBe(false);
    },
    LISTEN_WAIT_MS + 2 * EXIT_WAIT_MS,
  );
});
