#!/usr/bin/env node
// HTTP benchmark: Sextant `GET /v1/status` vs a bare Fastify 5 route vs FastAPI+uvicorn.
//
//   node bench/http/run.mjs [--duration 10] [--connections 64] [--warmup 3]
//                           [--only sextant,bare,fastapi] [--strict] [--keep-tmp]
//
// See bench/http/README.md. Servers run one at a time, pinned to core 0; the load
// generator (autocannon, bench/http/loadgen.mjs) runs in a child pinned to core 1.
// Only 127.0.0.1 is ever targeted. All child processes are started in their own
// process group and killed on exit, error, Ctrl-C or the global watchdog.

import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const RESULTS_DIR = path.join(HERE, 'results');
const HOST = '127.0.0.1';
const BENCH_PATH = '/v1/status';
const DEFAULT_PYTHON = '/usr/bin/python3'; // Debian's python3, not a pyenv/venv one on PATH
const APT_CMD =
  'apt-get update && apt-get install -y python3-fastapi python3-uvicorn python3-uvloop python3-httptools';
const ALL = ['sextant', 'bare', 'fastapi'];
const TARGETS = { sextantOverFastapi: 4, sextantOverBare: 0.55, sextantP99Ms: 10 };
const PLACEHOLDER_BODY = { status: 'ok', service: 'sextant', version: '0.0.0' };

// ---------------------------------------------------------------- arguments

const USAGE = `Usage: node bench/http/run.mjs [options]

  --duration <s>        measured run length in seconds (default 10)
  --warmup <s>          warmup run length in seconds, discarded (default 3, 0 = none)
  --connections <n>     concurrent connections (default 64)
  --only <list>         comma list of servers: sextant,bare,fastapi (default all)
  --rounds <n>          repeat the whole sequence n times (servers interleaved) and
                        report per-server medians (default 1; 3 recommended on a noisy VM)
  --max-other <pct>     a measured pass during which other processes used more than this
                        % of a core is "noisy" (default 25)
  --retries <n>         re-run a noisy pass up to n times, keeping the least noisy (default 2)
  --quiet-wait <s>      before each server, wait up to s seconds for the machine to be
                        quiet (< --max-other % busy) (default 30, 0 = don't wait)
  --strict              exit 1 if any target FAILs (default: report only)
  --keep-tmp            keep the temp dir (data dir, server logs) afterwards
  --no-pin              do not pin with taskset (not recommended)
  --sextant-bin <path>  Sextant CLI entry (default bin/sextant.js)
  --out <file>          JSON results file (default bench/http/results/latest.json)
  --python <path>       python for FastAPI (default /usr/bin/python3, with Debian's packages)
  --loadgen <engine>    auto (default: wrk when installed, else autocannon), wrk or autocannon
  -h, --help            this help
`;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '64' },
      rounds: { type: 'string', default: '1' },
      'max-other': { type: 'string', default: '25' },
      retries: { type: 'string', default: '2' },
      'quiet-wait': { type: 'string', default: '30' },
      only: { type: 'string', default: ALL.join(',') },
      strict: { type: 'boolean', default: false },
      'keep-tmp': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      'sextant-bin': { type: 'string', default: path.join(ROOT, 'bin', 'sextant.js') },
      out: { type: 'string', default: path.join(RESULTS_DIR, 'latest.json') },
      python: { type: 'string', default: DEFAULT_PYTHON },
      loadgen: { type: 'string', default: 'auto' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const rounds = Number(args.rounds);
const maxOther = Number(args['max-other']);
const retries = Number(args.retries);
const quietWait = Number(args['quiet-wait']);
const only = args.only
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const [name, v, min] of [
  ['--duration', duration, 1],
  ['--warmup', warmup, 0],
  ['--connections', connections, 1],
  ['--rounds', rounds, 1],
  ['--max-other', maxOther, 0],
  ['--retries', retries, 0],
  ['--quiet-wait', quietWait, 0],
]) {
  if (!Number.isFinite(v) || v < min || !Number.isInteger(v)) {
    console.error(`${name} must be an integer >= ${min}\n\n${USAGE}`);
    process.exit(2);
  }
}
const unknown = only.filter((s) => !ALL.includes(s));
if (unknown.length || only.length === 0) {
  console.error(`--only: unknown server(s) ${unknown.join(',')}; choose from ${ALL.join(',')}\n\n${USAGE}`);
  process.exit(2);
}
if (!['auto', 'wrk', 'autocannon'].includes(args.loadgen)) {
  console.error(`--loadgen must be auto, wrk or autocannon\n\n${USAGE}`);
  process.exit(2);
}
const wrkInstalled = !spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error;
if (args.loadgen === 'wrk' && !wrkInstalled) {
  console.error('--loadgen wrk: wrk is not installed (apt-get install wrk)');
  process.exit(2);
}
// wrk when installed: autocannon (a Node client) caps out near bare Fastify's rate on one core.
const loadgenEngine = args.loadgen === 'auto' ? (wrkInstalled ? 'wrk' : 'autocannon') : args.loadgen;
const selected = ALL.filter((s) => only.includes(s)); // fixed order: sextant first (captures the body)

