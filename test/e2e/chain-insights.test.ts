import { type Address, getAddress, parseAbiItem } from 'viem';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createChainStore } from '../../src/chain/index.js';
import { type Anvil, anvilAvailability, startAnvil } from '../chain/anvil.js';
import {
  readAllowances,
  readErc20Balances,
  readErc20Supplies,
  runScenario,
  type ScenarioManifest,
} from '../chain/scenario.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';

/**
 * Every on-chain insight over HTTP (`app.inject`) after a server indexed the anvil scenario with
 * its own indexer, each compared with what the chain itself says: `balanceOf`, `allowance`,
 * `totalSupply`, the `Transfer` logs and transactions of the blocks, receipts' contract
 * addresses, `eth_getCode`, and `eth_feeHistory`.
 */

const available = anvilAvailability();
const FINALITY = 3;
const lower = (a: string) => a.toLowerCase();
const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');
const ZERO = '0x0000000000000000000000000000000000000000';

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

type ChainTransfer = {
  block: bigint;
  logIndex: number;
  token: string;
  from: string;
  to: string;
  value: bigint;
};
type NativeTx = { block: bigint; index: number; from: string; to: string; value: bigint };

describe.runIf(!available.ok)('insights on anvil', () => {
  it.skip(`skipped: anvil cannot run here (${'reason' in available ? available.reason : ''})`, () => {});
});

