#!/usr/bin/env node
// Full-universe recompute after a bar close: every strategy's signal at the bar that just closed
// for every asset with hourly bars (BTC, ETH) and daily bars (21 assets), plus both grades for
// every asset: what the live runner does when a UTC day closes (the worst case; other hours only
// touch the hourly series). Target (issue 4): under 1 s after each bar close.
//
//   npm run build && node bench/signals/recompute.mjs [--mode all|compute|e2e] [--rounds 10]
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/signals/recompute.mjs --mode e2e
//
// Each round is one of the last `--rounds` UTC day closes of the shared data. Modes:
// - compute: the computation only, in memory, as the runner does it (one indicator pass per
//   window shared by the strategies), against two baselines in alternating rounds: the previous
//   runner's computation (indicators recomputed per strategy) and a recompute over the whole
//   history instead of the fixed 300-bar window.
// - e2e: the live runner itself (src/signals/runner.ts) on a real database: the bar-close
//   messages of the day go on the bus, and the time runs until the runner is idle, so it includes
//   reading the bars, the daily bars for the grades, and writing the ledger and the grades. On
//   PGlite, and on PostgreSQL when DATABASE_URL is set (a scratch schema, dropped at the end).
//   Compared in alternating rounds with the same day's computation alone (what storage adds).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
const DATA = join(ROOT, '..', 'shared', 'data');
const TARGET_MS = 1000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'all' },
    rounds: { type: 'string', default: '10' },
  },
});
const MODE = args.mode;
const ROUNDS = Number(args.rounds);
if (!['all', 'compute', 'e2e'].includes(MODE) || !(ROUNDS >= 2)) {
  console.error('usage: node bench/signals/recompute.mjs [--mode all|compute|e2e] [--rounds N>=2]');
  process.exit(2);
}
try {
  readdirSync(DATA);
} catch {
  console.log(`skipped: ${DATA} not found`);
  process.exit(0);
}

const { investorGrade, traderGrade, INVESTOR_MIN_BARS, createGradeStore } = await dist('grades/index.js');
const { parseMarketFile, importMarketFiles, createMarketService, CANDLE_TOPIC } =
  await dist('market/index.js');
const { barsToColumns, columnsToBars } = await dist('market/store.js');
const {
  evaluateWindow,
  SIGNAL_WINDOW_BARS,
  STRATEGIES,
  signalAt,
  signalsAt,
  createSignalLedger,
  createSignalRunner,
} = await dist('signals/index.js');
const { createDb, migrate } = await dist('db/index.js');
const { createAssetRegistry } = await dist('assets/index.js');
const { createMarketResolver } = await dist('services/index.js');
const { createMemoryBus } = await dist('bus/index.js');
const { createLogger } = await dist('internal/logger.js');

// ---------------------------------------------------------------------------------------------
// The universe, in memory
// ---------------------------------------------------------------------------------------------

const dailyDir = join(DATA, 'binance-ohlcv-yanniedog', '1d');
const hourlyFiles = ['BTCUSDT_1h.csv', 'ETHUSDT_1h.csv'].map((f) =>
  join(DATA, 'binance-btc-eth-elvistv', 'data', f),
);
const files = [
  ...readdirSync(dailyDir)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => join(dailyDir, f)),
  ...hourlyFiles,
];
const registry = createAssetRegistry();
const universe = files.map((file) => {
  const p = parseMarketFile(readFileSync(file, 'utf8'), file);
  const asset = registry.byMarket(p.venue, p.symbol)?.asset.id ?? p.symbol;
  return {
    file,
    ref: { asset, venue: p.venue, symbol: p.symbol, interval: p.interval },
    cols: p,
    bars: columnsToBars(p),
  };
});
const daily = universe.filter((s) => s.ref.interval === '1d');
const step = (s) => (s.ref.interval === '1h' ? HOUR : DAY);
// The last ROUNDS day closes (plus one to warm up), the newest last.
const lastClose = Math.max(...daily.map((s) => s.bars.at(-1).openTime + DAY));
const days = Array.from({ length: ROUNDS + 1 }, (_, k) => lastClose - (ROUNDS - k) * DAY);
/** Per series, the index of its bar closing at `day` (absent when it has none: MATIC ends in 2024). */
function closingAt(day) {
  const out = [];
  for (const s of universe) {
    const i = s.bars.findLastIndex((b) => b.openTime + step(s) === day);
    if (i >= SIGNAL_WINDOW_BARS) out.push({ s, i });
  }
  return out;
}