// ---------------------------------------------------------------- child process bookkeeping

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
let tmpDir = null;
let exiting = false;

function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // whole process group (detached => own group)
  } catch {
    try {
      child.kill(signal);
    } catch {}
  }
}

function killAll(signal) {
  for (const c of children) killGroup(c, signal);
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs `cmd` in its own process group, optionally pinned to `core`. */
function startProcess(
  cmd,
  argv,
  { core, cwd = ROOT, env = process.env, stdout = 'ignore', stderr = 'ignore' } = {},
) {
  if (exiting) throw new Error('interrupted');
  const pinned = pin && core !== undefined;
  const file = pinned ? 'taskset' : cmd;
  const fullArgs = pinned ? ['-c', String(core), cmd, ...argv] : argv;
  const child = spawn(file, fullArgs, { cwd, env, detached: true, stdio: ['ignore', stdout, stderr] });
  track(child);
  child.on('error', (err) => {
    child.spawnError = err;
  });
  return child;
}

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}

/** SIGTERM the process group, wait up to `ms`, then SIGKILL. */
async function stopProcess(child, ms = 10_000) {
  const t0 = Date.now();
  killGroup(child, 'SIGTERM');
  let res = await waitExit(child, ms);
  let forced = false;
  if (!res) {
    forced = true;
    killGroup(child, 'SIGKILL');
    res = await waitExit(child, 5_000);
  }
  return { ...res, forced, stopMs: Date.now() - t0 };
}

async function cleanupTmp(keep) {
  if (!tmpDir) return;
  const dir = tmpDir;
  tmpDir = null;
  if (keep) {
    console.log(`temp dir kept: ${dir}`);
    return;
  }
  await rm(dir, { recursive: true, force: true }).catch(() => {});
}

// Last line of defence (uncaught errors included): no server outlives the run.
process.on('exit', () => {
  killAll('SIGKILL');
  if (tmpDir && !args['keep-tmp']) {
    try {
      rmSync(tmpDir, { recursive: true, force: true });
    } catch {}
  }
});
// Output piped into e.g. `head` that exits early: keep going quietly (children are still cleaned up).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    if (exiting) return;
    exiting = true;
    console.error(`\n${sig}: stopping child processes...`);
    killAll('SIGTERM');
    await Promise.all([...children].map((c) => waitExit(c, 3_000)));
    killAll('SIGKILL');
    await cleanupTmp(args['keep-tmp']);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

// ---------------------------------------------------------------- helpers

