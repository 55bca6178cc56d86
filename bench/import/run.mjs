#!/usr/bin/env node
// Import benchmark: the whole shared Binance dataset (parsing included) into PGlite and into
// PostgreSQL, against a baseline in the same run (1,000-row multi-row INSERT … ON CONFLICT of the
// same parsed rows, the usual way to bulk-load without COPY).
//
//   npm run build && node bench/import/run.mjs [--rounds 3] [--skip-postgres] [--skip-baseline]
//
// Targets (issue 3): the full set (~420,000 bars) in < 10 s on PGlite, < 5 s on PostgreSQL.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAssetRegistry } from '../../dist/assets/index.js';
import { createDb, migrate } from '../../dist/db/index.js';
import { expandPaths, importMarketFiles, parseMarketFile } from '../../dist/market/index.js';
import { createMarketResolver } from '../../dist/services/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = join(ROOT, '..', 'shared', 'data');
const DIRS = [join(DATA, 'binance-ohlcv-yanniedog'), join(DATA, 'binance-btc-eth-elvistv')];
const PG_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const args = new Set(process.argv.slice(2));
const argValue = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const TARGET_S = { pglite: 10, postgres: 5 };
const BASELINE_BATCH_ROWS = 1000;

if (!DIRS.every(existsSync)) {
  console.log(`skipped: ${DATA} not found (the shared market data lives beside the project)`);
  process.exit(0);
}

const resolveMarket = createMarketResolver(createAssetRegistry());

let schemas = 0;
async function openTarget(kind) {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-import-'));
    const db = await createDb({ kind: 'pglite', dataDir: dir });
    await migrate(db);
    return {
      db,
      cleanup: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `bench_import_${process.pid}_${++schemas}`;
  const db = await createDb({ kind: 'postgres', url: PG_URL, schema });
  await db.exec(`drop schema if exists ${schema} cascade; create schema ${schema}`);
  await migrate(db);
  return {
    db,
    cleanup: async () => {
      await db.exec(`drop schema if exists ${schema} cascade`);
      await db.close();
    },
  };
}

/** Baseline: parse the same files, then 1,000-row multi-row INSERT … ON CONFLICT per statement. */
async function baseline(db) {
  const t0 = performance.now();
  let rows = 0;
  for (const f of await expandPaths(DIRS)) {
    const p = parseMarketFile(await readFile(f, 'utf8'), f);
    if (p.kind !== 'ohlcv') continue;
    const m = resolveMarket(p.venue, p.symbol);
    const [{ id }] = await db.query(
      `insert into candle_series (venue, symbol, interval, asset_id, quote) values ($1,$2,$3,$4,$5)
       on conflict (venue, symbol, interval) do update set asset_id = excluded.asset_id returning id`,
      [p.venue, p.symbol, p.interval, m.assetId, m.quote],
    );
    await db.transaction(async (tx) => {
      for (let i = 0; i < p.length; i += BASELINE_BATCH_ROWS) {
        const n = Math.min(BASELINE_BATCH_ROWS, p.length - i);
        const values = [];
        const params = [];
        for (let k = 0; k < n; k++) {
          const j = i + k;
          const b = params.length;
          values.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},true)`);
          params.push(id, p.openTime[j], p.open[j], p.high[j], p.low[j], p.close[j], p.volume[j]);
        }
        await tx.query(
          `insert into candles (series_id, open_time, open, high, low, close, volume, closed) values ${values.join(',')}
           on conflict (series_id, open_time) do update set open = excluded.open, high = excluded.high,
             low = excluded.low, close = excluded.close, volume = excluded.volume`,
          params,
        );
      }
    });
    rows += p.length;
  }
  return { rows, seconds: (performance.now() - t0) / 1000 };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ROUNDS = Math.max(1, Number(argValue('--rounds') ?? 3));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Sextant's import into a fresh store; then the same import again (must change nothing). */
async function candidate(kind, withReimport) {
  const target = await openTarget(kind);
  try {
    const t0 = performance.now();
    const s = await importMarketFiles({ db: target.db, resolveMarket }, DIRS);
    const seconds = (performance.now() - t0) / 1000;
    let re = null;
    if (withReimport) {
      const t1 = performance.now();
      const again = await importMarketFiles({ db: target.db, resolveMarket }, DIRS);
      re = { seconds: (performance.now() - t1) / 1000, changed: again.inserted + again.updated };
    }
    return { rows: s.rows, seconds, parseSeconds: s.parseMs / 1000, re };
  } finally {
    await target.cleanup();
  }
}

async function baselineRun(kind) {
  const target = await openTarget(kind);
  try {
    return await baseline(target.db);
  } finally {
    await target.cleanup();
  }
}

const loadBefore = load();
const results = [];
for (const kind of ['pglite', 'postgres']) {
  if (kind === 'postgres' && args.has('--skip-postgres')) continue;
  try {
    await (await openTarget(kind)).cleanup();
  } catch (err) {
    console.log(`${kind}: skipped (${err.message})`);
    continue;
  }
  const cand = [];
  const base = [];
  // Alternating rounds (candidate first, then baseline first, …) so a noisy neighbour hits both.
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['cand', 'base'] : ['base', 'cand'];
    for (const which of order) {
      if (which === 'cand') cand.push(await candidate(kind, r === 0));
      else if (!args.has('--skip-baseline')) base.push(await baselineRun(kind));
    }
    process.stderr.write(
      `${kind} round ${r + 1}/${ROUNDS}: sextant ${cand.at(-1).seconds.toFixed(2)} s${base.length ? `, baseline ${base.at(-1).seconds.toFixed(2)} s` : ''}\n`,
    );
  }
  results.push({ kind, cand, base });
}

console.log(
  `\nimport of ${DIRS.map((d) => d.replace(`${DATA}/`, '')).join(' + ')} (node ${process.version}, ${ROUNDS} alternating rounds, load average ${loadBefore} → ${load()})\n`,
);
for (const { kind, cand, base } of results) {
  const rows = cand[0].rows;
  const sec = median(cand.map((c) => c.seconds));
  const ok = sec < TARGET_S[kind];
  console.log(
    `${kind.padEnd(9)} ${fmt(rows)} rows in ${sec.toFixed(2)} s (median; rounds ${cand.map((c) => c.seconds.toFixed(2)).join(', ')}) = ${fmt(rows / sec)} rows/s ` +
      `(parse ${median(cand.map((c) => c.parseSeconds)).toFixed(2)} s)  target < ${TARGET_S[kind]} s: ${ok ? 'MET' : 'NOT MET'}`,
  );
  const re = cand[0].re;
  console.log(`          re-import (idempotent): ${re.seconds.toFixed(2)} s, ${re.changed} rows changed`);
  if (base.length) {
    const bs = median(base.map((b) => b.seconds));
    console.log(
      `          baseline, ${BASELINE_BATCH_ROWS}-row INSERT … ON CONFLICT: ${bs.toFixed(2)} s (median; rounds ${base.map((b) => b.seconds.toFixed(2)).join(', ')}) = ${fmt(base[0].rows / bs)} rows/s → Sextant is ${(bs / sec).toFixed(1)}x faster`,
    );
  }
}
