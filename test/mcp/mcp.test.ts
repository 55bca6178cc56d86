import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv } from 'ajv';
import { encodeFunctionData, erc20Abi } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChainBatch,
  createChainStore,
  decodeLogs,
  TOPICS,
  ZERO_ADDRESS,
} from '../../src/chain/index.js';
import { investorGrade, traderGrade } from '../../src/grades/index.js';
import { barsToColumns, writeBars } from '../../src/market/store.js';
import {
  COMPOSITE_TOOLS,
  createMcpCatalog,
  loadDocs,
  OPERATION_TOOLS,
  runTool,
  selectTools,
  TOOL_PRESETS,
} from '../../src/mcp/index.js';
import type { Operation } from '../../src/operations/index.js';
import { createOperationInvoker, type RawInput } from '../../src/operations/invoke.js';
import { batchSignals, STRATEGIES } from '../../src/signals/index.js';
import { childEnv, ensureBuilt, ROOT } from '../build.js';
import { startTestServer, stopTestServer, type TestServer, testEnv } from '../helpers.js';
import { makeFixtureBars } from '../market/sourceContract.js';

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

const DAY = 86_400_000;
const BARS = 800;
// Bars up to yesterday's close: windows are counted back from now, as in production.
const START = Math.floor(Date.now() / 86_400_000) * 86_400_000 - BARS * 86_400_000;
const ASSETS = [
  { assetId: 'bitcoin', symbol: 'BTC/USDT', seed: 11 },
  { assetId: 'ethereum', symbol: 'ETH/USDT', seed: 12 },
  { assetId: 'solana', symbol: 'SOL/USDT', seed: 13 },
];