function log(msg = '') {
  console.log(msg);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function httpGet(url, headers = {}, timeoutMs = 2_000) {
  if (!url.startsWith(`http://${HOST}:`)) throw new Error(`refusing non-loopback url ${url}`);
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

/** Polls `url` until it answers 200; fails early if `child` exits. */
async function waitReady(child, url, { timeoutMs = 30_000, headers = {} } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.spawnError) throw new Error(`failed to start: ${child.spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited before becoming ready (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const r = await httpGet(url, headers, 1_000);
      if (r.status === 200) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await sleep(100);
  }
  throw new Error(`not ready after ${timeoutMs / 1000}s (${url}: ${last})`);
}

function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** JSON with sorted keys, to compare bodies regardless of key order. */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

async function countLines(file, needle) {
  let lines = 0;
  let matching = 0;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    if (!line) continue;
    lines++;
    if (needle && line.includes(needle)) matching++;
  }
  return { lines, matching };
}

/** Sum of utime+stime (seconds) over every process in process group `pgid`. */
async function groupCpuSeconds(pgid) {
  const tck = 100; // USER_HZ; 100 on every Linux we care about
  let ticks = 0;
  let entries;
  try {
    entries = await readdir('/proc');
  } catch {
    return null;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat;
    try {
      stat = await readFile(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0]=state(3) rest[2]=pgrp(5) rest[11]=utime(14) rest[12]=stime(15)
    if (Number(rest[2]) !== pgid) continue;
    ticks += Number(rest[11]) + Number(rest[12]);
  }
  return ticks / tck;
}

/** Per-core busy and steal ticks from /proc/stat (seconds). */
async function coreTimes() {
  try {
    const text = await readFile('/proc/stat', 'utf8');
    const cores = {};
    for (const line of text.split('\n')) {
      const m = /^cpu(\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const [user, nice, system, , , irq, softirq, steal] = m[2].split(/\s+/).map(Number);
      cores[m[1]] = { busy: (user + nice + system + irq + softirq) / 100, steal: (steal || 0) / 100 };
    }
    return cores;
  } catch {
    return null;
  }
}

async function cpuSnapshot(serverPid) {
  const [server, cores] = await Promise.all([groupCpuSeconds(serverPid), coreTimes()]);
  return { t: performance.now(), server, cores };
}

/**
 * CPU use between two snapshots, in % of one core. `loadgenPct` is what the load
 * generator measured for itself over (almost exactly) the same window (it may have
 * exited, and left /proc, by the time the second snapshot is read).
 */
function cpuDelta(a, b, loadgenPct) {
  const secs = (b.t - a.t) / 1000;
  const pct = (x) => (100 * x) / secs;
  const out = {
    serverCpuPct: a.server !== null && b.server !== null ? pct(b.server - a.server) : null,
  };
  if (a.cores && b.cores) {
    let busy = 0;
    let steal = 0;
    out.coreBusyPct = {};
    for (const k of Object.keys(b.cores)) {
      if (!a.cores[k]) continue;
      const d = b.cores[k].busy - a.cores[k].busy;
      busy += d;
      steal += b.cores[k].steal - a.cores[k].steal;
      out.coreBusyPct[k] = pct(d);
    }
    out.stealPct = pct(steal);
    // Everything that was neither the server nor the load generator (other processes, kernel).
    if (out.serverCpuPct !== null && typeof loadgenPct === 'number') {
      out.otherCpuPct = Math.max(0, pct(busy) - out.serverCpuPct - loadgenPct);
    }
  }
  return out;
}

// ---------------------------------------------------------------- load generation

/** Runs warmup + measured pass in a pinned child; samples server CPU during the measured pass. */
function runLoad(name, serverChild, url, headers) {
  return new Promise((resolve, reject) => {
    const cfg = { url, headers, connections, duration, warmup, engine: loadgenEngine };
    const lg = startProcess(process.execPath, [path.join(HERE, 'loadgen.mjs'), JSON.stringify(cfg)], {
      core: 1,
      stdout: 'pipe',
      stderr: 'pipe',
    });
    let stderr = '';
    lg.stderr.on('data', (d) => {
      stderr += d;
    });
    let warm = null;
    let done = null;
    let cpuStart = null;
    let cpuEnd = null;
    const watchdogMs = (warmup + duration + 60) * 1000;
    const watchdog = setTimeout(() => {
      killGroup(lg, 'SIGKILL');
      reject(new Error(`load generator for ${name} did not finish within ${watchdogMs / 1000}s`));
    }, watchdogMs);
    process.stdout.write(`  ${name}: warmup ${warmup}s`);
    const rl = createInterface({ input: lg.stdout });
    rl.on('line', async (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.event === 'warmup-done') {
        warm = msg;
      } else if (msg.event === 'measure-start') {
        process.stdout.write(`, measuring ${duration}s ... `);
        cpuStart = cpuSnapshot(serverChild.pid);
      } else if (msg.event === 'done') {
        cpuEnd = cpuSnapshot(serverChild.pid);
        done = msg;
      }
    });
    lg.once('close', async (code, signal) => {
      clearTimeout(watchdog);
      if (!done) {
        process.stdout.write('failed\n');
        reject(
          new Error(`load generator exited (code ${code}, signal ${signal}) without a result\n${stderr}`),
        );
        return;
      }
      process.stdout.write('done\n');
      const [c0, c1] = await Promise.all([cpuStart, cpuEnd]);
      resolve({ warmup: warm, measured: done, cpu: c0 && c1 ? cpuDelta(c0, c1, done.loadgenCpuPct) : {} });
    });
  });
}

function toResult(name, load, extra = {}) {
  const m = load.measured;
  return {
    name,
    // 2xx responses / actual measured duration. (autocannon's requests.average divides the
    // total by the number of 1 s samples, which includes a partial trailing sample.)
    reqPerSec: m.durationSec > 0 ? m.status2xx / m.durationSec : 0,
    durationSec: m.durationSec,
    autocannonReqPerSec: {
      average: m.requests.average,
      stddev: m.requests.stddev,
      min: m.requests.min,
      max: m.requests.max,
    },
    p50Ms: m.latencyMs.p50,
    p90Ms: m.latencyMs.p90,
    p99Ms: m.latencyMs.p99,
    p999Ms: m.latencyMs.p999,
    maxMs: m.latencyMs.max,
    meanMs: m.latencyMs.mean,
    completed: m.completed,
    status2xx: m.status2xx,
    non2xx: m.non2xx,
    errors: m.errors,
    timeouts: m.timeouts,
    statusCodeStats: m.statusCodeStats,
    bytesPerResponse: m.status2xx ? m.throughput.total / m.status2xx : null,
    serverCpuPct: load.cpu.serverCpuPct ?? null,
    loadgenCpuPct: m.loadgenCpuPct,
    otherCpuPct: load.cpu.otherCpuPct ?? null,
    stealCpuPct: load.cpu.stealPct ?? null,
    coreBusyPct: load.cpu.coreBusyPct ?? null,
    autocannonLatencyMs: m.autocannonLatencyMs,
    warmupCompleted: load.warmup?.completed ?? 0,
    valid: m.errors === 0 && m.timeouts === 0 && m.non2xx === 0 && m.status2xx > 0,
    ...extra,
  };
}

/** Combines the per-round results of one server: medians of the rates/latencies, sums of counts. */
function aggregate(list) {
  if (list.length === 1) return { ...list[0], rounds: 1 };
  const med = (k) => {
    const v = list
      .map((r) => r[k])
      .filter((x) => typeof x === 'number')
      .sort((a, b) => a - b);
    if (!v.length) return null;
    const mid = Math.floor(v.length / 2);
    return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  };
  const sum = (k) => list.reduce((a, r) => a + (r[k] ?? 0), 0);
  const out = { ...list[0] };
  for (const k of [
    'reqPerSec',
    'p50Ms',
    'p90Ms',
    'p99Ms',
    'p999Ms',
    'meanMs',
    'bytesPerResponse',
    'serverCpuPct',
    'loadgenCpuPct',
    'otherCpuPct',
    'stealCpuPct',
  ]) {
    out[k] = med(k);
  }
  out.maxMs = Math.max(...list.map((r) => r.maxMs ?? 0));
  for (const k of [
    'completed',
    'status2xx',
    'non2xx',
    'errors',
    'timeouts',
    'warmupCompleted',
    'durationSec',
  ])
    out[k] = sum(k);
  out.valid = list.every((r) => r.valid);
  out.noisyRounds = list.filter((r) => r.noisy).length;
  out.noisy = out.noisyRounds > 0;
  out.sameBody = list.every((r) => r.sameBody !== false) ? list[0].sameBody : false;
  out.rounds = list.length;
  delete out.statusCodeStats;
  delete out.autocannonLatencyMs;
  delete out.autocannonReqPerSec;
  delete out.port;
  delete out.coreBusyPct;
  delete out.shutdown;
  if (list[0].accessLog) out.accessLog = list.map((r) => r.accessLog);
  return out;
}

// ---------------------------------------------------------------- servers

const pin = !args['no-pin'] && checkPinning();

function checkPinning() {
  const cpus = os.availableParallelism?.() ?? os.cpus().length;
  const ts = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  if (ts.error || ts.status !== 0) {
    console.warn('WARNING: taskset not usable (apt-get install -y util-linux); running unpinned.');
    return false;
  }
  if (cpus < 2) {
    console.warn('WARNING: fewer than 2 CPUs; running unpinned (server and load generator share a core).');
    return false;
  }
  return true;
}

function serverEnvBase() {
  // Do not let an inherited NODE_OPTIONS (e.g. --inspect) skew the numbers.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

function parseKeyJson(stdout) {
  const tryParse = (s) => {
    try {
      const v = JSON.parse(s);
      return v && typeof v === 'object' ? v : null;
    } catch {
      return null;
    }
  };
  const whole = tryParse(stdout.trim());
  if (whole?.secret) return whole;
  for (const line of stdout.split('\n').reverse()) {
    const v = tryParse(line.trim());
    if (v?.secret) return v;
  }
  const a = stdout.indexOf('{');
  const b = stdout.lastIndexOf('}');
  if (a >= 0 && b > a) {
    const v = tryParse(stdout.slice(a, b + 1));
    if (v?.secret) return v;
  }
  return null;
}

/** Newest mtime (ms) of the files under `dir` whose name matches `re`; 0 if none. */
function newestMtime(dir, re) {
  let newest = 0;
  let names;
  try {
    names = readdirSync(dir, { recursive: true });
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!re.test(name)) continue;
    try {
      newest = Math.max(newest, statSync(path.join(dir, name)).mtimeMs);
    } catch {}
  }
  return newest;
}

/** bin/sextant.js runs the compiled dist/: warn when src/ has changed since the last build. */
function warnIfStaleBuild() {
  const src = newestMtime(path.join(ROOT, 'src'), /\.ts$/);
  const dist = newestMtime(path.join(ROOT, 'dist'), /\.js$/);
  if (src && dist && src > dist + 1000) {
    log('  WARNING: src/ is newer than dist/: this benchmarks the last build. Run `npm run build` first.');
  }
}

async function benchSextant(ctx) {
  const bin = args['sextant-bin'];
  if (!existsSync(bin)) throw new Error(`${bin} not found (is Sextant built/written yet?)`);
  if (ctx.round === 1 && bin === path.join(ROOT, 'bin', 'sextant.js')) warnIfStaleBuild();
  const dataDir = path.join(tmpDir, `sextant-data-${ctx.round}`);
  mkdirSync(dataDir, { recursive: true });
  const env = {
    ...serverEnvBase(),
    LOG_LEVEL: 'info',
    TIER_ENTERPRISE_RPM: '1000000000',
    TIER_ENTERPRISE_MONTHLY_QUOTA: '0',
  };

  // 1. API key.
  const keyRun = spawnSync(
    process.execPath,
    [bin, 'keys', 'create', '--name', 'bench', '--tier', 'enterprise', '--json', '--data-dir', dataDir],
    { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' },
  );
  if (keyRun.error || keyRun.status !== 0) {
    throw new Error(
      `'sextant keys create' failed (status ${keyRun.status}${keyRun.error ? `, ${keyRun.error.message}` : ''})\n${keyRun.stdout}\n${keyRun.stderr}`,
    );
  }
  const key = parseKeyJson(keyRun.stdout);
  if (!key)
    throw new Error(`'sextant keys create --json' printed no JSON object with "secret":\n${keyRun.stdout}`);
  const secret = String(key.secret);

  // 2. Serve, access log (stdout) to a real file.
  const port = await freePort();
  const logFile = path.join(tmpDir, `sextant-stdout-${ctx.round}.log`);
  const errFile = path.join(tmpDir, `sextant-stderr-${ctx.round}.log`);
  const outFd = openSync(logFile, 'w');
  const errFd = openSync(errFile, 'w');
  const child = startProcess(
    process.execPath,
    [bin, 'serve', '--port', String(port), '--host', HOST, '--data-dir', dataDir],
    { core: 0, env, stdout: outFd, stderr: errFd },
  );
  closeSync(outFd);
  closeSync(errFd);
  const base = `http://${HOST}:${port}`;
  try {
    await waitReady(child, `${base}/healthz`, { timeoutMs: 60_000 });

    // 3. Sanity: authenticated 200 with rate-limit headers; wrong key 401.
    const ok = await httpGet(`${base}${BENCH_PATH}`, { 'x-api-key': secret });
    if (ok.status !== 200)
      throw new Error(`GET ${BENCH_PATH} with the API key returned ${ok.status}: ${ok.text.slice(0, 500)}`);
    if (!ok.headers.has('ratelimit-limit')) {
      throw new Error(
        `GET ${BENCH_PATH} response has no 'ratelimit-limit' header (rate limiting not on?); headers: ${[...ok.headers.keys()].join(', ')}`,
      );
    }
    let body;
    try {
      body = JSON.parse(ok.text);
    } catch {
      throw new Error(`GET ${BENCH_PATH} did not return JSON: ${ok.text.slice(0, 500)}`);
    }
    const bad = await httpGet(`${base}${BENCH_PATH}`, { 'x-api-key': `${secret}-wrong` });
    if (bad.status !== 401)
      throw new Error(`GET ${BENCH_PATH} with a wrong key returned ${bad.status}, expected 401`);
    log(
      `  sextant: pid ${child.pid}, port ${port}; auth ok (200 with key, 401 with wrong key), ratelimit-limit: ${ok.headers.get('ratelimit-limit')}`,
    );
    ctx.body = body;
    ctx.bodySource = 'captured from Sextant in this run';
    writeFileSync(path.join(tmpDir, 'body.json'), JSON.stringify(body));
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(path.join(RESULTS_DIR, 'status-body.json'), `${JSON.stringify(body, null, 2)}\n`);

    // 4. Load.
    const load = await runLoad('sextant', child, `${base}${BENCH_PATH}`, { 'x-api-key': secret });

    // 5. Stop, then check the access log.
    const stop = await stopProcess(child);
    // Requests autocannon saw complete, + the 2 sanity requests. When a pass ends, up to one
    // in-flight request per connection still reaches the server (and its log) uncounted.
    const passes = load.warmup ? 2 : 1;
    const expected = (load.warmup?.completed ?? 0) + load.measured.completed + 2;
    const slack = passes * connections;
    const { lines, matching } = await countLines(logFile, BENCH_PATH);
    if (!args['keep-tmp']) await rm(logFile, { force: true }); // can be tens of MB per round
    const ratio = expected ? matching / expected : 0;
    const logOk = matching >= expected * 0.99 && matching <= expected + slack + 10;
    log(
      `  sextant: access log ${lines} lines, ${matching} for ${BENCH_PATH}; requests completed ${expected} (+ up to ${slack} in flight at pass ends); ratio ${ratio.toFixed(3)} ${logOk ? 'OK' : '<-- WARNING: expected one access-log line per request'}`,
    );
    log(
      `  sextant: stopped with SIGTERM in ${stop.stopMs} ms (exit code ${stop.code}, signal ${stop.signal}${stop.forced ? ', had to SIGKILL' : ''})`,
    );
    return toResult('sextant', load, {
      port,
      accessLog: {
        lines,
        linesForPath: matching,
        expectedRequests: expected,
        inFlightSlack: slack,
        ratio,
        ok: logOk,
      },
      shutdown: stop,
    });
  } catch (err) {
    err.message += `\n--- sextant stderr (tail) ---\n${tail(errFile)}\n--- sextant stdout (tail) ---\n${tail(logFile, 5)}`;
    throw err;
  } finally {
    await stopProcess(child);
  }
}

function bodyFile(ctx) {
  const f = path.join(tmpDir, 'body.json');
  writeFileSync(f, JSON.stringify(ctx.body));
  return f;
}

async function checkBody(ctx, name, url) {
  const r = await httpGet(url, { 'x-api-key': 'bench' });
  let same = false;
  try {
    same = canonical(JSON.parse(r.text)) === canonical(ctx.body);
  } catch {}
  if (!same)
    log(`  ${name}: WARNING: response body differs from the reference body: ${r.text.slice(0, 300)}`);
  return same;
}

async function benchBare(ctx) {
  const port = await freePort();
  const errFile = path.join(tmpDir, 'bare-stderr.log');
  const errFd = openSync(errFile, 'w');
  const child = startProcess(
    process.execPath,
    [path.join(HERE, 'bare-fastify.mjs'), '--port', String(port), '--host', HOST, '--body', bodyFile(ctx)],
    { core: 0, env: serverEnvBase(), stdout: 'ignore', stderr: errFd },
  );
  closeSync(errFd);
  const url = `http://${HOST}:${port}${BENCH_PATH}`;
  try {
    await waitReady(child, url);
    const sameBody = await checkBody(ctx, 'bare', url);
    log(`  bare: pid ${child.pid}, port ${port}; body identical to reference: ${sameBody ? 'yes' : 'NO'}`);
    // Same request bytes as for Sextant (the header is ignored here).
    const load = await runLoad('bare', child, url, { 'x-api-key': ctx.secretLike });
    return toResult('bare', load, { port, sameBody });
  } catch (err) {
    err.message += `\n--- bare-fastify stderr (tail) ---\n${tail(errFile)}`;
    throw err;
  } finally {
    await stopProcess(child);
  }
}

function fastapiAvailable() {
  if (!existsSync(args.python)) return `${args.python} not found`;
  const r = spawnSync(args.python, ['-c', 'import fastapi, uvicorn, uvloop, httptools, pydantic'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, PYTHONNOUSERSITE: '1' },
  });
  if (r.error || r.status !== 0)
    return (r.stderr || r.error?.message || 'import failed').trim().split('\n').pop();
  return null;
}

async function benchFastapi(ctx) {
  const port = await freePort();
  const errFile = path.join(tmpDir, 'fastapi-stderr.log');
  const errFd = openSync(errFile, 'w');
  const env = {
    ...process.env,
    BENCH_BODY_FILE: bodyFile(ctx),
    PYTHONNOUSERSITE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const child = startProcess(
    args.python,
    [
      '-m',
      'uvicorn',
      'fastapi_app:app',
      '--host',
      HOST,
      '--port',
      String(port),
      '--loop',
      'uvloop',
      '--http',
      'httptools',
      '--no-access-log',
      '--workers',
      '1',
    ],
    { core: 0, cwd: HERE, env, stdout: errFd, stderr: errFd },
  );
  closeSync(errFd);
  const url = `http://${HOST}:${port}${BENCH_PATH}`;
  try {
    await waitReady(child, url, { timeoutMs: 60_000 });
    const sameBody = await checkBody(ctx, 'fastapi', url);
    log(`  fastapi: pid ${child.pid}, port ${port}; body identical to reference: ${sameBody ? 'yes' : 'NO'}`);
    const load = await runLoad('fastapi', child, url, { 'x-api-key': ctx.secretLike });
    return toResult('fastapi', load, { port, sameBody });
  } catch (err) {
    err.message += `\n--- uvicorn output (tail) ---\n${tail(errFile)}`;
    throw err;
  } finally {
    await stopProcess(child);
  }
}

/** % of one core busy (all processes) over `ms`, or null without /proc. */
async function busyPct(ms) {
  const a = await coreTimes();
  await sleep(ms);
  const b = await coreTimes();
  if (!a || !b) return null;
  const busy = Object.keys(b).reduce((acc, k) => acc + (a[k] ? b[k].busy - a[k].busy : 0), 0);
  return (100 * busy * 1000) / ms;
}

/** Waits (up to --quiet-wait) until the machine is quiet. */
async function waitQuiet() {
  if (quietWait <= 0) return;
  const deadline = Date.now() + quietWait * 1000;
  let pct = await busyPct(1000);
  if (pct === null || pct <= maxOther) return;
  process.stdout.write(
    `  machine busy (${fmt(pct, 0)}% of a core); waiting up to ${quietWait}s for quiet ...`,
  );
  while (Date.now() < deadline && pct > maxOther && !exiting) pct = await busyPct(1000);
  process.stdout.write(pct > maxOther ? ' still busy, going ahead\n' : ' quiet\n');
}

/** Benchmarks one server; re-runs a pass disturbed by other load, keeping the least disturbed. */
async function benchWithRetries(name, ctx) {
  const fn = { sextant: benchSextant, bare: benchBare, fastapi: benchFastapi }[name];
  let best = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    await waitQuiet();
    const r = await fn(ctx);
    r.noisy = r.otherCpuPct !== null && r.otherCpuPct > maxOther;
    r.attempt = attempt + 1;
    if (!best || (r.otherCpuPct ?? 0) < (best.otherCpuPct ?? 0)) best = r;
    if (!r.noisy) break;
    log(
      `  ${name}: other processes used ${fmt(r.otherCpuPct, 0)}% of a core during the measured pass (> ${maxOther})${attempt < retries ? '; running it again' : ''}`,
    );
  }
  return best;
}

// ---------------------------------------------------------------- report

function fmt(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return Number(v).toFixed(digits);
}

function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padEnd(n) : s.padStart(n);
}

