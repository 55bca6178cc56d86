import { encodeFunctionData } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChainIndexerOptions, createChainIndexer, createChainStore } from '../../src/chain/index.js';
import { createIndexerRpc } from '../../src/chain/rpcAdapter.js';
import { createDb, type Db } from '../../src/db/index.js';
import type { ChainConfig } from '../../src/internal/config.js';
import { loadConfig } from '../../src/internal/config.js';
import { createLogger } from '../../src/internal/logger.js';
import { openServices, type Services } from '../../src/services/index.js';
import { BUILD_WAIT_MS, type CliChild, childEnv, ensureBuilt, spawnSextant } from '../build.js';
import { type Anvil, anvilAvailability, startAnvil } from '../chain/anvil.js';
import { testTokenAbi } from '../chain/contracts.js';
import { readGroundTruth, runScenario, type ScenarioManifest } from '../chain/scenario.js';
import { type TestEnv, testEnv } from '../helpers.js';

/**
 * The indexer against a real node (anvil): a few thousand transfers, approvals, NFT moves and
 * native transfers from many accounts, then every derived value checked against the chain itself
 * (`balanceOf`, `allowance`, `ownerOf`), reorgs (shallow and at the finality edge) and SIGKILLs
 * compared with a fresh index of the final chain.
 */

const available = anvilAvailability();
const FINALITY = 3;
// The realtime kill test mines a block every FOLLOW_BLOCK_MS while `sextant index --follow` runs.
const FOLLOW_BLOCK_MS = 150;
const MAX_FOLLOW_BLOCKS = 200;
const logger = createLogger({ level: 'silent' });
const lower = (a: string) => a.toLowerCase();

describe.runIf(!available.ok)('indexer on anvil', () => {
  it.skip(`skipped: anvil cannot run here (${'reason' in available ? available.reason : ''})`, () => {});
});

