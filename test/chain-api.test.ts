import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChainBatch,
  createChainStore,
  decodeLogs,
  type RawLog,
  TOPICS,
  ZERO_ADDRESS,
} from '../src/chain/index.js';
import { loadAddressLabels } from '../src/chain/insights/index.js';
import { barsToColumns, writeBars } from '../src/market/index.js';
import type { Bar } from '../src/market/types.js';
import { OPERATIONS } from '../src/operations/index.js';
import { startTestServer, stopTestServer, type TestServer } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

// A small hand-written chain: blocks 1000..1100, one an hour from 2024-06-01T00:00Z. Expected
// figures are worked out from the same event list below.
const CHAIN = 1;
const T0 = 1_717_200_000;
const LAST = 1100;
const tsOf = (b: number) => T0 + (b - 1000) * 3600;
const iso = (b: number) => new Date(tsOf(b) * 1000).toISOString();
const LINK = '0x514910771af9ca656af840dff83e8264ecf986ca';
const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const UNK = `0x${'11'.repeat(20)}`;
const NFT = `0x${'33'.repeat(20)}`;
// Binance 14, labelled "exchange" in docs/examples/labels.example.json.
const EX = '0x28c6c06298d514db089934071355e5743bf21d60';
const H = [1, 2, 3, 4, 5].map((i) => `0x${String(i).repeat(40)}`);
const [H1, H2, H3, H4, H5] = H as [string, string, string, string, string];
const SP = `0x${'5a'.repeat(20)}`;
const SP2 = `0x${'5b'.repeat(20)}`;
const L = 10n ** 18n;
const U = 10n ** 6n;

type T = { block: number; token: string; from: string; to: string; value: bigint };
const TRANSFERS: T[] = [
  { block: 1001, token: LINK, from: ZERO_ADDRESS, to: H1, value: 1000n * L },
  { block: 1002, token: LINK, from: ZERO_ADDRESS, to: H2, value: 500n * L },
  { block: 1010, token: LINK, from: H1, to: H3, value: 200n * L },
  { block: 1020, token: LINK, from: H2, to: H1, value: 500n * L },
  { block: 1050, token: LINK, from: H3, to: EX, value: 50n * L },
  { block: 1060, token: USDC, from: ZERO_ADDRESS, to: EX, value: 3_000_000n * U },
  { block: 1090, token: LINK, from: EX, to: H4, value: 10n * L },
  { block: 1095, token: LINK, from: ZERO_ADDRESS, to: H5, value: 200_000n * L },
  { block: 1096, token: USDC, from: EX, to: H1, value: 1_500_000n * U },
  { block: 1097, token: UNK, from: ZERO_ADDRESS, to: H1, value: 10n },
];
const APPROVALS = [
  { block: 1011, token: LINK, owner: H1, spender: SP, value: 2n ** 256n - 1n },
  { block: 1012, token: USDC, owner: H1, spender: SP, value: 100n * U },
  { block: 1013, token: UNK, owner: H1, spender: SP2, value: 0n },
];
const LINK_PRICE = 15;

