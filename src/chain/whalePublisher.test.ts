import { afterAll, describe, expect, it } from 'vitest';
import { FakeChain, TOKEN } from '../../test/chain/fakeChain.js';
import { type TestEnv, testEnv } from '../../test/helpers.js';
import type { Db } from '../db/index.js';
import { createLogger } from '../internal/logger.js';
import { openServices, type Services } from '../services/index.js';
import { createChainIndexer } from './indexer/chainIndexer.js';
import type { WhaleDeps } from './insights/whales.js';
import { createChainStore } from './store/chainStore.js';
import {
  CHAIN_WHALE_TOPIC,
  createWhalePublisher,
  isWhaleTransferEvent,
  type WhaleTransferEvent,
  whaleEventId,
} from './whalePublisher.js';

const CHAIN = 1337;
const FINALITY = 5;
const USD = 1_000_000n; // the token has 6 decimals and is worth 1 USD
const logger = createLogger({ level: 'silent' });

/** The token is a USD stablecoin in the registry; nothing else is mapped. */
const deps: WhaleDeps = {
  assetOf: (caip19) =>
    caip19 === `eip155:${CHAIN}/erc20:${TOKEN}`
      ? { id: 'test-usd', symbol: 'TUSD', decimals: 6, usdPegged: true }
      : undefined,
  bars: async () => [],
};

describe('live whale transfers from the indexer', () => {
  const envs: TestEnv[] = [];
  const opened: Services[] = [];
  async function freshDb(): Promise<Db> {
    const env = testEnv();
    envs.push(env);
    const s = await openServices(env.config, { logger, command: 'test' });
    opened.push(s);
    return s.db;
  }
  afterAll(async () => {
    for (const s of opened) await s.close();
    for (const e of envs) await e.cleanup();
  });

  it('pushes transfers above the threshold near the head, in chain order, and removals after a reorg', async () => {
    const chain = new FakeChain('whales');
    chain.chunk = 50n;
    // 300 blocks; whales (≥ 1,000 USD) in blocks 10 (too old to push), 290, 298 and 299.
    for (let n = 1; n <= 300; n++) {
      const t: [number, number, bigint][] = [[1, 2, 5n * USD]];
      if (n === 10 || n === 290) t.push([2, 3, 5_000n * USD]);
      if (n === 298) t.push([3, 4, 1_000n * USD], [4, 5, 999n * USD]);
      if (n === 299) t.push([0, 6, 2_000_000n * USD]);
      chain.push(0, t);
    }
    const db = await freshDb();
    const published: WhaleTransferEvent[] = [];
    const whales = createWhalePublisher({
      chainId: CHAIN,
      db,
      bus: {
        publish(topic, m) {
          expect(topic).toBe(CHAIN_WHALE_TOPIC);
          expect(isWhaleTransferEvent(m)).toBe(true);
          published.push(m as WhaleTransferEvent);
        },
      },
      deps,
      minUsd: 1_000,
      finality: FINALITY,
      logger,
      now: () => 1_700_000_000_000,
    });
    const ix = createChainIndexer({
      chainId: CHAIN,
      rpc: chain,
      store: createChainStore(db),
      logger,
      finality: FINALITY,
      startBlock: 1n,
      fullBlocks: false,
      maxBatchBlocks: 40,
      onCommit: whales.onCommit,
      onRollback: whales.onRollback,
    });
    const syncAll = async () => {
      for (let i = 0; i < 1000; i++) if ((await ix.syncOnce()) === null) return;
      throw new Error('did not converge');
    };
    await syncAll();
    const hashOf = (n: number) => chain.blocks[n]!.hash;
    expect(published.map((e) => [e.block, e.logIndex, e.usd, e.final, e.removed])).toEqual([
      ['290', 1, 5000, true, false],
      ['298', 1, 1000, false, false],
      ['299', 1, 2_000_000, false, false],
    ]);
    expect(published[2]).toMatchObject({
      id: whaleEventId(CHAIN, hashOf(299), 1, false),
      chainId: CHAIN,
      blockHash: hashOf(299),
      token: TOKEN,
      asset: 'test-usd',
      symbol: 'TUSD',
      amount: { value: (2_000_000n * USD).toString(), formatted: '2000000' },
      price: { usd: 1, source: 'peg', barTime: null },
      timestamp: new Date((1_700_000_000 + 299 * 12) * 1000).toISOString(),
      pushedAt: 1_700_000_000_000,
    });
    expect(new Set(published.map((e) => e.id)).size).toBe(3);

    // A reorg replaces blocks 298..300: both pushed whales there are removed (own ids), and the
    // new branch's whale is pushed.
    published.length = 0;
    const old298 = hashOf(298);
    const old299 = hashOf(299);
    chain.drop(3);
    chain.push(1, [[1, 2, 3_000n * USD]]);
    chain.push(1, []);
    chain.push(1, []);
    await syncAll();
    expect(published.map((e) => [e.block, e.removed, e.blockHash, e.id])).toEqual([
      ['298', true, old298, whaleEventId(CHAIN, old298, 1, true)],
      ['299', true, old299, whaleEventId(CHAIN, old299, 1, true)],
      ['298', false, hashOf(298), whaleEventId(CHAIN, hashOf(298), 0, false)],
    ]);
    // Nothing is removed twice; the REST view (the table) agrees with what is live.
    published.length = 0;
    chain.drop(1);
    chain.push(2, []);
    await syncAll();
    expect(published).toEqual([]);
    const rows = await db.query<{ block_number: string }>(
      `select block_number::text from erc20_transfers where value >= ${1_000n * USD} order by 1`,
    );
    expect(rows.map((r) => r.block_number)).toEqual(['10', '290', '298']);
  }, 60_000);

  it('a failing valuation never stops the indexer', async () => {
    const chain = new FakeChain('broken');
    for (let n = 1; n <= 20; n++) chain.push(0, [[0, 1, 10_000n * USD]]);
    const db = await freshDb();
    const ix = createChainIndexer({
      chainId: CHAIN,
      rpc: chain,
      store: createChainStore(db),
      logger,
      finality: FINALITY,
      startBlock: 1n,
      fullBlocks: false,
      onCommit: createWhalePublisher({
        chainId: CHAIN,
        db,
        bus: { publish: () => {} },
        deps: {
          ...deps,
          bars: async () => {
            throw new Error('market store down');
          },
        },
        minUsd: 1,
        finality: FINALITY,
        logger,
      }).onCommit,
    });
    for (let i = 0; i < 100 && (await ix.syncOnce()) !== null; i++);
    expect((await createChainStore(db).checkpoint(CHAIN))?.block).toBe(20n);
  }, 60_000);
});