describe.runIf(available.ok)('insights on anvil', () => {
  let anvil: Anvil;
  let manifest: ScenarioManifest;
  let server: TestServer;
  let chainId: number;
  let erc20: Address[];
  // The chain's own record, read once.
  let transfers: ChainTransfer[];
  let natives: NativeTx[];
  let blockTime: Map<bigint, number>;

  let key: string;
  const get = async (url: string) => {
    const r = await server.app.inject({ method: 'GET', url, headers: { 'x-api-key': key } });
    return { status: r.statusCode, body: r.json() as Json };
  };
  const ok = async (url: string) => {
    const r = await get(url);
    expect(r.status, `${url}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200);
    return r.body;
  };
  /** Every page of a cursor-paged list. */
  async function allPages(url: string, key: string): Promise<Json[]> {
    const out: Json[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 1000; i++) {
      const page: Json = await ok(
        `${url}${url.includes('?') ? '&' : '?'}${cursor ? `cursor=${cursor}` : ''}`,
      );
      out.push(...page[key]);
      cursor = page.nextCursor;
      if (!cursor) return out;
    }
    throw new Error('too many pages');
  }

  beforeAll(async () => {
    anvil = await startAnvil({ genesisTimestamp: 1_700_000_000 });
    chainId = anvil.chainId;
    // Blocks 50 minutes apart: the activity spans UTC days.
    manifest = await runScenario(anvil, { txCount: 1500, seed: 23, blockTimeSeconds: 3000 });
    erc20 = manifest.tokens.filter((t) => t.kind === 'erc20').map((t) => t.address);
    server = await startTestServer({
      CHAINS: JSON.stringify([
        { id: chainId, rpc: [anvil.rpcUrl], finality: FINALITY, fullBlocks: true, nativeAddresses: '*' },
      ]),
      // Hundreds of requests in a few seconds.
      TIER_PRO_RPM: '1000000',
    });
    key = (await server.services.keys.create({ name: 'insights', tier: 'pro' })).secret;
    const head = await anvil.client.getBlockNumber();
    // The server's own indexer (serve runs it) catches up with the head.
    const store = createChainStore(server.services.db);
    await vi.waitFor(async () => expect((await store.checkpoint(chainId))?.block).toBe(head), {
      timeout: 90_000,
      interval: 200,
    });
    const logs = await anvil.client.getLogs({
      address: erc20,
      event: TRANSFER,
      fromBlock: 0n,
      toBlock: head,
    });
    transfers = logs.map((l) => ({
      block: l.blockNumber,
      logIndex: l.logIndex,
      token: lower(l.address),
      from: lower(l.args.from!),
      to: lower(l.args.to!),
      value: l.args.value!,
    }));
    natives = [];
    blockTime = new Map();
    for (let n = 0n; n <= head; n++) {
      const b = await anvil.client.getBlock({ blockNumber: n, includeTransactions: true });
      blockTime.set(n, Number(b.timestamp));
      for (const t of b.transactions)
        if (t.to && t.value > 0n)
          natives.push({
            block: n,
            index: t.transactionIndex,
            from: lower(t.from),
            to: lower(t.to),
            value: t.value,
          });
    }
  }, 180_000);

  afterAll(async () => {
    await stopTestServer(server);
    await anvil?.stop();
  });

  it('token holders, holder count, totals and transfer counts equal balanceOf, totalSupply and the logs', async () => {
    const balances = await readErc20Balances(anvil.client, manifest);
    const supplies = await readErc20Supplies(anvil.client, manifest);
    for (const token of erc20) {
      const want = new Map(
        balances
          .filter((b) => lower(b.token) === lower(token) && b.balance > 0n)
          .map((b) => [lower(b.holder), b.balance.toString()]),
      );
      const holders = await allPages(`/v1/chains/${chainId}/tokens/${token}/holders?limit=7`, 'holders');
      expect(new Map(holders.map((h) => [h.address, h.balance.value]))).toEqual(want);
      // Ranked by balance, descending, without gaps.
      expect(holders.map((h) => h.rank)).toEqual(holders.map((_, i) => i + 1));
      for (let i = 1; i < holders.length; i++)
        expect(BigInt(holders[i - 1]!.balance.value) >= BigInt(holders[i]!.balance.value)).toBe(true);
      const first = await ok(`/v1/chains/${chainId}/tokens/${token}/holders?limit=1`);
      expect(first.holderCount).toBe(want.size);
      const supply = supplies.find((s) => lower(s.token) === lower(token))!.totalSupply;
      expect(first.totalHeld.value).toBe(supply.toString());
      const info = await ok(`/v1/chains/${chainId}/tokens/${token}`);
      const logs = transfers.filter((t) => t.token === lower(token));
      expect(info.holderCount).toBe(want.size);
      expect(info.transfers.count).toBe(logs.length);
      expect(info.transfers.first.block).toBe(logs[0]!.block.toString());
      expect(info.transfers.last.block).toBe(logs.at(-1)!.block.toString());
      expect(info.token.decimals).toBe(manifest.tokens.find((t) => t.address === token)!.decimals);
    }
  });

  it('holder count history: at the end of each UTC day, the addresses balanceOf says hold the token', async () => {
    const token = erc20[0]!;
    const r = await ok(`/v1/chains/${chainId}/tokens/${token}/holders/history?days=10`);
    const days = (r.days as Json[]).filter((d) => d.holders > 0 || d.gained > 0);
    expect(days.length).toBeGreaterThan(1);
    for (const d of days) {
      const end = Date.parse(`${d.day}T00:00:00Z`) / 1000 + 86_400;
      // The day's last block (block numbers rise with time).
      const last = [...blockTime].filter(([, t]) => t < end).at(-1)![0];
      const keys = manifest.model.erc20Balances.filter((b) => lower(b.token) === lower(token));
      const held = (
        await readErc20Balances(
          anvil.client,
          { model: { ...manifest.model, erc20Balances: keys } },
          { blockNumber: last },
        )
      ).filter((b) => b.balance > 0n);
      expect(d.holders, d.day).toBe(held.length);
    }
  });

  it('wallet balances and outstanding approvals equal balanceOf and allowance', async () => {
    const balances = await readErc20Balances(anvil.client, manifest);
    const allowances = await readAllowances(anvil.client, manifest);
    expect(allowances.filter((a) => a.allowance > 0n).length).toBeGreaterThan(10);
    for (const account of [...manifest.accounts, ...manifest.coldHolders]) {
      const w = await ok(`/v1/chains/${chainId}/addresses/${account}`);
      const want = new Map(
        balances
          .filter((b) => lower(b.holder) === lower(account) && b.balance > 0n)
          .map((b) => [lower(b.token), b.balance.toString()]),
      );
      const got = new Map(
        (w.tokens as Json[])
          .filter((t) => erc20.some((e) => lower(e) === t.token.address))
          .map((t) => [t.token.address, t.balance.value]),
      );
      expect(got, account).toEqual(want);
      const a = await ok(`/v1/chains/${chainId}/addresses/${account}/approvals`);
      const wantApprovals = allowances
        .filter((x) => lower(x.owner) === lower(account) && x.allowance > 0n)
        .map((x) => `${lower(x.token)}|${lower(x.spender)}|${x.allowance}`)
        .sort();
      expect(
        (a.approvals as Json[]).map((x) => `${x.token.address}|${x.spender}|${x.allowance.value}`).sort(),
        account,
      ).toEqual(wantApprovals);
      for (const x of a.approvals as Json[])
        expect(x.unlimited).toBe(BigInt(x.allowance.value) >= 2n ** 255n);
    }
  });

  it('wallet transfers, paged, are exactly the chain’s ERC-20 and native transfers of the address, newest first', async () => {
    // The three busiest senders.
    const count = new Map<string, number>();
    for (const t of transfers) count.set(t.from, (count.get(t.from) ?? 0) + 1);
    const busiest = [...count]
      .filter(([a]) => a !== ZERO)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([a]) => a);
    for (const address of busiest) {
      const got = await allPages(
        `/v1/chains/${chainId}/addresses/${getAddress(address)}/transfers?limit=9`,
        'transfers',
      );
      const want = [
        ...transfers
          .filter((t) => t.from === address || t.to === address)
          .map((t) => `erc20|${t.block}|${t.logIndex}|${t.token}|${t.from}|${t.to}|${t.value}`),
        ...natives
          .filter((t) => t.from === address || t.to === address)
          .map((t) => `native|${t.block}|${t.index}|null|${t.from}|${t.to}|${t.value}`),
      ].sort();
      const rows = got.map(
        (t) => `${t.type}|${t.block}|${t.index}|${t.token}|${t.from}|${t.to}|${t.amount.value}`,
      );
      expect(new Set(rows).size).toBe(rows.length);
      expect([...rows].sort()).toEqual(want);
      for (let i = 1; i < got.length; i++)
        expect(BigInt(got[i - 1]!.block) >= BigInt(got[i]!.block)).toBe(true);
      for (const t of got)
        expect(t.direction).toBe(t.from === t.to ? 'self' : t.from === address ? 'out' : 'in');
      // One token only.
      const token = lower(erc20[0]!);
      const one = await allPages(
        `/v1/chains/${chainId}/addresses/${address}/transfers?limit=50&token=${token}`,
        'transfers',
      );
      expect(one.length).toBe(
        transfers.filter((t) => t.token === token && (t.from === address || t.to === address)).length,
      );
    }
  });

  it('daily activity: transfers, active and new addresses per UTC day equal the logs', async () => {
    const days = new Map<
      string,
      { transfers: number; active: Set<string>; perToken: Map<string, [number, bigint]> }
    >();
    const seen = new Set<string>();
    const newPerDay = new Map<string, number>();
    for (const t of transfers) {
      const day = new Date(blockTime.get(t.block)! * 1000).toISOString().slice(0, 10);
      const d = days.get(day) ?? { transfers: 0, active: new Set<string>(), perToken: new Map() };
      d.transfers++;
      for (const a of [t.from, t.to])
        if (a !== ZERO) {
          d.active.add(a);
          if (!seen.has(a)) {
            seen.add(a);
            newPerDay.set(day, (newPerDay.get(day) ?? 0) + 1);
          }
        }
      const [n, v] = d.perToken.get(t.token) ?? [0, 0n];
      d.perToken.set(t.token, [n + 1, v + t.value]);
      days.set(day, d);
    }
    expect(transfers.length).toBeGreaterThan(500);
    const r = await ok(`/v1/chains/${chainId}/activity?days=30&tokenLimit=100`);
    const got = (r.days as Json[]).filter((d) => d.transfers > 0);
    expect(got.map((d) => d.day)).toEqual([...days.keys()].sort());
    for (const d of got) {
      const want = days.get(d.day)!;
      expect(d.transfers).toBe(want.transfers);
      expect(d.activeAddresses).toBe(want.active.size);
      expect(d.newAddresses).toBe(newPerDay.get(d.day) ?? 0);
      expect(
        new Map((d.tokens as Json[]).map((t) => [t.token, [t.transfers, BigInt(t.volume.value)]])),
      ).toEqual(want.perToken);
    }
    // The scenario's own counts: one Transfer per transfer, transferFrom and mint, plus each
    // token's initial supply (minted to its deployer; a factory passes it on: one more).
    const c = manifest.counts;
    const fromFactory = manifest.tokens.filter((t) => t.kind === 'erc20' && t.creation !== 'create').length;
    expect(transfers.length).toBe(
      c.erc20Transfer + c.erc20TransferFrom + c.erc20Mint + erc20.length + fromFactory,
    );
  });

  it('contract age: creations by transaction from the index, factory-made tokens from the node', async () => {
    const checkpoint = await createChainStore(server.services.db).checkpoint(chainId);
    const asOfTime = blockTime.get(checkpoint!.block)!;
    for (const t of manifest.tokens) {
      const c = await ok(`/v1/chains/${chainId}/contracts/${t.address}`);
      expect(c.creation.block, t.symbol).toBe(t.deployBlock.toString());
      const created = blockTime.get(t.deployBlock)!;
      expect(c.creation.timestamp).toBe(new Date(created * 1000).toISOString());
      expect(c.ageDays).toBeCloseTo((asOfTime - created) / 86_400, 4);
      if (t.creation === 'create') {
        const receipt = await anvil.client.getTransactionReceipt({ hash: t.deployTx });
        expect(receipt.contractAddress && lower(receipt.contractAddress)).toBe(lower(t.address));
        expect(c).toMatchObject({
          source: 'index',
          creation: { txHash: t.deployTx, creator: lower(manifest.deployer) },
        });
      } else {
        // Made inside a call: the node's eth_getCode history says when.
        expect(c.source).toBe('lookup');
        const before = await anvil.client.getCode({ address: t.address, blockNumber: t.deployBlock - 1n });
        expect(before ?? '0x').toBe('0x');
      }
    }
    expect((await get(`/v1/chains/${chainId}/contracts/${manifest.accounts[1]}`)).status).toBe(404);
  });

  it('gas: base fees and priority-fee percentiles equal eth_feeHistory', async () => {
    const r = await ok(`/v1/chains/${chainId}/gas?blocks=20`);
    const h = await anvil.client.getFeeHistory({
      blockCount: 20,
      blockTag: 'latest',
      rewardPercentiles: [10, 25, 50, 75, 90],
    });
    expect(r.oldestBlock).toBe(h.oldestBlock.toString());
    expect(r.blocks).toHaveLength(h.gasUsedRatio.length);
    expect(
      (r.blocks as Json[]).map((b) => [b.number, b.baseFee, b.gasUsedRatio, Object.values(b.priorityFee)]),
    ).toEqual(
      h.gasUsedRatio.map((ratio, i) => [
        (h.oldestBlock + BigInt(i)).toString(),
        h.baseFeePerGas[i]!.toString(),
        ratio,
        h.reward![i]!.map(String),
      ]),
    );
    expect(r.nextBaseFee).toBe(h.baseFeePerGas.at(-1)!.toString());
    // The scenario's blocks paid priority fees: the percentiles are not all zero.
    expect((r.blocks as Json[]).some((b) => b.priorityFee.p50 !== '0')).toBe(true);
    expect((r.hours as Json[]).reduce((s, x) => s + x.blocks, 0)).toBe(h.gasUsedRatio.length);
    const bad = await get(`/v1/chains/${chainId}/gas?blocks=0`);
    expect(bad.status).toBe(400);
    expect((await get('/v1/chains/999/gas')).status).toBe(404);
  });
});
