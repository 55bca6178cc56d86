import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainIndexer, createChainStore } from '../../src/chain/index.js';
import { createIndexerRpc } from '../../src/chain/rpcAdapter.js';
import type { Db } from '../../src/db/index.js';
import type { ChainConfig } from '../../src/internal/config.js';
import { loadConfig } from '../../src/internal/config.js';
import { createLogger } from '../../src/internal/logger.js';
import { openServices, type Services } from '../../src/services/index.js';
import { BUILD_WAIT_MS, type CliChild, childEnv, ensureBuilt, spawnSextant } from '../build.js';
import { type Anvil, anvilAvailability, startAnvil } from '../chain/anvil.js';
import { readGroundTruth, runScenario, type ScenarioManifest } from '../chain/scenario.js';
import { startTestServer, stopTestServer, type TestEnv, testEnv } from '../helpers.js';

/**
 * The indexer against a real node (anvil): a few thousand transfers, approvals, NFT moves and
 * native transfers from many accounts, then every derived value checked against the chain itself
 * (`balanceOf`, `allowance`, `ownerOf`), reorgs (shallow and at the finality edge) and SIGKILLs
 * compared with a fresh index of the final chain.
 */

const available = anvilAvailability();
const FINALITY = 3;
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
  const indexer = (db: Db) =>
    createChainIndexer({
      chainId: anvil.chainId,
      rpc: createIndexerRpc(chain, logger),
      store: createChainStore(db),
      logger,
      finality: FINALITY,
      startBlock: 0n,
      fullBlocks: true,
      nativeAddresses: '*',
      maxBatchBlocks: 10,
    });
  async function syncAll(db: Db) {
    const ix = indexer(db);
    for (let i = 0; i < 10_000; i++) if ((await ix.syncOnce()) === null) return;
    throw new Error('did not converge');
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
    const fresh = await freshDb();
    await syncAll(fresh.db);
    expect(await dump(db)).toEqual(await dump(fresh.db));
  }, 120_000);

  it(
    'SIGKILLed `sextant index` runs, restarted, end equal to a fresh index',
    async () => {
      await ensureBuilt();
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
      for (const delay of [150, 400, 900]) {
        const c = spawnSextant(['index', '--json'], childEnv(vars), children);
        await new Promise((r) => setTimeout(r, delay));
        c.proc.kill('SIGKILL');
        await c.closed;
      }
      const last = spawnSextant(['index', '--json'], childEnv(vars), children);
      const r = await last.closed;
      expect(r.code, last.err).toBe(0);
      const s = await openServices(loadConfig({ env: vars }), { logger, command: 'test' });
      opened.push(s);
      const fresh = await freshDb();
      await syncAll(fresh.db);
      expect(await dump(s.db)).toEqual(await dump(fresh.db));
    },
    BUILD_WAIT_MS + 120_000,
  );
});
