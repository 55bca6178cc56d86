#!/usr/bin/env node
// Live-stream fan-out benchmark: N WebSocket clients on 127.0.0.1, each subscribed to the same
// assets, a fixed total update rate published for a bounded time; delivery latency (publish →
// receive) and missed updates per client. Sextant's /v1/stream against a bare `ws` server that
// broadcasts the same frames to the same clients (the baseline), in the same run.
//
//   node bench/stream/run.mjs [--clients 2000] [--assets 20] [--rate 50] [--duration 20]
//                             [--only bare,sextant] [--redis] [--strict] [--no-pin]
//
// See bench/stream/README.md. One file, three roles: the orchestrator (default), `--role server`
// (the server under test plus the publisher, pinned to core 0) and `--role clients` (the load
// generator, pinned to core 1). Children talk over IPC, run in their own process groups and are
// killed on exit, error, Ctrl-C or the watchdog. Only 127.0.0.1 is ever used.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const HOST = '127.0.0.1';
const TARGETS = { p99Ms: 100, missed: 0 };
// Connections opened at once by the load generator (a SYN backlog bigger than this is not the point).
const CONNECT_CONCURRENCY = 100;
// After the last publish, how long clients get to receive what is still in flight.
const DRAIN_MS = 2_000;
// Latency histogram: 10 µs buckets up to 2 s; slower samples are kept exactly.
const BUCKET_MS = 0.01;
const BUCKETS = 200_000;
// Samples in the first second are JIT/connection warmup: delivered and counted, not timed.
const WARMUP_MS = 1_000;

const now = () => performance.timeOrigin + performance.now();

