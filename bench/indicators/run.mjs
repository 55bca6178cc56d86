#!/usr/bin/env node
// Indicator benchmark (one core): batch SMA, EMA, RSI, MACD, Bollinger and ATR on 1,000,000 bars
// against TA-Lib's C code and the npm package technicalindicators, measured in the same run,
// plus streaming updates per second.
//
//   npx tsc -p tsconfig.build.json && node bench/indicators/run.mjs [--bars 1000000] [--reps 15]
//
// Baselines come from a scratch directory outside the repo ($TALIB_WORK, default
// /tmp/talib-work): `mkdir -p /tmp/talib-work && cd /tmp/talib-work && npm init -y &&
// npm install talib@1.1.6 technicalindicators`. TA-Lib C: bench/indicators/talib_bench.c is
// compiled with gcc -O2 against the C sources that talib@1.1.6 ships (cached in the OS temp
// dir); without gcc or those sources that baseline is skipped and the reason printed, and the
// same for technicalindicators.
// Targets: within 2x of TA-Lib C; >= 10x faster than technicalindicators; >= 20 million
// streaming updates/s (EMA, RSI, ATR).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from '../../dist/indicators/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('bars', 1_000_000);
const REPS = arg('reps', 15);
const TI_REPS = 3; // technicalindicators takes 0.05-1 s per call
const HERE = dirname(fileURLToPath(import.meta.url));
const TALIB_WORK = process.env.TALIB_WORK ?? '/tmp/talib-work';
const TALIB_SRC = join(TALIB_WORK, 'node_modules/talib/src/lib');
const TARGET_VS_TALIB = 2;
const TARGET_VS_TI = 10;
const TARGET_STREAM_PER_S = 20e6;
// Measured on this kind of machine while this benchmark was written; printed as context only.
const REFERENCE_MS = {
  talib: { SMA: 1.3, EMA: 2.6, RSI: 6.5, BBANDS: 6.6, MACD: 18.9 },
  ti: { EMA: 49, RSI: 255 },
};

// --- the series: a seeded random walk, identical for every implementation -------------------
let seed = 42;
const rnd = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const high = new Float64Array(N);
const low = new Float64Array(N);
const close = new Float64Array(N);
const volume = new Float64Array(N);
let p = 100;
for (let i = 0; i < N; i++) {
  const open = p;
  p *= 1 + (rnd() - 0.5) * 0.02;
  close[i] = p;
  high[i] = Math.max(open, p) * (1 + rnd() * 0.01);
  low[i] = Math.min(open, p) * (1 - rnd() * 0.01);
  volume[i] = rnd() * 1000;
}
const bars = { high, low, close, volume };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** { median, best } wall time in ms of `reps` calls after `warm` warm-up calls. */
function time(fn, reps, warm = 3) {
  for (let i = 0; i < warm; i++) fn();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return { median: median(t), best: Math.min(...t) };
}

// --- ours -----------------------------------------------------------------------------------
// Caller-owned output buffers, as TA-Lib's C API takes them; "fresh" allocates per call.
const b1 = new Float64Array(N);
const b2 = new Float64Array(N);
const b3 = new Float64Array(N);
const OURS = {
  SMA: [() => I.sma(close, { period: 20 }, b1), () => I.sma(close, { period: 20 })],
  EMA: [() => I.ema(close, { period: 20 }, b1), () => I.ema(close, { period: 20 })],
  RSI: [() => I.rsi(close, { period: 14 }, b1), () => I.rsi(close, { period: 14 })],
  MACD: [() => I.macd(close, {}, { macd: b1, signal: b2, histogram: b3 }), () => I.macd(close, {})],
  BBANDS: [
    () => I.bollinger(close, { period: 20, stdDev: 2 }, { upper: b1, middle: b2, lower: b3 }),
    () => I.bollinger(close, { period: 20, stdDev: 2 }),
  ],
  ATR: [() => I.atr(bars, { period: 14 }, b1), () => I.atr(bars, { period: 14 })],
};
const ours = {};
const oursFresh = {};
for (const [name, [reuse, fresh]] of Object.entries(OURS)) {
  ours[name] = time(reuse, REPS);
  oursFresh[name] = time(fresh, REPS);
}