/** What the runner computes at a day close, in memory: shared indicators per window. */
function computeDay(day) {
  let signals = 0;
  let grades = 0;
  for (const { s, i } of closingAt(day)) {
    const tail = barsToColumns(s.bars.slice(i - SIGNAL_WINDOW_BARS, i + 1));
    signals += signalsAt(s.ref, STRATEGIES, tail, tail.length - 1).length;
    if (s.ref.interval === '1d') {
      const upTo = s.bars.slice(Math.max(0, i + 1 - INVESTOR_MIN_BARS), i + 1);
      grades += (traderGrade(s.ref.asset, upTo) ? 1 : 0) + (investorGrade(s.ref.asset, upTo) ? 1 : 0);
    }
  }
  return { signals, grades };
}

/** Baseline: the previous runner's computation (each strategy recomputes the indicators). */
function computeDayPerStrategy(day) {
  for (const { s, i } of closingAt(day)) {
    const tail = barsToColumns(s.bars.slice(i - SIGNAL_WINDOW_BARS, i + 1));
    for (const st of STRATEGIES) signalAt(s.ref, st, tail, tail.length - 1);
    if (s.ref.interval === '1d') {
      const upTo = s.bars.slice(Math.max(0, i + 1 - INVESTOR_MIN_BARS), i + 1);
      traderGrade(s.ref.asset, upTo);
      investorGrade(s.ref.asset, upTo);
    }
  }
}

/** Baseline: every strategy over the whole history up to the bar (no fixed window). */
function computeDayWholeHistory(day) {
  for (const { s, i } of closingAt(day)) {
    const upTo = barsToColumns(s.bars.slice(0, i + 1));
    for (const st of STRATEGIES) evaluateWindow(st, upTo);
  }
}

const timed = (f) => {
  const t = performance.now();
  const r = f();
  return { ms: performance.now() - t, r };
};
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (a) =>
  `${median(a).toFixed(1).padStart(7)} / ${Math.min(...a)
    .toFixed(1)
    .padStart(7)} ms`;

console.log(
  `\nfull-universe recompute after a UTC day close: ${universe.length} series (${daily.length} daily, ${universe.length - daily.length} hourly) × ${STRATEGIES.length} strategies + 2 grades × ${daily.length} assets; ${ROUNDS} rounds = the day closes ${new Date(days[1]).toISOString().slice(0, 10)} … ${new Date(days.at(-1)).toISOString().slice(0, 10)} (node ${process.version})`,
);
console.log(
  `figures: median / best over the rounds; baselines measured in the same run, in alternating rounds; ${cpus().length} cores, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at the start\n`,
);

// ---------------------------------------------------------------------------------------------
// compute mode
// ---------------------------------------------------------------------------------------------

