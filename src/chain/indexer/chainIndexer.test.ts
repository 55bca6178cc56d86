import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeChain, transfersFor, ZERO } from '../../../test/chain/fakeChain.js';
import { LogCapture, type TestEnv, testEnv } from '../../../test/helpers.js';
import type { Db } from '../../db/index.js';
import { createLogger } from '../../internal/logger.js';
import { openServices, type Services } from '../../services/index.js';
import { createChainStore } from '../store/chainStore.js';
import { createChainIndexer, readAhead, splitChunk } from './chainIndexer.js';
import type { IndexerRpc } from './types.js';

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

describe('block headers kept', () => {
  const envs: TestEnv[] = [];
  const opened: Services[] = [];
  const logger = createLogger({ level: 'silent' });
  afterAll(async () => {
    for (const s of opened) await s.close();
    for (const e of envs) await e.cleanup();
  });

  it.each([
    [true, 'every block'],
    [false, 'blocks with data and the unfinalized tail'],
  ])(
    'fullBlocks %s: %s',
    async (fullBlocks) => {
      const chain = new FakeChain(`prune-${fullBlocks}`);
      chain.chunk = 50n;
      // 200 blocks, transfers in every tenth only.
      for (let n = 1; n <= 200; n++) chain.push(0, n % 10 === 0 ? transfersFor(n, 7) : []);
      const env = testEnv();
      envs.push(env);
      const s = await openServices(env.config, { logger, command: 'test' });
      opened.push(s);
      const ix = createChainIndexer({
        chainId: 1337,
        rpc: chain,
        store: createChainStore(s.db),
        logger,
        finality: 5,
        startBlock: 1n,
        fullBlocks,
        maxBatchBlocks: 40,
      });
      for (let i = 0; i < 100 && (await ix.syncOnce()) !== null; i++);
      const rows = await s.db.query<{ number: string }>(
        'select number::text from chain_blocks order by number',
      );
      const kept = rows.map((r) => Number(r.number)).sort((a, b) => a - b);
      if (fullBlocks) expect(kept).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      else {
        // Headers below head − 2·finality − 64 survive only where they carry transfers.
        const keepFrom = 200 - 2 * 5 - 64;
        expect(kept.filter((n) => n < keepFrom)).toEqual(
          Array.from({ length: 200 }, (_, i) => i + 1).filter((n) => n < keepFrom && n % 10 === 0),
        );
        expect(kept.filter((n) => n >= 200 - 5 + 1)).toEqual([196, 197, 198, 199, 200]);
      }
    },
    60_000,
  );
});

