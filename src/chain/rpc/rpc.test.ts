import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import type { Hex } from 'viem';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChainRpcOptions,
  createChainRpc,
  getLogsAdaptive,
  type RpcAnomaly,
  RpcError,
  type RpcLogger,
  redactRpcUrl,
} from './index.js';

// ---------------------------------------------------------------------------------------------
// A scripted JSON-RPC server on 127.0.0.1, and a fake clock whose sleeps return at once.
// ---------------------------------------------------------------------------------------------

const SECRET = 'SECRETKEY123';
const SECRET_PATH = `/v3/${SECRET}`;

type WireCall = { jsonrpc: string; id: number; method: string; params: unknown[] };
type Reply = {
  status?: number;
  headers?: Record<string, string>;
  /** Raw body (wins over `json`). */
  body?: string;
  json?: unknown;
  delayMs?: number;
  /** Cut the connection without answering. */
  destroy?: boolean;
};
type Handler = (body: unknown, seen: number) => Reply | Promise<Reply>;
type FakeServer = { url: string; requests: { path: string; body: unknown }[]; close(): Promise<void> };

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(handler: Handler, path = SECRET_PATH): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    requests.push({ path: req.url ?? '', body });
    const reply = await handler(body, requests.length);
    const send = () => {
      if (reply.destroy) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? JSON.stringify(reply.json));
    };
    if (reply.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, reply.delayMs);
      timers.add(t);
    } else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeServer = {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(fake);
  return fake;
}

/** A URL on which nothing listens (a server that was started, then closed). */
async function deadUrl(): Promise<string> {
  const s = await startServer(() => ({ json: {} }));
  servers.splice(servers.indexOf(s), 1);
  await s.close();
  return s.url;
}

function fakeClock() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance(ms: number) {
      t += ms;
    },
  };
}

function recordingLogger(): RpcLogger & { lines: { level: string; obj: unknown; msg: string }[] } {
  const lines: { level: string; obj: unknown; msg: string }[] = [];
  return {
    lines,
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    debug: (obj, msg) => lines.push({ level: 'debug', obj, msg }),
  };
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;
const h32 = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const ADDR_A = '0xABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD';
const ADDR_B = '0x00000000000000000000000000000000000000BB';
const HEAD = 100;

function txJson(block: number, i: number): Record<string, unknown> {
  return {
    hash: h32(block * 1000 + i)
      .toUpperCase()
      .replace('0X', '0x'),
    from: ADDR_A,
    to: i === 0 ? null : ADDR_B,
    value: '0xde0b6b3a7640000',
    input: '0x60806040',
    type: '0x2',
    nonce: hex(i),
    transactionIndex: hex(i),
  };
}

function blockJson(n: number, full: boolean): Record<string, unknown> {
  return {
    number: hex(n),
    hash: h32(10_000 + n),
    parentHash: h32(10_000 + n - 1),
    timestamp: hex(1_700_000_000 + n * 12),
    gasUsed: '0x5208',
    gasLimit: '0x1c9c380',
    baseFeePerGas: '0x3b9aca00',
    transactions: full ? [txJson(n, 0), txJson(n, 1)] : [h32(n * 1000), h32(n * 1000 + 1)],
  };
}

type Answer = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

/** A tiny chain: head 100, two transactions per block, a receipt for any hash. */
function chainAnswer(call: WireCall): Answer {
  switch (call.method) {
    case 'eth_chainId':
      return { result: '0x1' };
    case 'eth_blockNumber':
      return { result: hex(HEAD) };
    case 'eth_getBlockByNumber': {
      const [tag, full] = call.params as [string, boolean];
      const n = tag === 'latest' ? HEAD : Number(BigInt(tag));
      return { result: n > HEAD ? null : blockJson(n, full) };
    }
    case 'eth_getTransactionReceipt':
      return {
        result: {
          transactionHash: call.params[0],
          blockHash: h32(10_005),
          blockNumber: '0x5',
          transactionIndex: '0x0',
          from: ADDR_A,
          to: null,
          contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
          status: '0x1',
          gasUsed: '0x5208',
          effectiveGasPrice: '0x3b9aca00',
          logs: [],
        },
      };
    case 'eth_call':
      return { result: `0x${'00'.repeat(31)}12` };
    case 'eth_feeHistory':
      return {
        result: {
          oldestBlock: '0x62',
          baseFeePerGas: ['0x1', '0x2', '0x3'],
          gasUsedRatio: [0.5, 0.25],
          reward: [
            ['0xa', '0xb'],
            ['0xc', '0xd'],
          ],
        },
      };
    default:
      return { error: { code: -32601, message: 'method not found' } };
  }
}

/** Answer a single call or a batch with `answer` per call. */
function respond(body: unknown, answer: (call: WireCall) => Answer = chainAnswer): Reply {
  const one = (c: WireCall) => ({ jsonrpc: '2.0', id: c.id, ...answer(c) });
  return { json: Array.isArray(body) ? (body as WireCall[]).map(one) : one(body as WireCall) };
}

function rpcFor(urls: string[], extra: Partial<ChainRpcOptions> = {}) {
  const clock = fakeClock();
  const logger = recordingLogger();
  const rpc = createChainRpc({
    chainId: 1,
    urls,
    timeoutMs: 2_000,
    maxRetries: 3,
    clock,
    logger,
    random: () => 0.5,
    ...extra,
  });
  return { rpc, clock, logger };
}

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RpcError);
    return err as RpcError;
  }
  throw new Error('expected a rejection');
}

