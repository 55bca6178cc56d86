// Load generator child process for bench/http/run.mjs.
//
// Started by run.mjs as `taskset -c 1 node bench/http/loadgen.mjs '<json>'` so that
// the load generator and the server under test never share a core. It runs a
// warmup pass (results discarded) and then the measured pass with autocannon's
// programmatic API, and talks to the parent with one JSON object per stdout line:
//
//   {"event":"warmup-done", ...}   warmup finished (counts only)
//   {"event":"measure-start"}      measured pass is starting now
//   {"event":"done", ...}          measured pass result
//
// Two engines, same output:
// - wrk (C, one thread; used when `wrk` is on PATH, `apt-get install wrk`): it needs far less
//   CPU per request than any Node client, so it does not cap the fastest server. Exact
//   percentiles come from its microsecond histogram (bench/http/wrk-report.lua).
// - autocannon (fallback, or `engine: 'autocannon'`): a Node client that tops out around
//   25-40k req/s on one core here, i.e. it under-measures bare Fastify. Its own latency
//   histogram has 1 ms resolution, so every 2xx response time (float ms, from process.hrtime)
//   is recorded and exact percentiles are computed.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));

const opts = JSON.parse(process.argv[2] ?? '{}');
const { url, headers = {}, connections = 64, duration = 10, warmup = 3, timeout = 10 } = opts;
const engine = opts.engine ?? (hasWrk() ? 'wrk' : 'autocannon');

function hasWrk() {
  const r = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  return !r.error;
}

if (!url || !/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) {
  // Hard guard: this harness only ever targets the loopback address.
  process.stderr.write(`loadgen: refusing non-loopback url ${url}\n`);
  process.exit(2);
}

function send(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** Children's CPU time (user + system, µs) from /proc/self/stat: wrk's, once it was reaped. */
function childrenCpuUs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 (cutime, cstime) are at 13 and 14 after the ')' of the command name.
  return ((Number(f[13]) + Number(f[14])) * 1e6) / 100;
}

/** Runs one wrk pass; resolves with a summary in the same shape as the autocannon one. */
function runWrkPass(passDuration) {
  return new Promise((resolve, reject) => {
    const args = [
      '-t1',
      `-c${connections}`,
      `-d${passDuration}s`,
      `--timeout`,
      `${timeout}s`,
      '-s',
      path.join(HERE, 'wrk-report.lua'),
    ];
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
    args.push(url);
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"wrk"'));
      if (code !== 0 || !line) {
        reject(new Error(`wrk exited ${code}: ${err || out}`));
        return;
      }
      const w = JSON.parse(line);
      const errors = w.connectErrors + w.readErrors + w.writeErrors;
      const durationSec = w.durationUs / 1e6;
      const ok = w.requests - w.non2xx;
      resolve({
        durationSec,
        completed: w.requests,
        status2xx: ok,
        non2xx: w.non2xx,
        errors,
        timeouts: w.timeouts,
        statusCodeStats: {},
        requests: {
          average: w.requests / durationSec,
          stddev: null,
          min: null,
          max: null,
          total: w.requests,
          sent: w.requests,
        },
        throughput: { average: w.bytes / durationSec, total: w.bytes },
        autocannonLatencyMs: null,
        // Percentiles over every response (wrk does not split them by status; a valid run has only 2xx).
        latencyMs: {
          samples: w.requests,
          mean: w.meanUs / 1000,
          p50: w.p50Us / 1000,
          p90: w.p90Us / 1000,
          p99: w.p99Us / 1000,
          p999: w.p999Us / 1000,
          max: w.maxUs / 1000,
        },
      });
    });
  });
}

/** Runs one autocannon pass; resolves with { result, latencies (sorted Float64Array) }. */
function runPass(passDuration, record) {
  const autocannon = require('autocannon');
  return new Promise((resolve, reject) => {
    let buf = new Float64Array(1 << 16);
    let n = 0;
    const instance = autocannon(
      {
        url,
        headers,
        connections,
        duration: passDuration,
        timeout,
        pipelining: 1,
        // We only need the aggregate result object; no progress bar / table.
        renderProgressBar: false,
        renderResultsTable: false,
        renderLatencyTable: false,
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        const lat = buf.subarray(0, n).slice().sort();
        resolve({ result, latencies: lat });
      },
    );
    if (record) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode < 200 || statusCode >= 300) return;
        if (n === buf.length) {
          const next = new Float64Array(buf.length * 2);
          next.set(buf);
          buf = next;
        }
        buf[n++] = responseTime;
      });
    }
  });
}

function summarize(result) {
  const completed = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    durationSec: result.duration,
    completed,
    status2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodeStats: result.statusCodeStats,
    requests: {
      average: result.requests.average,
      stddev: result.requests.stddev,
      min: result.requests.min,
      max: result.requests.max,
      total: result.requests.total,
      sent: result.requests.sent,
    },
    throughput: { average: result.throughput.average, total: result.throughput.total },
    // autocannon's own (1 ms resolution) latency figures, kept for reference.
    autocannonLatencyMs: {
      average: result.latency.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
}

// The parent stops us early on Ctrl-C / errors: just go.
process.on('SIGTERM', () => process.exit(143));
process.on('SIGINT', () => process.exit(130));

async function mainWrk() {
  if (warmup > 0) {
    const w = await runWrkPass(warmup);
    send({ event: 'warmup-done', ...w, engine });
  }
  const cpu0 = childrenCpuUs();
  const t0 = process.hrtime.bigint();
  send({ event: 'measure-start' });
  const m = await runWrkPass(duration);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
  send({ event: 'done', ...m, engine, loadgenCpuPct: (100 * (childrenCpuUs() - cpu0)) / wallUs });
}

async function main() {
  if (engine === 'wrk') return mainWrk();
  if (warmup > 0) {
    const { result } = await runPass(warmup, false);
    send({ event: 'warmup-done', ...summarize(result) });
  }
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  send({ event: 'measure-start' });
  const { result, latencies } = await runPass(duration, true);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  let sum = 0;
  for (let i = 0; i < latencies.length; i++) sum += latencies[i];
  send({
    event: 'done',
    engine,
    ...summarize(result),
    latencyMs: {
      samples: latencies.length,
      mean: latencies.length ? sum / latencies.length : null,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      p999: percentile(latencies, 99.9),
      max: latencies.length ? latencies[latencies.length - 1] : null,
    },
    loadgenCpuPct: (100 * (cpu.user + cpu.system)) / wallUs,
  });
}

main().catch((err) => {
  process.stderr.write(`loadgen: ${err?.stack ?? err}\n`);
  process.exit(1);
});