describe('one indexer per chain: the lease, and fenced writes', () => {
  const envs: TestEnv[] = [];
  const opened: Services[] = [];
  const logger = createLogger({ level: 'silent' });
  afterAll(async () => {
    for (const s of opened) await s.close();
    for (const e of envs) await e.cleanup();
  });
  // PostgreSQL when DATABASE_URL is set (real concurrent transactions), PGlite otherwise.
  async function freshDb(): Promise<Db> {
    const env = testEnv();
    envs.push(env);
    const s = await openServices(env.config, { logger, command: 'test' });
    opened.push(s);
    return s.db;
  }
  const LEASE = 60_000;
  let clock = 1_700_000_000_000;

  /** An indexer named `holder`, counting the batches it committed; `gate` pauses its next getLogs. */
  function named(db: Db, chain: FakeChain, holder: string) {
    const state = { batches: 0, gate: null as Promise<void> | null, paused: null as (() => void) | null };
    const rpc: IndexerRpc = {
      blockNumber: () => chain.blockNumber(),
      getBlock: (n) => chain.getBlock(n),
      createdContract: () => chain.createdContract(),
      call: () => chain.call(),
      async *getLogs(r) {
        if (state.gate) {
          state.paused?.();
          await state.gate;
          state.gate = null;
        }
        yield* chain.getLogs(r);
      },
    };
    const ix = createChainIndexer({
      chainId: 1337,
      rpc,
      store: createChainStore(db),
      logger,
      finality: 5,
      startBlock: 1n,
      fullBlocks: false,
      maxBatchBlocks: 10,
      leaseMs: LEASE,
      holder,
      now: () => clock,
      onProgress: () => {
        state.batches++;
      },
    });
    /** Pause this indexer inside its next step, after it took the lease and read the checkpoint. */
    const pauseNextStep = () => {
      let release!: () => void;
      state.gate = new Promise<void>((r) => {
        release = r;
      });
      const reached = new Promise<void>((r) => {
        state.paused = r;
      });
      return { reached, release };
    };
    return { ix, state, pauseNextStep };
  }
  const checkpointOf = async (db: Db) => (await createChainStore(db).checkpoint(1337))?.block ?? null;

  it('two indexers on one database: only the lease holder writes; a takeover fences the old one out', async () => {
    const chain = new FakeChain('lease');
    for (let n = 1; n <= 60; n++) chain.push(0, transfersFor(n, 5));
    const db = await freshDb();
    const a = named(db, chain, 'host-a:1:a');
    const b = named(db, chain, 'host-b:2:b');

    // Both run at once: A gets the lease, B stands by the whole time and writes nothing.
    const results: { a: unknown[]; b: unknown[] } = { a: [], b: [] };
    const loop = async (x: typeof a, out: unknown[]) => {
      for (let i = 0; i < 20; i++) {
        const r = await x.ix.syncOnce();
        out.push(r);
        if (r === null) return;
        await new Promise((res) => setImmediate(res));
      }
    };
    await Promise.all([loop(a, results.a), loop(b, results.b)]);
    const first = results.a.some((r) => r === null) ? a : b;
    const second = first === a ? b : a;
    expect(first.state.batches).toBeGreaterThan(0);
    expect(second.state.batches).toBe(0);
    expect((first === a ? results.b : results.a).every((r) => r !== null && 'standby' in (r as object))).toBe(
      true,
    );
    expect(await checkpointOf(db)).toBe(60n);

    // The holder stalls mid-step (after taking the lease and reading the checkpoint) for longer
    // than the lease: the other takes the chain over and moves on.
    for (let n = 61; n <= 80; n++) chain.push(0, transfersFor(n, 5));
    const stall = first.pauseNextStep();
    const stalled = first.ix.syncOnce();
    await stall.reached;
    clock += LEASE + 1;
    expect(await second.ix.syncOnce()).toMatchObject({ from: 61n, to: 70n });
    expect(second.state.batches).toBeGreaterThan(0);
    const before = first.state.batches;
    // The stalled step resumes: its write is refused whole (lease fence), nothing of it lands.
    stall.release();
    expect(await stalled).toEqual({ standby: second.ix.holder });
    expect(first.state.batches).toBe(before);
    expect(await checkpointOf(db)).toBe(70n);
    // From now on it stands by.
    expect(await first.ix.syncOnce()).toEqual({ standby: second.ix.holder });
    for (let i = 0; i < 20 && (await second.ix.syncOnce()) !== null; i++);
    expect(await checkpointOf(db)).toBe(80n);

    // And the database is what one indexer alone makes of the chain.
    const fresh = await freshDb();
    const alone = named(fresh, chain, 'alone');
    for (let i = 0; i < 50 && (await alone.ix.syncOnce()) !== null; i++);
    expect(await dump(db)).toEqual(await dump(fresh));
  }, 60_000);

  it('the checkpoint compare-and-set refuses a writer that continues from a stale checkpoint', async () => {
    // Two processes misconfigured with the same holder name both "hold" the lease.
    const chain = new FakeChain('cas');
    for (let n = 1; n <= 30; n++) chain.push(0, transfersFor(n, 6));
    const db = await freshDb();
    const x = named(db, chain, 'same');
    const y = named(db, chain, 'same');
    for (let i = 0; i < 10 && (await x.ix.syncOnce()) !== null; i++);
    for (let n = 31; n <= 40; n++) chain.push(0, transfersFor(n, 6));
    const stall = y.pauseNextStep();
    const stalled = y.ix.syncOnce();
    await stall.reached; // y read checkpoint 30
    expect(await x.ix.syncOnce()).toMatchObject({ from: 31n, to: 40n }); // x moves it to 40
    stall.release();
    expect(await stalled).toMatchObject({ standby: 'same' });
    expect(y.state.batches).toBe(0);
    expect(await checkpointOf(db)).toBe(40n);
    const fresh = await freshDb();
    const alone = named(fresh, chain, 'alone');
    for (let i = 0; i < 50 && (await alone.ix.syncOnce()) !== null; i++);
    expect(await dump(db)).toEqual(await dump(fresh));
  }, 60_000);
});

