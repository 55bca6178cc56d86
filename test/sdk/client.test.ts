import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CandleUpdate,
  createSextantClient,
  type PriceQuote,
  SextantApiError,
  type SextantClient,
  type SignalEvent,
  type StreamMessage,
  StreamSubscriptionError,
  type WhaleTransferEvent,
} from '@sextant/sdk';
import { hexToBytes } from 'viem';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  type ChainBatch,
  createChainStore,
  decodeLogs,
  TOPICS,
  ZERO_ADDRESS,
} from '../../src/chain/index.js';
import type { WhaleTransferEvent as ServerWhaleTransferEvent } from '../../src/chain/whalePublisher.js';
import {
  importMarketFiles,
  PRICE_TOPIC,
  type CandleUpdate as ServerCandleUpdate,
  type PriceQuote as ServerPriceQuote,
} from '../../src/market/index.js';
import { OPERATIONS } from '../../src/operations/index.js';
import { createMarketResolver } from '../../src/services/index.js';
import type { SignalEvent as ServerSignalEvent } from '../../src/signals/index.js';
import {
  createSiweMessage,
  evmAddress,
  signMessage,
  signTransaction,
  signTypedData,
} from '../../src/wallet/index.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';
import { makeFixtureBars } from '../market/sourceContract.js';

/**
 * The SDK against a live server on 127.0.0.1 with real storage (PGlite, or PostgreSQL with
 * DATABASE_URL): a typed call for every operation of the registry, pagination over stored bars,
 * a real 429 retried after its Retry-After, stream reconnect and resubscribe after the server
 * drops the connection (WebSocket and SSE), and the README's examples.
 */

const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HOURLY = makeFixtureBars(T0, '1h', 72, 7);
// 220 daily bars closed by T0: the market regime needs 200 days, quant windows 30+.
const DAILY_BTC = makeFixtureBars(T0 - 220 * DAY, '1d', 220, 11);
const DAILY_ETH = makeFixtureBars(T0 - 220 * DAY, '1d', 220, 13);
const AS_OF = new Date(T0).toISOString();

// A tiny indexed chain: LINK minted to H1, half sent on to H2, an approval, the token's creation.
const CHAIN = 1;
const LINK = '0x514910771af9ca656af840dff83e8264ecf986ca';
const H1 = `0x${'1'.repeat(40)}`;
const H2 = `0x${'2'.repeat(40)}`;
const SPENDER = `0x${'5a'.repeat(20)}`;
const CHAIN_T0 = Math.floor(T0 / 1000);

const PRIVATE_KEY = hexToBytes(`0x${createHash('sha256').update('sextant sdk test key').digest('hex')}`);
const ADDRESS = evmAddress(PRIVATE_KEY);
const ZPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';

function csv(rows: typeof HOURLY): string {
  return `timestamp,open,high,low,close,volume\n${rows
    .map((b) => `${new Date(b.openTime).toISOString()},${b.open},${b.high},${b.low},${b.close},${b.volume}`)
    .join('\n')}\n`;
}

