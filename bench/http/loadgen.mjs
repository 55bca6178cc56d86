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
// autocannon's own latency histogram has 1 ms resolution, which is too coarse
// for sub-millisecond p50s, so every 2xx response time (float ms, from
// process.hrtime) is also recorded here and exact percentiles are computed.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const opts = JSON.parse(process.argv[2] ?? '{}');
const { url, headers = {}, connections = 64, duration = 10, warmup = 3, timeout = 10 } = opts;

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

/** Runs one autocannon pass; resolves with { result, latencies (sorted Float64Array) }. */
function runPass(passDuration, record) {
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

async function main() {
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