if (MODE === 'all' || MODE === 'compute') {
  const cand = [];
  const perStrategy = [];
  const whole = [];
  computeDay(days[0]);
  computeDayPerStrategy(days[0]);
  computeDayWholeHistory(days[0]);
  for (let k = 1; k <= ROUNDS; k++) {
    const runs = [
      () => cand.push(timed(() => computeDay(days[k])).ms),
      () => perStrategy.push(timed(() => computeDayPerStrategy(days[k])).ms),
      () => whole.push(timed(() => computeDayWholeHistory(days[k])).ms),
    ];
    // Alternate the order: each one runs first, second and third in turn.
    for (let j = 0; j < runs.length; j++) runs[(j + k) % runs.length]();
  }
  const ratio = (a) => (median(a) / median(cand)).toFixed(2);
  console.log('compute only (in memory)');
  console.log(
    `  Sextant runner computation (indicators shared by strategies)  ${fmt(cand)}   target < ${TARGET_MS} ms: ${median(cand) < TARGET_MS ? 'MET' : 'NOT MET'}`,
  );
  console.log(
    `  baseline: indicators per strategy (runner before)            ${fmt(perStrategy)}   ${ratio(perStrategy)}× Sextant`,
  );
  console.log(
    `  baseline: whole history instead of 300-bar windows (signals) ${fmt(whole)}   ${ratio(whole)}× Sextant\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// e2e mode
// ---------------------------------------------------------------------------------------------

async function openTarget(kind) {
  if (kind === 'postgres') {
    const schema = `bench_signals_${process.pid}`;
    const db = await createDb({ kind: 'postgres', url: process.env.DATABASE_URL, schema, poolSize: 4 });
    await migrate(db);
    return {
      db,
      async drop() {
        await db.query(`drop schema if exists "${schema}" cascade`);
        await db.close();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-signals-'));
  const db = await createDb({ kind: 'pglite', dataDir: dir });
  await migrate(db);
  return {
    db,
    async drop() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function e2e(kind) {
  const target = await openTarget(kind);
  const { db } = target;
  try {
    const t0 = performance.now();
    await importMarketFiles({ db, resolveMarket: createMarketResolver(registry) }, files);
    const importS = (performance.now() - t0) / 1000;
    const bus = createMemoryBus();
    const clock = () => Date.now();
    const market = createMarketService({ db, bus, clock, staleAfterMs: 60_000, outlierFraction: 0.05 });
    // Time spent in each storage call the runner makes, per round (where the time goes).
    const phases = { barsRead: 0, dailyBarsRead: 0, ledgerWrite: 0, gradeWrite: 0 };
    const timedAsync =
      (phase, f) =>
      async (...a) => {
        const t = performance.now();
        try {
          return await f(...a);
        } finally {
          phases[phase] += performance.now() - t;
        }
      };
    const store = { ...market.store, barsDesc: timedAsync('barsRead', market.store.barsDesc) };
    const ledger = createSignalLedger(db);
    const gradeStore = createGradeStore(db);
    const runner = createSignalRunner({
      bus,
      store,
      ledger: { ...ledger, append: timedAsync('ledgerWrite', ledger.append) },
      logger: createLogger({ level: 'warn' }),
      clock,
      // As in src/api/server.ts.
      grades: {
        store: { ...gradeStore, append: timedAsync('gradeWrite', gradeStore.append) },
        dailyBars: timedAsync(
          'dailyBarsRead',
          async (asset, to, limit) => (await market.closedBars(asset, '1d', { to, limit }))?.bars ?? [],
        ),
      },
    });
    const perPhase = Object.fromEntries(Object.keys(phases).map((k) => [k, []]));
    const count = async (table) => (await db.query(`select count(*)::int as n from ${table}`))[0].n;
    /** Publish the day's bar closes (hourly first, as a feed delivers ties) and wait for the runner. */
    async function runnerDay(day) {
      const due = closingAt(day).sort((a, b) => step(a.s) - step(b.s));
      const t = performance.now();
      for (const { s, i } of due) bus.publish(CANDLE_TOPIC, { ...s.ref, bar: s.bars[i], final: true });
      // The memory bus delivers in a microtask: let it, then wait until every bar is processed.
      await new Promise((r) => setImmediate(r));
      await runner.idle();
      return performance.now() - t;
    }
    await runnerDay(days[0]);
    computeDay(days[0]);
    const e = [];
    const c = [];
    const before = { signals: await count('signals'), grades: await count('grades') };
    for (let k = 1; k <= ROUNDS; k++) {
      for (const p of Object.keys(phases)) phases[p] = 0;
      if (k % 2) {
        e.push(await runnerDay(days[k]));
        c.push(timed(() => computeDay(days[k])).ms);
      } else {
        c.push(timed(() => computeDay(days[k])).ms);
        e.push(await runnerDay(days[k]));
      }
      for (const p of Object.keys(phases)) perPhase[p].push(phases[p]);
    }
    const written = {
      signals: (await count('signals')) - before.signals,
      grades: (await count('grades')) - before.grades,
    };
    await runner.close();
    market.close();
    const label = kind === 'postgres' ? 'PostgreSQL' : 'PGlite (embedded)';
    console.log(
      `end to end, ${label}: the live runner after the day's bar closes (data imported in ${importS.toFixed(1)} s)`,
    );
    console.log(
      `  runner: bars read, signals, ledger and grade writes  ${fmt(e)}   target < ${TARGET_MS} ms: ${median(e) < TARGET_MS ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `  baseline: the same computation in memory            ${fmt(c)}   storage adds ${(median(e) / median(c)).toFixed(1)}×`,
    );
    console.log(
      `  of which (medians): ${Object.entries(perPhase)
        .map(([p, a]) => `${p} ${median(a).toFixed(1)} ms`)
        .join(', ')}`,
    );
    console.log(
      `  written over the ${ROUNDS} rounds: ${written.signals} signals, ${written.grades} grades (${(written.grades / ROUNDS).toFixed(0)} per day close)\n`,
    );
  } finally {
    await target.drop();
  }
}

if (MODE === 'all' || MODE === 'e2e') {
  await e2e('pglite');
  if (process.env.DATABASE_URL) await e2e('postgres');
  else console.log('(DATABASE_URL not set: PostgreSQL skipped)\n');
}
