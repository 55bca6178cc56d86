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