const pad = (a: string) => `0x${a.slice(2).padStart(64, '0')}`;
const uint = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}`;
const tx = (b: number, i: number) => `0x${b.toString(16).padStart(8, '0')}${String(i).padStart(56, '0')}`;

function batch(): ChainBatch {
  const logs: RawLog[] = [
    ...TRANSFERS.map((t) => ({
      address: t.token,
      topics: [TOPICS.transfer, pad(t.from), pad(t.to)],
      data: uint(t.value),
      blockNumber: BigInt(t.block),
      logIndex: 0,
      transactionHash: tx(t.block, 0),
    })),
    ...APPROVALS.map((a) => ({
      address: a.token,
      topics: [TOPICS.approval, pad(a.owner), pad(a.spender)],
      data: uint(a.value),
      blockNumber: BigInt(a.block),
      logIndex: 0,
      transactionHash: tx(a.block, 0),
    })),
    {
      address: NFT,
      topics: [TOPICS.transfer, pad(ZERO_ADDRESS), pad(H1), uint(1n)],
      data: '0x',
      blockNumber: 1003n,
      logIndex: 0,
      transactionHash: tx(1003, 0),
    },
  ];
  const blocks = [];
  for (let b = 1000; b <= LAST; b++)
    blocks.push({
      number: BigInt(b),
      hash: `0x${b.toString(16).padStart(64, '0')}`,
      parentHash: `0x${(b - 1).toString(16).padStart(64, '0')}`,
      timestamp: BigInt(tsOf(b)),
      gasUsed: null,
      baseFee: null,
      txCount: null,
    });
  return {
    blocks,
    decoded: decodeLogs(logs),
    // After H1's USDC was spent by SP, the indexer read the allowance back: 40 left.
    allowanceReads: [{ blockNumber: 1096n, token: USDC, owner: H1, spender: SP, value: 40n * U }],
    nativeTransfers: [{ blockNumber: 1030n, txIndex: 2, txHash: tx(1030, 9), from: H4, to: H1, value: L }],
    contracts: [
      { address: LINK, blockNumber: 1000n, createdAt: BigInt(T0), txHash: tx(1000, 7), creator: H5 },
    ],
    tokens: [
      {
        address: LINK,
        standard: 'erc20',
        name: 'ChainLink Token',
        symbol: 'LINK',
        decimals: 18,
        firstBlock: 1001n,
      },
      { address: USDC, standard: 'erc20', name: 'USD Coin', symbol: 'USDC', decimals: 6, firstBlock: 1060n },
      { address: NFT, standard: 'erc721', name: 'Apes', symbol: 'APE', decimals: null, firstBlock: 1003n },
    ],
    checkpoint: { block: BigInt(LAST), hash: `0x${LAST.toString(16).padStart(64, '0')}` },
  };
}

function balances(token: string): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const t of TRANSFERS.filter((x) => x.token === token)) {
    if (t.from !== ZERO_ADDRESS) m.set(t.from, (m.get(t.from) ?? 0n) - t.value);
    if (t.to !== ZERO_ADDRESS) m.set(t.to, (m.get(t.to) ?? 0n) + t.value);
  }
  return new Map([...m].filter(([, v]) => v > 0n));
}

describe('on-chain insights over HTTP', () => {
  let server: TestServer;
  const get = async (url: string) => {
    const r = await server.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() as Json, headers: r.headers };
  };

  beforeAll(async () => {
    server = await startTestServer();
    await createChainStore(server.services.db).apply(CHAIN, batch(), Date.now());
    const bars: Bar[] = [];
    for (let t = (T0 - 86_400) * 1000; t < (tsOf(LAST) + 7200) * 1000; t += 3_600_000)
      bars.push({
        openTime: t,
        open: LINK_PRICE,
        high: LINK_PRICE,
        low: LINK_PRICE,
        close: LINK_PRICE,
        volume: 1,
      });
    await server.services.db.transaction((q) =>
      writeBars(
        q,
        { venue: 'binance', symbol: 'LINK/USDT', interval: '1h', assetId: 'chainlink', quote: 'USDT' },
        barsToColumns(bars),
        Date.now(),
      ),
    );
  }, 60_000);
  afterAll(() => stopTestServer(server));

  it('top holders and token statistics, exact and grounded on the checkpoint', async () => {
    const want = [...balances(LINK)].sort((a, b) => (a[1] > b[1] ? -1 : 1));
    const total = want.reduce((s, [, v]) => s + v, 0n);
    const r = await get(
      `/v1/chains/${CHAIN}/tokens/${LINK.toUpperCase().replace('0X', '0x')}/holders?limit=2`,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=15');
    expect(r.body.asOf).toEqual({ block: String(LAST), timestamp: iso(LAST) });
    expect(r.body.holderCount).toBe(want.length);
    expect(r.body.totalHeld.value).toBe(total.toString());
    expect(r.body.holders.map((h: Json) => [h.address, h.balance.value])).toEqual(
      want.slice(0, 2).map(([a, v]) => [a, v.toString()]),
    );
    expect(r.body.holders[0]).toMatchObject({ rank: 1, address: H5, balance: { formatted: '200000' } });
    const next = await get(
      `/v1/chains/${CHAIN}/tokens/${LINK}/holders?limit=100&cursor=${r.body.nextCursor}`,
    );
    expect(next.body.holders.map((h: Json) => h.rank)).toEqual(want.slice(2).map((_, i) => i + 3));
    expect(next.body.nextCursor).toBeNull();

    const info = await get(`/v1/chains/${CHAIN}/tokens/${LINK}`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      token: { symbol: 'LINK', decimals: 18, standard: 'erc20', firstBlock: '1001' },
      holderCount: want.length,
      transfers: { count: 7, first: { block: '1001', timestamp: iso(1001) }, last: { block: '1095' } },
      distribution: { basis: 'share-of-held' },
    });
    expect(info.body.top10Share).toBe(1);
    expect(info.body.distribution.buckets[0]).toMatchObject({ label: '>= 10%', holders: 1 }); // H5 alone

    // Days start at blocks 1000, 1024, 1048, 1072, 1096. Holders: H1 (1001), H2 (1002), H3 (1010),
    // H2 leaves (1020), EX (1050), H4 (1090), H5 (1095).
    const hist = await get(`/v1/chains/${CHAIN}/tokens/${LINK}/holders/history?days=5`);
    expect(hist.body.days.map((d: Json) => [d.day, d.gained, d.lost, d.holders])).toEqual([
      ['2024-06-01', 3, 1, 2],
      ['2024-06-02', 0, 0, 2],
      ['2024-06-03', 1, 0, 3],
      ['2024-06-04', 2, 0, 5],
      ['2024-06-05', 0, 0, 5],
    ]);
  });

  it('activity per day', async () => {
    const r = await get(`/v1/chains/${CHAIN}/activity?days=5&token=${LINK}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Day 1: H1, H2, H3 active, all new; day 3: H3 and EX (new); day 4: EX, H4 and H5 (new).
    expect(r.body.days.map((d: Json) => [d.day, d.activeAddresses, d.newAddresses, d.transfers])).toEqual([
      ['2024-06-01', 3, 3, 4],
      ['2024-06-02', 0, 0, 0],
      ['2024-06-03', 2, 1, 1],
      ['2024-06-04', 3, 2, 2],
      ['2024-06-05', 0, 0, 0],
    ]);
    expect(r.body.days[0].tokens[0]).toMatchObject({ token: LINK, volume: { formatted: '2200' } });
  });

  it('wallet view, transfers and approvals', async () => {
    const w = await get(`/v1/chains/${CHAIN}/addresses/${H1}`);
    expect(w.status).toBe(200);
    expect(w.body.tokens.map((t: Json) => [t.token.address, t.balance.value, t.balance.formatted])).toEqual([
      [UNK, '10', null],
      [LINK, (1300n * L).toString(), '1300'],
      [USDC, (1_500_000n * U).toString(), '1500000'],
    ]);
    expect(w.body.nfts).toEqual([
      { token: NFT, standard: 'erc721', name: 'Apes', symbol: 'APE', tokenIds: 1, units: '1' },
    ]);
    expect(w.body.firstSeen).toEqual({ block: '1001', timestamp: iso(1001) });

    const t1 = await get(`/v1/chains/${CHAIN}/addresses/${H1}/transfers?limit=3`);
    expect(t1.body.transfers.map((t: Json) => [t.block, t.type, t.direction])).toEqual([
      ['1097', 'erc20', 'in'],
      ['1096', 'erc20', 'in'],
      ['1030', 'native', 'in'],
    ]);
    const t2 = await get(
      `/v1/chains/${CHAIN}/addresses/${H1}/transfers?limit=3&cursor=${t1.body.nextCursor}`,
    );
    expect(t2.body.transfers.map((t: Json) => [t.block, t.direction])).toEqual([
      ['1020', 'in'],
      ['1010', 'out'],
      ['1001', 'in'],
    ]);
    expect(t2.body.nextCursor).toBeNull();
    const usdcOnly = await get(`/v1/chains/${CHAIN}/addresses/${H1}/transfers?token=${USDC}`);
    expect(usdcOnly.body.transfers.map((t: Json) => t.amount.formatted)).toEqual(['1500000']);

    const a = await get(`/v1/chains/${CHAIN}/addresses/${H1}/approvals`);
    expect(
      a.body.approvals.map((x: Json) => [
        x.token.symbol,
        x.spender,
        x.allowance.formatted,
        x.unlimited,
        x.source,
      ]),
    ).toEqual([
      [
        'LINK',
        SP,
        '115792089237316195423570985008687907853269984665640564039457.584007913129639935',
        true,
        'event',
      ],
      ['USDC', SP, '40', false, 'read'],
    ]);
    expect(a.body.approvals[1].lastUpdate).toEqual({ block: '1096', timestamp: iso(1096), txHash: null });
  });

  it('contract age', async () => {
    const c = await get(`/v1/chains/${CHAIN}/contracts/${LINK}`);
    expect(c.body).toMatchObject({
      source: 'index',
      creation: { block: '1000', creator: H5, timestamp: iso(1000) },
    });
    expect(c.body.ageDays).toBeCloseTo((tsOf(LAST) - T0) / 86_400, 9);
    const unknown = await get(`/v1/chains/${CHAIN}/contracts/${SP}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
  });

  it('exchange flows need a label file: 503 without, figures with', async () => {
    const none = await get(`/v1/chains/${CHAIN}/flows`);
    expect(none.status).toBe(503);
    expect(none.body.detail).toContain('no label file configured (CHAIN_LABELS_FILE)');
    Object.assign(server.services, {
      chainLabels: loadAddressLabels(
        new URL('../docs/examples/labels.example.json', import.meta.url).pathname,
      ),
    });
    const r = await get(`/v1/chains/${CHAIN}/flows?days=5`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.label).toBe('exchange');
    const byToken = new Map(r.body.tokens.map((t: Json) => [t.symbol, t]));
    expect(byToken.get('LINK')).toMatchObject({
      transfers: 2,
      inflow: { formatted: '50' },
      outflow: { formatted: '10' },
      net: { value: (40n * L).toString(), formatted: '40' },
    });
    expect(byToken.get('USDC')).toMatchObject({ net: { formatted: '1500000' } });
    const usdc = byToken.get('USDC') as Json;
    expect(usdc.days.map((d: Json) => [d.day, d.net.formatted])).toEqual([
      ['2024-06-03', '3000000'],
      ['2024-06-05', '-1500000'],
    ]);
    const missing = await get(`/v1/chains/${CHAIN}/flows?label=bridge`);
    expect(missing.status).toBe(404);
  });

  it('whale transfers valued with stored candles and the stablecoin peg; unmapped tokens counted', async () => {
    const r = await get(`/v1/chains/${CHAIN}/whales?minUsd=1000000&hours=48`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Since block 1052: USDC 3M and 1.5M (pegged), LINK 10 (150 USD) and 200,000 (3M USD at 15), UNK.
    expect(r.body.transfers.map((t: Json) => [t.block, t.asset, t.price.source])).toEqual([
      ['1096', 'usd-coin', 'peg'],
      ['1095', 'chainlink', '1h'],
      ['1060', 'usd-coin', 'peg'],
    ]);
    expect(r.body.transfers.map((t: Json) => t.usd)).toEqual([
      1_500_000,
      expect.closeTo(3_000_000, 6),
      3_000_000,
    ]);
    expect(r.body.transfers[1].price.barTime).toBe(
      new Date(Math.floor(tsOf(1095) / 3600) * 3600 * 1000).toISOString(),
    );
    expect(r.body.skipped).toEqual({ unmappedToken: 1, noPrice: 0 });
    const small = await get(`/v1/chains/${CHAIN}/whales?minUsd=100&hours=48`);
    expect(small.body.transfers.map((t: Json) => t.block)).toEqual(['1096', '1095', '1090', '1060']);
  });

  it('documents every chain operation with examples that fit its response schema', () => {
    const ajv = new Ajv({ strict: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    const ops = OPERATIONS.filter((o) => o.path.startsWith('/chains/{chainId}/') && o.id !== 'getChainGas');
    expect(ops).toHaveLength(10);
    for (const op of ops) {
      const examples = (op.response as { examples?: unknown[] }).examples ?? [];
      expect(examples.length, op.id).toBeGreaterThan(0);
      const check = ajv.compile(op.response);
      for (const ex of examples) expect(check(ex), `${op.id}: ${JSON.stringify(check.errors)}`).toBe(true);
      expect(op.auth).toEqual({ anonymous: true, scope: 'read' });
    }
  });

  it('refuses bad chain ids, addresses and cursors, and 404s chains not indexed', async () => {
    const bad = await get(`/v1/chains/${CHAIN}/addresses/0x1234/approvals`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      detail: "path 'address' must be an EVM address: 0x followed by 40 hex digits",
      issues: [{ path: ['address'], in: 'path' }],
    });
    const badToken = await get(`/v1/chains/${CHAIN}/activity?token=LINK`);
    expect(badToken.status).toBe(400);
    expect(badToken.body.issues[0]).toMatchObject({ path: ['token'], in: 'query' });
    for (const id of ['0', 'abc', '-1', '1.5']) {
      const r = await get(`/v1/chains/${id}/tokens/${LINK}`);
      expect(r.status, id).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
    const cursor = await get(`/v1/chains/${CHAIN}/addresses/${H1}/transfers?cursor=bm9wZQ`);
    expect(cursor.status).toBe(400);
    expect(cursor.body.issues[0].path).toEqual(['cursor']);
    for (const path of [`tokens/${LINK}`, `addresses/${H1}/approvals`, 'whales', 'activity']) {
      const r = await get(`/v1/chains/424242/${path}`);
      expect(r.status, path).toBe(404);
      expect(r.body.code).toBe('CHAIN_NOT_FOUND');
    }
    const unknownToken = await get(`/v1/chains/${CHAIN}/tokens/${SP}/holders`);
    expect(unknownToken.status).toBe(404);
    expect(unknownToken.body.code).toBe('NOT_FOUND');
  });
});