function chainBatch(): ChainBatch {
  const pad = (a: string) => `0x${a.slice(2).padStart(64, '0')}`;
  const uint = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}`;
  const tx = (b: number) => `0x${b.toString(16).padStart(64, '0')}`;
  const L = 10n ** 18n;
  const logs = [
    {
      address: LINK,
      topics: [TOPICS.transfer, pad(ZERO_ADDRESS), pad(H1)],
      data: uint(1_000n * L),
      block: 101,
    },
    { address: LINK, topics: [TOPICS.transfer, pad(H1), pad(H2)], data: uint(500n * L), block: 105 },
    { address: LINK, topics: [TOPICS.approval, pad(H1), pad(SPENDER)], data: uint(7n * L), block: 106 },
  ].map(({ block, ...l }) => ({ ...l, blockNumber: BigInt(block), logIndex: 0, transactionHash: tx(block) }));
  const blocks = [];
  for (let b = 100; b <= 110; b++)
    blocks.push({
      number: BigInt(b),
      hash: `0x${b.toString(16).padStart(64, '0')}`,
      parentHash: `0x${(b - 1).toString(16).padStart(64, '0')}`,
      timestamp: BigInt(CHAIN_T0 + (b - 100) * 3600),
      gasUsed: null,
      baseFee: null,
      txCount: null,
    });
  return {
    blocks,
    decoded: decodeLogs(logs),
    allowanceReads: [],
    nativeTransfers: [],
    contracts: [
      { address: LINK, blockNumber: 100n, createdAt: BigInt(CHAIN_T0), txHash: tx(100), creator: H2 },
    ],
    tokens: [
      {
        address: LINK,
        standard: 'erc20',
        name: 'ChainLink Token',
        symbol: 'LINK',
        decimals: 18,
        firstBlock: 101n,
      },
    ],
    checkpoint: { block: 110n, hash: `0x${(110).toString(16).padStart(64, '0')}` },
  };
}

// The server's clock: real time, except while the retry test holds it (and moves it instead of sleeping).
let heldClock: number | null = null;
const now = () => heldClock ?? Date.now();

let server: TestServer;
let dataDir: string;
let hookServer: Server;
const hookDeliveries: { headers: Record<string, unknown>; body: string }[] = [];
let adminKey: string;
/** Every request the main client made: which operation a call reached is checked from these. */
const hits: { method: string; path: string }[] = [];
let sx: SextantClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sextant-sdk-'));
  writeFileSync(join(dataDir, 'BTCUSDT_1h.csv'), csv(HOURLY));
  writeFileSync(join(dataDir, 'BTCUSDT_1d.csv'), csv(DAILY_BTC));
  writeFileSync(join(dataDir, 'ETHUSDT_1d.csv'), csv(DAILY_ETH));
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      hookDeliveries.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  server = await startTestServer(
    {
      ANONYMOUS_RPM: '100000',
      TIER_FREE_RPM: '2',
      // Backtests stay queued: the test cancels one.
      JOB_CONCURRENCY: '0',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '50',
      CHAIN_LABELS_FILE: new URL('../../docs/examples/labels.example.json', import.meta.url).pathname,
    },
    { now },
  );
  await importMarketFiles(
    { db: server.services.db, resolveMarket: createMarketResolver(server.services.assets) },
    [dataDir],
  );
  await createChainStore(server.services.db).apply(CHAIN, chainBatch(), Date.now());
  adminKey = (
    await server.services.keys.create({ name: 'sdk', tier: 'enterprise', scopes: ['read', 'usage', 'admin'] })
  ).secret;
  sx = createSextantClient({
    baseUrl: server.url,
    apiKey: adminKey,
    retries: 0,
    fetch: (r) => {
      hits.push({ method: r.method, path: new URL(r.url).pathname });
      return fetch(r);
    },
  });
}, 120_000);

afterAll(async () => {
  await stopTestServer(server);
  hookServer.closeAllConnections();
  await new Promise((r) => hookServer.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

async function rejects(p: Promise<unknown>, status: number, code: string): Promise<SextantApiError> {
  const err = await p.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SextantApiError);
  const e = err as SextantApiError;
  expect({ status: e.status, code: e.code }, e.message).toEqual({ status, code });
  expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(e.detail.length).toBeGreaterThan(0);
  return e;
}

// ---------------------------------------------------------------------------------------------

describe('a typed call for every operation', () => {
  // Filled by earlier calls for later ones (the calls run in this order).
  const ctx = {
    backtestId: '',
    webhookId: '',
    siweNonce: { domain: '', statement: '', nonce: '', issuedAt: '', expirationTime: '' },
    session: '',
  };

  /** One call per operation id: a well-formed request and its expected answer. */
  const CALLS: Record<string, () => Promise<void>> = {
    getStatus: async () => {
      const s = await sx.get('/v1/status');
      expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
    },
    getUsage: async () => {
      const u = await sx.get('/v1/usage', { params: { query: { days: 7 } } });
      expect(u.limits.requestsPerMinute).toBeGreaterThan(0);
    },
    listAssets: async () => {
      const a = await sx.get('/v1/assets', { params: { query: { symbol: 'BTC', limit: 5 } } });
      expect(a.items.map((i) => i.id)).toContain('bitcoin');
    },
    getAsset: async () => {
      const a = await sx.get('/v1/assets/{id}', { params: { path: { id: 'bitcoin' } } });
      expect(a.symbol).toBe('BTC');
      await rejects(
        sx.get('/v1/assets/{id}', { params: { path: { id: 'no-such-coin' } } }),
        404,
        'ASSET_NOT_FOUND',
      );
      // The whole problem document is kept: an ambiguous symbol lists its candidates.
      const e = await rejects(
        sx.get('/v1/assets/{id}', { params: { path: { id: 'BTC' } } }),
        409,
        'AMBIGUOUS_SYMBOL',
      );
      expect(e.problem?.candidates?.map((c) => c.id)).toContain('bitcoin');
    },
    getPrices: async () => {
      const p = await sx.get('/v1/prices', { params: { query: { ids: 'bitcoin' } } });
      expect(p.data[0]?.asset).toBe('bitcoin');
    },
    getOhlcv: async () => {
      const o = await sx.get('/v1/ohlcv', {
        params: { query: { asset: 'bitcoin', interval: '1h', from: String(T0), limit: 5 } },
      });
      expect(o.bars.map((b) => b.close)).toEqual(HOURLY.slice(0, 5).map((b) => b.close));
      const e = await rejects(
        sx.get('/v1/ohlcv', { params: { query: { asset: 'bitcoin', interval: '1h', limit: 1_000_000 } } }),
        400,
        'VALIDATION_FAILED',
      );
      expect(e.issues[0]?.path).toEqual(['limit']);
    },
    listMarkets: async () => {
      const m = await sx.get('/v1/markets', { params: { query: { limit: 3 } } });
      expect(m.items.length).toBeGreaterThan(0);
    },
    getIndicators: async () => {
      const i = await sx.get('/v1/indicators', {
        params: {
          query: {
            asset: 'bitcoin',
            interval: '1h',
            name: 'rsi',
            period: 14,
            from: String(T0 + 24 * HOUR),
            to: String(T0 + 72 * HOUR),
          },
        },
      });
      expect(i.asset).toBe('bitcoin');
    },
    getSignals: async () => {
      const s = await sx.get('/v1/signals', { params: { query: { asset: 'bitcoin', limit: 10 } } });
      expect(Array.isArray(s.data)).toBe(true);
    },
    getLatestSignals: async () => {
      const l = await sx.get('/v1/signals/latest', { params: { query: { asset: 'bitcoin' } } });
      expect(Array.isArray(l.data)).toBe(true);
    },
    listStrategies: async () => {
      const s = await sx.get('/v1/strategies');
      expect(s.data.map((x) => x.id)).toContain('macd-momentum');
    },
    getSignalPerformance: async () => {
      const p = await sx.get('/v1/signals/performance', {
        params: { query: { asset: 'bitcoin', interval: '1d' } },
      });
      expect(Array.isArray(p.data)).toBe(true);
    },
    getQuant: async () => {
      const q = await sx.get('/v1/quant', { params: { query: { asset: 'bitcoin', days: 30, asOf: AS_OF } } });
      expect(q.days).toBe(30);
    },
    getCorrelation: async () => {
      const c = await sx.get('/v1/correlation', {
        params: { query: { assets: 'bitcoin,ethereum', days: 30, asOf: AS_OF } },
      });
      expect(c.ids).toEqual(['bitcoin', 'ethereum']);
    },
    getLevels: async () => {
      const l = await sx.get('/v1/levels', {
        params: { query: { asset: 'bitcoin', days: 60, asOf: AS_OF } },
      });
      expect(l.asset).toBe('bitcoin');
    },
    getMarketRegime: async () => {
      const r = await sx.get('/v1/market/regime', { params: { query: { asOf: AS_OF } } });
      expect(['bull', 'bear', 'neutral']).toContain(r.label);
    },
    getGrades: async () => {
      const g = await sx.get('/v1/grades', { params: { query: { asset: 'bitcoin' } } });
      expect(Array.isArray(g.data)).toBe(true);
    },
    createBacktest: async () => {
      const b = await sx.post('/v1/backtests', {
        body: {
          asset: 'bitcoin',
          interval: '1d',
          strategy: { type: 'buy-and-hold' },
          from: new Date(T0 - 100 * DAY).toISOString(),
          to: AS_OF,
        },
      });
      expect(b.status).toBe('queued');
      ctx.backtestId = b.id;
    },
    listBacktests: async () => {
      const l = await sx.get('/v1/backtests', { params: { query: { limit: 10 } } });
      expect(l.data.map((j) => j.id)).toContain(ctx.backtestId);
    },
    getBacktest: async () => {
      const j = await sx.get('/v1/backtests/{id}', { params: { path: { id: ctx.backtestId } } });
      expect(j.id).toBe(ctx.backtestId);
    },
    cancelBacktest: async () => {
      const j = await sx.delete('/v1/backtests/{id}', { params: { path: { id: ctx.backtestId } } });
      expect(j.status).toBe('canceled');
    },
    createWebhook: async () => {
      const url = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
      const w = await sx.post('/v1/webhooks', { body: { url, assets: ['bitcoin'] } });
      expect(w.secret).toMatch(/^whsec_/);
      ctx.webhookId = w.id;
    },
    listWebhooks: async () => {
      const l = await sx.get('/v1/webhooks');
      expect(l.data.map((w) => w.id)).toEqual([ctx.webhookId]);
    },
    pingWebhook: async () => {
      await sx.post('/v1/webhooks/{id}/ping', { params: { path: { id: ctx.webhookId } } });
      // The dispatcher delivers it to the receiver on 127.0.0.1.
      await vi.waitFor(() => expect(hookDeliveries.length).toBeGreaterThan(0), {
        timeout: 10_000,
        interval: 20,
      });
    },
    listWebhookDeliveries: async () => {
      const d = await sx.get('/v1/webhooks/{id}/deliveries', { params: { path: { id: ctx.webhookId } } });
      expect(d.data.length).toBeGreaterThan(0);
    },
    deleteWebhook: async () => {
      const d = await sx.delete('/v1/webhooks/{id}', { params: { path: { id: ctx.webhookId } } });
      expect(d.deleted).toBe(true);
    },
    getChainGas: async () => {
      // No chain RPC is configured here (CHAINS): the documented 404.
      const e = await rejects(
        sx.get('/v1/chains/{chainId}/gas', { params: { path: { chainId: CHAIN } } }),
        404,
        'NOT_FOUND',
      );
      expect(e.detail).toContain('not configured');
    },
    validateAddress: async () => {
      const v = await sx.post('/v1/wallet/address/validate', { body: { chain: 'evm', address: ADDRESS } });
      expect(v.valid).toBe(true);
    },
    deriveXpubAddresses: async () => {
      const d = await sx.post('/v1/wallet/xpub/addresses', { body: { xpub: ZPUB, count: 2 } });
      expect(d.addresses).toHaveLength(2);
    },
    verifyMessage: async () => {
      const { signature } = signMessage('hello sextant', PRIVATE_KEY);
      const v = await sx.post('/v1/wallet/verify/message', {
        body: { address: ADDRESS, message: 'hello sextant', signature },
      });
      expect(v.valid).toBe(true);
    },
    verifyTypedData: async () => {
      const typedData = {
        domain: { name: 'Sextant', version: '1', chainId: 1 },
        types: { Mail: [{ name: 'contents', type: 'string' }] },
        primaryType: 'Mail',
        message: { contents: 'gm' },
      };
      const { signature } = signTypedData(typedData as never, PRIVATE_KEY);
      const v = await sx.post('/v1/wallet/verify/typed-data', {
        body: { address: ADDRESS, typedData, signature },
      });
      expect(v.valid).toBe(true);
    },
    verifySiwe: async () => {
      const message = createSiweMessage({
        domain: 'app.example.com',
        address: ADDRESS as `0x${string}`,
        uri: 'https://app.example.com/login',
        version: '1',
        chainId: 1,
        nonce: 'abcdEFGH1234',
        issuedAt: new Date(now()).toISOString(),
      });
      const { signature } = signMessage(message, PRIVATE_KEY);
      const v = await sx.post('/v1/wallet/verify/siwe', { body: { message, signature } });
      expect(v.valid).toBe(true);
    },
    decodeTransaction: async () => {
      const tx = signTransaction(
        {
          type: 'legacy',
          chainId: 1,
          nonce: 0,
          gas: 21_000n,
          gasPrice: 10n ** 9n,
          to: H1,
          value: 1n,
          data: '0x',
        },
        PRIVATE_KEY,
      );
      const d = await sx.post('/v1/wallet/transaction/decode', { body: { raw: tx.raw } });
      expect(d.from).toBe(ADDRESS);
    },
    createSiweNonce: async () => {
      const n = await sx.post('/v1/auth/siwe/nonce');
      ctx.siweNonce = n.suggested;
      expect(n.nonce).toBe(n.suggested.nonce);
    },
    signInWithEthereum: async () => {
      const message = createSiweMessage({
        ...ctx.siweNonce,
        version: '1',
        address: ADDRESS as `0x${string}`,
        uri: `https://${ctx.siweNonce.domain}/`,
        chainId: 1,
      });
      const { signature } = signMessage(message, PRIVATE_KEY);
      const s = await sx.post('/v1/auth/siwe/verify', { body: { message, signature } });
      expect(s.address).toBe(ADDRESS);
      ctx.session = s.token;
    },
    getSession: async () => {
      const s = await sx.post('/v1/auth/session', { body: { token: ctx.session } });
      expect(s.address).toBe(ADDRESS);
    },
    revokeSession: async () => {
      const r = await sx.post('/v1/auth/session/revoke', { body: { token: ctx.session } });
      expect(r.revoked).toBe(true);
      await rejects(sx.post('/v1/auth/session', { body: { token: ctx.session } }), 401, 'SESSION_INVALID');
    },
    getTokenHolders: async () => {
      const h = await sx.get('/v1/chains/{chainId}/tokens/{address}/holders', {
        params: { path: { chainId: CHAIN, address: LINK } },
      });
      expect(h.holders.map((x) => x.address).sort()).toEqual([H1, H2]);
    },
    getTokenInfo: async () => {
      const t = await sx.get('/v1/chains/{chainId}/tokens/{address}', {
        params: { path: { chainId: CHAIN, address: LINK } },
      });
      expect(t.holderCount).toBe(2);
    },
    getTokenHolderHistory: async () => {
      const h = await sx.get('/v1/chains/{chainId}/tokens/{address}/holders/history', {
        params: { path: { chainId: CHAIN, address: LINK }, query: { days: 2 } },
      });
      expect(h.days.length).toBeGreaterThan(0);
    },
    getChainActivity: async () => {
      const a = await sx.get('/v1/chains/{chainId}/activity', {
        params: { path: { chainId: CHAIN }, query: { days: 2 } },
      });
      expect(a.days.length).toBeGreaterThan(0);
    },
    getWallet: async () => {
      const w = await sx.get('/v1/chains/{chainId}/addresses/{address}', {
        params: { path: { chainId: CHAIN, address: H1 } },
      });
      expect(w.tokens.map((t) => t.balance.formatted)).toEqual(['500']);
    },
    listWalletTransfers: async () => {
      const t = await sx.get('/v1/chains/{chainId}/addresses/{address}/transfers', {
        params: { path: { chainId: CHAIN, address: H1 } },
      });
      expect(t.transfers.map((x) => x.direction)).toEqual(['out', 'in']);
    },
    listWalletApprovals: async () => {
      const a = await sx.get('/v1/chains/{chainId}/addresses/{address}/approvals', {
        params: { path: { chainId: CHAIN, address: H1 } },
      });
      expect(a.approvals.map((x) => x.spender)).toEqual([SPENDER]);
    },
    getContract: async () => {
      const c = await sx.get('/v1/chains/{chainId}/contracts/{address}', {
        params: { path: { chainId: CHAIN, address: LINK } },
      });
      expect(c.creation?.creator).toBe(H2);
    },
    getLabelFlows: async () => {
      const f = await sx.get('/v1/chains/{chainId}/flows', {
        params: { path: { chainId: CHAIN }, query: { days: 2 } },
      });
      expect(f.label).toBe('exchange');
    },
    listWhaleTransfers: async () => {
      const w = await sx.get('/v1/chains/{chainId}/whales', {
        params: { path: { chainId: CHAIN }, query: { minUsd: 1, hours: 24 } },
      });
      expect(Array.isArray(w.transfers)).toBe(true);
    },
  };

  const routes = OPERATIONS.map((op) => ({
    id: op.id,
    method: op.method,
    re: new RegExp(`^/v1${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));

  it('covers the registry, and the committed SDK document has every operation', () => {
    expect(Object.keys(CALLS).sort(), 'add a typed call to CALLS for each new operation').toEqual(
      OPERATIONS.map((o) => o.id).sort(),
    );
    const doc = JSON.parse(
      readFileSync(new URL('../../packages/sdk/openapi.json', import.meta.url), 'utf8'),
    ) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    for (const op of OPERATIONS)
      expect(
        doc.paths[`/v1${op.path}`]?.[op.method.toLowerCase()]?.operationId,
        `${op.id}: run node scripts/gen-sdk.mjs`,
      ).toBe(op.id);
  });

  for (const [id, call] of Object.entries(CALLS)) {
    it(id, async () => {
      const from = hits.length;
      await call();
      // The call reached the operation it is named after.
      const reached = hits
        .slice(from)
        .map((h) => routes.find((r) => r.method === h.method && r.re.test(h.path))?.id);
      expect(reached).toContain(id);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('pagination', () => {
  it('items() walks every stored bar across pages, in order, none missing or repeated', async () => {
    const query = {
      asset: 'bitcoin',
      interval: '1h' as const,
      from: String(T0),
      to: String(T0 + 100 * HOUR),
      limit: 10,
    };
    const from = hits.length;
    const times: number[] = [];
    for await (const bar of sx.items('/v1/ohlcv', 'bars', { params: { query } })) times.push(bar.openTime);
    expect(times).toEqual(HOURLY.map((b) => b.openTime));
    // 72 bars, 10 a page: 8 requests, each after the first with the previous page's cursor.
    const requests = hits.slice(from);
    expect(requests).toHaveLength(8);

    let pages = 0;
    let last: string | null = '';
    for await (const page of sx.pages('/v1/ohlcv', { params: { query } })) {
      pages++;
      expect(page.bars.length).toBe(pages < 8 ? 10 : 2);
      last = page.nextCursor;
    }
    expect({ pages, last }).toEqual({ pages: 8, last: null });
  });

  it('pages() over the asset registry visits each asset once', async () => {
    const ids: string[] = [];
    for await (const page of sx.pages('/v1/assets', { params: { query: { symbol: 'USDC', limit: 2 } } }))
      ids.push(...page.items.map((a) => a.id));
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a failing page stops the walk with SextantApiError', async () => {
    const walk = async () => {
      for await (const _ of sx.items('/v1/ohlcv', 'bars', {
        params: { query: { asset: 'bitcoin', interval: '1h', cursor: 'not-a-cursor' } },
      })) {
        // no rows before the error
      }
    };
    await rejects(walk(), 400, 'VALIDATION_FAILED');
  });
});

// ---------------------------------------------------------------------------------------------

describe('retry on 429 (the real rate limiter)', () => {
  it('a key over its per-minute limit is retried after Retry-After and then answered', async () => {
    const free = await server.services.keys.create({ name: 'sdk-free', tier: 'free', scopes: ['read'] });
    // 10 s into a minute window, held: no window can turn between the calls by itself.
    const windowStart = Math.floor(Date.now() / 60_000) * 60_000;
    heldClock = windowStart + 10_000;
    const sleeps: number[] = [];
    const statuses: (number | undefined)[] = [];
    const limited = createSextantClient({
      baseUrl: server.url,
      apiKey: free.secret,
      retries: 2,
      retry: {
        // Up to a whole minute window may be left: let the client wait it out.
        maxDelayMs: 61_000,
        onRetry: (r) => statuses.push(r.status),
        // No real wait: the server's clock moves forward by the delay instead.
        sleep: async (ms) => {
          sleeps.push(ms);
          heldClock = (heldClock ?? Date.now()) + ms;
        },
      },
    });
    try {
      // TIER_FREE_RPM=2: two answers, then 429 with Retry-After: 50 (the rest of the window).
      await limited.get('/v1/status');
      await limited.get('/v1/status');
      const s = await limited.get('/v1/status');
      expect(s.version).toBeDefined();
      expect(statuses).toEqual([429]);
      // It waited what Retry-After said (plus jitter under baseDelayMs), into the next window.
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThanOrEqual(50_000);
      expect(sleeps[0]).toBeLessThanOrEqual(50_250);

      // Without retries the 429 surfaces as SextantApiError with its Retry-After.
      const noRetry = createSextantClient({ baseUrl: server.url, apiKey: free.secret, retries: 0 });
      await noRetry.get('/v1/status');
      const e = await rejects(noRetry.get('/v1/status'), 429, 'RATE_LIMITED');
      expect(e.retryAfterMs).toBe(Math.ceil((windowStart + 120_000 - heldClock!) / 1000) * 1000);
      expect(e.retryable).toBe(true);
    } finally {
      heldClock = null;
    }
  });
});

// ---------------------------------------------------------------------------------------------

function quote(asset: string, price: number): ServerPriceQuote {
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
  };
}

describe.each(['ws', 'sse'] as const)('stream over %s', (transport) => {
  const publish = (q: ServerPriceQuote) => server.services.common.bus.publish(PRICE_TOPIC, q);

  /** Cut every stream connection from the server side, without a close handshake. */
  function dropConnections(): void {
    if (transport === 'ws') {
      const wss = (server.app as unknown as { websocketServer: { clients: Set<{ terminate(): void }> } })
        .websocketServer;
      expect(wss.clients.size).toBe(1);
      for (const c of wss.clients) c.terminate();
    } else {
      server.app.server.closeAllConnections();
    }
  }

  it('reconnects after the server drops the connection and subscribes again', async () => {
    const stream = sx.stream({ transport, reconnect: { baseDelayMs: 20, maxDelayMs: 200 } });
    const prices: PriceQuote[] = [];
    const messages: StreamMessage[] = [];
    const opens: boolean[] = [];
    const reconnects: string[] = [];
    stream.on('price', (q) => prices.push(q));
    stream.on('message', (m) => messages.push(m));
    stream.on('open', (o) => opens.push(o.reconnected));
    stream.on('reconnecting', (r) => reconnects.push(r.reason));
    try {
      await stream.subscribe({ channel: 'prices', assets: ['bitcoin'] });
      await stream.subscribe({ channel: 'candles', assets: ['bitcoin'], interval: '1m' });
      expect(stream.state).toBe('open');
      publish(quote('bitcoin', 100));
      publish(quote('ethereum', 1)); // not subscribed
      await vi.waitFor(() => expect(prices.map((p) => p.price)).toEqual([100]), {
        timeout: 5_000,
        interval: 10,
      });

      const subscribedBefore = messages.filter((m) => m.type === 'subscribed').length;
      dropConnections();
      // Reconnected, and the server acknowledged the resubscription.
      await vi.waitFor(
        () => {
          // (SSE also opened a new request for the candles subscription, not a reconnect.)
          expect(opens.at(-1)).toBe(true);
          expect(opens.filter(Boolean)).toHaveLength(1);
          expect(messages.filter((m) => m.type === 'subscribed').length).toBeGreaterThan(subscribedBefore);
          expect(stream.state).toBe('open');
        },
        { timeout: 10_000, interval: 10 },
      );
      expect(reconnects).toHaveLength(1);
      await vi.waitFor(
        () => {
          // Published until delivered: only the resubscribed channel can bring it.
          publish(quote('bitcoin', 200));
          expect(prices.map((p) => p.price)).toContain(200);
        },
        { timeout: 5_000, interval: 50 },
      );
      expect(stream.subscriptions).toEqual([
        { channel: 'prices', assets: ['bitcoin'] },
        { channel: 'candles', assets: ['bitcoin'], interval: '1m' },
      ]);
    } finally {
      await stream.close();
    }
    expect(stream.state).toBe('closed');
  });

  it('a stream whose key is refused closes with an error instead of reconnecting', async () => {
    const bad = createSextantClient({ baseUrl: server.url, apiKey: 'sx_live_not_a_key', retries: 0 });
    const stream = bad.stream({ transport, reconnect: { baseDelayMs: 20, maxDelayMs: 50 } });
    const reconnects: string[] = [];
    const errors: Error[] = [];
    stream.on('reconnecting', (r) => reconnects.push(r.reason));
    stream.on('error', (e) => errors.push(e));
    try {
      const err = await stream.subscribe({ channel: 'prices', assets: ['bitcoin'] }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toMatch(/401|API key|UNAUTHORIZED|INVALID_API_KEY/);
      // WebSocket: closed (the upgrade itself was refused); SSE: idle until another subscribe.
      await vi.waitFor(() => expect(['closed', 'idle']).toContain(stream.state), {
        timeout: 5_000,
        interval: 10,
      });
      // Give a reconnect loop the time to show itself: none comes.
      await new Promise((r) => setTimeout(r, 200));
      expect(reconnects).toEqual([]);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await stream.close();
    }
  });

  it('a connection silent for idleTimeoutMs is replaced (heartbeats come every 15 s here)', async () => {
    const stream = sx.stream({ transport, idleTimeoutMs: 500, reconnect: { baseDelayMs: 20 } });
    const reasons: string[] = [];
    stream.on('reconnecting', (r) => reasons.push(r.reason));
    try {
      await stream.subscribe({ channel: 'prices', assets: ['bitcoin'] });
      await vi.waitFor(() => expect(reasons).toContain('nothing received for 500 ms'), {
        timeout: 5_000,
        interval: 10,
      });
    } finally {
      await stream.close();
    }
  });

  it('a refused subscription rejects with StreamSubscriptionError and is dropped; the others stay', async () => {
    const stream = sx.stream({ transport, reconnect: { baseDelayMs: 20 } });
    const prices: PriceQuote[] = [];
    stream.on('price', (q) => prices.push(q));
    try {
      await stream.subscribe({ channel: 'prices', assets: ['bitcoin'] });
      // Not an asset id (the stream's resolver takes any well-formed id).
      const err = await stream.subscribe({ channel: 'prices', assets: ['Not A Coin'] }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StreamSubscriptionError);
      expect((err as StreamSubscriptionError).code).toBe('ASSET_NOT_FOUND');
      expect(stream.subscriptions).toEqual([{ channel: 'prices', assets: ['bitcoin'] }]);
      await vi.waitFor(
        () => {
          publish(quote('bitcoin', 300));
          expect(prices.map((p) => p.price)).toContain(300);
        },
        { timeout: 5_000, interval: 50 },
      );
      // Unsubscribing stops the updates.
      await stream.unsubscribe({ channel: 'prices', assets: ['bitcoin'] });
      expect(stream.subscriptions).toEqual([]);
    } finally {
      await stream.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('README examples (packages/sdk/examples), run against this server', () => {
  async function run(file: string, during?: () => void): Promise<string[]> {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      lines.push(a.map(String).join(' '));
    });
    vi.stubEnv('SEXTANT_URL', server.url);
    vi.stubEnv('SEXTANT_API_KEY', adminKey);
    const timer = during ? setInterval(during, 20) : undefined;
    try {
      await import(`../../packages/sdk/examples/${file}`);
    } finally {
      clearInterval(timer);
      log.mockRestore();
      vi.unstubAllEnvs();
    }
    return lines;
  }

  it('quickstart.ts: typed OHLCV call and a SextantApiError', async () => {
    const lines = await run('quickstart.ts');
    expect(lines).toEqual([
      ...HOURLY.slice(0, 3).map((b) => `${new Date(b.openTime).toISOString()} ${b.close}`),
      '404 ASSET_NOT_FOUND no asset has the id or symbol "no-such-coin"',
    ]);
  });

  it('pagination.ts: every bar of three days through items()', async () => {
    const lines = await run('pagination.ts');
    const high = Math.max(...HOURLY.map((b) => b.high));
    expect(lines).toEqual([`72 bars, highest ${high}`]);
  });

  it('stream.ts: three live prices', async () => {
    let n = 0;
    const lines = await run('stream.ts', () => publish(quote('bitcoin', 1_000 + n++)));
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l).toMatch(/^bitcoin \d+$/);
      expect(Number(l.split(' ')[1])).toBeGreaterThanOrEqual(1_000);
    }
  });
  const publish = (q: ServerPriceQuote) => server.services.common.bus.publish(PRICE_TOPIC, q);
});

// Type-level: the SDK's hand-written stream types are the server's (checked by `npm run typecheck`).
it('stream message types match the server types', () => {
  expectTypeOf<PriceQuote>().toEqualTypeOf<ServerPriceQuote>();
  expectTypeOf<CandleUpdate>().toEqualTypeOf<ServerCandleUpdate>();
  expectTypeOf<ServerSignalEvent & { knownAt: number }>().toMatchTypeOf<SignalEvent>();
  expectTypeOf<SignalEvent>().toMatchTypeOf<ServerSignalEvent & { knownAt: number }>();
  expectTypeOf<ServerWhaleTransferEvent>().toMatchTypeOf<WhaleTransferEvent>();
});