function printTable(results) {
  const cols = [
    ['server', 9, (r) => r.name, true],
    ['req/s', 10, (r) => fmt(r.reqPerSec, 0)],
    ['p50 ms', 8, (r) => fmt(r.p50Ms, 3)],
    ['p90 ms', 8, (r) => fmt(r.p90Ms, 3)],
    ['p99 ms', 8, (r) => fmt(r.p99Ms, 3)],
    ['max ms', 8, (r) => fmt(r.maxMs, 1)],
    ['requests', 9, (r) => r.completed],
    ['err/non2xx', 11, (r) => `${r.errors + r.timeouts}/${r.non2xx}`],
    ['B/resp', 7, (r) => fmt(r.bytesPerResponse, 0)],
    ['srv CPU%', 9, (r) => fmt(r.serverCpuPct, 0)],
    ['gen CPU%', 9, (r) => fmt(r.loadgenCpuPct, 0)],
    ['other CPU%', 10, (r) => fmt(r.otherCpuPct, 0)],
  ];
  const line = (cells) => cells.join('  ');
  log(line(cols.map(([h, w, , right]) => pad(h, w, right))));
  log(line(cols.map(([, w]) => '-'.repeat(w))));
  for (const r of results) {
    log(
      line(cols.map(([, w, f, right]) => pad(f(r), w, right))) +
        (r.valid ? '' : '   <-- INVALID (errors/non-2xx)') +
        (r.noisy ? '   <-- noisy (other load)' : ''),
    );
  }
}