const bigintSafe = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : (v as unknown)));

// ---------------------------------------------------------------------------------------------

describe('createChainRpc: success and batching', () => {
  it('sends concurrent calls as one JSON-RPC batch and decodes every answer', async () => {
    const server = await startServer((body) => respond(body));
    const { rpc } = rpcFor([server.url], { batch: { maxSize: 10, waitMs: 5 } });
    const txHash = h32(42) as Hex;
    const [chainId, head, block, full, receipt, balance, fees] = await Promise.all([
      rpc.chainIdOf(),
      rpc.blockNumber(),
      rpc.getBlock(5n),
      rpc.getBlock(6n, { includeTransactions: true }),
      rpc.getTransactionReceipt(txHash),
      rpc.call({ to: ADDR_B as Hex, data: '0x70a08231' }),
      rpc.feeHistory(2, 'latest', [10, 90]),
    ]);
    expect(server.requests).toHaveLength(1);
    expect(Array.isArray(server.requests[0]!.body)).toBe(true);
    expect((server.requests[0]!.body as WireCall[]).map((c) => c.method)).toEqual([
      'eth_chainId',
      'eth_blockNumber',
      'eth_getBlockByNumber',
      'eth_getBlockByNumber',
      'eth_getTransactionReceipt',
      'eth_call',
      'eth_feeHistory',
    ]);
    expect(chainId).toBe(1);
    expect(head).toBe(100n);
    expect(block).toMatchObject({
      number: 5n,
      hash: h32(10_005),
      timestamp: 1_700_000_060n,
      baseFeePerGas: 1_000_000_000n,
    });
    expect(block?.transactions).toEqual([h32(5000), h32(5001)]);
    const [creation, transfer] = full!.transactions;
    expect(creation).toMatchObject({
      to: null,
      from: ADDR_A.toLowerCase(),
      type: 2,
      nonce: 0n,
      transactionIndex: 0,
    });
    expect(creation!.hash).toBe(h32(6000));
    expect(transfer).toMatchObject({ to: ADDR_B.toLowerCase(), value: 10n ** 18n, input: '0x60806040' });
    expect(receipt).toMatchObject({
      transactionHash: txHash,
      contractAddress: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
      status: 'success',
      logs: [],
    });
    expect(balance).toBe(`0x${'00'.repeat(31)}12`);
    expect(fees).toEqual({
      oldestBlock: 98n,
      baseFeePerGas: [1n, 2n, 3n],
      gasUsedRatio: [0.5, 0.25],
      reward: [
        [10n, 11n],
        [12n, 13n],
      ],
    });
  });

  it('splits batches at maxSize and never batches eth_getLogs', async () => {
    const server = await startServer((body) =>
      respond(body, (c) => (c.method === 'eth_getLogs' ? { result: [] } : chainAnswer(c))),
    );
    const { rpc } = rpcFor([server.url], { batch: { maxSize: 3, waitMs: 5 } });
    await Promise.all([
      ...[1n, 2n, 3n, 4n, 5n].map((n) => rpc.getBlock(n)),
      rpc.getLogs({ fromBlock: 1n, toBlock: 5n }),
    ]);
    const sizes = server.requests.map((r) => (Array.isArray(r.body) ? r.body.length : 1));
    expect(sizes.sort()).toEqual([1, 2, 3]);
    const logsRequest = server.requests.find((r) => !Array.isArray(r.body));
    expect((logsRequest!.body as WireCall).method).toBe('eth_getLogs');
  });

  it('falls back to single calls on an endpoint that rejects batches, and remembers it', async () => {
    const server = await startServer((body) =>
      Array.isArray(body)
        ? {
            json: {
              jsonrpc: '2.0',
              id: null,
              error: { code: -32600, message: 'batch requests are not supported' },
            },
          }
        : respond(body),
    );
    const { rpc, logger } = rpcFor([server.url], { batch: { maxSize: 10, waitMs: 5 } });
    const first = await Promise.all([rpc.getBlock(1n), rpc.getBlock(2n), rpc.blockNumber()]);
    expect(first.map((x) => (typeof x === 'bigint' ? x : x?.number))).toEqual([1n, 2n, 100n]);
    expect(server.requests.filter((r) => Array.isArray(r.body))).toHaveLength(1);
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg.includes('rejected a JSON-RPC batch'))).toBe(
      true,
    );
    const before = server.requests.length;
    await Promise.all([rpc.getBlock(3n), rpc.getBlock(4n)]);
    expect(server.requests.slice(before).every((r) => !Array.isArray(r.body))).toBe(true);
    expect(server.requests.length - before).toBe(2);
  });

  it('retries only the calls of a batch that were rate limited or left out of the answer', async () => {
    let round = 0;
    const server = await startServer((body) => {
      round += 1;
      if (round > 1 || !Array.isArray(body)) return respond(body);
      const calls = body as WireCall[];
      // First answer: call 0 fine, call 1 rate limited, call 2 missing.
      return {
        json: [
          { jsonrpc: '2.0', id: calls[0]!.id, ...chainAnswer(calls[0]!) },
          { jsonrpc: '2.0', id: calls[1]!.id, error: { code: 429, message: 'Too Many Requests' } },
        ],
      };
    });
    const { rpc } = rpcFor([server.url], { batch: { maxSize: 10, waitMs: 5 } });
    const blocks = await Promise.all([rpc.getBlock(1n), rpc.getBlock(2n), rpc.getBlock(3n)]);
    expect(blocks.map((b) => b?.number)).toEqual([1n, 2n, 3n]);
    expect(server.requests).toHaveLength(2);
    expect((server.requests[1]!.body as WireCall[]).map((c) => c.params[0])).toEqual(['0x2', '0x3']);
  });

  it('returns null for a block or receipt the node does not have', async () => {
    const server = await startServer((body) =>
      respond(body, (c) => (c.method === 'eth_getTransactionReceipt' ? { result: null } : chainAnswer(c))),
    );
    const { rpc } = rpcFor([server.url]);
    expect(await rpc.getBlock(1_000n)).toBeNull();
    expect(await rpc.getTransactionReceipt(h32(1) as Hex)).toBeNull();
  });
});

