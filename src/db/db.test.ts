import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, dropSchema } from '../../test/helpers.js';
import { seedPgliteDataDir } from '../../test/pgliteTemplate.js';
import { DataDirLockedError } from '../internal/errors.js';
import {
  copyTextLine,
  createDb,
  type Db,
  lockDataDir,
  MIGRATIONS,
  type Migration,
  migrate,
  migrationStatus,
  pgArray,
  readLockHolder,
} from './index.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sextant-db-'));
  dirs.push(d);
  return d;
}
function seededDir(): string {
  const d = tempDir();
  seedPgliteDataDir(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Target = { name: string; open(): Promise<{ db: Db; done(): Promise<void> }> };

const targets: Target[] = [
  {
    name: 'pglite',
    async open() {
      const db = await createDb({ kind: 'pglite', dataDir: seededDir() });
      return { db, done: () => db.close() };
    },
  },
];
if (DATABASE_URL) {
  targets.push({
    name: 'postgres',
    async open() {
      const schema = `t_mig_${Math.random().toString(36).slice(2, 10)}`;
      const db = await createDb({ kind: 'postgres', url: DATABASE_URL!, schema, poolSize: 2 });
      return {
        db,
        async done() {
          await db.close();
          await dropSchema(schema);
        },
      };
    },
  });
} else {
  it.skip('migrations on PostgreSQL (DATABASE_URL not set)', () => {});
}

const tables = async (db: Db) =>
  (
    await db.query<{ t: string }>(
      `select table_name as t from information_schema.tables where table_schema = current_schema() order by 1`,
    )
  ).map((r) => r.t);

describe.each(targets)('migrations on $name', (target) => {
  it('applies every migration once and records it', async () => {
    const { db, done } = await target.open();
    try {
      const first = await migrate(db);
      expect(first.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(first.current).toBe(first.latest);
      const again = await migrate(db);
      expect(again.applied).toEqual([]);
      expect(await tables(db)).toEqual(
        expect.arrayContaining(['api_keys', 'api_usage', 'schema_migrations']),
      );
      const status = await migrationStatus(db);
      expect(status.every((m) => m.appliedAt !== null)).toBe(true);
    } finally {
      await done();
    }
  });

  it('a failing migration leaves the schema as it was', async () => {
    const { db, done } = await target.open();
    try {
      await migrate(db);
      const before = await tables(db);
      const broken: Migration = {
        version: 999,
        name: 'broken',
        sql: 'create table half_done (id int); alter table api_keys add column extra int; select * from no_such_table;',
      };
      await expect(migrate(db, [...MIGRATIONS, broken])).rejects.toThrow(/migration 999 \(broken\) failed/);
      expect(await tables(db)).toEqual(before);
      const cols = await db.query<{ c: string }>(
        `select column_name as c from information_schema.columns where table_name = 'api_keys' and table_schema = current_schema()`,
      );
      expect(cols.map((c) => c.c)).not.toContain('extra');
      expect(
        (await migrationStatus(db, [...MIGRATIONS, broken])).find((m) => m.version === 999)?.appliedAt,
      ).toBeNull();
    } finally {
      await done();
    }
  });

  it('refuses to run when an applied migration was edited', async () => {
    const { db, done } = await target.open();
    try {
      await migrate(db);
      const edited = MIGRATIONS.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql} -- edited` } : m));
      await expect(migrate(db, edited)).rejects.toThrow(/was changed after it was applied/);
    } finally {
      await done();
    }
  });

  it('refuses a database newer than this build', async () => {
    const { db, done } = await target.open();
    try {
      await migrate(db, [...MIGRATIONS, { version: 500, name: 'future', sql: 'select 1' }]);
      await expect(migrate(db)).rejects.toThrow(/does not know: upgrade Sextant/);
    } finally {
      await done();
    }
  });

  it('array literals and text COPY carry any text, and nulls, unchanged', async () => {
    const { db, done } = await target.open();
    const texts = [
      '0xAbC',
      'plain',
      '',
      'NULL',
      'null',
      'a "quoted" {brace}, comma',
      'back\\slash \\N',
      'tab\there\nnewline\rreturn',
      'ünïcødé 🚀',
      ' spaced ',
      null,
    ];
    try {
      const viaArray = await db.query<{ t: string | null; n: string | null }>(
        'select t, n::text from unnest($1::text[], $2::numeric[]) as u(t, n)',
        [pgArray(texts), pgArray(texts.map((_, i) => (i % 3 === 0 ? null : 10n ** 40n + BigInt(i))))],
      );
      expect(viaArray.map((r) => r.t)).toEqual(texts);
      expect(viaArray[1]!.n).toBe((10n ** 40n + 1n).toString());
      expect(viaArray[0]!.n).toBeNull();
      await db.exec('create table t_copy (i int, t text, n numeric(78,0))');
      await db.copyIn(
        't_copy',
        ['i', 't', 'n'],
        texts.map((t, i) => copyTextLine([i, t, i % 2 ? null : 2n ** 255n])).join(''),
        'text',
      );
      const copied = await db.query<{ t: string | null; n: string | null }>(
        'select t, n::text from t_copy order by i',
      );
      expect(copied.map((r) => r.t)).toEqual(texts);
      expect(copied[0]!.n).toBe((2n ** 255n).toString());
      expect(copied[1]!.n).toBeNull();
    } finally {
      await done();
    }
  });

  it('rolls back a transaction that throws', async () => {
    const { db, done } = await target.open();
    try {
      await db.exec('create table t_tx (n int)');
      await expect(
        db.transaction(async (tx) => {
          await tx.query('insert into t_tx values (1)');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await db.query('select * from t_tx')).toEqual([]);
    } finally {
      await done();
    }
  });
});

describe('data-dir lock', () => {
  it('lets one holder in and names it to the next', () => {
    const dir = tempDir();
    const lock = lockDataDir(dir, 'serve');
    try {
      expect(readLockHolder(dir)?.pid).toBe(process.pid);
      let err: unknown;
      try {
        lockDataDir(dir, 'keys create');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataDirLockedError);
      expect((err as Error).message).toMatch(/in use by process \d+ \(sextant serve/);
    } finally {
      lock.release();
    }
    expect(readLockHolder(dir)).toBeNull();
    lockDataDir(dir, 'migrate').release();
  });

  it('takes over a lock left by a dead process', () => {
    const dir = tempDir();
    // PID 2^22+ is above Linux's pid_max default, so no process has it.
    writeFileSync(
      join(dir, 'sextant.lock'),
      JSON.stringify({ pid: 4_194_000, command: 'serve', startedAt: 'x' }),
    );
    expect(readLockHolder(dir)).toBeNull();
    const lock = lockDataDir(dir, 'serve');
    expect(readLockHolder(dir)?.pid).toBe(process.pid);
    lock.update({ adminSocket: '/tmp/x.sock' });
    expect(readLockHolder(dir)?.adminSocket).toBe('/tmp/x.sock');
    lock.release();
  });
});