function evaluate(byName) {
  const s = byName.sextant;
  const checks = [];
  const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
  if (s && byName.fastapi) {
    const v = s.reqPerSec / byName.fastapi.reqPerSec;
    checks.push({
      name: 'sextant/fastapi req/s',
      value: v,
      target: `>= ${TARGETS.sextantOverFastapi}`,
      result: verdict(s.valid && v >= TARGETS.sextantOverFastapi),
    });
  } else {
    checks.push({
      name: 'sextant/fastapi req/s',
      value: null,
      target: `>= ${TARGETS.sextantOverFastapi}`,
      result: 'SKIP',
    });
  }
  if (s && byName.bare) {
    const v = s.reqPerSec / byName.bare.reqPerSec;
    checks.push({
      name: 'sextant/bare req/s',
      value: v,
      target: `>= ${TARGETS.sextantOverBare}`,
      result: verdict(s.valid && v >= TARGETS.sextantOverBare),
    });
  } else {
    checks.push({
      name: 'sextant/bare req/s',
      value: null,
      target: `>= ${TARGETS.sextantOverBare}`,
      result: 'SKIP',
    });
  }
  if (s) {
    checks.push({
      name: 'sextant p99 latency (ms)',
      value: s.p99Ms,
      target: `<= ${TARGETS.sextantP99Ms}`,
      result: verdict(s.valid && s.p99Ms <= TARGETS.sextantP99Ms),
    });
  } else {
    checks.push({
      name: 'sextant p99 latency (ms)',
      value: null,
      target: `<= ${TARGETS.sextantP99Ms}`,
      result: 'SKIP',
    });
  }
  // Informational ratio (no target).
  const info = {};
  if (byName.bare && byName.fastapi) info.bareOverFastapi = byName.bare.reqPerSec / byName.fastapi.reqPerSec;
  return { checks, info };
}