// --- TA-Lib C -------------------------------------------------------------------------------
function talibBaseline() {
  const cc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return { skipped: 'gcc not found' };
  if (!existsSync(join(TALIB_SRC, 'src/ta_func/ta_SMA.c'))) {
    return {
      skipped: `TA-Lib C sources not found under ${TALIB_SRC} (npm install talib@1.1.6 in ${TALIB_WORK})`,
    };
  }
  const harness = join(HERE, 'talib_bench.c');
  const hash = createHash('sha1')
    .update(readFileSync(harness))
    .update(readFileSync(join(TALIB_SRC, 'src/ta_func/ta_MACD.c')))
    .digest('hex')
    .slice(0, 12);
  const bin = join(tmpdir(), `sextant-talib-bench-${hash}`);
  if (!existsSync(bin)) {
    process.stderr.write('compiling TA-Lib C with gcc -O2 (about 40 s, cached afterwards)...\n');
    const dirs = ['src/ta_func', 'src/ta_common'].map((d) => join(TALIB_SRC, d));
    const sources = dirs.flatMap((d) =>
      spawnSync('ls', [d], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((f) => f.endsWith('.c'))
        .map((f) => join(d, f)),
    );
    const args = [
      '-O2',
      '-I',
      join(TALIB_SRC, 'include'),
      ...dirs.flatMap((d) => ['-I', d]),
      harness,
      ...sources,
    ];
    const r = spawnSync('gcc', [...args, '-lm', '-o', bin], { encoding: 'utf8' });
    if (r.status !== 0) return { skipped: `gcc failed: ${r.stderr.split('\n').slice(0, 5).join(' ')}` };
  }
  const series = join(tmpdir(), `sextant-indicators-series-${process.pid}.bin`);
  const buf = Buffer.alloc(8 + 32 * N);
  buf.writeBigInt64LE(BigInt(N), 0);
  for (const [k, a] of [high, low, close, volume].entries()) Buffer.from(a.buffer).copy(buf, 8 + k * 8 * N);
  writeFileSync(series, buf);
  const run = (mode) => {
    const r = spawnSync(bin, [series, String(REPS), mode], { encoding: 'utf8' });
    if (r.status !== 0) return undefined;
    return Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((x) => [x.fn, { median: x.medianMs, best: x.bestMs }]),
    );
  };
  const reuse = run('reuse');
  const fresh = run('fresh');
  spawnSync('rm', ['-f', series]);
  if (!reuse) return { skipped: 'the compiled harness failed to run' };
  return { reuse, fresh, bin };
}

// --- technicalindicators --------------------------------------------------------------------
function tiBaseline() {
  let ti;
  try {
    ti = createRequire(join(TALIB_WORK, 'package.json'))('technicalindicators');
  } catch {
    return {
      skipped: `technicalindicators not installed in ${TALIB_WORK} (npm install technicalindicators there)`,
    };
  }
  const version = createRequire(join(TALIB_WORK, 'package.json'))('technicalindicators/package.json').version;
  // Plain arrays, converted once outside the timing: the package's own input format.
  const h = Array.from(high);
  const l = Array.from(low);
  const c = Array.from(close);
  const fns = {
    SMA: () => ti.SMA.calculate({ period: 20, values: c }),
    EMA: () => ti.EMA.calculate({ period: 20, values: c }),
    RSI: () => ti.RSI.calculate({ period: 14, values: c }),
    MACD: () =>
      ti.MACD.calculate({
        values: c,
        fastPeriod: 12,
        slowPeriod: 26,
        signalPeriod: 9,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
      }),
    BBANDS: () => ti.BollingerBands.calculate({ period: 20, values: c, stdDev: 2 }),
    ATR: () => ti.ATR.calculate({ period: 14, high: h, low: l, close: c }),
  };
  const ms = {};
  for (const [name, fn] of Object.entries(fns)) ms[name] = time(fn, TI_REPS, 1);
  return { ms, version };
}

