import { afterAll, describe, expect, it } from 'vitest';
import { FakeChain, transfersFor, ZERO } from '../../../test/chain/fakeChain.js';
import { LogCapture, type TestEnv, testEnv } from '../../../test/helpers.js';
import type { Db } from '../../db/index.js';
import { createLogger } from '../../internal/logger.js';
import { openServices, type Services } from '../../services/index.js';
import { createChainStore } from '../store/chainStore.js';
import { createChainIndexer } from './chainIndexer.js';

async function dump(db: Db): Promise<Record<string, unknown[]>> {
  const q = (sql: string) => db.query(sql);
  return {
    transfers: await q(
      'select block_number::text, log_index, token, sender, recipient, value::text from erc20_transfers order by 1, 2',
    ),
    balances: await q(
      'select token, holder, balance::text from erc20_balances where balance <> 0 order by 1, 2',
    ),
    checkpoint: await q('select block::text, hash from chain_checkpoints'),
  };
}

describe('chain indexer on a simulated chain (reorgs, restarts)', () => {
  const envs: TestEnv[] = [];
  const opened: Services[] = [];
  const logger = createLogger({ level: 'silent' });
  async function freshDb(): Promise<Db> {
    const env = testEnv();
    envs.push(env);
    const s = await openServices(env.config, { logger, command: 'test' });
    opened.push(s);
    return s.db;
  }
  const indexer = (db: Db, chain: FakeChain, finality = 5) =>
    createChainIndexer({
      chainId: 1337,
      rpc: chain,
      store: createChainStore(db),
      logger,
      finality,
      startBlock: 1n,
      fullBlocks: false,
      maxBatchBlocks: 20,
    });
  const syncAll = async (ix: ReturnType<typeof indexer>) => {
    for (let i = 0; i < 1000; i++) if ((await ix.syncOnce()) === null) return;
    throw new Error('did not converge');
  };

  afterAll(async () => {
    for (const s of opened) await s.close();
    for (const e of envs) await e.cleanup();
  });

  it('rolls back shallow and finality-edge reorgs to exactly a fresh index of the final chain', async () => {
    const chain = new FakeChain('a');
    for (let n = 1; n <= 60; n++) chain.push(0, transfersFor(n, 0));
    const db = await freshDb();
    const ix = indexer(db, chain);
    await syncAll(ix);
    expect((await dump(db)).checkpoint).toEqual([{ block: '60', hash: chain.blocks[60]!.hash }]);

    // Shallow reorg: the last 2 blocks replaced, then the chain grows.
    chain.drop(2);
    for (let n = 59; n <= 70; n++) chain.push(1, transfersFor(n, 1));
    await syncAll(ix);
    // At the finality edge: the last 5 blocks (the finality depth) replaced.
    chain.drop(5);
    for (let n = 66; n <= 75; n++) chain.push(2, transfersFor(n, 2));
    await syncAll(ix);

    const fresh = await freshDb();
    await syncAll(indexer(fresh, chain));
    expect(await dump(db)).toEqual(await dump(fresh));
    // Balances equal a plain summation of the final chain's transfers.
    const expected = new Map<string, bigint>();
    for (const b of chain.blocks.slice(1))
      for (const l of b.logs) {
        const from = `0x${l.topics[1]!.slice(26)}`;
        const to = `0x${l.topics[2]!.slice(26)}`;
        const v = BigInt(l.data);
        if (from === to) continue;
        if (from !== ZERO) expected.set(from, (expected.get(from) ?? 0n) - v);
        if (to !== ZERO) expected.set(to, (expected.get(to) ?? 0n) + v);
      }
    const got = (await dump(db)).balances as { holder: string; balance: string }[];
    expect(Object.fromEntries(got.map((r) => [r.holder, BigInt(r.balance)]))).toEqual(
      Object.fromEntries([...expected].filter(([, v]) => v !== 0n)),
    );
  }, 60_000);

  it('a reorg deeper than finality is rolled back too, and reported as an error', async () => {
    const chain = new FakeChain('b');
    for (let n = 1; n <= 40; n++) chain.push(0, transfersFor(n, 3));
    const db = await freshDb();
    const capture = new LogCapture();
    const log = createLogger({ level: 'info', destination: capture });
    const ix = createChainIndexer({
      chainId: 1337,
      rpc: chain,
      store: createChainStore(db),
      logger: log,
      finality: 3,
      startBlock: 1n,
      fullBlocks: false,
    });
    await syncAll(ix);
    chain.drop(6);
    for (let n = 35; n <= 45; n++) chain.push(9, transfersFor(n, 9));
    await syncAll(ix);
    const fresh = await freshDb();
    await syncAll(indexer(fresh, chain, 3));
    expect(await dump(db)).toEqual(await dump(fresh));
    expect(capture.text).toMatch(/reorg deeper than the finality depth/);
  }, 60_000);

  it('a node behind our checkpoint (going backwards) deletes nothing', async () => {
    const chain = new FakeChain('c');
    for (let n = 1; n <= 30; n++) chain.push(0, transfersFor(n, 4));
    const db = await freshDb();
    const ix = indexer(db, chain);
    await syncAll(ix);
    const before = await dump(db);
    const saved = chain.blocks.slice(25);
    chain.drop(6); // the node now reports head 24, behind our checkpoint 30
    expect(await ix.syncOnce()).toBeNull();
    expect(await dump(db)).toEqual(before);
    chain.blocks.push(...saved);
    expect(await ix.syncOnce()).toBeNull();
    expect(await dump(db)).toEqual(before);
  }, 60_000);
});