describe('createChainRpc: retries, rate limits and failover', () => {
  it('retries a timed-out request and succeeds', async () => {
    const server = await startServer((body, n) =>
      n === 1 ? { ...respond(body), delayMs: 1_000 } : respond(body),
    );
    const { rpc } = rpcFor([server.url], { timeoutMs: 100 });
    const started = Date.now();
    expect(await rpc.blockNumber()).toBe(100n);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('a request that times out on every attempt ends as a timeout error', async () => {
    const server = await startServer((body) => ({ ...respond(body), delayMs: 1_000 }));
    const { rpc } = rpcFor([server.url], { timeoutMs: 50, maxRetries: 1 });
    const err = await rejection(rpc.blockNumber());
    expect(err.kind).toBe('timeout');
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(server.requests).toHaveLength(2);
  });

  it('waits as long as Retry-After says after HTTP 429, then succeeds', async () => {
    const server = await startServer((body, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '2' }, body: 'slow down' } : respond(body),
    );
    const { rpc, clock } = rpcFor([server.url]);
    expect(await rpc.blockNumber()).toBe(100n);
    expect(clock.sleeps).toEqual([2_000]);
    expect(server.requests).toHaveLength(2);
  });

  it('backs off on a JSON-RPC rate-limit error (Infura style, backoff_seconds in data)', async () => {
    const server = await startServer((body, n) =>
      n === 1
        ? respond(body, () => ({
            error: {
              code: -32005,
              message: 'project ID request rate exceeded',
              data: { backoff_seconds: 1 },
            },
          }))
        : respond(body),
    );
    const { rpc, clock } = rpcFor([server.url]);
    expect(await rpc.chainIdOf()).toBe(1);
    expect(clock.sleeps).toEqual([1_000]);
  });

  it('a rate limit asking for a very long wait fails fast as rate-limited', async () => {
    const server = await startServer(() => ({ status: 429, headers: { 'retry-after': '3600' }, body: '' }));
    const { rpc, clock } = rpcFor([server.url]);
    const err = await rejection(rpc.blockNumber());
    expect(err.kind).toBe('rate-limited');
    expect(clock.sleeps).toEqual([]);
  });

  it('fails over from an endpoint answering 500 to the next, cools it down, and returns to it later', async () => {
    let primaryDown = true;
    const primary = await startServer((body) =>
      primaryDown ? { status: 500, body: 'oops' } : respond(body),
    );
    const secondary = await startServer((body) => respond(body));
    const { rpc, clock, logger } = rpcFor([primary.url, secondary.url]);
    for (let i = 0; i < 3; i++) expect(await rpc.blockNumber()).toBe(100n);
    expect(primary.requests).toHaveLength(3);
    expect(secondary.requests).toHaveLength(3);
    // The first hop to another endpoint does not wait.
    expect(clock.sleeps).toEqual([]);
    expect(logger.lines.some((l) => l.msg.includes('cooling down'))).toBe(true);
    // On cooldown: the primary is skipped.
    await rpc.blockNumber();
    expect(primary.requests).toHaveLength(3);
    expect(secondary.requests).toHaveLength(4);
    // After the cooldown, the primary (healthy again) gets the traffic back.
    primaryDown = false;
    clock.advance(10_000);
    await rpc.blockNumber();
    await rpc.blockNumber();
    expect(primary.requests).toHaveLength(5);
    expect(secondary.requests).toHaveLength(4);
  });

  it('fails over when an endpoint answers garbage', async () => {
    const broken = await startServer(() => ({
      body: '<html>bad gateway</html>',
      headers: { 'content-type': 'text/html' },
    }));
    const good = await startServer((body) => respond(body));
    const { rpc } = rpcFor([broken.url, good.url]);
    expect(await rpc.blockNumber()).toBe(100n);
    expect(broken.requests).toHaveLength(1);
  });

  it('all endpoints down: an unavailable error, in bounded time', async () => {
    const { rpc, clock } = rpcFor([await deadUrl(), await deadUrl()], { maxRetries: 8 });
    const started = Date.now();
    const err = await rejection(rpc.blockNumber());
    expect(err.kind).toBe('unavailable');
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    // Backoff waited between rounds, and the total wait is bounded by the retry budget.
    expect(clock.sleeps.length).toBeGreaterThan(0);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(60_000);
    // Both endpoints are now cooling down: the next call fails at once, without a request.
    const again = await rejection(rpc.blockNumber());
    expect(again.kind).toBe('unavailable');
    expect(again.message).toContain('cooling down');
  });

  it('all endpoints answering 500: unavailable once they are all cooling down', async () => {
    const a = await startServer(() => ({ status: 503, body: '' }));
    const b = await startServer(() => ({ status: 502, body: '' }));
    const { rpc } = rpcFor([a.url, b.url], { maxRetries: 10 });
    const err = await rejection(rpc.blockNumber());
    expect(err.kind).toBe('unavailable');
    expect(a.requests.length + b.requests.length).toBe(6);
  });

  it('does not retry a JSON-RPC error such as a revert, and keeps its data', async () => {
    const server = await startServer((body) =>
      respond(body, () => ({ error: { code: 3, message: 'execution reverted', data: '0x08c379a0' } })),
    );
    const { rpc } = rpcFor([server.url]);
    const err = await rejection(rpc.call({ to: ADDR_B as Hex, data: '0x' }));
    expect(err).toMatchObject({ kind: 'rpc', rpcCode: 3, rpcData: '0x08c379a0', retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('refuses redirects (the request would go somewhere nobody configured)', async () => {
    const server = await startServer(() => ({
      status: 307,
      headers: { location: 'http://127.0.0.1:9/elsewhere' },
    }));
    const { rpc } = rpcFor([server.url], { maxRetries: 0 });
    const err = await rejection(rpc.blockNumber());
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain('redirect refused');
  });

  it('names each call of a failed batch by its own method', async () => {
    const server = await startServer(() => ({ status: 503, body: '' }));
    const { rpc } = rpcFor([server.url], { maxRetries: 0, batch: { maxSize: 10, waitMs: 5 } });
    const [a, b] = await Promise.all([rejection(rpc.blockNumber()), rejection(rpc.chainIdOf())]);
    expect(server.requests).toHaveLength(1);
    expect([a.method, b.method]).toEqual(['eth_blockNumber', 'eth_chainId']);
    expect(a).toMatchObject({ kind: 'http', httpStatus: 503 });
    expect(a.message).toContain('HTTP 503 (in a batch of 2)');
  });

  it('honours requestsPerSecond per endpoint', async () => {
    const server = await startServer((body) => respond(body));
    const { rpc, clock } = rpcFor([server.url], { requestsPerSecond: 2, batch: false });
    for (let i = 0; i < 4; i++) await rpc.blockNumber();
    expect(clock.sleeps).toEqual([500, 500]);
  });
});

describe('createChainRpc: malformed answers', () => {
  const cases: [string, Handler, (rpc: ReturnType<typeof rpcFor>['rpc']) => Promise<unknown>, RegExp][] = [
    [
      'an HTML page',
      () => ({
        body: '<!doctype html><html><body>502 Bad Gateway</body></html>',
        headers: { 'content-type': 'text/html' },
      }),
      (rpc) => rpc.blockNumber(),
      /not JSON \(text\/html/,
    ],
    [
      'invalid JSON',
      () => ({ body: '{"jsonrpc":"2.0","id":1,"result":' }),
      (rpc) => rpc.blockNumber(),
      /not JSON/,
    ],
    [
      'an answer without result',
      (body) => ({ json: { jsonrpc: '2.0', id: (body as WireCall).id } }),
      (rpc) => rpc.blockNumber(),
      /neither result nor error/,
    ],
    [
      'a quantity that is not hex',
      (body) => respond(body, () => ({ result: '0xZZ' })),
      (rpc) => rpc.blockNumber(),
      /blockNumber is not a hex quantity \(got "0xZZ"\)/,
    ],
    [
      'a number where a hex quantity belongs',
      (body) => respond(body, () => ({ result: 100 })),
      (rpc) => rpc.blockNumber(),
      /not a hex quantity/,
    ],
    [
      'a block without hash',
      (body) => respond(body, () => ({ result: { ...blockJson(5, false), hash: undefined } })),
      (rpc) => rpc.getBlock(5n),
      /block\.hash is not a 32-byte hash/,
    ],
    [
      'a block other than the one asked for',
      (body) => respond(body, () => ({ result: blockJson(6, false) })),
      (rpc) => rpc.getBlock(5n),
      /block\.number is 6, not the block asked for/,
    ],
    [
      'a full block whose transactions are hashes',
      (body) => respond(body, () => ({ result: blockJson(5, false) })),
      (rpc) => rpc.getBlock(5n, { includeTransactions: true }),
      /transactions\[0\] is not an object/,
    ],
    [
      'a receipt of another transaction',
      (body) => respond(body, (c) => chainAnswer({ ...c, params: [h32(7)] })),
      (rpc) => rpc.getTransactionReceipt(h32(8) as Hex),
      /not the transaction asked for/,
    ],
    [
      'a log outside the range asked for',
      (body) =>
        respond(body, () => ({
          result: [{ ...logJson(50, 0, 0), blockNumber: '0x99' }],
        })),
      (rpc) => rpc.getLogs({ fromBlock: 1n, toBlock: 60n }),
      /outside the range/,
    ],
    [
      'an error object without a code',
      (body) => ({ json: { jsonrpc: '2.0', id: (body as WireCall).id, error: 'nope' } }),
      (rpc) => rpc.blockNumber(),
      /error without an integer code/,
    ],
    [
      'an answer with another id',
      (body) => ({ json: { jsonrpc: '2.0', id: (body as WireCall).id + 1, result: '0x1' } }),
      (rpc) => rpc.blockNumber(),
      /does not match request id/,
    ],
  ];

  it.each(cases)('%s → RpcError malformed', async (_name, handler, run, message) => {
    const server = await startServer(handler);
    const { rpc } = rpcFor([server.url]);
    const err = await rejection(run(rpc));
    expect(err.kind).toBe('malformed');
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toMatch(message);
    expect(err.message).toContain(redactRpcUrl(server.url));
    // One endpoint: garbage is not asked for again.
    expect(server.requests).toHaveLength(1);
  });

  it('a response cut mid-way is an error, not a crash', async () => {
    const server = await startServer(() => ({ destroy: true }));
    const { rpc } = rpcFor([server.url], { maxRetries: 1 });
    const err = await rejection(rpc.blockNumber());
    expect(['unavailable', 'malformed']).toContain(err.kind);
  });
});

describe('createChainRpc: secrets in RPC URLs', () => {
  it('never puts the secret part of a URL in errors or log lines', async () => {
    const logger = recordingLogger();
    const errors: unknown[] = [];
    // An error page echoing the path, a node error echoing the URL, a dead endpoint, a key in the query.
    const echo = await startServer(() => ({
      status: 404,
      headers: { 'content-type': 'text/html' },
      body: `<pre>Cannot POST ${SECRET_PATH}</pre>`,
    }));
    const nodeEcho = await startServer((body) =>
      respond(body, () => ({
        error: { code: -32000, message: `upstream ${echo.url} failed`, data: { url: echo.url } },
      })),
    );
    const queryKey = await startServer(() => ({ body: `not json, key=${SECRET}` }), `/rpc?apikey=${SECRET}`);
    const garbage = await startServer(
      (body) => respond(body, () => ({ result: `0x${SECRET}` })),
      `/${SECRET}/`,
    );
    const dead = await deadUrl();
    for (const urls of [
      [echo.url],
      [nodeEcho.url],
      [queryKey.url],
      [garbage.url],
      [dead],
      [dead, echo.url],
    ]) {
      const { rpc } = rpcFor(urls, { logger, maxRetries: 2 });
      expect(rpc.endpoints.join(' ')).not.toContain(SECRET);
      errors.push(await rejection(rpc.blockNumber()));
      errors.push(await rejection(rpc.blockNumber()));
    }
    expect(() => createChainRpc({ chainId: 1, urls: [`wss://host${SECRET_PATH}`] })).toThrow(
      /wss:\/\/host\/\*\*\*/,
    );
    try {
      createChainRpc({ chainId: 1, urls: [`wss://host${SECRET_PATH}`] });
    } catch (err) {
      errors.push(err);
    }
    const kinds = new Set(errors.map((e) => (e instanceof RpcError ? e.kind : 'config')));
    expect(kinds).toEqual(new Set(['http', 'rpc', 'malformed', 'unavailable', 'config']));
    for (const err of errors) {
      const text = `${String(err)} ${inspect(err, { depth: 10 })} ${bigintSafe(err)}`;
      expect(text).not.toContain(SECRET);
    }
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const line of logger.lines) expect(`${line.msg} ${bigintSafe(line.obj)}`).not.toContain(SECRET);
    // The host stays visible: an operator can tell which endpoint failed.
    expect(String(errors[0])).toContain(redactRpcUrl(echo.url));
  });
});

describe('createChainRpc: anomalies', () => {
  it('reports a block number lower than an earlier answer, and still returns it', async () => {
    const heads = ['0x64', '0x60', '0x65', '0x66'];
    const server = await startServer((body, n) => respond(body, () => ({ result: heads[n - 1] })));
    const { rpc, logger } = rpcFor([server.url]);
    const anomalies: RpcAnomaly[] = [];
    rpc.onAnomaly((a) => anomalies.push(a));
    // A listener that throws must not break the call.
    rpc.onAnomaly(() => {
      throw new Error('listener bug');
    });
    expect(await rpc.blockNumber()).toBe(100n);
    expect(await rpc.blockNumber()).toBe(96n);
    expect(await rpc.blockNumber()).toBe(101n);
    expect(anomalies).toEqual([
      { type: 'head-regressed', chainId: 1, previous: 100n, current: 96n, rpc: redactRpcUrl(server.url) },
    ]);
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg.includes('head-regressed'))).toBe(true);
  });

  it('tells apart two endpoints: a lagging fallback is named in the anomaly', async () => {
    let primaryUp = true;
    const primary = await startServer((body) => (primaryUp ? respond(body) : { status: 503, body: '' }));
    const lagging = await startServer((body) => respond(body, () => ({ result: '0x50' })));
    const { rpc } = rpcFor([primary.url, lagging.url]);
    const anomalies: RpcAnomaly[] = [];
    const stop = rpc.onAnomaly((a) => anomalies.push(a));
    await rpc.blockNumber();
    primaryUp = false;
    expect(await rpc.blockNumber()).toBe(80n);
    expect(anomalies).toEqual([
      { type: 'head-regressed', chainId: 1, previous: 100n, current: 80n, rpc: redactRpcUrl(lagging.url) },
    ]);
    stop();
    await rpc.blockNumber();
    expect(anomalies).toHaveLength(1);
  });

  it('reports an endpoint serving another chain', async () => {
    const server = await startServer((body) => respond(body, () => ({ result: '0x89' })));
    const { rpc } = rpcFor([server.url]);
    const anomalies: RpcAnomaly[] = [];
    rpc.onAnomaly((a) => anomalies.push(a));
    expect(await rpc.chainIdOf()).toBe(137);
    expect(anomalies).toMatchObject([{ type: 'chain-id-mismatch', chainId: 1, actual: 137 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// getLogsAdaptive against a server holding a known list of logs.
// ---------------------------------------------------------------------------------------------

function logJson(block: number, index: number, txIndex: number): Record<string, unknown> {
  return {
    address: ADDR_A,
    topics: [h32(0xddf2), h32(block)],
    data: `0x${index.toString(16).padStart(64, '0')}`,
    blockNumber: hex(block),
    blockHash: h32(10_000 + block),
    transactionHash: h32(block * 1000 + txIndex),
    transactionIndex: hex(txIndex),
    logIndex: hex(index),
    removed: false,
  };
}

/** 400 blocks; block b holds (b % 7) logs, and blocks 200..209 hold 40 each (a busy stretch). */
function makeChainLogs(): Record<string, unknown>[] {
  const logs: Record<string, unknown>[] = [];
  for (let b = 0; b < 400; b++) {
    const count = b >= 200 && b < 210 ? 40 : b % 7;
    for (let i = 0; i < count; i++) logs.push(logJson(b, i, Math.floor(i / 2)));
  }
  return logs;
}

function logServer(
  all: Record<string, unknown>[],
  limit: (from: number, to: number, count: number) => Answer | null,
) {
  const ranges: [number, number][] = [];
  return {
    ranges,
    handler: (body: unknown): Reply =>
      respond(body, (c) => {
        if (c.method !== 'eth_getLogs') return chainAnswer(c);
        const f = c.params[0] as { fromBlock: string; toBlock: string };
        const from = Number(BigInt(f.fromBlock));
        const to = Number(BigInt(f.toBlock));
        ranges.push([from, to]);
        const result = all.filter((l) => {
          const b = Number(BigInt(l.blockNumber as string));
          return b >= from && b <= to;
        });
        return limit(from, to, result.length) ?? { result };
      }),
  };
}

async function collect(gen: AsyncGenerator<{ fromBlock: bigint; toBlock: bigint; logs: unknown[] }>) {
  const chunks: { fromBlock: bigint; toBlock: bigint; logs: unknown[] }[] = [];
  for await (const c of gen) chunks.push(c);
  return chunks;
}

function expectContiguous(chunks: { fromBlock: bigint; toBlock: bigint }[], from: bigint, to: bigint) {
  expect(chunks[0]!.fromBlock).toBe(from);
  expect(chunks.at(-1)!.toBlock).toBe(to);
  for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.fromBlock).toBe(chunks[i - 1]!.toBlock + 1n);
}

describe('getLogsAdaptive', () => {
  const all = makeChainLogs();
  const key = (l: Record<string, unknown>) =>
    `${BigInt(l.blockNumber as string)}:${BigInt(l.logIndex as string)}`;

  it('halves the span on "too many results" and returns every log exactly once, in order', async () => {
    // Infura-style: -32005 over 100 results, and a geth-fork-style cap of 128 blocks.
    const fake = logServer(all, (from, to, count) => {
      if (to - from + 1 > 128) return { error: { code: -32000, message: 'exceed maximum block range: 128' } };
      if (count > 100) return { error: { code: -32005, message: 'query returned more than 100 results' } };
      return null;
    });
    const server = await startServer(fake.handler);
    const { rpc } = rpcFor([server.url]);
    const state = { span: 300n };
    const chunks = await collect(
      getLogsAdaptive(rpc, { fromBlock: 0n, toBlock: 399n, topics: [h32(0xddf2) as Hex] }, state, {
        now: () => 0,
      }),
    );
    const got = chunks.flatMap((c) => c.logs as { blockNumber: bigint; logIndex: number; data: string }[]);
    expect(got.map((l) => `${l.blockNumber}:${l.logIndex}`)).toEqual(all.map(key));
    expect(got.map((l) => l.data)).toEqual(all.map((l) => l.data));
    expectContiguous(chunks, 0n, 399n);
    // The cap was learned from the message (128), and the busy stretch forced smaller chunks.
    expect(fake.ranges[1]).toEqual([0, 127]);
    expect(Math.min(...chunks.map((c) => Number(c.toBlock - c.fromBlock + 1n)))).toBeLessThan(64);
    // No chunk was answered twice.
    const answered = fake.ranges.filter(([f, t]) =>
      chunks.some((c) => c.fromBlock === BigInt(f) && c.toBlock === BigInt(t)),
    );
    expect(answered).toHaveLength(chunks.length);
    // Transport errors are not involved: the endpoint stays healthy.
    expect(server.requests.every((r) => !Array.isArray(r.body))).toBe(true);
  });

  it('recognises common providers’ messages', async () => {
    const messages = [
      'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size',
      'eth_getLogs is limited to a 10,000 range',
      'block range is too wide',
      'Block range limit exceeded.',
      'query exceeds max results 20000, retry with the range 1-2',
      'logs matched by query exceeds limit of 10000',
    ];
    for (const message of messages) {
      let failures = 0;
      const fake = logServer(all, (from, to) =>
        to - from + 1 > 50 && failures++ < 5 ? { error: { code: -32000, message } } : null,
      );
      const server = await startServer(fake.handler);
      const { rpc } = rpcFor([server.url]);
      const chunks = await collect(
        getLogsAdaptive(rpc, { fromBlock: 0n, toBlock: 99n }, { span: 100n }, { now: () => 0 }),
      );
      expect(chunks.flatMap((c) => c.logs)).toHaveLength(
        all.filter((l) => Number(BigInt(l.blockNumber as string)) < 100).length,
      );
      expect(failures, message).toBeGreaterThan(0);
    }
  });

  it('uses the range an Alchemy-style error suggests', async () => {
    const fake = logServer(all, (from, to) =>
      to - from + 1 > 30
        ? {
            error: {
              code: -32602,
              message: `Log response size exceeded. Based on your parameters, this block range should work: [${hex(from)}, ${hex(from + 29)}]`,
            },
          }
        : null,
    );
    const server = await startServer(fake.handler);
    const { rpc } = rpcFor([server.url]);
    const state = { span: 200n };
    // A slow clock: no growth, so the suggested span is what stays.
    let t = 0;
    const chunks = await collect(
      getLogsAdaptive(rpc, { fromBlock: 10n, toBlock: 99n }, state, { now: () => (t += 5_000) }),
    );
    expect(fake.ranges.slice(0, 2)).toEqual([
      [10, 99],
      [10, 39],
    ]);
    expectContiguous(chunks, 10n, 99n);
    expect(state.span).toBe(30n);
  });

  it('grows the span ×1.5 up to maxSpan while answers are small and fast', async () => {
    const fake = logServer(all, () => null);
    const server = await startServer(fake.handler);
    const { rpc } = rpcFor([server.url]);
    const state = { span: 10n, maxSpan: 60n };
    const chunks = await collect(
      getLogsAdaptive(rpc, { fromBlock: 0n, toBlock: 199n }, state, { now: () => 0 }),
    );
    expect(chunks.map((c) => Number(c.toBlock - c.fromBlock + 1n))).toEqual([10, 15, 22, 33, 49, 60, 11]);
    expect(state.span).toBe(60n);
  });

  it('shrinks the span in proportion after a heavy answer, to about largeResult logs', async () => {
    const fake = logServer(all, () => null);
    const server = await startServer(fake.handler);
    const { rpc } = rpcFor([server.url]);
    // Blocks 200..209 hold 40 logs each: 5 blocks are 200 logs > 50, so the next calls ask for
    // 5 × 50 / 200 = 1 block (40 logs) at a time.
    const state = { span: 5n };
    const chunks = await collect(
      getLogsAdaptive(rpc, { fromBlock: 200n, toBlock: 209n }, state, {
        now: () => 0,
        smallResult: 25,
        largeResult: 50,
      }),
    );
    expect(chunks.map((c) => Number(c.toBlock - c.fromBlock + 1n))).toEqual([5, 1, 1, 1, 1, 1]);
    expect(chunks.map((c) => c.logs.length)).toEqual([200, 40, 40, 40, 40, 40]);
    expect(state.span).toBe(1n);
    expectContiguous(chunks, 200n, 209n);
  });

  it('does not grow when answers are slow or large', async () => {
    const fake = logServer(all, () => null);
    const server = await startServer(fake.handler);
    const { rpc } = rpcFor([server.url]);
    let t = 0;
    const slow = { span: 10n };
    await collect(getLogsAdaptive(rpc, { fromBlock: 0n, toBlock: 49n }, slow, { now: () => (t += 5_000) }));
    expect(slow.span).toBe(10n);
    const big = { span: 10n };
    await collect(
      getLogsAdaptive(rpc, { fromBlock: 0n, toBlock: 49n }, big, { now: () => 0, smallResult: 5 }),
    );
    expect(big.span).toBe(10n);
  });

  it('a single block that is still refused is a clear range-too-large error', async () => {
    const fake = logServer(all, (from) =>
      from >= 203 ? { error: { code: -32005, message: 'query returned more than 10 results' } } : null,
    );
    const server = await startServer(fake.handler);
    const { rpc } = rpcFor([server.url]);
    const seen: bigint[] = [];
    const err = await (async () => {
      try {
        for await (const c of getLogsAdaptive(
          rpc,
          { fromBlock: 195n, toBlock: 220n },
          { span: 8n },
          { now: () => 0 },
        ))
          seen.push(c.toBlock);
      } catch (e) {
        return e as RpcError;
      }
      throw new Error('expected an error');
    })();
    expect(err).toBeInstanceOf(RpcError);
    expect(err.kind).toBe('range-too-large');
    expect(err.message).toContain('single block 203');
    // Chunks before the stuck block were yielded (the caller checkpointed them).
    expect(seen.at(-1)).toBe(202n);
  });

  it('passes other errors through', async () => {
    const server = await startServer((body) =>
      respond(body, () => ({ error: { code: -32602, message: 'invalid topic' } })),
    );
    const { rpc } = rpcFor([server.url]);
    const err = await rejection(collect(getLogsAdaptive(rpc, { fromBlock: 0n, toBlock: 9n }, { span: 5n })));
    expect(err.kind).toBe('rpc');
  });
});
