#!/usr/bin/env node
// Tick → candle aggregation benchmark (one core): CandleBuilder building 1m, 5m, 15m, 30m, 1h,
// 4h and 1d bars from a synthetic trade stream, against a baseline in the same run (the obvious
// implementation: update a bar object of every interval on every trade).
//
//   npm run build && node bench/candles/aggregate.mjs [--trades 10000000] [--markets 20] [--rounds 5]
//
// Target (issue 3): >= 2,000,000 trades/s on one core.
import { loadavg } from 'node:os';
import { CandleBuilder, INTERVAL_MS, INTERVALS } from '../../dist/market/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TRADES = arg('trades', 10_000_000);
const MARKETS = arg('markets', 20);
const ROUNDS = arg('rounds', 5);
const TARGET = 2_000_000;
const T0 = Date.UTC(2024, 0, 1);

// Trades pre-generated into typed arrays so the timing covers aggregation only: ~40 trades/s
// per market, prices a random walk.
const ts = new Float64Array(TRADES);
const px = new Float64Array(TRADES);
const qty = new Float64Array(TRADES);
const mk = new Uint16Array(TRADES);
let seed = 42;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
const prices = Array.from({ length: MARKETS }, (_, i) => 100 + i);
for (let i = 0; i < TRADES; i++) {
  const m = i % MARKETS;
  mk[i] = m;
  ts[i] = T0 + Math.floor((i / MARKETS) * 25);
  prices[m] *= 1 + (rnd() - 0.5) * 1e-3;
  px[i] = prices[m];
  qty[i] = rnd();
}

function runBuilder() {
  let closed = 0;
  const builders = Array.from({ length: MARKETS }, () => new CandleBuilder(() => closed++));
  const t = performance.now();
  for (let i = 0; i < TRADES; i++) builders[mk[i]].addTrade(ts[i], px[i], qty[i]);
  return { seconds: (performance.now() - t) / 1000, closed };
}

function runNaive() {
  let closed = 0;
  const state = Array.from({ length: MARKETS }, () => new Map());
  const t = performance.now();
  for (let i = 0; i < TRADES; i++) {
    const bars = state[mk[i]];
    for (const iv of INTERVALS) {
      const step = INTERVAL_MS[iv];
      const open = ts[i] - (ts[i] % step);
      const b = bars.get(iv);
      if (!b || b.openTime !== open) {
        if (b) closed++;
        bars.set(iv, { openTime: open, open: px[i], high: px[i], low: px[i], close: px[i], volume: qty[i] });
      } else {
        if (px[i] > b.high) b.high = px[i];
        if (px[i] < b.low) b.low = px[i];
        b.close = px[i];
        b.volume += qty[i];
      }
    }
  }
  return { seconds: (performance.now() - t) / 1000, closed };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadBefore = load();
// Warm up both (JIT), then alternating rounds (builder first, then baseline first, …) so a noisy
// neighbour slows both alike; the median of each is reported.
runBuilder();
runNaive();
const bs = [];
const ns = [];
let closed = 0;
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? [runBuilder, runNaive] : [runNaive, runBuilder];
  for (const f of order) {
    const x = f();
    if (f === runBuilder) {
      bs.push(x.seconds);
      closed = x.closed;
    } else ns.push(x.seconds);
  }
}
const b = median(bs);
const n = median(ns);
console.log(
  `\ntick → candle aggregation, ${fmt(TRADES)} trades over ${MARKETS} markets, intervals ${INTERVALS.join(',')} (node ${process.version}, ${ROUNDS} alternating rounds, medians, load average ${loadBefore} → ${load()})\n`,
);
console.log(
  `CandleBuilder  ${fmt(TRADES / b)} trades/s  (${b.toFixed(3)} s, ${fmt(closed)} bars closed; rounds ${bs.map((x) => fmt(TRADES / x)).join(', ')})  target >= ${fmt(TARGET)}: ${TRADES / b >= TARGET ? 'MET' : 'NOT MET'}`,
);
console.log(
  `baseline       ${fmt(TRADES / n)} trades/s  (${n.toFixed(3)} s; every interval's bar updated per trade; rounds ${ns.map((x) => fmt(TRADES / x)).join(', ')})`,
);
console.log(`speed-up       ${(n / b).toFixed(1)}x`);
