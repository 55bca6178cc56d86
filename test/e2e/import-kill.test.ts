import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/index.js';
import {
  BUILD_WAIT_MS,
  childEnv as baseChildEnv,
  type CliChild,
  ensureBuilt,
  spawnSextant,
} from '../build.js';
import { DATABASE_URL, dropSchema, HAVE_SHARED_DATA, SHARED_DATA } from '../helpers.js';
import { candleChecksum } from '../market/checksum.js';
import { seedPgliteDataDir } from '../pgliteTemplate.js';

/**
 * Crash safety of `sextant import`: a SIGKILL in the middle of an import, then the same import
 * again, must leave exactly the rows of an import that was never interrupted.
 */

// PGlite: ~100,000 rows in 8 files, long enough to be killed midway, short enough for CI.
// PostgreSQL writes several times faster: it gets the whole set (~420,000 rows in 49 files).
const DATA = [join(SHARED_DATA, 'binance-btc-eth-elvistv')];
const DATA_PG = [join(SHARED_DATA, 'binance-ohlcv-yanniedog'), join(SHARED_DATA, 'binance-btc-eth-elvistv')];
const children = new Set<CliChild>();

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return baseChildEnv({ LOG_LEVEL: 'warn', ...extra });
}

async function run(args: string[], env: Record<string, string>): Promise<CliChild> {
  const c = spawnSextant(args, childEnv(env), children);
  await c.closed;
  return c;
}

/** Start an import and SIGKILL it once its first file is written (progress shows on stderr). */
async function killMidway(data: string[], env: Record<string, string>): Promise<string> {
  const c = spawnSextant(['import', ...data], childEnv(env), children);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no progress within 60 s: ${c.err}`)), 60_000);
    c.proc.stderr?.on('data', () => {
      if (/rows\/s/.test(c.err)) {
        clearTimeout(t);
        c.proc.kill('SIGKILL');
        resolve();
      }
    });
  });
  const r = await c.closed;
  expect(r.signal).toBe('SIGKILL');
  return c.err;
}

type Target = {
  name: string;
  data: string[];
  env: () => Record<string, string>;
  open: (env: Record<string, string>) => Promise<Db>;
  cleanup: () => Promise<void>;
};

function pgliteTarget(): Target {
  const dirs: string[] = [];
  return {
    name: 'PGlite',
    data: DATA,
    env: () => {
      const d = mkdtempSync(join(tmpdir(), 'sextant-kill-'));
      dirs.push(d);
      // A fresh PGlite runs initdb (~10 s); start from the test template instead.
      seedPgliteDataDir(d);
      return { SEXTANT_DATA_DIR: d };
    },
    open: (env) => createDb({ kind: 'pglite', dataDir: env.SEXTANT_DATA_DIR! }),
    async cleanup() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

function postgresTarget(): Target {
  const schemas: string[] = [];
  return {
    name: 'PostgreSQL',
    data: DATA_PG,
    env: () => {
      const s = `kill_${randomBytes(5).toString('hex')}`;
      schemas.push(s);
      return { DATABASE_URL: DATABASE_URL!, DATABASE_SCHEMA: s };
    },
    open: (env) => createDb({ kind: 'postgres', url: env.DATABASE_URL!, schema: env.DATABASE_SCHEMA! }),
    async cleanup() {
      for (const s of schemas) await dropSchema(s);
    },
  };
}

describe.runIf(!HAVE_SHARED_DATA)('import crash safety', () => {
  it.skip(`skipped: ${SHARED_DATA} not found`, () => {});
});

const targets = [pgliteTarget(), ...(DATABASE_URL ? [postgresTarget()] : [])];

describe.runIf(HAVE_SHARED_DATA).each(targets)('import killed with SIGKILL ($name)', (target) => {
  beforeAll(() => ensureBuilt(), BUILD_WAIT_MS);
  afterAll(async () => {
    for (const c of children) c.proc.kill('SIGKILL');
    await target.cleanup();
  });

  it('importing again ends with exactly the rows of an uninterrupted import', async () => {
    const clean = target.env();
    const a = await run(['import', ...target.data], clean);
    expect(a.err).not.toMatch(/sextant:/);

    const crashed = target.env();
    await killMidway(target.data, crashed);
    // The killed import wrote whole files only, so it holds fewer rows.
    const partial = await target.open(crashed);
    const mid = await candleChecksum(partial);
    await partial.close();

    const b = await run(['import', ...target.data], crashed);
    expect(b.err, b.err).not.toMatch(/sextant:/);
    const dbA = await target.open(clean);
    const dbB = await target.open(crashed);
    try {
      const [ca, cb] = [await candleChecksum(dbA), await candleChecksum(dbB)];
      expect(cb).toEqual(ca);
      expect(mid.n).toBeLessThan(ca.n);
    } finally {
      await dbA.close();
      await dbB.close();
    }
  }, 240_000);
});
