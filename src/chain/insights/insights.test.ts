import { encodeAbiParameters } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../test/helpers.js';
import { createAssetRegistry } from '../../assets/index.js';
import type { Queryable } from '../../db/index.js';
import { createLogger } from '../../internal/logger.js';
import { openServices, type Services } from '../../services/index.js';
import { decodeLogs, type RawLog, TOPICS, ZERO_ADDRESS } from '../derive/decodeLogs.js';
import { type ChainBatch, createChainStore } from '../store/chainStore.js';
import { chainAsOf } from './chainAsOf.js';
import { countHolderTotals, createHolderTotalsCache } from './holderTotals.js';
import {
  contractAge,
  dailyActivity,
  holderHistory,
  labelFlows,
  type PriceBar,
  parseAddressLabels,
  tokenSummary,
  topHolders,
  UNLIMITED_ALLOWANCE,
  valueTransferUsd,
  walletApprovals,
  walletOverview,
  walletTransfers,
  whaleTransfers,
} from './index.js';

// ---------------------------------------------------------------- the synthetic chain
// Blocks 100..459, one every 20 minutes from 2024-06-01T00:00Z: five UTC days. Everything below
// is generated from a seeded PRNG and written through the chain store exactly as the indexer
// writes it; every expectation is recomputed here from the same events with plain bigints.

const CHAIN = 1;
const T0 = 1_717_200_000;
const FIRST = 100;
const LAST = 459;
const tsOf = (b: number) => T0 + (b - FIRST) * 1200;
const dayOf = (b: number) => Math.floor(tsOf(b) / 86_400);
const dayStr = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);

const addr = (i: number) => `0x${(0x1000 + i).toString(16).padStart(40, '0')}`;
const A = Array.from({ length: 30 }, (_, i) => addr(i));
const S = [addr(101), addr(102), addr(103), addr(104)];
const LINK = '0x514910771af9ca656af840dff83e8264ecf986ca';
const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const WETH = '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2';
const UNK = `0x${'11'.repeat(20)}`;
const NOMETA = `0x${'22'.repeat(20)}`;
const NFTA = `0x${'33'.repeat(20)}`;
const NFTB = `0x${'44'.repeat(20)}`;
const ERC20S = [LINK, USDC, WETH, UNK, NOMETA];
const DECIMALS: Record<string, number | null> = {
  [LINK]: 18,
  [USDC]: 6,
  [WETH]: 18,
  [UNK]: 9,
  [NOMETA]: null,
};
const UNIT: Record<string, bigint> = {
  [LINK]: 10n ** 18n,
  [USDC]: 10n ** 6n,
  [WETH]: 10n ** 18n,
  [UNK]: 10n ** 9n,
  [NOMETA]: 1000n,
};

