import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/index.js';
import { BUILD_WAIT_MS, type CliChild, childEnv, ensureBuilt, spawnSextant } from '../build.js';
import { DATABASE_URL, dropSchema } from '../helpers.js';
import { candleChecksum } from '../market/checksum.js';
import { seedPgliteDataDir } from '../pgliteTemplate.js';

/**
 * Bad input to `sextant import` and `sextant backfill`, through the real CLI: each case exits
 * non-zero with a message naming what was wrong, and the store is exactly as before. Storage is
 * PostgreSQL when DATABASE_URL is set, else an embedded PGlite directory. Kept to a few child
 * processes: cases that fail before storage is opened run in parallel, the others one at a time
 * (an embedded data directory takes one process at a time).
 */

const HEADER = 'timestamp,open,high,low,close,volume';
const children = new Set<CliChild>();
let tmp = '';
let target: { env: Record<string, string>; open: () => Promise<Db>; cleanup: () => Promise<void> };
let offlinePreload = '';

/** Run `sextant ...args` to its end. */
async function run(
  args: string[],
  extra: Record<string, string> = {},
): Promise<CliChild & { code: number | null }> {
  const c = spawnSextant(args, childEnv({ LOG_LEVEL: 'warn', ...target.env, ...extra }), children);
  const { code } = await c.closed;
  return Object.assign(c, { code });
}

/** Everything a bad import or backfill could have touched. */
async function fingerprint(): Promise<unknown> {
  const db = await target.open();
  try {
    const [counts] = await db.query<Record<string, unknown>>(
      `select (select count(*)::int from candle_series) as series,
              (select count(*)::int from market_imports) as imports,
              (select coalesce(md5(string_agg(concat_ws(',', file, sha256, rows), '|' order by id)), '')
                 from market_imports) as imports_md5`,
    );
    return { ...counts, candles: await candleChecksum(db) };
  } finally {
    await db.close();
  }
}

const file = (name: string) => join(tmp, name);

beforeAll(async () => {
  await ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'sextant-market-cli-'));
  if (DATABASE_URL) {
    const schema = `t_mcli_${randomBytes(5).toString('hex')}`;
    target = {
      env: { DATABASE_URL, DATABASE_SCHEMA: schema, SEXTANT_DATA_DIR: join(tmp, 'data') },
      open: () => createDb({ kind: 'postgres', url: DATABASE_URL!, schema }),
      cleanup: () => dropSchema(schema),
    };
  } else {
    const dir = join(tmp, 'data');
    // A fresh PGlite runs initdb (~10 s); start from the test template instead.
    seedPgliteDataDir(dir);
    target = {
      env: { SEXTANT_DATA_DIR: dir },
      open: () => createDb({ kind: 'pglite', dataDir: dir }),
      cleanup: async () => {},
    };
  }
  const rows = (t0: string) =>
    `${HEADER}\n${t0} 00:00:00,100,110,95,105,2\n${t0} 01:00:00,105,112,101,108,3\n${t0} 02:00:00,108,109,99,100,1\n`;
  writeFileSync(file('BTCUSDT_1h.csv'), rows('2024-01-01'));
  // Never imported: a bad run that wrote it would change the store.
  writeFileSync(file('ADAUSDT_1h.csv'), rows('2024-01-02'));
  writeFileSync(file('FOOBARUSDT_1h.csv'), rows('2024-01-03'));
  writeFileSync(file('ETHUSDT_1h.csv'), `${HEADER}\n`);
  writeFileSync(
    file('SOLUSDT_1h.csv'),
    `${HEADER}\n2024-01-01 00:00:00,100,110,95,105,2\n2024-01-01 01:00:00,105,99,101,100,3\n`,
  );
  // The child process is offline whatever this machine's network: every DNS lookup fails.
  offlinePreload = file('offline.cjs');
  writeFileSync(
    offlinePreload,
    `const dns = require('node:dns');
const fail = (host) => Object.assign(new Error('getaddrinfo ENOTFOUND ' + host), { code: 'ENOTFOUND', hostname: host, syscall: 'getaddrinfo' });
dns.lookup = (host, opts, cb) => process.nextTick(typeof opts === 'function' ? opts : cb, fail(host));
dns.promises.lookup = async (host) => { throw fail(host); };
`,
  );
  const first = await run(['import', file('BTCUSDT_1h.csv')]);
  expect(first.code, first.err).toBe(0);
}, BUILD_WAIT_MS);

