#!/usr/bin/env node
// Full-universe recompute after a bar close: every strategy's signal at the newest bar for every
// asset with hourly bars (BTC, ETH) and daily bars (21 assets), plus both grades for every
// asset — what the live runner does when a UTC day closes (the worst case). Baseline in the same
// run: the same recompute from the whole history instead of the fixed 300-bar window.
//
//   npm run build && node bench/signals/recompute.mjs
//
// Target (issue 4): under 1 s for the whole universe after each bar close.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { investorGrade, traderGrade } from '../../dist/grades/index.js';
import { parseMarketFile } from '../../dist/market/index.js';
import { barsToColumns, columnsToBars } from '../../dist/market/store.js';
import { evaluateWindow, SIGNAL_WINDOW_BARS, STRATEGIES, signalAt } from '../../dist/signals/index.js';

const DATA = join(fileURLToPath(new URL('../../', import.meta.url)), '..', 'shared', 'data');
if (!existsSync(DATA)) {
  console.log(`skipped: ${DATA} not found`);
  process.exit(0);
}
const TARGET_MS = 1000;
const load = (f) => {
  const p = parseMarketFile(readFileSync(f, 'utf8'), f);
  return { symbol: p.symbol, interval: p.interval, cols: p, bars: columnsToBars(p) };
};
const daily = readdirSync(join(DATA, 'binance-ohlcv-yanniedog', '1d')).map((f) =>
  load(join(DATA, 'binance-ohlcv-yanniedog', '1d', f)),
);
const hourly = ['BTCUSDT_1h.csv', 'ETHUSDT_1h.csv'].map((f) =>
  load(join(DATA, 'binance-btc-eth-elvistv', 'data', f)),
);
const universe = [...daily, ...hourly];

function recompute() {
  let signals = 0;
  for (const s of universe) {
    const ref = { asset: s.symbol, venue: 'binance', symbol: s.symbol, interval: s.interval };
    // The runner reads the last window + 1 bars: do the same.
    const tail = barsToColumns(s.bars.slice(-(SIGNAL_WINDOW_BARS + 1)));
    for (const st of STRATEGIES) if (signalAt(ref, st, tail, tail.length - 1)) signals++;
  }
  for (const s of daily) {
    traderGrade(s.symbol, s.bars);
    investorGrade(s.symbol, s.bars);
  }
  return signals;
}

function recomputeFullHistory() {
  for (const s of universe) for (const st of STRATEGIES) evaluateWindow(st, s.cols);
}

const time = (f, n) => {
  f();
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - t) / n;
};
const ms = time(recompute, 20);
const base = time(recomputeFullHistory, 3);
console.log(
  `\nfull-universe recompute after a bar close: ${universe.length} series × ${STRATEGIES.length} strategies + 2 grades × ${daily.length} assets (node ${process.version})\n`,
);
console.log(
  `Sextant (300-bar windows)   ${ms.toFixed(1)} ms per bar close   target < ${TARGET_MS} ms: ${ms < TARGET_MS ? 'MET' : 'NOT MET'}`,
);
console.log(`baseline (whole history)    ${base.toFixed(1)} ms per bar close (signals only)`);