describe.runIf(available.ok)('indexer on anvil', () => {
  let anvil: Anvil;
  let manifest: ScenarioManifest;
  let chain: ChainConfig;
  const envs: TestEnv[] = [];
  const opened: Services[] = [];
  const children = new Set<CliChild>();

  async function freshDb(): Promise<{ db: Db; env: TestEnv }> {
    const env = testEnv();
    envs.push(env);
    const s = await openServices(env.config, { logger, command: 'test' });
    opened.push(s);
    return { db: s.db, env };
  }
  const indexer = (db: Db, startBlock = 0n, extra: Partial<ChainIndexerOptions> = {}) =>
    createChainIndexer({
      chainId: anvil.chainId,
      rpc: createIndexerRpc(chain, logger),
      store: createChainStore(db),
      logger,
      finality: FINALITY,
      startBlock,
      fullBlocks: true,
      nativeAddresses: '*',
      maxBatchBlocks: 10,
      ...extra,
    });
  async function syncAll(db: Db, startBlock = 0n, extra: Partial<ChainIndexerOptions> = {}) {
    const ix = indexer(db, startBlock, extra);
    try {
      for (let i = 0; i < 10_000; i++) {
        const r = await ix.syncOnce();
        if (r === null) return;
        if ('standby' in r) throw new Error(`the lease is held by ${r.standby}`);
      }
      throw new Error('did not converge');
    } finally {
      // The next indexer on this database takes the lease at once.
      await ix.release();
    }
  }
  // A fresh index of the chain as it is now, per head hash: tests that end on the same chain share it.
  const freshDumps = new Map<string, ReturnType<typeof dump>>();
  async function freshDump(startBlock = 0n) {
    const head = await anvil.client.getBlock({ blockTag: 'latest' });
    const key = `${head.hash}|${startBlock}`;
    let d = freshDumps.get(key);
    if (!d) {
      d = freshDb().then(async ({ db }) => {
        await syncAll(db, startBlock);
        return dump(db);
      });
      freshDumps.set(key, d);
    }
    return d;
  }
  async function dump(db: Db) {
    const q = (sql: string) => db.query(sql);
    return {
      checkpoint: await q('select block::text, hash from chain_checkpoints'),
      transfers: await q(
        'select block_number::text, log_index, token, sender, recipient, value::text from erc20_transfers order by 1, 2',
      ),
      balances: await q(
        'select token, holder, balance::text from erc20_balances where balance <> 0 order by 1, 2',
      ),
      allowances: await q(
        'select block_number::text, seq, token, owner, spender, value::text from erc20_allowances order by 1, 2',
      ),
      nft: await q(
        'select block_number::text, log_index, batch_index, token, sender, recipient, token_id::text, amount::text from nft_transfers order by 1, 2, 3',
      ),
      native: await q(
        'select block_number::text, tx_index, sender, recipient, value::text from native_transfers order by 1, 2',
      ),
      contracts: await q('select address, block_number::text, creator from chain_contracts order by 1'),
      tokens: await q('select address, standard, name, symbol, decimals from chain_tokens order by 1'),
    };
  }

  beforeAll(async () => {
    anvil = await startAnvil({ genesisTimestamp: 1_700_000_000 });
    manifest = await runScenario(anvil, { txCount: 2000, seed: 7 });
    chain = {
      id: anvil.chainId,
      rpc: [anvil.rpcUrl],
      finality: FINALITY,
      startBlock: 0,
      fullBlocks: true,
      nativeAddresses: '*',
      requestsPerSecond: 1000,
      whaleMinUsd: 1_000_000,
    };
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL');
    for (const s of opened) await s.close();
    for (const e of envs) await e.cleanup();
    await anvil?.stop();
  });

  it('indexes the scenario; balances, allowances, NFT owners and ERC-1155 balances equal the chain', async () => {
    const { db } = await freshDb();
    await syncAll(db);
    const truth = await readGroundTruth(anvil.client, manifest);
    const balances = new Map(
      (
        await db.query<{ token: string; holder: string; balance: string }>(
          'select token, holder, balance::text from erc20_balances',
        )
      ).map((r) => [`${r.token}|${r.holder}`, BigInt(r.balance)]),
    );
    for (const b of truth.erc20Balances)
      expect(balances.get(`${lower(b.token)}|${lower(b.holder)}`) ?? 0n, `${b.token} ${b.holder}`).toBe(
        b.balance,
      );
    const allowances = new Map(
      (
        await db.query<{ token: string; owner: string; spender: string; value: string }>(
          `select distinct on (token, owner, spender) token, owner, spender, value::text from erc20_allowances
           order by token, owner, spender, block_number desc, seq desc`,
        )
      ).map((r) => [`${r.token}|${r.owner}|${r.spender}`, BigInt(r.value)]),
    );
    expect(truth.allowances.length).toBeGreaterThan(10);
    for (const a of truth.allowances)
      expect(
        allowances.get(`${lower(a.token)}|${lower(a.owner)}|${lower(a.spender)}`) ?? 0n,
        `${a.owner}→${a.spender}`,
      ).toBe(a.allowance);
    const owners = new Map(
      (
        await db.query<{ token: string; token_id: string; recipient: string }>(
          `select distinct on (token, token_id) token, token_id::text, recipient from nft_transfers
           where standard = 'erc721' order by token, token_id, block_number desc, log_index desc`,
        )
      ).map((r) => [`${r.token}|${r.token_id}`, r.recipient]),
    );
    for (const o of truth.erc721Owners) expect(owners.get(`${lower(o.token)}|${o.id}`)).toBe(lower(o.owner));
    const multi = new Map<string, bigint>();
    for (const r of await db.query<{
      token: string;
      token_id: string;
      sender: string;
      recipient: string;
      amount: string;
    }>(
      `select token, token_id::text, sender, recipient, amount::text from nft_transfers where standard = 'erc1155'`,
    )) {
      const v = BigInt(r.amount);
      multi.set(
        `${r.token}|${r.token_id}|${r.sender}`,
        (multi.get(`${r.token}|${r.token_id}|${r.sender}`) ?? 0n) - v,
      );
      multi.set(
        `${r.token}|${r.token_id}|${r.recipient}`,
        (multi.get(`${r.token}|${r.token_id}|${r.recipient}`) ?? 0n) + v,
      );
    }
    for (const b of truth.erc1155Balances)
      expect(multi.get(`${lower(b.token)}|${b.id}|${lower(b.holder)}`) ?? 0n).toBe(b.balance);
    // Contracts deployed by a transaction, with their creator; token metadata read once.
    const d = await dump(db);
    const created = new Set((d.contracts as { address: string }[]).map((c) => c.address));
    for (const t of manifest.tokens.filter((t) => t.creation === 'create'))
      expect(created.has(lower(t.address))).toBe(true);
    const decimals = new Map(
      (d.tokens as { address: string; decimals: number | null }[]).map((t) => [t.address, t.decimals]),
    );
    for (const t of manifest.tokens.filter((t) => t.kind === 'erc20'))
      expect(decimals.get(lower(t.address))).toBe(t.decimals);
    expect((d.native as unknown[]).length).toBeGreaterThan(0);
  }, 120_000);

  it('written in one-block batches while the next is prepared, equals the index written range by range', async () => {
    // maxBatchLogs 1: every block with logs is its own batch, prepared (allowance reads, token
    // metadata) while the one before is still being written, over 200-block ranges.
    const { db } = await freshDb();
    const batches: bigint[] = [];
    const ix = indexer(db, 0n, {
      maxBatchLogs: 1,
      maxBatchBlocks: 200,
      onProgress: (p) => batches.push(p.block),
    });
    while ((await ix.syncOnce()) !== null);
    await ix.release();
    expect(batches.length).toBeGreaterThan(15);
    expect([...batches].sort((a, b) => (a < b ? -1 : 1))).toEqual(batches);
    expect(await dump(db)).toEqual(await freshDump());
  }, 120_000);

  it('after a shallow reorg and one at the finality edge, equals a fresh index of the final chain', async () => {
    const { db } = await freshDb();
    await syncAll(db);
    const sender = anvil.accounts[3]!;
    const tx = (nonceOffset: number) => ({
      tx: {
        account: sender.account,
        to: anvil.accounts[4]!.address,
        value: 10n ** 15n + BigInt(nonceOffset),
      },
      blockOffset: 0,
    });
    await anvil.reorg(2, [tx(1)]);
    await anvil.mine(2);
    await syncAll(db);
    await anvil.reorg(FINALITY, [tx(2)]);
    await anvil.mine(1);
    await syncAll(db);
    expect(await dump(db)).toEqual(await freshDump());
  }, 120_000);

  /** Settings for a `sextant index` child on a fresh database, and how to read its checkpoint. */
  async function cliTarget() {
    const { env } = await freshDb();
    // The CLI needs the data directory free: close this test's handle on it first.
    await opened.pop()!.close();
    const vars: Record<string, string> = {
      LOG_LEVEL: 'warn',
      CHAINS: JSON.stringify([
        { id: chain.id, rpc: chain.rpc, finality: FINALITY, fullBlocks: true, nativeAddresses: '*' },
      ]),
      ...(env.config.databaseUrl
        ? { DATABASE_URL: env.config.databaseUrl, DATABASE_SCHEMA: env.config.databaseSchema }
        : { SEXTANT_DATA_DIR: env.config.dataDirAbs }),
    };
    return {
      vars,
      /** The checkpoint, read with a bare database handle (migrations ran in the CLI). */
      async checkpoint(): Promise<bigint | null> {
        const c = loadConfig({ env: vars });
        const db = await createDb(
          c.databaseUrl
            ? { kind: 'postgres', url: c.databaseUrl, schema: c.databaseSchema, poolSize: 1 }
            : { kind: 'pglite', dataDir: c.dataDirAbs },
        );
        try {
          return (await createChainStore(db).checkpoint(chain.id))?.block ?? null;
        } finally {
          await db.close();
        }
      },
      async dump() {
        const s = await openServices(loadConfig({ env: vars }), { logger, command: 'test' });
        opened.push(s);
        return dump(s.db);
      },
    };
  }
  type Progress = { block: string; head: string; behind: number };
  const progressOf = (c: CliChild): Progress[] =>
    c.err
      .split('\n')
      .filter((l) => l.startsWith('{"chainId"'))
      .map((l) => JSON.parse(l) as Progress);
  /** Resolves once `c` printed `n` progress lines (fails fast if it exits first). */
  async function progressLines(c: CliChild, n: number, pred: (p: Progress) => boolean = () => true) {
    let exited = false;
    void c.closed.then(() => {
      exited = true;
    });
    for (;;) {
      const lines = progressOf(c).filter(pred);
      if (lines.length >= n) return lines;
      if (exited) throw new Error(`sextant index exited before ${n} progress lines:\n${c.err.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  it(
    'SIGKILL mid historical sync (one block per commit), restarted, ends equal to a fresh index',
    async () => {
      await ensureBuilt();
      const t = await cliTarget();
      const head = await anvil.client.getBlockNumber();
      const args = ['index', '--json', '--batch-blocks', '1'];
      // Killed right after its first progress line.
      const c = spawnSextant(args, childEnv(t.vars), children);
      const lines = await progressLines(c, 1);
      c.proc.kill('SIGKILL');
      await c.closed;
      const cp = await t.checkpoint();
      // The kill landed mid-sync: at or past what was reported committed, short of the head.
      expect(cp).not.toBeNull();
      expect(cp!).toBeGreaterThanOrEqual(BigInt(lines[0]!.block));
      expect(cp!).toBeLessThan(head);
      const last = spawnSextant(['index', '--json', '--batch-blocks', '5'], childEnv(t.vars), children);
      const r = await last.closed;
      expect(r.code, last.err).toBe(0);
      // It resumed from the checkpoint, not from the start.
      const resumed = BigInt(progressOf(last)[0]!.block);
      expect(resumed).toBeGreaterThan(cp!);
      expect(resumed).toBeLessThanOrEqual(cp! + 5n);
      expect(await t.dump()).toEqual(await freshDump());
    },
    BUILD_WAIT_MS + 120_000,
  );

  it(
    'SIGKILL while following new blocks (`--follow`), restarted, converges to a fresh index',
    async () => {
      await ensureBuilt();
      const t = await cliTarget();
      const token = manifest.tokens.find((x) => x.kind === 'erc20')!.address;
      const miner = anvil.accounts[5]!.address;
      let mining = false;
      let mined = 0;
      // New blocks keep coming: a mint (ERC-20 Transfer) or a native transfer each, every ~150 ms.
      const mineLoop = async () => {
        while (mining && mined < MAX_FOLLOW_BLOCKS) {
          const i = mined++;
          const tx =
            i % 3 === 2
              ? { from: miner, to: anvil.accounts[6]!.address, value: `0x${(1000 + i).toString(16)}` }
              : {
                  from: miner,
                  to: token,
                  data: encodeFunctionData({
                    abi: testTokenAbi,
                    functionName: 'mint',
                    args: [anvil.accounts[7 + (i % 3)]!.address, BigInt(1 + i)],
                  }),
                };
          await anvil.rpc('eth_sendTransaction', [tx]);
          await new Promise((r) => setTimeout(r, FOLLOW_BLOCK_MS));
        }
      };
      let mine: Promise<void> = Promise.resolve();
      try {
        await ensureBuilt();
        const startHead = await anvil.client.getBlockNumber();
        // From a few blocks below the head: this test is about following, not history.
        const from = startHead - 4n;
        const args = ['index', '--json', '--follow', '--from-block', from.toString()];
        const first = spawnSextant(args, childEnv(t.vars), children);
        // Caught up with the chain as it was, then following blocks mined from now on.
        await progressLines(first, 1, (p) => BigInt(p.block) >= startHead);
        mining = true;
        mine = mineLoop();
        await progressLines(first, 2, (p) => BigInt(p.block) > startHead);
        first.proc.kill('SIGKILL');
        await first.closed;
        const killedAt = await t.checkpoint();
        expect(killedAt!).toBeGreaterThan(startHead);
        // Restarted while blocks still come: it resumes and follows again.
        const second = spawnSextant(args, childEnv(t.vars), children);
        const resumeHead = await anvil.client.getBlockNumber();
        await progressLines(second, 1, (p) => BigInt(p.block) > resumeHead);
        mining = false;
        await mine;
        const finalHead = await anvil.client.getBlockNumber();
        await progressLines(second, 1, (p) => BigInt(p.block) === finalHead);
        second.proc.kill('SIGTERM');
        const r = await second.closed;
        expect(r.code, second.err).toBe(0);
        expect(finalHead - startHead).toBeGreaterThan(3n);
        const got = await t.dump();
        expect(got.checkpoint).toEqual([{ block: finalHead.toString(), hash: expect.any(String) }]);
        expect(got).toEqual(await freshDump(from));
      } finally {
        mining = false;
        await mine;
      }
    },
    BUILD_WAIT_MS + 120_000,
  );
});