// --- streaming ------------------------------------------------------------------------------
function streaming() {
  const runs = {
    EMA: () => {
      const s = I.createEmaState({ period: 20 });
      let x = 0;
      for (let i = 0; i < N; i++) x += s.update(close[i]);
      return x;
    },
    RSI: () => {
      const s = I.createRsiState({ period: 14 });
      let x = 0;
      for (let i = 0; i < N; i++) x += s.update(close[i]);
      return x;
    },
    ATR: () => {
      const s = I.createAtrState({ period: 14 });
      let x = 0;
      for (let i = 0; i < N; i++) x += s.update(high[i], low[i], close[i]);
      return x;
    },
    MACD: () => {
      const s = I.createMacdState({});
      let x = 0;
      for (let i = 0; i < N; i++) x += s.update(close[i]).histogram;
      return x;
    },
    Bollinger: () => {
      const s = I.createBollingerState({});
      let x = 0;
      for (let i = 0; i < N; i++) x += s.update(close[i]).upper;
      return x;
    },
  };
  const out = {};
  // Judged on the median run: a rate, so the best run would flatter it less than it flatters ms.
  for (const [name, fn] of Object.entries(runs))
    out[name] = N / (time(fn, Math.max(5, REPS >> 1)).median / 1000);
  return out;
}

// --- report ---------------------------------------------------------------------------------
const talib = talibBaseline();
const tiRes = tiBaseline();
const stream = streaming();

const fmt = (x, d = 2) => (x === undefined ? '—' : x.toFixed(d));
const pair = (t, d = 2) => (t === undefined ? '—' : `${fmt(t.median, d)} / ${fmt(t.best, d)}`);
const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
const rows = [];
console.log(
  `\nbatch, ${N.toLocaleString('en-US')} bars, ms as median / best of ${REPS} runs (technicalindicators: ${TI_REPS})`,
);
console.log('ratios compare best runs: other processes on a shared machine only ever add time');
console.log(
  `node ${process.version}; TA-Lib C ${talib.skipped ? `skipped: ${talib.skipped}` : 'gcc -O2, talib@1.1.6 sources'}`,
);
console.log(`technicalindicators ${tiRes.skipped ? `skipped: ${tiRes.skipped}` : tiRes.version}\n`);
console.log(
  '| indicator | ours ms | TA-Lib C ms | ours/TA-Lib | target <= 2x | technicalindicators ms | speed-up | target >= 10x | ours fresh-alloc ms | TA-Lib fresh-alloc ms |',
);
console.log('|---|---:|---:|---:|---|---:|---:|---|---:|---:|');
for (const name of Object.keys(OURS)) {
  const o = ours[name];
  const t = talib.reuse?.[name];
  const tim = tiRes.ms?.[name];
  const ratio = t === undefined ? undefined : o.best / t.best;
  const speedup = tim === undefined ? undefined : tim.best / o.best;
  const r = {
    name,
    ratio,
    metTalib: ratio === undefined ? undefined : ratio <= TARGET_VS_TALIB,
    speedup,
    metTi: speedup === undefined ? undefined : speedup >= TARGET_VS_TI,
  };
  rows.push(r);
  console.log(
    `| ${name} | ${pair(o)} | ${pair(t)} | ${ratio === undefined ? '—' : `${fmt(ratio)}x`} | ${r.metTalib === undefined ? 'skipped' : verdict(r.metTalib)} | ${pair(tim, 1)} | ${speedup === undefined ? '—' : `${fmt(speedup, 1)}x`} | ${r.metTi === undefined ? 'skipped' : verdict(r.metTi)} | ${pair(oursFresh[name])} | ${pair(talib.fresh?.[name])} |`,
  );
}
console.log('\nstreaming, one update per bar, one core');
console.log('| indicator | updates/s | target >= 20M/s |');
console.log('|---|---:|---|');
for (const [name, rate] of Object.entries(stream)) {
  const judged = ['EMA', 'RSI', 'ATR'].includes(name);
  console.log(
    `| ${name} | ${(rate / 1e6).toFixed(1)}M | ${judged ? verdict(rate >= TARGET_STREAM_PER_S) : '(context)'} |`,
  );
}
console.log('\nreference figures measured earlier on this kind of machine (context only, not judged):');
console.log(
  `  TA-Lib C: ${Object.entries(REFERENCE_MS.talib)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(', ')}; technicalindicators: ${Object.entries(REFERENCE_MS.ti)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(', ')}`,
);
const judged = [
  ...rows.flatMap((r) => [r.metTalib, r.metTi]).filter((x) => x !== undefined),
  ...['EMA', 'RSI', 'ATR'].map((k) => stream[k] >= TARGET_STREAM_PER_S),
];
console.log(`\n${judged.filter(Boolean).length}/${judged.length} targets met`);