const { values: args } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    mode: { type: 'string', default: '' },
    clients: { type: 'string', default: '2000' },
    assets: { type: 'string', default: '20' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    only: { type: 'string', default: 'bare,sextant' },
    redis: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string', default: '' },
    rounds: { type: 'string', default: '2' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(`Usage: node bench/stream/run.mjs [options]

  --clients <n>    WebSocket clients (default 2000)
  --assets <n>     assets every client subscribes to (default 20)
  --rate <n>       updates per second published in total, round-robin over the assets (default 50)
  --duration <s>   publishing time in seconds (default 20)
  --only <list>    servers to run: bare,sextant (default) and bare-raw (a bare ws server that
                   writes one prepared frame to every socket: the floor)
  --redis          Sextant's bus through Redis (REDIS_URL, default redis://127.0.0.1:6379)
  --rounds <n>     alternating rounds (default 2: bare, sextant, then sextant, bare), so a noisy
                   neighbour hits baseline and candidate alike; each run is printed
  --strict         exit 1 when a target fails (in any round)
  --no-pin         do not pin server and load generator to cores 0 and 1
  --cpu-prof <dir> write a V8 CPU profile of each server process into <dir>
`);
  process.exit(0);
}

const assetIds = (n) => Array.from({ length: n }, (_, i) => `bench-${i}`);

// =============================================================================================
// Role: server (the server under test and the publisher)
// =============================================================================================

async function runServer() {
  const mode = args.mode;
  const nAssets = Number(args.assets);
  let publishQuote; // (quote) => void
  let stop;
  let url;
  let headers = {};
  let serverStats = async () => ({});

  if (mode === 'bare' || mode === 'bare-raw') {
    const { WebSocketServer, Sender } = await import('ws');
    const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 });
    await new Promise((r) => wss.once('listening', r));
    // Same index as Sextant's hub (key → set of sockets), none of its checks.
    const index = new Map();
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString());
        if (m.type !== 'subscribe') return;
        for (const a of m.assets) {
          let set = index.get(a);
          if (!set) {
            set = new Set();
            index.set(a, set);
          }
          set.add(ws);
        }
        ws.send(JSON.stringify({ type: 'subscribed', channel: m.channel, assets: m.assets, id: m.id }));
      });
      ws.on('close', () => {
        for (const set of index.values()) set.delete(ws);
      });
      ws.on('error', () => {});
    });
    publishQuote = (q) => {
      const set = index.get(q.asset);
      if (!set) return;
      const frame = Buffer.from(`{"type":"price","data":${JSON.stringify(q)}}`);
      if (mode === 'bare-raw') {
        // The floor: one prepared frame written to every TCP socket (what Sextant's fast path does).
        const prepared = Buffer.concat(
          Sender.frame(frame, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }),
        );
        for (const ws of set) ws._socket.write(prepared);
        return;
      }
      for (const ws of set) ws.send(frame, { binary: false });
    };
    url = `ws://${HOST}:${wss.address().port}/v1/stream`;
    stop = () => new Promise((r) => wss.close(() => r()));
  } else {
    const dist = path.join(ROOT, 'dist');
    const { startServer } = await import(pathToFileURL(path.join(dist, 'api', 'server.js')).href);
    const { loadConfig } = await import(pathToFileURL(path.join(dist, 'internal', 'config.js')).href);
    const { createLogger } = await import(pathToFileURL(path.join(dist, 'internal', 'logger.js')).href);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sextant-stream-bench-'));
    const env = {
      SEXTANT_DATA_DIR: dataDir,
      PORT: '0',
      HOST,
      LOG_LEVEL: 'info',
      TIER_ENTERPRISE_RPM: '1000000000',
      ...(args.redis
        ? {
            REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
            REDIS_PREFIX: `sxt-stream-bench-${process.pid}:`,
          }
        : {}),
    };
    const config = loadConfig({ env });
    // Log lines (one access-log line per stream, at close) go to a real file, as in production.
    const logFd = openSync(path.join(dataDir, 'server.log'), 'a');
    const { default: pino } = await import('pino');
    const logger = createLogger({ level: 'info', destination: pino.destination({ fd: logFd, sync: false }) });
    const server = await startServer(config, {
      logger,
      // The bench's assets are synthetic (bench-0…): any well-formed id is taken as is.
      streams: { maxConnectionsPerClient: 100_000, maxConnections: 100_000, resolveAsset: (id) => id },
    });
    const key = await server.services.keys.create({ name: 'bench', tier: 'enterprise', scopes: ['read'] });
    headers = { 'x-api-key': key.secret };
    const bus = server.services.common.bus;
    publishQuote = (q) => bus.publish('market.price', q);
    // The hub's own counts, from the server's Prometheus registry.
    serverStats = async () => {
      const text = await server.services.common.metrics.text();
      const get = (name) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? Number.NaN);
      return {
        hubPublished: get('stream_updates_published_total'),
        hubDelivered: get('stream_updates_delivered_total'),
        conflated: get('stream_updates_conflated_total'),
        slowClosed: get('stream_slow_consumer_disconnects_total'),
      };
    };
    url = `${server.url.replace(/^http/, 'ws')}/v1/stream`;
    stop = async () => {
      await server.close('bench');
      rmSync(dataDir, { recursive: true, force: true });
    };
  }

  const assets = assetIds(nAssets);
  process.on('message', async (msg) => {
    if (msg.type === 'publish') {
      // Drift-free schedule: update k goes out at start + k / rate (late ones at once).
      const intervalMs = 1000 / msg.rate;
      const total = Math.round(msg.rate * msg.durationS);
      const counts = Object.fromEntries(assets.map((a) => [a, 0]));
      const start = now() + 50;
      const cpu0 = process.cpuUsage();
      const elu0 = performance.eventLoopUtilization();
      for (let k = 0; k < total; k++) {
        const due = start + k * intervalMs;
        const wait = due - now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const asset = assets[k % assets.length];
        const seq = counts[asset]++;
        const t = now();
        const iso = new Date(t).toISOString();
        publishQuote({
          asset,
          price: seq,
          quote: 'USD',
          asOf: iso,
          stale: false,
          deviationBps: 0,
          change24hPct: null,
          volume24h: 1234.5,
          venues: [
            { venue: 'binance', symbol: 'BENCH/USDT', price: seq, volume24h: 1234.5, asOf: iso, used: true },
          ],
          benchTs: t,
        });
      }
      const cpu = process.cpuUsage(cpu0);
      const wallMs = now() - start;
      const elu = performance.eventLoopUtilization(elu0).utilization;
      process.send({
        elu,
        type: 'published',
        counts,
        total,
        start,
        cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      });
    } else if (msg.type === 'stats') {
      process.send({ type: 'stats', ...(await serverStats()) });
    } else if (msg.type === 'stop') {
      await stop();
      process.send({ type: 'stopped' });
      process.exit(0);
    }
  });
  process.send({ type: 'ready', url, headers });
}