type Erc20Ev = {
  kind: 'erc20';
  block: number;
  li: number;
  tx: string;
  token: string;
  from: string;
  to: string;
  value: bigint;
};
type ApprovalEv = {
  kind: 'approval';
  block: number;
  li: number;
  tx: string;
  token: string;
  owner: string;
  spender: string;
  value: bigint;
};
type ReadEv = { kind: 'read'; block: number; token: string; owner: string; spender: string; value: bigint };
type NftEv = {
  kind: 'nft';
  block: number;
  li: number;
  tx: string;
  token: string;
  standard: 'erc721' | 'erc1155';
  from: string;
  to: string;
  ids: bigint[];
  amounts: bigint[];
  batch: boolean;
};
type NativeEv = {
  kind: 'native';
  block: number;
  txIndex: number;
  tx: string;
  from: string;
  to: string;
  value: bigint;
};
type Ev = Erc20Ev | ApprovalEv | ReadEv | NftEv | NativeEv;

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function generate(): Ev[] {
  const rng = mulberry32(20240601);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  const big = (max: bigint) => (BigInt(Math.floor(rng() * 1_000_000)) * max) / 1_000_000n + 1n;
  const bal = new Map<string, bigint>();
  const get = (t: string, a: string) => bal.get(`${t}|${a}`) ?? 0n;
  const add = (t: string, a: string, v: bigint) => bal.set(`${t}|${a}`, get(t, a) + v);
  const planned = new Map<number, Ev[]>();
  const plan = (
    block: number,
    e: Omit<Erc20Ev, 'li' | 'tx'> | Omit<ApprovalEv, 'li' | 'tx'> | Omit<NftEv, 'li' | 'tx'>,
  ) => planned.set(block, [...(planned.get(block) ?? []), { ...e, li: -1, tx: '' } as Ev]);
  const transfer = (block: number, token: string, from: string, to: string, value: bigint) => {
    plan(block, { kind: 'erc20', block, token, from, to, value });
    if (from !== to) {
      if (from !== ZERO_ADDRESS) add(token, from, -value);
      if (to !== ZERO_ADDRESS) add(token, to, value);
    }
  };
  for (let b = FIRST; b <= LAST; b++) {
    // Hand-placed events first (they test specific rules), then random traffic.
    if (b === 150) transfer(b, LINK, A[29]!, A[28]!, 5n * UNIT[LINK]!); // a sender the index never saw receive
    if (b === 300) transfer(b, LINK, A[0]!, A[1]!, 7n * UNIT[LINK]!); // internal to the exchange set
    if (b === 430) transfer(b, LINK, ZERO_ADDRESS, A[5]!, 100_000n * UNIT[LINK]!);
    if (b === 431) transfer(b, LINK, A[5]!, A[0]!, 100_000n * UNIT[LINK]!);
    if (b === 440) transfer(b, USDC, ZERO_ADDRESS, A[6]!, 2_000_000n * UNIT[USDC]!);
    if (b === 441) transfer(b, USDC, A[6]!, A[1]!, 400_000n * UNIT[USDC]!);
    if (b === 445) transfer(b, WETH, ZERO_ADDRESS, A[7]!, 5_000n * UNIT[WETH]!);
    if (b === 446) transfer(b, UNK, ZERO_ADDRESS, A[7]!, 9_000_000n * UNIT[UNK]!);
    const n = Math.floor(rng() * 3);
    for (let k = 0; k < n; k++) {
      const token = pick(ERC20S);
      const holders = A.filter((a) => get(token, a) > 0n);
      const to = rng() < 0.05 ? ZERO_ADDRESS : pick(A);
      if (holders.length === 0 || rng() < 0.15) {
        transfer(b, token, ZERO_ADDRESS, to === ZERO_ADDRESS ? A[0]! : to, big(1000n * UNIT[token]!));
        continue;
      }
      const from = pick(holders);
      const r = rng();
      const value =
        r < 0.12 ? get(token, from) : (get(token, from) * BigInt(Math.floor(rng() * 900) + 1)) / 1000n;
      if (value === 0n) continue;
      transfer(b, token, from, rng() < 0.04 ? from : to, value);
    }
  }
  // Approvals and allowance read-backs (reads sort after the block's events).
  const approve = (block: number, token: string, owner: string, spender: string, value: bigint) =>
    plan(block, { kind: 'approval', block, token, owner, spender, value });
  approve(120, LINK, A[2]!, S[0]!, 100n);
  approve(300, LINK, A[2]!, S[0]!, 2n ** 256n - 1n);
  approve(130, USDC, A[2]!, S[0]!, 500n);
  approve(140, USDC, A[2]!, S[1]!, 1000n);
  approve(200, USDC, A[2]!, S[1]!, 0n); // revoked
  approve(250, WETH, A[2]!, S[1]!, 70n);
  approve(160, LINK, A[3]!, S[0]!, 5n);
  approve(400, UNK, A[2]!, S[2]!, UNLIMITED_ALLOWANCE);
  approve(400, UNK, A[2]!, S[3]!, UNLIMITED_ALLOWANCE - 1n);
  approve(410, LINK, A[2]!, S[3]!, 7n);
  approve(410, LINK, A[2]!, S[3]!, 9n); // same block, later log: wins
  // NFTs: ERC-721 ids 1-4 minted to A2, moved around; ERC-1155 single and batch transfers.
  const nft = (
    block: number,
    token: string,
    standard: 'erc721' | 'erc1155',
    from: string,
    to: string,
    ids: bigint[],
    amounts: bigint[],
    batch = false,
  ) => plan(block, { kind: 'nft', block, token, standard, from, to, ids, amounts, batch });
  for (const id of [1n, 2n, 3n, 4n]) nft(110, NFTA, 'erc721', ZERO_ADDRESS, A[2]!, [id], [1n]);
  nft(220, NFTA, 'erc721', A[2]!, A[3]!, [2n], [1n]);
  nft(230, NFTA, 'erc721', A[2]!, A[4]!, [3n], [1n]);
  nft(260, NFTA, 'erc721', A[4]!, A[2]!, [3n], [1n]);
  nft(300, NFTA, 'erc721', A[2]!, ZERO_ADDRESS, [4n], [1n]);
  nft(115, NFTB, 'erc1155', ZERO_ADDRESS, A[2]!, [7n], [10n]);
  nft(116, NFTB, 'erc1155', ZERO_ADDRESS, A[2]!, [8n, 9n], [3n, 4n], true);
  nft(240, NFTB, 'erc1155', A[2]!, A[3]!, [7n], [10n]);
  nft(250, NFTB, 'erc1155', A[2]!, A[5]!, [8n], [1n], true);
  // Log indexes in block order, one transaction per log.
  const out: Ev[] = [];
  for (const [block, evs] of [...planned].sort((x, y) => x[0] - y[0]))
    evs.forEach((e, li) => {
      out.push({
        ...e,
        li,
        tx: `0x${block.toString(16).padStart(8, '0')}${li.toString(16).padStart(56, '0')}`,
      } as Ev);
    });
  out.push(
    { kind: 'read', block: 130, token: USDC, owner: A[2]!, spender: S[0]!, value: 300n },
    { kind: 'read', block: 210, token: WETH, owner: A[2]!, spender: S[1]!, value: 50n },
    {
      kind: 'native',
      block: 105,
      txIndex: 0,
      tx: `0x${'a1'.repeat(32)}`,
      from: A[2]!,
      to: A[6]!,
      value: 10n ** 18n,
    },
    {
      kind: 'native',
      block: 300,
      txIndex: 3,
      tx: `0x${'a2'.repeat(32)}`,
      from: A[7]!,
      to: A[2]!,
      value: 2n * 10n ** 18n,
    },
    {
      kind: 'native',
      block: 420,
      txIndex: 1,
      tx: `0x${'a3'.repeat(32)}`,
      from: A[8]!,
      to: A[0]!,
      value: 5n * 10n ** 18n,
    },
    {
      kind: 'native',
      block: 421,
      txIndex: 0,
      tx: `0x${'a4'.repeat(32)}`,
      from: A[0]!,
      to: A[1]!,
      value: 10n ** 18n,
    },
  );
  return out;
}