// ---------------------------------------------------------------- main

async function main() {
  const started = new Date();
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'sextant-bench-'));
  const cpuModel = os.cpus()[0]?.model ?? 'unknown';
  log(`Sextant HTTP benchmark — ${started.toISOString()}`);
  log(
    `node ${process.version}, ${os.cpus().length} CPUs (${cpuModel}), ${pin ? 'server on core 0, load generator on core 1' : 'UNPINNED'}`,
  );
  log(
    `${connections} connections, warmup ${warmup}s, measured ${duration}s, load generator ${loadgenEngine}, servers: ${selected.join(', ')}; temp dir ${tmpDir}`,
  );
  log('');

  // Pre-flight: is the machine quiet? (Other load on either core skews every figure.)
  const idle = await busyPct(1000);
  if (idle !== null) {
    log(
      `idle check: ${fmt(idle, 0)}% of a core busy before starting${idle > maxOther ? '  <-- WARNING: machine not quiet, figures will be noisy' : ''}`,
    );
    log('');
  }

  // Global watchdog: the whole run always ends by itself.
  const budgetMs =
    rounds * selected.length * (retries + 1) * ((warmup + duration + quietWait) * 1000 + 200_000) + 60_000;
  const watchdog = setTimeout(() => {
    console.error(`\nWATCHDOG: run exceeded ${Math.round(budgetMs / 1000)}s; killing everything.`);
    killAll('SIGKILL');
    process.exit(3);
  }, budgetMs);
  watchdog.unref();

  const ctx = { body: null, bodySource: null, secretLike: 'sk_bench_0000000000000000000000000000', round: 1 };
  const runs = Object.fromEntries(selected.map((n) => [n, []])); // per-round results
  const failures = [];
  const skipped = {};

  if (selected.includes('fastapi')) {
    const missing = fastapiAvailable();
    if (missing) {
      skipped.fastapi = `Debian python packages missing for ${args.python} (${missing})`;
      log(`SKIPPING FastAPI: ${skipped.fastapi}.`);
      log(`  Install them with:  ${APT_CMD}`);
      log('  (or run: bash bench/http/install-fastapi.sh)');
      log('');
    }
  }

  for (let round = 1; round <= rounds; round++) {
    ctx.round = round;
    for (const name of selected) {
      if (exiting) await new Promise(() => {}); // interrupted: the signal handler finishes the process
      if (skipped[name]) continue;
      if (failures.some((f) => f.name === name)) continue; // failed in an earlier round
      log(`[${name}${rounds > 1 ? ` round ${round}/${rounds}` : ''}]`);
      if (name !== 'sextant' && !ctx.body) {
        const cached = path.join(RESULTS_DIR, 'status-body.json');
        if (existsSync(cached)) {
          ctx.body = JSON.parse(readFileSync(cached, 'utf8'));
          ctx.bodySource = `${path.relative(ROOT, cached)} (captured from Sextant in an earlier run)`;
        } else {
          ctx.body = PLACEHOLDER_BODY;
          ctx.bodySource = 'placeholder (Sextant not run and no earlier capture)';
        }
        log(`  response body: ${ctx.bodySource}`);
      }
      try {
        runs[name].push(await benchWithRetries(name, ctx));
      } catch (err) {
        if (exiting) await new Promise(() => {});
        failures.push({ name, round, error: err.message });
        console.error(`  ${name} FAILED: ${err.message}`);
      }
      log('');
    }
  }

  const results = selected.filter((n) => runs[n].length).map((n) => aggregate(runs[n]));
  if (rounds > 1) {
    log('Per-round req/s:');
    for (const n of selected) {
      if (runs[n].length) log(`  ${pad(n, 8, true)} ${runs[n].map((r) => fmt(r.reqPerSec, 0)).join('  ')}`);
    }
    log('');
  }

  log(
    `Results (${connections} connections, ${duration}s measured after ${warmup}s warmup${rounds > 1 ? `; median of ${rounds} rounds` : ''}; latency percentiles are exact, from every 2xx response):`,
  );
  log('');
  if (results.length) printTable(results);
  else log('  (no results)');
  log('');

  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  const { checks, info } = evaluate(byName);
  log('Targets:');
  for (const c of checks) {
    log(
      `  ${pad(c.name, 26, true)} ${pad(c.value === null ? '-' : fmt(c.value, c.name.includes('ms') ? 3 : 2), 8)}  target ${pad(c.target, 7, true)}  ${c.result}`,
    );
  }
  if (info.bareOverFastapi) log(`  (info) bare/fastapi req/s: ${fmt(info.bareOverFastapi, 2)}`);
  for (const r of results) {
    if (r.loadgenCpuPct > 90 && r.serverCpuPct !== null && r.serverCpuPct < 90) {
      log(
        `  NOTE: during '${r.name}' the load generator used ~${fmt(r.loadgenCpuPct, 0)}% CPU but the server only ~${fmt(r.serverCpuPct, 0)}%: that req/s may be capped by the load generator, not the server.`,
      );
    }
  }
  for (const r of results) {
    if (r.noisy || r.stealCpuPct > 5) {
      const where = r.rounds > 1 ? `${r.noisyRounds} of ${r.rounds} rounds of '${r.name}'` : `'${r.name}'`;
      log(
        `  NOTE: during ${where} other processes/kernel used more than ${maxOther}% of a core (median ~${fmt(r.otherCpuPct, 0)}%)${r.stealCpuPct > 5 ? ` and the hypervisor stole ~${fmt(r.stealCpuPct, 0)}%` : ''}: the machine was not quiet, those figures are unreliable.`,
      );
    }
  }
  for (const f of failures) log(`  ERROR: ${f.name} failed (see above)`);

  const out = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel,
      memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      pinned: pin,
      serverCore: pin ? 0 : null,
      loadgenCore: pin ? 1 : null,
      loadgen: loadgenEngine,
    },
    config: {
      connections,
      durationSec: duration,
      warmupSec: warmup,
      rounds,
      maxOtherCpuPct: maxOther,
      retries,
      quietWaitSec: quietWait,
      servers: selected,
      path: BENCH_PATH,
    },
    body: { source: ctx.bodySource, value: ctx.body },
    results: byName,
    runs,
    ratios: {
      sextantOverFastapi: checks[0].value,
      sextantOverBare: checks[1].value,
      ...info,
    },
    targets: checks,
    skipped,
    failures,
  };
  const outFile = path.resolve(args.out);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(out, null, 2)}\n`);
  log('');
  log(`JSON written to ${path.relative(process.cwd(), outFile) || outFile}`);

  clearTimeout(watchdog);
  const failedTarget = checks.some((c) => c.result === 'FAIL');
  await cleanupTmp(args['keep-tmp'] || failures.length > 0);
  return failures.length ? 1 : args.strict && failedTarget ? 1 : 0;
}

main()
  .then((code) => {
    killAll('SIGKILL');
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(`bench failed: ${err?.stack ?? err}`);
    killAll('SIGTERM');
    await sleep(500);
    killAll('SIGKILL');
    await cleanupTmp(true);
    process.exit(1);
  });