// =============================================================================================
// Role: clients (the load generator)
// =============================================================================================

/** A masked client frame (RFC 6455 §5.2) with an all-zero mask key, so the payload goes as is. */
function clientFrame(opcode, payload) {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len, 0, 0, 0, 0]) : Buffer.alloc(8);
  if (len >= 126) {
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  }
  return Buffer.concat([head, payload]);
}

async function runClients() {
  // A minimal WebSocket client over net sockets: handshake, unmasked server frames, pong, close.
  // ws's own client would cost this process more CPU per message than the server under test
  // spends, making the load generator the bottleneck on a 2-core machine.
  const net = await import('node:net');
  const { randomBytes } = await import('node:crypto');
  const clients = [];
  const hist = new Uint32Array(BUCKETS);
  const slowSamples = [];
  let samples = 0;
  let measureFrom = Number.POSITIVE_INFINITY;
  let cpu0 = process.cpuUsage();
  let t0 = now();

  const PRICE = Buffer.from('"price":');
  const ASSET = Buffer.from('"asset":"bench-');
  const TS = Buffer.from('"benchTs":');
  const SUBSCRIBED = Buffer.from('"subscribed"');
  const num = (buf, at) => {
    let end = at;
    while (end < buf.length && buf[end] !== 0x2c && buf[end] !== 0x7d && buf[end] !== 0x22) end++;
    return Number(buf.toString('latin1', at, end));
  };

  function open(url, headers, assets) {
    return new Promise((resolve) => {
      const u = new URL(url);
      const sock = net.connect({ host: u.hostname, port: Number(u.port), noDelay: true });
      const c = {
        sock,
        open: false,
        last: new Int32Array(assets.length).fill(-1),
        received: 0,
        gaps: 0,
        reorders: 0,
        closeCode: 0,
      };
      clients.push(c);
      const extra = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      sock.write(
        `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
      let buf = null;
      let upgraded = false;
      const onText = (b, start, end) => {
        const ai = b.indexOf(ASSET, start);
        if (ai < 0 || ai >= end) {
          const si = b.indexOf(SUBSCRIBED, start);
          if (si >= 0 && si < end) resolve(c);
          return;
        }
        const t = now();
        const asset = num(b, ai + ASSET.length);
        const seq = num(b, b.indexOf(PRICE, start) + PRICE.length);
        const sentAt = num(b, b.indexOf(TS, start) + TS.length);
        c.received++;
        const prev = c.last[asset];
        if (seq > prev + 1) c.gaps += seq - prev - 1;
        else if (seq <= prev) c.reorders++;
        if (seq > prev) c.last[asset] = seq;
        if (sentAt >= measureFrom) {
          const ms = t - sentAt;
          const i = Math.floor(ms / BUCKET_MS);
          if (i >= 0 && i < BUCKETS) hist[i]++;
          else slowSamples.push(ms);
          samples++;
        }
      };
      sock.on('data', (chunk) => {
        buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
        if (!upgraded) {
          const i = buf.indexOf('\r\n\r\n');
          if (i < 0) return;
          const status = Number(buf.toString('latin1', 9, 12));
          if (status !== 101) {
            c.closeCode = status;
            sock.destroy();
            resolve(c);
            return;
          }
          upgraded = true;
          c.open = true;
          buf = buf.subarray(i + 4);
          sock.write(
            clientFrame(
              1,
              Buffer.from(JSON.stringify({ type: 'subscribe', channel: 'prices', assets, id: 1 })),
            ),
          );
        }
        let off = 0;
        while (buf.length - off >= 2) {
          const b0 = buf[off];
          let len = buf[off + 1] & 0x7f;
          let head = 2;
          if (len === 126) {
            if (buf.length - off < 4) break;
            len = buf.readUInt16BE(off + 2);
            head = 4;
          } else if (len === 127) {
            if (buf.length - off < 10) break;
            len = Number(buf.readBigUInt64BE(off + 2));
            head = 10;
          }
          if (buf.length - off < head + len) break;
          const start = off + head;
          const end = start + len;
          const opcode = b0 & 0x0f;
          if (opcode === 1) onText(buf, start, end);
          else if (opcode === 9) sock.write(clientFrame(10, buf.subarray(start, end)));
          else if (opcode === 8) {
            c.closeCode = len >= 2 ? buf.readUInt16BE(start) : 1005;
            c.open = false;
            sock.end(clientFrame(8, buf.subarray(start, Math.min(end, start + 2))));
          }
          off = end;
        }
        buf = off === buf.length ? null : buf.subarray(off);
      });
      sock.on('close', () => {
        c.open = false;
        if (!c.closeCode) c.closeCode = 1006;
        resolve(c);
      });
      sock.on('error', () => {});
    });
  }

  function percentile(p) {
    if (samples === 0) return Number.NaN;
    const target = Math.ceil((p / 100) * samples);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += hist[i];
      if (seen >= target) return (i + 1) * BUCKET_MS;
    }
    slowSamples.sort((a, b) => a - b);
    return slowSamples[Math.min(slowSamples.length - 1, target - seen - 1)] ?? Number.NaN;
  }

  process.on('message', async (msg) => {
    if (msg.type === 'connect') {
      const assets = assetIds(msg.assets);
      let next = 0;
      const workers = Array.from({ length: CONNECT_CONCURRENCY }, async () => {
        while (next < msg.clients) {
          next++;
          await open(msg.url, msg.headers, assets);
        }
      });
      await Promise.all(workers);
      const ok = clients.filter((c) => c.open).length;
      process.send({ type: 'connected', ok, failed: clients.length - ok, assets: assets.length });
    } else if (msg.type === 'measure') {
      measureFrom = msg.from;
      cpu0 = process.cpuUsage();
      t0 = now();
    } else if (msg.type === 'report') {
      const cpu = process.cpuUsage(cpu0);
      const wallMs = now() - t0;
      const expected = msg.counts; // asset id → published count
      const perAsset = assetIds(msg.assets).map((a) => expected[a] ?? 0);
      const expectedTotal = perAsset.reduce((x, y) => x + y, 0);
      let missedClients = 0;
      let missedTotal = 0;
      let reorders = 0;
      let disconnected = 0;
      let delivered = 0;
      const closeCodes = {};
      for (const c of clients) {
        delivered += c.received;
        reorders += c.reorders;
        // Missed = gaps inside the sequence + updates after the last one received.
        let missed = c.gaps;
        for (let i = 0; i < perAsset.length; i++) missed += perAsset[i] - 1 - c.last[i];
        missedTotal += missed;
        if (!c.open) {
          disconnected++;
          closeCodes[c.closeCode] = (closeCodes[c.closeCode] ?? 0) + 1;
        }
        if (missed > 0 && c.open) missedClients++;
      }
      process.send({
        type: 'report',
        clients: clients.length,
        expectedPerClient: expectedTotal,
        delivered,
        samples,
        p50: percentile(50),
        p90: percentile(90),
        p99: percentile(99),
        max: slowSamples.length ? slowSamples.reduce((m, x) => Math.max(m, x), 0) : percentile(100),
        missedClients,
        missedTotal,
        reorders,
        disconnected,
        closeCodes,
        cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      });
    } else if (msg.type === 'stop') {
      for (const c of clients) c.sock.destroy();
      process.exit(0);
    }
  });
  process.send({ type: 'ready' });
}

// =============================================================================================
// Role: main (orchestrator)
// =============================================================================================

const children = new Set();

function killAll() {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {}
  }
  children.clear();
}

function startChild(role, core, extra = []) {
  const pin = !args['no-pin'] && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const prof =
    args['cpu-prof'] && role === 'server' ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
  const nodeArgs = [...prof, fileURLToPath(import.meta.url), '--role', role, ...extra];
  const [cmd, argv] = pin
    ? ['taskset', ['-c', String(core), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function nextMessage(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for '${type}'`)), timeoutMs);
    const onMsg = (m) => {
      if (m.type !== type) return;
      clearTimeout(t);
      child.off('message', onMsg);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code) => {
      clearTimeout(t);
      reject(new Error(`child exited (${code}) before '${type}'`));
    };
    child.on('message', onMsg);
    child.once('exit', onExit);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function benchOne(mode, p) {
  const server = startChild('server', 0, [
    '--mode',
    mode,
    '--assets',
    String(p.assets),
    ...(args.redis ? ['--redis'] : []),
  ]);
  const { url, headers } = await nextMessage(server, 'ready', 60_000);
  const gen = startChild('clients', 1);
  await nextMessage(gen, 'ready', 10_000);
  gen.send({ type: 'connect', url, headers, clients: p.clients, assets: p.assets });
  const conn = await nextMessage(gen, 'connected', 120_000);
  if (conn.failed > 0) console.log(`  ${mode}: ${conn.failed} of ${p.clients} clients failed to connect`);
  await sleep(500);
  const measureFrom = now() + WARMUP_MS;
  gen.send({ type: 'measure', from: measureFrom });
  server.send({ type: 'publish', rate: p.rate, durationS: p.duration });
  const pub = await nextMessage(server, 'published', (p.duration + 60) * 1000);
  await sleep(DRAIN_MS);
  gen.send({ type: 'report', counts: pub.counts, assets: p.assets });
  const rep = await nextMessage(gen, 'report', 30_000);
  server.send({ type: 'stats' });
  const stats = await nextMessage(server, 'stats', 10_000);
  gen.send({ type: 'stop' });
  server.send({ type: 'stop' });
  await Promise.race([nextMessage(server, 'stopped', 20_000).catch(() => {}), sleep(20_000)]);
  // Let the server exit by itself (and write its --cpu-prof profile) before cutting anything left.
  await Promise.race([new Promise((r) => server.once('exit', r)), sleep(5_000)]);
  killAll();
  return {
    mode,
    ...rep,
    published: pub.total,
    serverCpuPct: pub.cpuPct,
    elu: pub.elu,
    hubPublished: stats.hubPublished,
    hubDelivered: stats.hubDelivered,
    conflated: stats.conflated,
    slowClosed: stats.slowClosed,
  };
}

function staleBuildWarning() {
  const newest = (dir) => {
    let m = 0;
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && /\.(ts|js)$/.test(e.name))
        m = Math.max(m, statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
    }
    return m;
  };
  if (!existsSync(path.join(ROOT, 'dist', 'api', 'stream.js'))) {
    console.error('dist/api/stream.js is missing: run `npm run build` first.');
    process.exit(2);
  }
  if (newest(path.join(ROOT, 'src')) > newest(path.join(ROOT, 'dist')) + 1000) {
    console.log('WARNING: src/ is newer than dist/: this benchmarks the last build (`npm run build`).');
  }
}

const f = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');

async function main() {
  const p = {
    clients: Number(args.clients),
    assets: Number(args.assets),
    rate: Number(args.rate),
    duration: Number(args.duration),
  };
  const modes = args.only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (modes.includes('sextant')) staleBuildWarning();
  const rounds = Math.max(1, Number(args.rounds));
  const watchdog = setTimeout(
    () => {
      console.error('watchdog: benchmark took too long; killing children');
      killAll();
      process.exit(3);
    },
    rounds * modes.length * (p.duration * 1000 + 240_000),
  );
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }
  process.on('exit', killAll);

  console.log(
    `stream fan-out: ${p.clients} WS clients × ${p.assets} assets each, ${p.rate} updates/s in total for ${p.duration} s ` +
      `(${p.clients * p.rate} deliveries/s)${args.redis ? ', Sextant bus through Redis' : ''}; latency over all but the first ${WARMUP_MS / 1000} s`,
  );
  const load0 = loadavg();
  const results = [];
  let failed = false;
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order: round 1 runs the modes as listed, round 2 reversed, …
    const order = round % 2 === 1 ? modes : [...modes].reverse();
    for (const mode of order) {
      process.stdout.write(`  round ${round}: running ${mode} ...`);
      try {
        const r = await benchOne(mode, p);
        process.stdout.write(' done\n');
        results.push({ ...r, round });
      } catch (err) {
        // A run that hangs (a starved server on a loaded machine) is reported, not fatal.
        killAll();
        process.stdout.write(` FAILED: ${err.message}\n`);
        results.push({ mode, round, error: err.message });
      }
    }
  }
  const load1 = loadavg();
  console.log(
    `load average (1/5/15 min) before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} cores`,
  );

  console.log('');
  console.log(
    'server  rnd clients  published  delivered   expected   p50 ms   p90 ms   p99 ms   max ms  missed(clients/updates)  reordered  disconnected  srv cpu%  srv loop%  gen cpu%',
  );
  for (const r of results) {
    if (r.error) {
      console.log(`${r.mode.padEnd(7)} ${String(r.round).padStart(3)}  run failed: ${r.error}`);
      continue;
    }
    console.log(
      [
        r.mode.padEnd(7),
        String(r.round).padStart(3),
        String(r.clients).padStart(7),
        String(r.published).padStart(10),
        String(r.delivered).padStart(10),
        String(r.expectedPerClient * r.clients).padStart(10),
        f(r.p50, 2).padStart(8),
        f(r.p90, 2).padStart(8),
        f(r.p99, 2).padStart(8),
        f(r.max, 2).padStart(8),
        `${r.missedClients}/${r.missedTotal}`.padStart(24),
        String(r.reorders).padStart(10),
        `${r.disconnected}${r.disconnected ? ` ${JSON.stringify(r.closeCodes)}` : ''}`.padStart(13),
        f(r.serverCpuPct, 0).padStart(9),
        f(r.elu * 100, 0).padStart(10),
        f(r.cpuPct, 0).padStart(9),
      ].join(' '),
    );
  }
  for (const r of results) {
    if (r.conflated !== undefined) {
      console.log(
        `${r.mode} round ${r.round}: the hub took ${r.hubPublished} updates from the bus, queued ${r.hubDelivered} writes, conflated ${r.conflated}, closed ${r.slowClosed} slow consumers`,
      );
    }
  }
  const runsOf = (mode) => results.filter((r) => r.mode === mode && !r.error);
  if (results.some((r) => r.mode === 'sextant' && r.error)) failed = true;
  const median = (xs) => {
    const v = [...xs].sort((x, y) => x - y);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  for (const s of runsOf('sextant')) {
    const p99ok = s.p99 <= TARGETS.p99Ms;
    const missOk = s.missedClients === 0 && s.reorders === 0 && s.disconnected === 0;
    if (!p99ok || !missOk) failed = true;
    console.log('');
    console.log(
      `target  round ${s.round}: sextant p99 ≤ ${TARGETS.p99Ms} ms: ${f(s.p99, 2)} ms  ${p99ok ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `target  round ${s.round}: zero missed/reordered for clients that keep up: ${s.missedClients} clients missed ${s.missedTotal}, ${s.reorders} reordered, ${s.disconnected} disconnected  ${missOk ? 'PASS' : 'FAIL'}`,
    );
  }
  const ss = runsOf('sextant');
  const bb = runsOf('bare');
  if (ss.length && bb.length) {
    const m = (runs, k) => median(runs.map((r) => r[k]));
    console.log(
      `vs bare ws (medians over rounds): p50 ${f(m(ss, 'p50'), 2)} vs ${f(m(bb, 'p50'), 2)} ms (${f(m(ss, 'p50') / m(bb, 'p50'), 2)}×), ` +
        `p99 ${f(m(ss, 'p99'), 2)} vs ${f(m(bb, 'p99'), 2)} ms (${f(m(ss, 'p99') / m(bb, 'p99'), 2)}×), ` +
        `server CPU ${f(m(ss, 'serverCpuPct'), 0)} vs ${f(m(bb, 'serverCpuPct'), 0)} % (${f(m(ss, 'serverCpuPct') / m(bb, 'serverCpuPct'), 2)}×)`,
    );
  }
  process.exit(args.strict && failed ? 1 : 0);
}

if (args.role === 'server') await runServer();
else if (args.role === 'clients') await runClients();
else await main();