const pad = (a: string) => `0x${a.slice(2).padStart(64, '0')}`;
const uint = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}`;

function rawLog(e: Erc20Ev | ApprovalEv | NftEv): RawLog {
  const base = { blockNumber: BigInt(e.block), logIndex: e.li, transactionHash: e.tx, address: e.token };
  if (e.kind === 'erc20')
    return { ...base, topics: [TOPICS.transfer, pad(e.from), pad(e.to)], data: uint(e.value) };
  if (e.kind === 'approval')
    return { ...base, topics: [TOPICS.approval, pad(e.owner), pad(e.spender)], data: uint(e.value) };
  if (e.standard === 'erc721')
    return { ...base, topics: [TOPICS.transfer, pad(e.from), pad(e.to), uint(e.ids[0]!)], data: '0x' };
  const op = pad(A[29]!);
  if (!e.batch)
    return {
      ...base,
      topics: [TOPICS.transferSingle, op, pad(e.from), pad(e.to)],
      data: `${uint(e.ids[0]!)}${uint(e.amounts[0]!).slice(2)}`,
    };
  return {
    ...base,
    topics: [TOPICS.transferBatch, op, pad(e.from), pad(e.to)],
    data: encodeAbiParameters([{ type: 'uint256[]' }, { type: 'uint256[]' }], [e.ids, e.amounts]),
  };
}

const CONTRACTS = [
  {
    address: LINK,
    blockNumber: 100n,
    createdAt: BigInt(tsOf(100)),
    txHash: `0x${'c1'.repeat(32)}`,
    creator: A[9]!,
  },
  { address: NFTA, blockNumber: 109n, createdAt: null, txHash: null, creator: null },
];

const blockHash = (b: number, branch = 0) => `0x${branch.toString(16)}${b.toString(16).padStart(63, '0')}`;

/** The batch of blocks [from, to] as the indexer would commit it (`branch` varies the hashes). */
function batchOf(events: Ev[], from: number, to: number, branch = 0): ChainBatch {
  const i = from === FIRST ? 0 : 1;
  {
    const inRange = events.filter((e) => e.block >= from && e.block <= to);
    const logs = inRange.flatMap((e) =>
      e.kind === 'erc20' || e.kind === 'approval' || e.kind === 'nft' ? [rawLog(e)] : [],
    );
    const blocks = [];
    for (let b = from; b <= to; b++)
      blocks.push({
        number: BigInt(b),
        hash: blockHash(b, branch),
        parentHash: blockHash(b - 1, branch),
        timestamp: BigInt(tsOf(b)),
        gasUsed: null,
        baseFee: null,
        txCount: null,
      });
    return {
      blocks,
      decoded: decodeLogs(logs),
      allowanceReads: inRange.flatMap((e) =>
        e.kind === 'read'
          ? [
              {
                blockNumber: BigInt(e.block),
                token: e.token,
                owner: e.owner,
                spender: e.spender,
                value: e.value,
              },
            ]
          : [],
      ),
      nativeTransfers: inRange.flatMap((e) =>
        e.kind === 'native'
          ? [
              {
                blockNumber: BigInt(e.block),
                txIndex: e.txIndex,
                txHash: e.tx,
                from: e.from,
                to: e.to,
                value: e.value,
              },
            ]
          : [],
      ),
      contracts: i === 0 ? CONTRACTS : [],
      tokens:
        i === 0
          ? [
              {
                address: LINK,
                standard: 'erc20',
                name: 'ChainLink Token',
                symbol: 'LINK',
                decimals: 18,
                firstBlock: 100n,
              },
              {
                address: USDC,
                standard: 'erc20',
                name: 'USD Coin',
                symbol: 'USDC',
                decimals: 6,
                firstBlock: 100n,
              },
              {
                address: WETH,
                standard: 'erc20',
                name: 'Wrapped Ether',
                symbol: 'WETH',
                decimals: 18,
                firstBlock: 100n,
              },
              {
                address: UNK,
                standard: 'erc20',
                name: 'Unknown',
                symbol: 'UNK',
                decimals: 9,
                firstBlock: 100n,
              },
              {
                address: NFTA,
                standard: 'erc721',
                name: 'Apes',
                symbol: 'APE',
                decimals: null,
                firstBlock: 110n,
              },
              {
                address: NFTB,
                standard: 'erc1155',
                name: null,
                symbol: null,
                decimals: null,
                firstBlock: 115n,
              },
            ]
          : [],
      checkpoint: { block: BigInt(to), hash: blockHash(to, branch) },
    } satisfies ChainBatch;
  }
}

/** The chain in three batches, as three indexer steps would write it. */
function batches(events: Ev[]): ChainBatch[] {
  return [batchOf(events, FIRST, 249), batchOf(events, 250, 399), batchOf(events, 400, LAST)];
}

// ---------------------------------------------------------------- independent expectations

const EVENTS = generate();
const TRANSFERS = EVENTS.filter((e): e is Erc20Ev => e.kind === 'erc20');

function balancesOf(token: string, upTo = LAST): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const t of TRANSFERS) {
    if (t.token !== token || t.block > upTo || t.from === t.to) continue;
    if (t.from !== ZERO_ADDRESS) m.set(t.from, (m.get(t.from) ?? 0n) - t.value);
    if (t.to !== ZERO_ADDRESS) m.set(t.to, (m.get(t.to) ?? 0n) + t.value);
  }
  return m;
}

function positive(token: string): [string, bigint][] {
  return [...balancesOf(token)]
    .filter(([, v]) => v > 0n)
    .sort((x, y) => (x[1] === y[1] ? (x[0] < y[0] ? -1 : 1) : x[1] > y[1] ? -1 : 1));
}

const fmt = (v: bigint, d: number | null) => (d === null ? null : formatRef(v, d));
/** Whole tokens by string arithmetic (a second implementation, for the check). */
function formatRef(v: bigint, d: number): string {
  const neg = v < 0n;
  const s = (neg ? -v : v).toString();
  const whole = s.length > d ? s.slice(0, s.length - d) : '0';
  const frac = (s.length > d ? s.slice(s.length - d) : s.padStart(d, '0')).replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

// ---------------------------------------------------------------- the tests

let env: TestEnv;
let services: Services;

beforeAll(async () => {
  env = testEnv();
  services = await openServices(env.config, { logger: createLogger({ level: 'silent' }), command: 'test' });
  const store = createChainStore(services.db);
  for (const b of batches(EVENTS)) await store.apply(CHAIN, b, 0);
}, 120_000);

afterAll(async () => {
  await services?.close();
  await env?.cleanup();
});

describe('the synthetic chain', () => {
  it('has enough of everything to test against', () => {
    expect(TRANSFERS.length).toBeGreaterThan(250);
    for (const t of ERC20S) expect(positive(t).length, t).toBeGreaterThan(5);
    expect(TRANSFERS.some((t) => t.from === t.to)).toBe(true);
  });
});

describe('asOf and unknown chains', () => {
  it('every answer carries the checkpoint and its block time; an unindexed chain is CHAIN_NOT_FOUND', async () => {
    const r = await walletApprovals(services.db, CHAIN, A[2]!);
    expect(r.asOf).toEqual({ block: String(LAST), timestamp: new Date(tsOf(LAST) * 1000).toISOString() });
    await expect(topHolders(services.db, 999, LINK, { limit: 5 })).rejects.toMatchObject({
      code: 'CHAIN_NOT_FOUND',
      status: 404,
    });
  });
});

describe('token holders', () => {
  it('pages through every holder in balance order with exact balances and shares', async () => {
    const totals = createHolderTotalsCache();
    for (const token of [LINK, USDC, NOMETA]) {
      const expected = positive(token);
      const total = expected.reduce((s, [, v]) => s + v, 0n);
      const got: {
        rank: number;
        address: string;
        balance: { value: string; formatted: string | null };
        share: number;
      }[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await topHolders(services.db, CHAIN, token, { limit: 4, cursor, totals });
        expect(page.holderCount).toBe(expected.length);
        expect(page.totalHeld.value).toBe(total.toString());
        got.push(...page.holders);
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(Math.ceil(expected.length / 4));
      expect(got.map((h) => [h.address, h.balance.value])).toEqual(
        expected.map(([a, v]) => [a, v.toString()]),
      );
      expect(got.map((h) => h.rank)).toEqual(expected.map((_, i) => i + 1));
      got.forEach((h, i) => {
        expect(h.share).toBeCloseTo(Number(expected[i]![1]) / Number(total), 9);
        expect(h.balance.formatted).toBe(fmt(expected[i]![1], DECIMALS[token]!));
      });
    }
  });

  it('refuses a cursor it did not make, and 404s a token without transfers', async () => {
    await expect(
      topHolders(services.db, CHAIN, LINK, { limit: 4, cursor: 'nonsense' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(topHolders(services.db, CHAIN, `0x${'99'.repeat(20)}`, { limit: 4 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('summarises holders: count, total, top-10 share, Gini (checked with the mean-difference formula), buckets', async () => {
    for (const token of [LINK, USDC, UNK]) {
      const s = await tokenSummary(services.db, CHAIN, token);
      const xs = positive(token).map(([, v]) => v);
      const total = xs.reduce((a, v) => a + v, 0n);
      expect(s.holderCount).toBe(xs.length);
      expect(s.totalHeld).toEqual({ value: total.toString(), formatted: fmt(total, DECIMALS[token]!) });
      const top10 = xs.slice(0, 10).reduce((a, v) => a + v, 0n);
      expect(s.top10Share).toBeCloseTo(Number(top10) / Number(total), 9);
      // Gini as Σ|xi − xj| / (2 n² mean): a different formula from the implementation's.
      let diff = 0n;
      for (const x of xs) for (const y of xs) diff += x > y ? x - y : y - x;
      const gini = Number(diff) / (2 * xs.length * Number(total));
      expect(s.gini).toBeCloseTo(gini, 9);
      // Buckets by share of the total held, exact comparisons.
      const bucket = (v: bigint) =>
        v * 10n >= total ? 0 : v * 100n >= total ? 1 : v * 1000n >= total ? 2 : v * 10000n >= total ? 3 : 4;
      for (let k = 0; k < 5; k++) {
        const inK = xs.filter((v) => bucket(v) === k);
        expect(s.distribution.buckets[k]!.holders, `${token} bucket ${k}`).toBe(inK.length);
        expect(s.distribution.buckets[k]!.balance.value).toBe(inK.reduce((a, v) => a + v, 0n).toString());
      }
      expect(s.distribution.buckets.reduce((a, b) => a + b.holders, 0)).toBe(xs.length);
      const mine = TRANSFERS.filter((t) => t.token === token);
      expect(s.transfers.count).toBe(mine.length);
      expect(s.transfers.first?.block).toBe(String(Math.min(...mine.map((t) => t.block))));
      expect(s.transfers.last).toEqual({
        block: String(Math.max(...mine.map((t) => t.block))),
        timestamp: new Date(tsOf(Math.max(...mine.map((t) => t.block))) * 1000).toISOString(),
      });
      expect(s.token).toMatchObject({ address: token, decimals: DECIMALS[token], firstBlock: '100' });
    }
  });

  it('counts holders per day by replaying every balance, ending at the current count', async () => {
    for (const token of [LINK, USDC, WETH]) {
      // Replay in chain order, counting addresses with a positive balance at the end of each day.
      const bal = new Map<string, bigint>();
      const atEndOf = new Map<number, number>();
      const gained = new Map<number, number>();
      const lost = new Map<number, number>();
      for (const t of TRANSFERS.filter((x) => x.token === token && x.from !== x.to)) {
        for (const [a, d] of [
          [t.from, -t.value],
          [t.to, t.value],
        ] as const) {
          if (a === ZERO_ADDRESS) continue;
          const before = bal.get(a) ?? 0n;
          const after = before + d;
          bal.set(a, after);
          const day = dayOf(t.block);
          if (before <= 0n && after > 0n) gained.set(day, (gained.get(day) ?? 0) + 1);
          if (before > 0n && after <= 0n) lost.set(day, (lost.get(day) ?? 0) + 1);
        }
        atEndOf.set(dayOf(t.block), [...bal.values()].filter((v) => v > 0n).length);
      }
      for (const days of [5, 3, 9]) {
        const h = await holderHistory(services.db, CHAIN, token, { days });
        expect(h.days).toHaveLength(days);
        expect(h.undatedChange).toBe(0);
        let count = 0;
        for (let d = dayOf(FIRST) - 10; d < dayOf(LAST) - days + 1; d++) count = atEndOf.get(d) ?? count;
        h.days.forEach((row, i) => {
          const d = dayOf(LAST) - days + 1 + i;
          count = atEndOf.get(d) ?? count;
          expect(row).toEqual({
            day: dayStr(d),
            gained: gained.get(d) ?? 0,
            lost: lost.get(d) ?? 0,
            change: (gained.get(d) ?? 0) - (lost.get(d) ?? 0),
            holders: count,
          });
        });
        expect(h.days.at(-1)!.holders).toBe(positive(token).length);
      }
    }
  });
});

describe('holder totals cache', () => {
  it('catches up from the transfers since, recounts after a reorg, and always equals a full count', async () => {
    const CH = 2;
    const store = createChainStore(services.db);
    const cache = createHolderTotalsCache();
    let recounts = 0;
    const spy: Queryable = {
      query: (sql, params) => {
        if (sql.includes('count(*)')) recounts++;
        return services.db.query(sql, params);
      },
      exec: (sql) => services.db.exec(sql),
      copyIn: (t, c, d) => services.db.copyIn(t, c, d),
    };
    const check = async (step: string, recount: boolean) => {
      for (const token of [LINK, USDC, WETH]) {
        const asOf = await chainAsOf(services.db, CH);
        const before = recounts;
        const got = await cache.get(spy, CH, token, asOf);
        expect(got, `${step} ${token}`).toEqual(await countHolderTotals(services.db, CH, token));
        expect(recounts - before, `${step} ${token}: recounted`).toBe(recount ? 1 : 0);
      }
    };
    await store.apply(CH, batchOf(EVENTS, FIRST, 249), 0);
    await check('first', true);
    await store.apply(CH, batchOf(EVENTS, 250, 399), 0);
    await check('next batch', false);
    await check('same block', false);
    await store.rollback(CH, 300n, 0);
    await check('rolled back below the cached block', true);
    // Another branch above 300 (other hashes, half the transfers): the entry at 300 still holds.
    await store.apply(
      CH,
      batchOf(
        EVENTS.filter((e) => e.block % 2 === 0),
        301,
        399,
        1,
      ),
      0,
    );
    await check('new branch', false);
    // A reorg at the cached height itself: same number, another hash.
    await store.rollback(CH, 390n, 0);
    await store.apply(
      CH,
      batchOf(
        EVENTS.filter((e) => e.block % 3 !== 0),
        391,
        399,
        2,
      ),
      0,
    );
    await check('reorg at the cached block', true);
    await store.apply(CH, batchOf(EVENTS, 400, LAST, 2), 0);
    await check('after the reorg', false);
  });
});

describe('activity', () => {
  function expectedActivity(token: string | null, days: number) {
    const scope = TRANSFERS.filter((t) => token === null || t.token === token);
    const firstDay = new Map<string, number>();
    for (const t of scope)
      for (const a of [t.from, t.to])
        if (a !== ZERO_ADDRESS && !firstDay.has(a)) firstDay.set(a, dayOf(t.block));
    const out = [];
    for (let d = dayOf(LAST) - days + 1; d <= dayOf(LAST); d++) {
      const today = scope.filter((t) => dayOf(t.block) === d);
      const active = new Set(today.flatMap((t) => [t.from, t.to]).filter((a) => a !== ZERO_ADDRESS));
      const perToken = new Map<string, { n: number; v: bigint }>();
      for (const t of today) {
        const x = perToken.get(t.token) ?? { n: 0, v: 0n };
        perToken.set(t.token, { n: x.n + 1, v: x.v + t.value });
      }
      out.push({
        day: dayStr(d),
        activeAddresses: active.size,
        newAddresses: [...active].filter((a) => firstDay.get(a) === d).length,
        transfers: today.length,
        tokens: new Map([...perToken].map(([k, x]) => [k, { transfers: x.n, volume: x.v.toString() }])),
      });
    }
    return out;
  }

  it('matches per-day active, new and per-token counts and volumes, for all tokens and for one', async () => {
    for (const [token, days] of [
      [null, 5],
      [null, 2],
      [LINK, 5],
      [USDC, 3],
    ] as const) {
      const got = await dailyActivity(services.db, CHAIN, {
        token: token ?? undefined,
        days,
        tokenLimit: 100,
      });
      const want = expectedActivity(token, days);
      expect(got.days.map((d) => d.day)).toEqual(want.map((d) => d.day));
      got.days.forEach((d, i) => {
        const w = want[i]!;
        expect([d.activeAddresses, d.newAddresses, d.transfers, d.tokenCount], `${token} ${d.day}`).toEqual([
          w.activeAddresses,
          w.newAddresses,
          w.transfers,
          w.tokens.size,
        ]);
        for (const t of d.tokens) {
          expect({ transfers: t.transfers, volume: t.volume.value }).toEqual(w.tokens.get(t.token));
          expect(t.volume.formatted).toBe(fmt(BigInt(t.volume.value), DECIMALS[t.token]!));
        }
      });
    }
    const few = await dailyActivity(services.db, CHAIN, { days: 1, tokenLimit: 2 });
    expect(few.days[0]!.tokens).toHaveLength(2);
    expect(few.days[0]!.tokens[0]!.transfers).toBeGreaterThanOrEqual(few.days[0]!.tokens[1]!.transfers);
  });
});

describe('wallets', () => {
  it('shows positive ERC-20 balances, NFT holdings per collection and first-seen', async () => {
    const w = await walletOverview(services.db, CHAIN, A[2]!);
    const want = ERC20S.flatMap((t) => {
      const v = balancesOf(t).get(A[2]!) ?? 0n;
      return v > 0n ? [[t, v.toString()]] : [];
    }).sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
    expect(w.tokens.map((t) => [t.token.address, t.balance.value])).toEqual(want);
    // ERC-721: A2 keeps ids 1 and 3 (2 sent, 3 came back, 4 burned); ERC-1155: id 8 (2) and id 9 (4).
    expect(w.nfts).toEqual([
      { token: NFTA, standard: 'erc721', name: 'Apes', symbol: 'APE', tokenIds: 2, units: '2' },
      { token: NFTB, standard: 'erc1155', name: null, symbol: null, tokenIds: 2, units: '6' },
    ]);
    // The first appearance of A2 is its native transfer in block 105 (before any token event).
    expect(w.firstSeen).toEqual({ block: '105', timestamp: new Date(tsOf(105) * 1000).toISOString() });
    const w3 = await walletOverview(services.db, CHAIN, A[3]!);
    expect(w3.nfts.map((n) => [n.token, n.tokenIds, n.units])).toEqual([
      [NFTA, 1, '1'],
      [NFTB, 1, '10'],
    ]);
    const nobody = await walletOverview(services.db, CHAIN, `0x${'ee'.repeat(20)}`);
    expect(nobody).toMatchObject({ tokens: [], nfts: [], firstSeen: null });
  });

  it('lists ERC-20 and native transfers newest first across pages, and by token', async () => {
    for (const who of [A[2]!, A[0]!, A[7]!]) {
      const want = [
        ...TRANSFERS.filter((t) => t.from === who || t.to === who).map((t) => ({
          key: [t.block, 1, t.li],
          type: 'erc20',
          token: t.token as string | null,
          value: t.value,
          from: t.from,
          to: t.to,
        })),
        ...EVENTS.filter((e): e is NativeEv => e.kind === 'native' && (e.from === who || e.to === who)).map(
          (t) => ({
            key: [t.block, 0, t.txIndex],
            type: 'native',
            token: null,
            value: t.value,
            from: t.from,
            to: t.to,
          }),
        ),
      ].sort((x, y) => y.key[0]! - x.key[0]! || y.key[1]! - x.key[1]! || y.key[2]! - x.key[2]!);
      const got = [];
      let cursor: string | undefined;
      do {
        const page = await walletTransfers(services.db, CHAIN, who, { limit: 3, cursor });
        got.push(...page.transfers);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(got.map((t) => [Number(t.block), t.type, t.index, t.token, t.amount.value])).toEqual(
        want.map((w) => [w.key[0], w.type, w.key[2], w.token, w.value.toString()]),
      );
      for (const t of got) {
        expect(t.direction).toBe(t.from === t.to ? 'self' : t.from === who ? 'out' : 'in');
        expect(t.timestamp).toBe(new Date(tsOf(Number(t.block)) * 1000).toISOString());
      }
      const onlyLink = await walletTransfers(services.db, CHAIN, who, { limit: 500, token: LINK });
      expect(onlyLink.transfers.map((t) => Number(t.block))).toEqual(
        want.filter((w) => w.token === LINK).map((w) => w.key[0]),
      );
    }
  });

  it('lists outstanding approvals: newest snapshot per (token, spender), reads after events, revoked ones gone', async () => {
    // Independent: order snapshots by (block, events by log index, then reads), keep the last.
    const snaps = EVENTS.filter(
      (e): e is ApprovalEv | ReadEv => (e.kind === 'approval' || e.kind === 'read') && e.owner === A[2],
    ).map((e) => ({ ...e, order: e.kind === 'approval' ? e.li : 1_000_000 }));
    snaps.sort((x, y) => x.block - y.block || x.order - y.order);
    const latest = new Map<string, (typeof snaps)[number]>();
    for (const s of snaps) latest.set(`${s.token}|${s.spender}`, s);
    const want = [...latest.values()]
      .filter((s) => s.value > 0n)
      .sort((x, y) => (x.token === y.token ? (x.spender < y.spender ? -1 : 1) : x.token < y.token ? -1 : 1));
    const got = await walletApprovals(services.db, CHAIN, A[2]!);
    expect(
      got.approvals.map((a) => [
        a.token.address,
        a.spender,
        a.allowance.value,
        a.unlimited,
        a.source,
        a.lastUpdate.block,
      ]),
    ).toEqual(
      want.map((s) => [
        s.token,
        s.spender,
        s.value.toString(),
        s.value >= 2n ** 255n,
        s.kind === 'approval' ? 'event' : 'read',
        String(s.block),
      ]),
    );
    // The rules the list above exercises, spelled out.
    const byKey = new Map(got.approvals.map((a) => [`${a.token.address}|${a.spender}`, a]));
    expect(byKey.get(`${USDC}|${S[0]}`)?.allowance.value).toBe('300'); // read after the event
    expect(byKey.has(`${USDC}|${S[1]}`)).toBe(false); // revoked
    expect(byKey.get(`${WETH}|${S[1]}`)?.allowance.value).toBe('70'); // event after the read
    expect(byKey.get(`${LINK}|${S[3]}`)?.allowance.value).toBe('9'); // later log in the block
    expect(byKey.get(`${UNK}|${S[2]}`)?.unlimited).toBe(true);
    expect(byKey.get(`${UNK}|${S[3]}`)?.unlimited).toBe(false);
    expect(byKey.get(`${LINK}|${S[0]}`)).toMatchObject({
      unlimited: true,
      allowance: { formatted: fmt(2n ** 256n - 1n, 18) },
      token: { symbol: 'LINK', decimals: 18 },
      lastUpdate: {
        timestamp: new Date(tsOf(300) * 1000).toISOString(),
        txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      },
    });
  });
});

describe('contracts', () => {
  it('gives creation and age at the checkpoint, a lookup for unknown ones, and 404 otherwise', async () => {
    const c = await contractAge(services.db, CHAIN, LINK);
    expect(c).toMatchObject({
      address: LINK,
      source: 'index',
      creation: {
        block: '100',
        timestamp: new Date(T0 * 1000).toISOString(),
        txHash: `0x${'c1'.repeat(32)}`,
        creator: A[9],
      },
    });
    expect(c.ageDays).toBeCloseTo((tsOf(LAST) - T0) / 86_400, 9);
    expect((await contractAge(services.db, CHAIN, NFTA)).ageDays).toBeNull();
    const unknown = `0x${'55'.repeat(20)}`;
    await expect(contractAge(services.db, CHAIN, unknown)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const looked = await contractAge(services.db, CHAIN, unknown, async (chainId, address) => ({
      address,
      blockNumber: BigInt(chainId) * 7n,
      createdAt: BigInt(T0 - 86_400),
      txHash: null,
      creator: null,
    }));
    expect(looked).toMatchObject({ source: 'lookup', creation: { block: '7' } });
    expect(looked.ageDays).toBeCloseTo((tsOf(LAST) - T0 + 86_400) / 86_400, 9);
  });
});

describe('labelled flows', () => {
  it('sums inflow and outflow of the set per token and day, leaving internal transfers out', async () => {
    const labels = parseAddressLabels(
      `address,label,name\n${A[0]},exchange,Hot 1\n${A[1]!.toUpperCase().replace('0X', '0x')},Exchange,Hot 2\n${A[3]},fund,\n`,
      'csv',
    );
    const set = new Set([A[0]!, A[1]!]);
    for (const days of [5, 2]) {
      const got = await labelFlows(services.db, CHAIN, labels, { label: 'exchange', days });
      expect(got.addresses).toBe(2);
      const firstDay = dayOf(LAST) - days + 1;
      const want = new Map<string, { n: number; in: bigint; out: bigint }>();
      const moves = [
        ...TRANSFERS.map((t) => ({ ...t, token: t.token as string | null })),
        ...EVENTS.filter((e): e is NativeEv => e.kind === 'native').map((t) => ({ token: null, ...t })),
      ];
      for (const t of moves) {
        if (dayOf(t.block) < firstDay || set.has(t.from) === set.has(t.to)) continue;
        const k = `${t.token}|${dayStr(dayOf(t.block))}`;
        const x = want.get(k) ?? { n: 0, in: 0n, out: 0n };
        if (set.has(t.to)) x.in += t.value;
        else x.out += t.value;
        x.n++;
        want.set(k, x);
      }
      const flat = got.tokens.flatMap((t) =>
        t.days.map(
          (d) =>
            [
              `${t.token}|${d.day}`,
              { n: d.transfers, in: BigInt(d.inflow.value), out: BigInt(d.outflow.value) },
            ] as const,
        ),
      );
      expect(new Map(flat)).toEqual(want);
      for (const t of got.tokens) {
        const sum = t.days.reduce((a, d) => a + BigInt(d.net.value), 0n);
        expect(t.net.value).toBe(sum.toString());
        expect(BigInt(t.inflow.value) - BigInt(t.outflow.value)).toBe(sum);
      }
      expect(got.tokens.some((t) => t.token === null)).toBe(true); // A8 → A0 in block 420
    }
    await expect(labelFlows(services.db, CHAIN, labels, { label: 'bridge', days: 5 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('exchange, fund'),
    });
  });
});

describe('whale transfers', () => {
  // LINK has 1h bars (close varies by hour); USDC is a USD stablecoin without bars (pegged);
  // WETH is mapped but has no bars (no price); UNK and NOMETA are not in the registry.
  const hourBars: PriceBar[] = [];
  for (let t = (T0 - 86_400) * 1000; t < (tsOf(LAST) + 7200) * 1000; t += 3_600_000)
    hourBars.push({ openTime: t, close: 10 + ((t / 3_600_000) % 13) * 0.5 });
  const registry = createAssetRegistry();
  const deps = {
    assetOf(caip19: string) {
      const a = registry.byContract(caip19);
      return a
        ? {
            id: a.id,
            symbol: a.symbol,
            decimals: a.contracts[0]?.decimals ?? null,
            usdPegged: a.stablecoin === 'USD',
          }
        : undefined;
    },
    async bars(assetId: string, interval: '1h' | '1d', from: number, to: number) {
      return assetId === 'chainlink' && interval === '1h'
        ? hourBars.filter((b) => b.openTime >= from && b.openTime < to)
        : [];
    },
  };

  it('values transfers at the block time, keeps those over minUsd and counts what it could not value', async () => {
    for (const [minUsd, hours] of [
      [500_000, 48],
      [2_000, 120],
      [100, 6],
    ] as const) {
      const got = await whaleTransfers(services.db, CHAIN, { minUsd, hours, limit: 1000 }, deps);
      const from = tsOf(LAST) - hours * 3600;
      const inWindow = TRANSFERS.filter((t) => tsOf(t.block) >= from);
      const usdOf = (t: Erc20Ev) => {
        if (t.token === USDC) return (Number(t.value) / 1e6) * 1;
        if (t.token !== LINK) return null;
        const hour = Math.floor(tsOf(t.block) / 3600) * 3_600_000;
        return (Number(t.value) / 1e18) * hourBars.find((b) => b.openTime === hour)!.close;
      };
      const want = inWindow
        .filter((t) => (usdOf(t) ?? 0) >= minUsd)
        .sort((x, y) => y.block - x.block || y.li - x.li);
      expect(got.transfers.map((t) => [Number(t.block), t.logIndex, t.token])).toEqual(
        want.map((t) => [t.block, t.li, t.token]),
      );
      got.transfers.forEach((t, i) => {
        expect(t.usd).toBeCloseTo(usdOf(want[i]!)!, 6);
      });
      expect(got.skipped).toEqual({
        unmappedToken: inWindow.filter((t) => t.token === UNK || t.token === NOMETA).length,
        noPrice: inWindow.filter((t) => t.token === WETH).length,
      });
      expect(got.truncated).toBe(false);
    }
    const big = await whaleTransfers(services.db, CHAIN, { minUsd: 500_000, hours: 48, limit: 1000 }, deps);
    // The hand-placed ones (first log of their block): 2M USDC (pegged) and 100k LINK twice.
    const placed = big.transfers.filter(
      (t) => ['430', '431', '440', '441'].includes(t.block) && t.logIndex === 0,
    );
    expect(placed.map((t) => [t.block, t.asset, t.amount.formatted, t.price.source])).toEqual([
      ['440', 'usd-coin', '2000000', 'peg'],
      ['431', 'chainlink', '100000', '1h'],
      ['430', 'chainlink', '100000', '1h'],
    ]);
    const few = await whaleTransfers(services.db, CHAIN, { minUsd: 2_000, hours: 120, limit: 2 }, deps);
    expect(few.transfers).toHaveLength(2);
    expect(few.truncated).toBe(true);
  });

  it('valueTransferUsd uses the covering 1h bar, then the previous one, then 1d, then the peg', () => {
    const h = 3_600_000;
    const prices = {
      h1: [
        { openTime: 10 * h, close: 2 },
        { openTime: 11 * h, close: 3 },
      ],
      d1: [{ openTime: 0, close: 5 }],
      usdPegged: false,
    };
    const at = (ms: number) =>
      valueTransferUsd({ value: 4_000_000n, decimals: 6, timestamp: ms / 1000 }, prices);
    expect(at(10.5 * h)).toMatchObject({ usd: 8, price: { source: '1h', barTime: 10 * h } });
    expect(at(12.5 * h)).toMatchObject({ usd: 12, price: { source: '1h', barTime: 11 * h } }); // hour still open
    expect(at(13.5 * h)).toMatchObject({ usd: 20, price: { source: '1d' } }); // 1h bar too old
    expect(at(9.5 * h)).toMatchObject({ usd: 20, price: { source: '1d' } });
    expect(valueTransferUsd({ value: 1n, decimals: 0, timestamp: 3 * 86_400 }, prices)).toBeNull();
    expect(
      valueTransferUsd({ value: 1_500_000n, decimals: 6, timestamp: 0 }, { h1: [], d1: [], usdPegged: true }),
    ).toMatchObject({ usd: 1.5, price: { source: 'peg', barTime: null } });
  });
});