describe('readAhead', () => {
  it('yields every item in order, asking for the next one before the caller is done with this one', async () => {
    const asked: number[] = [];
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; i < 5; i++) {
          asked.push(i);
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const seen: [number, number[]][] = [];
    for await (const x of readAhead(source())) seen.push([x, [...asked]]);
    expect(seen.map(([x]) => x)).toEqual([0, 1, 2, 3, 4]);
    // While the caller holds item 0, item 1 is already being fetched.
    expect(seen[0]![1]).toEqual([0, 1]);
    expect(closed).toBe(true);

    // Leaving early closes the source; a failing prefetch is not an unhandled rejection.
    closed = false;
    async function* failing() {
      try {
        yield 1;
        throw new Error('node went away');
      } finally {
        closed = true;
      }
    }
    for await (const x of readAhead(failing())) if (x === 1) break;
    expect(closed).toBe(true);
    await expect(
      (async () => {
        for await (const _ of readAhead(failing()));
      })(),
    ).rejects.toThrow('node went away');
  });
});

describe('splitChunk', () => {
  const logsOf = (perBlock: number[], from: bigint) =>
    perBlock.flatMap((n, i) => Array.from({ length: n }, (_, k) => ({ blockNumber: from + BigInt(i), k })));

  it('cuts at block boundaries into pieces of at most maxLogs; a bigger block is a piece of its own', () => {
    const logs = logsOf([2, 0, 3, 1, 7, 0, 1], 10n);
    const pieces = splitChunk({ fromBlock: 10n, toBlock: 18n, logs }, 4);
    expect(pieces.map((p) => [p.fromBlock, p.toBlock, p.logs.length])).toEqual([
      [10n, 10n, 2],
      [11n, 13n, 4],
      [14n, 14n, 7],
      [15n, 18n, 1],
    ]);
  });

  it('for any blocks and limit: contiguous pieces cover the range, keep every log in order, split no block', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 6 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.nat({ max: 3 }),
        (perBlock, maxLogs, tail) => {
          const from = 100n;
          const to = from + BigInt(perBlock.length + tail) - 1n;
          if (to < from) return;
          const logs = logsOf(perBlock, from);
          const pieces = splitChunk({ fromBlock: from, toBlock: to, logs }, maxLogs);
          expect(pieces[0]!.fromBlock).toBe(from);
          expect(pieces.at(-1)!.toBlock).toBe(to);
          for (let i = 1; i < pieces.length; i++)
            expect(pieces[i]!.fromBlock).toBe(pieces[i - 1]!.toBlock + 1n);
          expect(pieces.flatMap((p) => [...p.logs])).toEqual(logs);
          for (const p of pieces) {
            for (const l of p.logs)
              expect(l.blockNumber >= p.fromBlock && l.blockNumber <= p.toBlock).toBe(true);
            const blocks = new Set(p.logs.map((l) => l.blockNumber));
            if (p.logs.length > maxLogs) expect(blocks.size).toBe(1);
          }
        },
      ),
    );
  });
});