// A tiny indexed chain: two holders of one token, one approval (see test/chain-api.test.ts).
const CHAIN = 1;
const T0 = 1_717_200_000;
const TOKEN = '0x514910771af9ca656af840dff83e8264ecf986ca';
const H1 = `0x${'1'.repeat(40)}`;
const H2 = `0x${'2'.repeat(40)}`;
const SPENDER = `0x${'5a'.repeat(20)}`;
const pad = (a: string) => `0x${a.slice(2).padStart(64, '0')}`;
const uint = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}`;
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

function chainBatch(): ChainBatch {
  const L = 10n ** 18n;
  const logs = [
    { topics: [TOPICS.transfer, pad(ZERO_ADDRESS), pad(H1)], data: uint(1000n * L), block: 1001 },
    { topics: [TOPICS.transfer, pad(H1), pad(H2)], data: uint(250n * L), block: 1002 },
    { topics: [TOPICS.approval, pad(H1), pad(SPENDER)], data: uint(2n ** 256n - 1n), block: 1003 },
  ].map((l, i) => ({
    address: TOKEN,
    topics: l.topics,
    data: l.data,
    blockNumber: BigInt(l.block),
    logIndex: 0,
    transactionHash: hash(0xabc00 + i),
  }));
  const blocks = [];
  for (let b = 1000; b <= 1010; b++)
    blocks.push({
      number: BigInt(b),
      hash: hash(b),
      parentHash: hash(b - 1),
      timestamp: BigInt(T0 + (b - 1000) * 12),
      gasUsed: null,
      baseFee: null,
      txCount: null,
    });
  return {
    blocks,
    decoded: decodeLogs(logs),
    allowanceReads: [],
    nativeTransfers: [],
    contracts: [{ address: TOKEN, blockNumber: 1000n, createdAt: BigInt(T0), txHash: hash(7), creator: H2 }],
    tokens: [
      {
        address: TOKEN,
        standard: 'erc20',
        name: 'ChainLink Token',
        symbol: 'LINK',
        decimals: 18,
        firstBlock: 1001n,
      },
    ],
    checkpoint: { block: 1010n, hash: hash(1010) },
  };
}

// Anvil's first well-known development key (public test key, holds nothing anywhere real).
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
// An EIP-1559 approve(SPENDER, unlimited) on TOKEN, chain 1: signed in beforeAll.
let RAW_TX = '';

/** A valid and an invalid argument set for every default tool. */
const CALLS: Record<string, { valid: Json; invalid: Json }> = {
  market_snapshot: { valid: { limit: 3 }, invalid: { limit: 0 } },
  asset_analysis: { valid: { asset: 'bitcoin', interval: '1d' }, invalid: { interval: '1d' } },
  compare_assets: {
    valid: { assets: ['bitcoin', 'ethereum', 'solana'], days: 90 },
    invalid: { assets: ['bitcoin'] },
  },
  price_history: {
    valid: {
      asset: 'bitcoin',
      interval: '1d',
      bars: 5,
      indicator: 'rsi',
      period: 14,
      asOf: '2024-03-01T00:00:00Z',
    },
    invalid: { asset: 'bitcoin', interval: '3d' },
  },
  strategy_performance: {
    valid: { asset: 'bitcoin', interval: '1d' },
    invalid: { asset: 'bitcoin', source: 'guess' },
  },
  onchain_wallet: { valid: { chainId: CHAIN, address: H1 }, invalid: { chainId: 'one', address: H1 } },
  token_holders: { valid: { chainId: CHAIN, address: TOKEN }, invalid: { chainId: CHAIN } },
  whale_activity: { valid: { chainId: CHAIN, minUsd: 1 }, invalid: { chainId: CHAIN, hours: -5 } },
  check_transaction: {
    get valid() {
      return { raw: RAW_TX };
    },
    invalid: { raw: 'not hex' },
  },
  explain_methodology: { valid: { topic: 'methodology', section: 'Grades' }, invalid: { section: 'x' } },
};

const textOf = (r: CallToolResult) => (r.content[0] as { type: 'text'; text: string }).text;
const parse = (r: CallToolResult) => JSON.parse(textOf(r)) as Json;

/** Every `source` in an answer (each section names the REST call behind it). */
function sources(v: unknown, out: string[] = []): string[] {
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'source' && typeof x === 'string') out.push(x);
      else sources(x, out);
    }
  }
  return out;
}

describe('MCP tools (registry-derived, curated)', () => {
  it('default tool list: at most ~10 tools, valid JSON Schemas with descriptions, under 8,000 characters', () => {
    const ajv = new Ajv({ strict: false });
    const tools = COMPOSITE_TOOLS;
    expect(tools.length).toBeLessThanOrEqual(10);
    expect(TOOL_PRESETS.default).toEqual(tools.map((t) => t.name));
    for (const t of [...tools, ...OPERATION_TOOLS]) {
      expect(t.description.length, t.name).toBeGreaterThan(10);
      const schema = JSON.parse(JSON.stringify(t.input));
      expect(schema.type).toBe('object');
      expect(() => ajv.compile(schema), t.name).not.toThrow();
    }
    // Every default tool is exercised below.
    expect(Object.keys(CALLS).sort()).toEqual(tools.map((t) => t.name).sort());
  });
});

describe('MCP server over Streamable HTTP and stdio', () => {
  let server: TestServer;
  let key: string;
  let client: Client;
  const rest = async (url: string) => {
    const r = await server.app.inject({ method: 'GET', url, headers: { 'x-api-key': key } });
    return r.json() as Json;
  };
  const connect = async (headers: Record<string, string>) => {
    const c = new Client({ name: 'sextant-test', version: '1.0.0' });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }),
    );
    return c;
  };

  beforeAll(async () => {
    RAW_TX = await privateKeyToAccount(DEV_KEY).signTransaction({
      chainId: CHAIN,
      type: 'eip1559',
      nonce: 3,
      to: TOKEN,
      value: 0n,
      gas: 60_000n,
      maxFeePerGas: 30_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      data: encodeFunctionData({
        abi: erc20Abi,
        functionName: 'approve',
        args: [SPENDER as `0x${string}`, 2n ** 256n - 1n],
      }),
    });
    server = await startTestServer({ ANONYMOUS_ACCESS: 'false', TIER_PRO_RPM: '100000', TIER_FREE_RPM: '8' });
    for (const a of ASSETS) {
      const bars = makeFixtureBars(START, '1d', BARS, a.seed);
      await server.services.db.transaction((tx) =>
        writeBars(
          tx,
          { venue: 'binance', symbol: a.symbol, interval: '1d', assetId: a.assetId, quote: 'USDT' },
          barsToColumns(bars),
          Date.now(),
        ),
      );
      if (a.assetId === 'bitcoin') {
        const ref = { asset: 'bitcoin', venue: 'binance', symbol: 'BTC/USDT', interval: '1d' as const };
        for (const st of STRATEGIES) {
          const events = batchSignals(ref, st, barsToColumns(bars));
          if (events.length) await server.services.signals.append(events, events.at(-1)!.issuedAt + 1000);
        }
        const g = [traderGrade('bitcoin', bars), investorGrade('bitcoin', bars)].filter((x) => x !== null);
        await server.services.grades.append(g, START + BARS * DAY + 1000);
      }
    }
    await createChainStore(server.services.db).apply(CHAIN, chainBatch(), Date.now());
    key = (await server.services.keys.create({ name: 'mcp', tier: 'pro' })).secret;
    client = await connect({ 'x-api-key': key });
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await stopTestServer(server);
  });

  it('lists the default tools with their schemas, and the docs as resources', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t: Tool) => t.name)).toEqual(TOOL_PRESETS.default);
    for (const t of tools) {
      expect(t.description).toBeTruthy();
      expect(t.inputSchema.type).toBe('object');
    }
    const size = JSON.stringify(
      tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
    ).length;
    console.log(`default MCP tool list: ${tools.length} tools, ${size} characters`);
    expect(size).toBeLessThan(8000);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain('sextant://docs/methodology');
    const doc = await client.readResource({ uri: 'sextant://docs/methodology' });
    expect((doc.contents[0] as { text: string }).text).toMatch(/^# /);
  });

  it('every tool answers valid arguments with grounded data (source + asOf)', async () => {
    for (const [name, { valid }] of Object.entries(CALLS)) {
      const r = (await client.callTool({ name, arguments: valid })) as CallToolResult;
      expect(r.isError, `${name}: ${textOf(r)}`).toBeFalsy();
      const body = parse(r);
      if (name !== 'explain_methodology') {
        const n = sources(body).length;
        expect(n, name).toBeGreaterThan(0);
        // Data, not only "no data" sections (whale flows have no label file here: one error).
        const errors = JSON.stringify(body).split('"error":').length - 1;
        expect(errors, `${name}: ${JSON.stringify(body)}`).toBeLessThan(n);
      }
      expect(textOf(r).length, name).toBeLessThan(20_000);
    }
  });

  it('asset_analysis agrees with the REST answers it cites', async () => {
    const body = parse(
      (await client.callTool({ name: 'asset_analysis', arguments: { asset: 'bitcoin' } })) as CallToolResult,
    );
    expect(body.asset?.id, JSON.stringify(body)).toBe('bitcoin');
    const latest = await rest('/v1/signals/latest?asset=bitcoin');
    expect(body.signals.source).toBe('GET /v1/signals/latest?asset=bitcoin');
    expect(body.signals.current.map((s: Json) => `${s.strategy}:${s.direction}`).sort()).toEqual(
      latest.data.map((s: Json) => `${s.strategy}:${s.direction}`).sort(),
    );
    expect(body.signals.current.length).toBeGreaterThan(0);
    const grades = await rest('/v1/grades?asset=bitcoin');
    expect(body.grades.grades.map((g: Json) => [g.kind, g.score]).sort()).toEqual(
      grades.data.map((g: Json) => [g.kind, Number(g.score.toPrecision(6))]).sort(),
    );
    const quant = await rest('/v1/quant?asset=bitcoin');
    expect(body.quant.returns['30d']).toBe(Number(quant.returns['30d'].value.toPrecision(6)));
    const levels = await rest('/v1/levels?asset=bitcoin');
    expect(body.levels.lastClose).toBe(Number(levels.lastClose.toPrecision(6)));
  });

  it('check_transaction decodes the approval and flags it as unlimited, with the contract age', async () => {
    const t = parse(
      (await client.callTool({ name: 'check_transaction', arguments: { raw: RAW_TX } })) as CallToolResult,
    );
    expect(t.transaction).toMatchObject({
      chainId: CHAIN,
      from: privateKeyToAccount(DEV_KEY).address,
      to: expect.stringMatching(new RegExp(TOKEN, 'i')),
      selector: '0x095ea7b3',
    });
    expect(t.notes).toContain('calls approve(spender, amount)');
    expect(t.notes.join(' ')).toContain(`UNLIMITED allowance of ${2n ** 256n - 1n} base units to ${SPENDER}`);
    expect(t.recipient.createdAt).toBe(new Date(T0 * 1000).toISOString());
  });

  it('on-chain tools read the indexed chain: balances and the unlimited approval', async () => {
    const w = parse(
      (await client.callTool({
        name: 'onchain_wallet',
        arguments: CALLS.onchain_wallet!.valid,
      })) as CallToolResult,
    );
    expect(w.wallet.tokens).toEqual([{ token: 'LINK', balance: '750' }]);
    expect(w.approvals.approvals).toEqual([
      expect.objectContaining({ token: 'LINK', spender: SPENDER, allowance: 'unlimited' }),
    ]);
    const h = parse(
      (await client.callTool({
        name: 'token_holders',
        arguments: CALLS.token_holders!.valid,
      })) as CallToolResult,
    );
    expect(h.info.holderCount).toBe(2);
    expect(h.holders.top.map((x: Json) => [x.address, x.balance])).toEqual([
      [H1, '750'],
      [H2, '250'],
    ]);
  });

  it('every tool answers invalid arguments with a clear tool error (REST codes), never a crash', async () => {
    for (const [name, { invalid }] of Object.entries(CALLS)) {
      const r = (await client.callTool({ name, arguments: invalid })) as CallToolResult;
      expect(r.isError, `${name}: ${textOf(r)}`).toBe(true);
      const { error } = parse(r);
      expect(error.status, name).toBeGreaterThanOrEqual(400);
      expect(error.status, name).toBeLessThan(500);
      expect(error.detail.length, name).toBeGreaterThan(5);
    }
    const bad = parse((await client.callTool({ name: 'asset_analysis', arguments: {} })) as CallToolResult);
    expect(bad.error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['asset'] }] });
    const unknown = parse(
      (await client.callTool({
        name: 'asset_analysis',
        arguments: { asset: 'no-such-coin' },
      })) as CallToolResult,
    );
    expect(unknown.error.code).toBe('ASSET_NOT_FOUND');
    await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/unknown tool/);
    // Still serving.
    expect((await client.callTool({ name: 'market_snapshot', arguments: {} })).isError).toBeFalsy();
  });

  it('every tool of the `all` preset answers empty and mistyped arguments with data or a tool error', async () => {
    const catalog = createMcpCatalog(selectTools('all'), loadDocs());
    const invoker = createOperationInvoker();
    const auth = { type: 'anonymous' as const, ip: 'test' };
    const ctx = {
      call: (op: Operation, input: RawInput) =>
        invoker.invoke(op, input, {
          services: server.services,
          auth,
          requestId: 'test',
          log: server.services.common.logger,
          now: Date.now(),
        }),
      now: Date.now(),
      logger: server.services.common.logger,
    };
    expect(catalog.tools.length).toBeGreaterThan(30);
    for (const tool of catalog.tools) {
      const props = Object.keys((tool.input as { properties?: object }).properties ?? {});
      for (const args of [{}, Object.fromEntries(props.map((p) => [p, { nested: [1, 'x'] }]))]) {
        const r = await runTool(catalog, tool.name, args, ctx);
        const body = JSON.parse((r.content[0] as { text: string }).text);
        if (r.isError) {
          expect(
            body.error.status,
            `${tool.name} ${JSON.stringify(args)}: ${body.error.detail}`,
          ).toBeLessThan(500);
        }
      }
    }
  });

  it('API keys, scopes and rate limits as REST', async () => {
    const noKey = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await noKey.json()) as Json).code).toBe('UNAUTHORIZED');
    expect((await fetch(`${server.url}/mcp`)).status).toBe(405);

    // A key without the 'read' scope: the tool's operations answer FORBIDDEN, as REST would.
    const usageOnly = (await server.services.keys.create({ name: 'usage', tier: 'pro', scopes: ['usage'] }))
      .secret;
    const c2 = await connect({ 'x-api-key': usageOnly });
    const r = parse(
      (await c2.callTool({ name: 'asset_analysis', arguments: { asset: 'bitcoin' } })) as CallToolResult,
    );
    expect(r.error.code).toBe('FORBIDDEN');
    await c2.close();

    // A free key at 8 requests a minute: each MCP request and each operation a tool runs counts.
    const free = (await server.services.keys.create({ name: 'free', tier: 'free' })).secret;
    const c3 = await connect({ 'x-api-key': free }); // initialize + initialized: 2
    const limited = parse(
      (await c3.callTool({ name: 'asset_analysis', arguments: { asset: 'bitcoin' } })) as CallToolResult,
    );
    // 1 (request) + getAsset + 5 sections = 8: the last section is refused.
    expect(JSON.stringify(limited)).toContain('RATE_LIMITED');
    await expect(c3.callTool({ name: 'market_snapshot', arguments: {} })).rejects.toThrow(/429|rate limit/i);
    await c3.close().catch(() => {});
  });

  it('stdio: `sextant mcp` serves the same tools from storage, and --connect bridges to /mcp', async () => {
    await ensureBuilt();
    // The server above holds its storage; the stdio process gets its own, with the same bars.
    const env = testEnv();
    try {
      const vars: Record<string, string> = { SEXTANT_DATA_DIR: env.config.dataDir, LOG_LEVEL: 'warn' };
      if (env.config.databaseUrl) {
        vars.DATABASE_URL = env.config.databaseUrl;
        vars.DATABASE_SCHEMA = env.config.databaseSchema;
      }
      const stdio = new Client({ name: 'stdio-test', version: '1.0.0' });
      await stdio.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: ['bin/sextant.js', 'mcp', '--tools', 'default,get_prices'],
          cwd: ROOT,
          env: childEnv(vars) as Record<string, string>,
          stderr: 'pipe',
        }),
      );
      const { tools } = await stdio.listTools();
      expect(tools.map((t) => t.name)).toEqual([...TOOL_PRESETS.default, 'get_prices']);
      const snap = parse(
        (await stdio.callTool({ name: 'market_snapshot', arguments: {} })) as CallToolResult,
      );
      // Empty storage: an honest "no data" section, not an invented answer.
      expect(snap.regime.error.code).toBe('NO_MARKET_DATA');
      const invalid = (await stdio.callTool({ name: 'get_prices', arguments: { ids: 7 } })) as CallToolResult;
      expect(invalid.isError).toBe(true);
      // Every default tool over stdio too: data, a "no data" section or a 4xx tool error, never a crash.
      for (const [name, { valid, invalid: bad }] of Object.entries(CALLS)) {
        for (const [args, mustFail] of [
          [valid, false],
          [bad, true],
        ] as const) {
          const r = (await stdio.callTool({ name, arguments: args })) as CallToolResult;
          if (mustFail) expect(r.isError, `${name}: ${textOf(r)}`).toBe(true);
          if (r.isError) expect(parse(r).error.status, `${name}: ${textOf(r)}`).toBeLessThan(500);
        }
      }
      await stdio.close();

      const bridged = new Client({ name: 'bridge-test', version: '1.0.0' });
      await bridged.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: ['bin/sextant.js', 'mcp', '--connect', `${server.url}/mcp`],
          cwd: ROOT,
          env: childEnv({ SEXTANT_API_KEY: key }) as Record<string, string>,
          stderr: 'pipe',
        }),
      );
      const viaBridge = parse(
        (await bridged.callTool({
          name: 'compare_assets',
          arguments: CALLS.compare_assets!.valid,
        })) as CallToolResult,
      );
      expect(
        viaBridge.assets.map((a: Json) => a.asset),
        JSON.stringify(viaBridge),
      ).toEqual(['bitcoin', 'ethereum', 'solana']);
      await bridged.close();
    } finally {
      await env.cleanup();
    }
  }, 120_000);
});
