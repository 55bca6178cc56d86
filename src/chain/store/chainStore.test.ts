import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_DATA, type TestEnv, testEnv } from '../../../test/helpers.js';
import { createLogger } from '../../internal/logger.js';
import { openServices, type Services } from '../../services/index.js';
import { decodeLogs, type RawLog, TOPICS, ZERO_ADDRESS } from '../derive/decodeLogs.js';
import { createChainStore } from './chainStore.js';

const FILE = join(SHARED_DATA, 'erc20-transfers-ethritch', 'token_transfers.csv');
const pad = (a: string) => `0x${a.slice(2).padStart(64, '0')}`;

describe.runIf(!existsSync(FILE))('real mainnet transfers into the store', () => {
  it.skip(`skipped: ${FILE} not found`, () => {});
});

describe.runIf(existsSync(FILE))('the 8,817 real mainnet transfers through the store', () => {
  let env: TestEnv;
  let services: Services;
  afterAll(async () => {
    await services?.close();
    await env?.cleanup();
  });

  it('give holder balances in the database equal to a plain summation (bigint, exact), also after a rollback', async () => {
    env = testEnv();
    services = await openServices(env.config, { logger: createLogger({ level: 'silent' }), command: 'test' });
    const store = createChainStore(services.db);
    const rows = readFileSync(FILE, 'utf8')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.split(','));
    const logs: RawLog[] = rows.map(([token, from, to, value, tx, logIndex, block]) => ({
      address: token!,
      topics: [TOPICS.transfer, pad(from!), pad(to!)],
      data: `0x${BigInt(value!).toString(16).padStart(64, '0')}`,
      blockNumber: BigInt(block!),
      logIndex: Number(logIndex),
      transactionHash: tx!,
    }));
    const empty = { allowanceReads: [], nativeTransfers: [], contracts: [], tokens: [] };
    // Two batches, as the indexer would commit them: blocks up to 12,600,025, then the rest.
    const cut = 12_600_025n;
    for (const part of [logs.filter((l) => l.blockNumber <= cut), logs.filter((l) => l.blockNumber > cut)]) {
      const last = part.at(-1)!.blockNumber;
      await store.apply(
        1,
        { ...empty, blocks: [], decoded: decodeLogs(part), checkpoint: { block: last, hash: null } },
        0,
      );
    }
    const expected = (upTo: bigint) => {
      const m = new Map<string, bigint>();
      for (const [token, from, to, value, , , block] of rows) {
        if (BigInt(block!) > upTo || from === to) continue;
        const v = BigInt(value!);
        if (from !== ZERO_ADDRESS) m.set(`${token}|${from}`, (m.get(`${token}|${from}`) ?? 0n) - v);
        if (to !== ZERO_ADDRESS) m.set(`${token}|${to}`, (m.get(`${token}|${to}`) ?? 0n) + v);
      }
      return Object.fromEntries([...m].filter(([, v]) => v !== 0n).map(([k, v]) => [k, v.toString()]));
    };
    const stored = async () =>
      Object.fromEntries(
        (
          await services.db.query<{ token: string; holder: string; balance: string }>(
            'select token, holder, balance::text from erc20_balances where chain_id = 1 and balance <> 0',
          )
        ).map((r) => [`${r.token}|${r.holder}`, r.balance]),
      );
    expect(await stored()).toEqual(expected(12_600_050n));
    const count = await services.db.query<{ n: number }>('select count(*)::int as n from erc20_transfers');
    expect(count[0]!.n).toBe(8817);
    // A rollback to 12,600,025 leaves exactly the balances of the first part.
    await store.rollback(1, cut, 0);
    expect(await stored()).toEqual(expected(cut));
  }, 60_000);
});

describe('table statistics after bulk writes', () => {
  let env: TestEnv;
  let services: Services;
  afterAll(async () => {
    await services?.close();
    await env?.cleanup();
  });

  it('are refreshed once enough rows were written, so the planner reads the top of erc20_balances_top', async () => {
    env = testEnv();
    services = await openServices(env.config, { logger: createLogger({ level: 'silent' }), command: 'test' });
    const db = services.db;
    const store = createChainStore(db, { analyzeMinRows: 3_000 });
    const token = `0x${'aa'.repeat(20)}`;
    const reltuples = async () =>
      (
        await db.query<{ n: number }>(
          `select reltuples::float8 as n from pg_class where oid = 'erc20_balances'::regclass`,
        )
      )[0]!.n;
    const empty = { allowanceReads: [], nativeTransfers: [], contracts: [], tokens: [] };
    // 2,000 holders minted one token each, in batches of 500 (1,500 rows counted per batch).
    const batch = (b: number) => {
      const logs: RawLog[] = Array.from({ length: 500 }, (_, i) => ({
        address: token,
        topics: [
          TOPICS.transfer,
          pad(ZERO_ADDRESS),
          pad(`0x${(b * 500 + i + 1).toString(16).padStart(40, '0')}`),
        ],
        data: `0x${BigInt(b * 500 + i + 1)
          .toString(16)
          .padStart(64, '0')}`,
        blockNumber: BigInt(b + 1),
        logIndex: i,
        transactionHash: `0x${(b + 1).toString(16).padStart(64, '0')}`,
      }));
      return {
        ...empty,
        blocks: [],
        decoded: decodeLogs(logs),
        checkpoint: { block: BigInt(b + 1), hash: null },
      };
    };
    await store.apply(1, batch(0), 0);
    // 1,500 rows written: below the threshold, the table was never analyzed (-1). (PostgreSQL's
    // autovacuum may analyze it by itself meanwhile; PGlite has none.)
    if (db.kind === 'pglite') expect(await reltuples()).toBeLessThanOrEqual(0);
    await store.apply(1, batch(1), 0);
    await store.statisticsSettled();
    // 3,000 rows: analyzed.
    expect(await reltuples()).toBe(1000);
    await store.apply(1, batch(2), 0);
    await store.apply(1, batch(3), 0);
    await store.statisticsSettled();
    const plan = (
      await db.query<Record<string, string>>(
        `explain select holder from erc20_balances where chain_id = 1 and token = $1 and balance > 0
          order by balance desc, holder limit 101`,
        [token],
      )
    )
      .map((r) => Object.values(r)[0])
      .join('\n');
    expect(plan).toContain('erc20_balances_top');
    expect(plan).not.toMatch(/Bitmap Heap Scan/);
  }, 60_000);
});
