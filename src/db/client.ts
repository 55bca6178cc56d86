import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A query runner: the pool itself, or one connection inside a transaction. */
export type Queryable = {
  /** Run one parameterized statement ($1, $2…) and return its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Run several statements separated by `;` (no parameters), e.g. a migration. */
  exec(sql: string): Promise<void>;
  /**
   * Bulk-load rows into `table` (COPY … FROM STDIN) in PostgreSQL's binary COPY format (see
   * `encodeCopyBinary`), or its text format (tab-separated lines, `\N` for null; see
   * `copyTextLine`): the fastest way in for large imports. `table` and `columns` are trusted
   * identifiers, never user input.
   */
  copyIn(
    table: string,
    columns: readonly string[],
    data: Uint8Array | string,
    format?: 'binary' | 'text',
  ): Promise<void>;
};

/** The database: PGlite (embedded) or PostgreSQL, one SQL dialect. */
export type Db = Queryable & {
  readonly kind: 'pglite' | 'postgres';
  /** Run `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

export type DbOptions =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string; schema?: string; poolSize?: number };

const PG_INT8_OID = 20;

/** Column types `encodeCopyBinary` can write. */
export type CopyColumnType = 'int4' | 'int8' | 'float8' | 'bool';

const COPY_SIZES: Record<CopyColumnType, number> = { int4: 4, int8: 8, float8: 8, bool: 1 };

/**
 * Encode rows in PostgreSQL's binary COPY format (no NULLs). `columns[k][i]` is row i of column
 * k. Binary skips text parsing of every number on the server: ~3x faster COPY into PGlite.
 */
export function encodeCopyBinary(
  types: readonly CopyColumnType[],
  columns: readonly ArrayLike<number | boolean>[],
  from: number,
  to: number,
): Uint8Array {
  const rowBytes = 2 + types.reduce((s, t) => s + 4 + COPY_SIZES[t], 0);
  const buf = Buffer.allocUnsafe(19 + (to - from) * rowBytes + 2);
  buf.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
  buf.writeInt32BE(0, 11); // flags
  buf.writeInt32BE(0, 15); // header extension length
  let o = 19;
  for (let i = from; i < to; i++) {
    buf.writeInt16BE(types.length, o);
    o += 2;
    for (let k = 0; k < types.length; k++) {
      const t = types[k]!;
      const v = columns[k]![i]!;
      buf.writeInt32BE(COPY_SIZES[t], o);
      o += 4;
      if (t === 'float8') buf.writeDoubleBE(v as number, o);
      else if (t === 'int8') buf.writeBigInt64BE(BigInt(v as number), o);
      else if (t === 'int4') buf.writeInt32BE(v as number, o);
      else buf.writeUInt8(v ? 1 : 0, o);
      o += COPY_SIZES[t];
    }
  }
  buf.writeInt16BE(-1, o);
  return buf.subarray(0, o + 2);
}
// Text COPY fields that need no escaping (hex, addresses, integers): the common case, kept fast.
const COPY_PLAIN = /^[0-9A-Za-z_.:-]*$/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One row of PostgreSQL's text COPY format: fields separated by tabs, `\N` for null, backslash,
 * tab, newline and carriage return escaped; ends with a newline.
 * @example copyTextLine([1, '0xab', null]) // '1\t0xab\t\\N\n'
 */
export function copyTextLine(fields: readonly (string | number | bigint | null)[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const v = fields[i];
    const text =
      v === null || v === undefined
        ? '\\N'
        : typeof v !== 'string'
          ? v.toString()
          : COPY_PLAIN.test(v)
            ? v
            : v.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!);
    line += i === 0 ? text : `\t${text}`;
  }
  return `${line}\n`;
}

// Array elements that need no quoting (hex, addresses, integers). Anything else is quoted and
// escaped; 'NULL' too, which bare would be a null.
const ARRAY_BARE = /^[0-9A-Za-z_.:-]+$/;

/**
 * A PostgreSQL array literal of text, integer or numeric elements (`null` is NULL), to pass as
 * one parameter cast to `text[]`, `bigint[]`, `numeric[]`…: cheaper than the driver's
 * per-element escaping on large arrays.
 * @example db.query('select * from unnest($1::text[])', [pgArray(['0xab', 'a "b"', null])])
 */
export function pgArray(values: readonly (string | number | bigint | null)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (typeof v !== 'string') parts[i] = v.toString();
    else if (ARRAY_BARE.test(v) && v.toUpperCase() !== 'NULL') parts[i] = v;
    else parts[i] = `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `{${parts.join(',')}}`;
}

const PG_IDLE_TIMEOUT_MS = 30_000;
const PG_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Open the database. PGlite stores its files in `dataDir/pgdata`; the caller must hold the
 * data-dir lock (see `lockDataDir`), because PGlite is single-process.
 */
export async function createDb(options: DbOptions): Promise<Db> {
  return options.kind === 'pglite' ? createPglite(options.dataDir) : createPostgres(options);
}

async function createPglite(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const lite = new PGlite(`${dataDir}/pgdata`);
  await lite.waitReady;
  const runner = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<T>(sql: string, params?: readonly unknown[]) {
      const r = await q.query<T>(sql, params as unknown[] | undefined);
      return r.rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    async copyIn(table, columns, data, format = 'binary') {
      // PGlite reads COPY data from the virtual file /dev/blob.
      await q.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob' with (format ${format})`, [], {
        blob: new Blob([data]),
      });
    },
  });
  let closed = false;
  return {
    kind: 'pglite',
    ...runner(lite),
    transaction: (fn) => lite.transaction((tx) => fn(runner(tx))),
    async ping() {
      if (closed) throw new Error('database closed');
      await lite.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await lite.close();
    },
  };
}

async function createPostgres(options: { url: string; schema?: string; poolSize?: number }): Promise<Db> {
  const schema = options.schema ?? 'public';
  // int8 as JS number (counts, ids, timestamps in ms), like PGlite. Amounts use NUMERIC → string.
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === PG_INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
  };
  if (schema !== 'public') {
    const c = new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    });
    await c.connect();
    try {
      // The schema name is validated by the config pattern ^[a-z_][a-z0-9_]*$, so quoting is safe.
      await c.query(`create schema if not exists "${schema}"`);
    } finally {
      await c.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    idleTimeoutMillis: PG_IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    options: `-c search_path="${schema}"`,
    types,
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener it would crash.
  pool.on('error', () => {});
  const runner = (q: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params?: readonly unknown[]) {
      const r = await q.query(sql, params as unknown[] | undefined);
      return r.rows as T[];
    },
    async exec(sql: string) {
      await q.query(sql);
    },
    async copyIn(table, columns, data, format = 'binary') {
      const copy = async (client: pg.PoolClient) => {
        const stream = client.query(
          copyFrom(`copy ${table} (${columns.join(', ')}) from stdin with (format ${format})`),
        );
        await new Promise<void>((resolve, reject) => {
          stream.on('finish', resolve);
          stream.on('error', reject);
          stream.end(data);
        });
      };
      if (q instanceof pg.Pool) {
        const client = await q.connect();
        try {
          await copy(client);
        } finally {
          client.release();
        }
      } else await copy(q);
    },
  });
  let closed = false;
  return {
    kind: 'postgres',
    ...runner(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn(runner(client));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