afterAll(async () => {
  for (const c of children) c.proc.kill('SIGKILL');
  await target?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('sextant import with bad input', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await fingerprint();
  });

  it('usage errors exit 2 naming the option, before storage is opened', async () => {
    const cases: [string[], RegExp][] = [
      [['import', file('BTCUSDT_1h.csv'), '--interval', '7m'], /--interval must be one of 1m, 5m/],
      [['import', file('BTCUSDT_1h.csv'), '--symbol', 'btc-usdt'], /--symbol must be a CCXT market symbol/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    for (const [i, r] of results.entries()) {
      expect(r.code, `${cases[i]![0].join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(cases[i]![1]);
    }
  });

  it('a missing file rejects the whole run, good files included (--json: the issues as JSON)', async () => {
    const r = await run(['import', file('ADAUSDT_1h.csv'), file('nope.csv'), '--json']);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.err) as { error: { code: string; issues: unknown[] } };
    expect(body.error.code).toBe('IMPORT_REJECTED');
    expect(body.error.issues).toEqual([
      { file: file('nope.csv'), line: 0, column: null, message: 'no such file or directory' },
    ]);
    expect(r.out).toBe('');
  });

  it('an unknown asset, a header-only file and a malformed row are each named by file, line and column', async () => {
    const r = await run([
      'import',
      file('ADAUSDT_1h.csv'),
      file('FOOBARUSDT_1h.csv'),
      file('ETHUSDT_1h.csv'),
      file('SOLUSDT_1h.csv'),
    ]);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(
      `${file('FOOBARUSDT_1h.csv')}:1: unknown asset for market FOOBAR/USDT on binance: add it to the asset registry or pass --symbol`,
    );
    expect(r.err).toContain(`${file('ETHUSDT_1h.csv')}:1: no data rows: the file has a header line only`);
    expect(r.err).toContain(`${file('SOLUSDT_1h.csv')}:3 (column high): high 99 is below low 101`);
    expect(r.out).toBe('');
  });

  it('leaves the store exactly as it was', async () => {
    expect(await fingerprint()).toEqual(before);
  });
});

describe('sextant backfill with bad input', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await fingerprint();
  });
  const base = ['backfill', '--asset', 'bitcoin', '--interval', '1h'];

  it('usage errors exit 2 naming the option', async () => {
    const cases: [string[], RegExp][] = [
      [[...base.slice(0, 3), '--interval', '2h', '--from', '2024-01-01'], /--interval must be one of/],
      [[...base, '--from', 'yesterday'], /--from: not a timestamp: "yesterday"/],
      [[...base, '--from', '2024-02-01', '--to', '2024-01-01'], /--from must be before --to/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    for (const [i, r] of results.entries()) {
      expect(r.code, `${cases[i]![0].join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(cases[i]![1]);
    }
  });

  it('an unknown asset, or a venue ccxt does not know, is named', async () => {
    const asset = await run([
      'backfill',
      '--asset',
      'nosuchcoin',
      '--interval',
      '1h',
      '--from',
      '2024-01-01',
    ]);
    expect(asset.code).toBe(2);
    expect(asset.err).toMatch(/--asset: no asset has the id or symbol "nosuchcoin"/);
    const venue = await run([
      ...base,
      '--from',
      '2024-01-01',
      '--to',
      '2024-01-02',
      '--venue',
      'nosuchvenue',
      '--symbol',
      'BTC/USDT',
    ]);
    // A venue ccxt does not have is a usage error, found before the data directory is opened.
    expect(venue.code).toBe(2);
    expect(venue.err).toMatch(/--venue: ccxt has no exchange 'nosuchvenue'/);
  });

  it('without network: a clear error, exit 1, after the retries', async () => {
    const r = await run([...base, '--from', '2024-01-01', '--to', '2024-01-02'], {
      NODE_OPTIONS: `--require ${offlinePreload}`,
    });
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(
      'sextant: binance fetchOHLCV BTC/USDT 1h failed: NetworkError (ENOTFOUND: the venue cannot be reached; check the network connection)',
    );
    // The URL (which could carry query parameters) stays out of the message.
    expect(r.err).not.toContain('https://');
    expect(r.out).toBe('');
  }, 60_000);

  it('leaves the store exactly as it was', async () => {
    expect(await fingerprint()).toEqual(before);
  });
});
