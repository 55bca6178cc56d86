import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/index.js';
import { loadConfig } from '../../src/internal/config.js';
import { createLogger } from '../../src/internal/logger.js';
import { openServices } from '../../src/services/index.js';
import { BUILD_WAIT_MS, type CliChild, childEnv, ensureBuilt, spawnSextant } from '../build.js';
import { type Anvil, anvilAvailability, startAnvil } from '../chain/anvil.js';
import { type TestEnv, testEnv } from '../helpers.js';

/**
 * `sextant chains status` and `sextant index` as a user runs them: usage errors, the status table
 * and JSON (checkpoint, head, distance, lease holder), an unreachable node (never its URL), and an
 * index run that waits for another holder's lease.
 */

const available = anvilAvailability();
const logger = createLogger({ level: 'silent' });

type Status = {
  chainId: number;
  checkpoint: string | null;
  head: string;
  behind: string | null;
  finality: number;
  leaseHolder: string | null;
};

describe('chain commands: usage errors (no node needed)', () => {
  const children = new Set<CliChild>();
  let env: TestEnv;
  beforeAll(async () => {
    await ensureBuilt();
    env = testEnv({}, { postgres: false });
  }, BUILD_WAIT_MS);
  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL');
    await env?.cleanup();
  });
  const run = async (args: string[], vars: Record<string, string> = {}) => {
    const c = spawnSextant(args, childEnv({ SEXTANT_DATA_DIR: env.config.dataDirAbs, ...vars }), children);
    const r = await c.closed;
    return { code: r.code, out: c.out, err: c.err };
  };

  it.each([
    [['chains', 'status'], {}, /no chain configured: set CHAINS/],
    [['index'], {}, /no chain configured/],
    [
      ['index', '--chain', '5'],
      { CHAINS: '1=http://127.0.0.1:9;2=http://127.0.0.1:9' },
      /--chain 5 is not configured \(configured: 1, 2\)/,
    ],
    [['index'], { CHAINS: '1=http://127.0.0.1:9;2=http://127.0.0.1:9' }, /--chain is required/],
    [
      ['index', '--batch-blocks', '0'],
      { CHAINS: '1=http://127.0.0.1:9' },
      /--batch-blocks must be a whole number/,
    ],
    [
      ['index', '--from-block', 'ten'],
      { CHAINS: '1=http://127.0.0.1:9' },
      /--from-block must be a block number/,
    ],
  ])('%j exits 2: %s', async (args, vars, message) => {
    const r = await run(args, vars);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('a CHAINS with only WebSocket URLs is a configuration error that names CHAINS, not the URL', async () => {
    const r = await run(['chains', 'status'], { CHAINS: '1=wss://node.example/v2/SECRETKEY' });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/CHAINS is invalid: chain 1: rpc lists only WebSocket URLs/);
    expect(r.err).not.toContain('SECRETKEY');
  });
});

describe.runIf(available.ok)('chain commands against anvil', () => {
  let anvil: Anvil;
  let env: TestEnv;
  const children = new Set<CliChild>();
  let vars: Record<string, string>;

  beforeAll(async () => {
    await ensureBuilt();
    anvil = await startAnvil();
    await anvil.mine(12);
    env = testEnv();
    vars = {
      LOG_LEVEL: 'warn',
      CHAINS: JSON.stringify([
        { id: anvil.chainId, rpc: [anvil.rpcUrl], finality: 2 },
        // A node that is down, with a key in its URL.
        { id: 99, rpc: ['http://127.0.0.1:9/v2/SECRETKEY'], finality: 5 },
      ]),
      ...(env.config.databaseUrl
        ? { DATABASE_URL: env.config.databaseUrl, DATABASE_SCHEMA: env.config.databaseSchema }
        : { SEXTANT_DATA_DIR: env.config.dataDirAbs }),
    };
    // Migrate once (the CLI would too), so the test can write a lease row below.
    const s = await openServices(loadConfig({ env: vars }), { logger, command: 'test' });
    await s.close();
  }, BUILD_WAIT_MS + 60_000);
  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL');
    await env?.cleanup();
    await anvil?.stop();
  });

  const run = async (args: string[]) => {
    const c = spawnSextant(args, childEnv(vars), children);
    const r = await c.closed;
    return { code: r.code, out: c.out, err: c.err };
  };
  const status = async (): Promise<Status[]> => {
    const r = await run(['chains', 'status', '--json']);
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out) as Status[];
  };
  /** Write through a bare handle (the CLI needs the data directory free between runs). */
  const sql = async (text: string, params: unknown[]) => {
    const c = loadConfig({ env: vars });
    const db = await createDb(
      c.databaseUrl
        ? { kind: 'postgres', url: c.databaseUrl, schema: c.databaseSchema, poolSize: 1 }
        : { kind: 'pglite', dataDir: c.dataDirAbs },
    );
    try {
      await db.query(text, params);
    } finally {
      await db.close();
    }
  };

  it('chains status: nothing indexed yet, the head of each node, an unreachable one without its URL', async () => {
    const rows = await status();
    const head = await anvil.client.getBlockNumber();
    expect(rows).toEqual([
      {
        chainId: anvil.chainId,
        checkpoint: null,
        head: head.toString(),
        behind: null,
        finality: 2,
        leaseHolder: null,
      },
      expect.objectContaining({
        chainId: 99,
        checkpoint: null,
        behind: null,
        finality: 5,
        leaseHolder: null,
      }),
    ]);
    expect(rows[1]!.head).toMatch(/^(error|unreachable)/);
    const text = await run(['chains', 'status']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/chain\s+checkpoint\s+head\s+behind\s+finality\s+indexer/);
    expect(text.out + text.err).not.toContain('SECRETKEY');
  }, 60_000);

  it('index waits for a live holder’s lease, then indexes; status shows checkpoint, distance and no holder', async () => {
    // Another process (alive: this one) holds the lease for a few more seconds (past the CLI start).
    const holder = `${hostname()}:${process.pid}:othernode`;
    await sql('insert into chain_leases (chain_id, holder, expires_at) values ($1, $2, $3)', [
      anvil.chainId,
      holder,
      Date.now() + 10_000,
    ]);
    const r = await run(['index', '--chain', String(anvil.chainId), '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`chain ${anvil.chainId} is being indexed by ${holder}: waiting for its lease`);
    const head = await anvil.client.getBlockNumber();
    expect(JSON.parse(r.out)).toMatchObject({ chainId: anvil.chainId, checkpoint: head.toString() });
    await anvil.mine(3);
    const rows = await status();
    expect(rows[0]).toEqual({
      chainId: anvil.chainId,
      checkpoint: head.toString(),
      head: (head + 3n).toString(),
      behind: '3',
      finality: 2,
      // `sextant index` gave the lease up when it finished.
      leaseHolder: null,
    });
    // A live lease shows in the status.
    await sql(
      `insert into chain_leases (chain_id, holder, expires_at) values ($1, $2, $3)
       on conflict (chain_id) do update set holder = excluded.holder, expires_at = excluded.expires_at`,
      [anvil.chainId, holder, Date.now() + 60_000],
    );
    expect((await status())[0]!.leaseHolder).toBe(holder);
  }, 90_000);
});
