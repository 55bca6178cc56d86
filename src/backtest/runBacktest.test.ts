import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../internal/errors.js';
import type { Bar } from '../market/types.js';
import { type BacktestResult, buyAndHold, runBacktest, type Strategy, smaCross } from './index.js';

// ---------------------------------------------------------------------------------------------
// Independent reference: plain loops over arrays, sharing no code with the backtester.
// Rules (from the runBacktest doc): decide at bar i's close, fill at bar i+1's open; buys fill
// at open * (1 + s), sells at open * (1 - s); fee f on each side's notional; opening commits
// `fraction` of cash including the fee; a position open at the end is sold at the last close.
// ---------------------------------------------------------------------------------------------

type RefTrade = {
  entryIndex: number;
  exitIndex: number;
  side: string;
  entryPrice: number;
  exitPrice: number;
  qty: number;
  pnl: number;
  fees: number;
};
type RefRun = { equity: number[]; position: number[]; trades: RefTrade[]; held: boolean[] };

function referenceRun(
  bars: Bar[],
  decisions: (string | null)[],
  opts: { cash: number; feeBps: number; slipBps: number; longShort: boolean; fraction: number },
): RefRun {
  const f = opts.feeBps / 10000;
  const s = opts.slipBps / 10000;
  let cash = opts.cash;
  let qty = 0; // signed
  let entryPrice = 0;
  let entryFee = 0;
  let entryIndex = -1;
  const equity: number[] = [];
  const position: number[] = [];
  const held: boolean[] = [];
  const trades: RefTrade[] = [];
  function exit(i: number, rawPrice: number) {
    if (qty > 0) {
      const px = rawPrice * (1 - s);
      const fee = qty * px * f;
      cash = cash + qty * px - fee;
      trades.push({
        entryIndex,
        exitIndex: i,
        side: 'long',
        entryPrice,
        exitPrice: px,
        qty,
        pnl: qty * (px - entryPrice) - entryFee - fee,
        fees: entryFee + fee,
      });
    } else {
      const q = -qty;
      const px = rawPrice * (1 + s);
      const fee = q * px * f;
      cash = cash - q * px - fee;
      trades.push({
        entryIndex,
        exitIndex: i,
        side: 'short',
        entryPrice,
        exitPrice: px,
        qty: q,
        pnl: q * (entryPrice - px) - entryFee - fee,
        fees: entryFee + fee,
      });
    }
    qty = 0;
  }
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i]!;
    if (i > 0 && decisions[i - 1] != null) {
      let want = decisions[i - 1]!;
      if (want === 'short' && !opts.longShort) want = 'flat';
      const cur = qty > 0 ? 'long' : qty < 0 ? 'short' : 'flat';
      if (want !== cur) {
        if (qty !== 0) exit(i, bar.open);
        if (want === 'long') {
          const px = bar.open * (1 + s);
          const budget = cash * opts.fraction;
          const q = budget / (px * (1 + f));
          entryFee = q * px * f;
          cash = cash - q * px - entryFee;
          qty = q;
          entryPrice = px;
          entryIndex = i;
        } else if (want === 'short') {
          const px = bar.open * (1 - s);
          const budget = cash * opts.fraction;
          const q = budget / (px * (1 + f));
          entryFee = q * px * f;
          cash = cash + q * px - entryFee;
          qty = -q;
          entryPrice = px;
          entryIndex = i;
        }
      }
    }
    held.push(qty !== 0);
    if (i === bars.length - 1 && qty !== 0) exit(i, bar.close);
    equity.push(cash + qty * bar.close);
    position.push(qty);
  }
  return { equity, position, trades, held };
}

function referenceMetrics(bars: Bar[], run: RefRun, cash: number, firstFill: number) {
  const n = run.equity.length;
  const final = run.equity[n - 1]!;
  const rets: number[] = [];
  let prev = cash;
  for (const e of run.equity) {
    rets.push(e / prev - 1);
    prev = e;
  }
  let sum = 0;
  for (const r of rets) sum += r;
  const mean = sum / rets.length;
  let sq = 0;
  let down = 0;
  for (const r of rets) {
    sq += (r - mean) * (r - mean);
    if (r < 0) down += r * r;
  }
  const sd = Math.sqrt(sq / (rets.length - 1));
  const dd = Math.sqrt(down / rets.length);
  let peak = cash;
  let mdd = 0;
  for (const e of run.equity) {
    if (e > peak) peak = e;
    if (1 - e / peak > mdd) mdd = 1 - e / peak;
  }
  let wins = 0;
  for (const t of run.trades) if (t.pnl > 0) wins++;
  let heldBars = 0;
  for (const h of run.held) if (h) heldBars++;
  return {
    totalReturn: final / cash - 1,
    cagr: (final / cash) ** (365 / n) - 1,
    sharpe: sd > 0 ? (mean / sd) * Math.sqrt(365) : null,
    sortino: dd > 0 ? (mean / dd) * Math.sqrt(365) : null,
    maxDrawdown: mdd,
    winRate: run.trades.length > 0 ? wins / run.trades.length : null,
    trades: run.trades.length,
    exposure: heldBars / n,
    buyAndHoldReturn: bars[n - 1]!.close / bars[firstFill]!.open - 1,
  };
}

/** Targets of the SMA cross, plain loops: long above, short below, flat equal; from bar slow - 1. */
function referenceSmaDecisions(bars: Bar[], fast: number, slow: number): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < bars.length; i++) {
    if (i < slow - 1 || i === bars.length - 1) {
      out.push(null);
      continue;
    }
    let a = 0;
    for (let k = i - fast + 1; k <= i; k++) a += bars[k]!.close;
    let b = 0;
    for (let k = i - slow + 1; k <= i; k++) b += bars[k]!.close;
    a /= fast;
    b /= slow;
    out.push(a > b ? 'long' : a < b ? 'short' : 'flat');
  }
  return out;
}

const TOL = 1e-9;
function close(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) {
    expect(actual, what).toBe(expected);
    return;
  }
  const err = Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
  if (!(err <= TOL)) throw new Error(`${what}: ${actual} vs ${expected} (relative error ${err})`);
}

function compare(bars: Bar[], result: BacktestResult, ref: RefRun, cash: number, firstFill: number): void {
  expect(result.equity).toHaveLength(bars.length);
  for (let i = 0; i < bars.length; i++) {
    expect(result.equity[i]!.time).toBe(bars[i]!.openTime);
    close(result.equity[i]!.equity, ref.equity[i]!, `equity[${i}]`);
    close(result.equity[i]!.position, ref.position[i]!, `position[${i}]`);
  }
  expect(result.trades).toHaveLength(ref.trades.length);
  result.trades.forEach((t, k) => {
    const r = ref.trades[k]!;
    expect(t.side).toBe(r.side);
    expect(t.entryTime).toBe(bars[r.entryIndex]!.openTime);
    const last = r.exitIndex === bars.length - 1 && k === ref.trades.length - 1 && ref.position.at(-1) === 0;
    if (!(last && t.exit === 'end')) expect(t.exitTime).toBe(bars[r.exitIndex]!.openTime);
    for (const key of ['entryPrice', 'exitPrice', 'qty', 'pnl', 'fees'] as const)
      close(t[key], r[key], `trade ${k} ${key}`);
  });
  const m = referenceMetrics(bars, ref, cash, firstFill);
  for (const key of Object.keys(m) as (keyof typeof m)[])
    close(result.metrics[key], m[key], `metrics.${key}`);
}

// ---------------------------------------------------------------------------------------------

const DAY = 86_400_000;

/** Deterministic random walk with opening gaps and wicks. */
function syntheticBars(n: number, seed: number, drift = 0): Bar[] {
  let x = seed >>> 0;
  const rnd = () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Bar[] = [];
  let prev = 100;
  for (let i = 0; i < n; i++) {
    const open = prev * (1 + (rnd() - 0.5) * 0.004);
    const close = open * Math.exp(drift + (rnd() - 0.5) * 0.08);
    const high = Math.max(open, close) * (1 + rnd() * 0.01);
    const low = Math.min(open, close) * (1 - rnd() * 0.01);
    out.push({ openTime: Date.UTC(2022, 0, 1) + i * DAY, open, high, low, close, volume: 1 + rnd() * 100 });
    prev = close;
  }
  return out;
}

const DIR = '/work/shared/data/binance-ohlcv-yanniedog/1d';
const HAVE_BTC = existsSync(`${DIR}/BTCUSDT_1d.csv`);
if (!HAVE_BTC) console.warn(`backtest real-data tests skipped: ${DIR}/BTCUSDT_1d.csv is absent`);

/** The shared dataset's CSV: `timestamp,open,high,low,close,volume`, dates, CRLF line endings. */
function loadBtc(): Bar[] {
  const lines = readFileSync(`${DIR}/BTCUSDT_1d.csv`, 'utf8').split('\r\n');
  expect(lines[0]).toBe('timestamp,open,high,low,close,volume');
  return lines
    .slice(1)
    .filter((l) => l.length > 0)
    .map((l) => {
      const [ts, o, h, lo, c, v] = l.split(',');
      return {
        openTime: Date.parse(`${ts}T00:00:00Z`),
        open: +o!,
        high: +h!,
        low: +lo!,
        close: +c!,
        volume: +v!,
      };
    });
}

const COSTS = [
  { feeBps: 0, slipBps: 0 },
  { feeBps: 10, slipBps: 5 },
];

function acceptance(label: string, getBars: () => Bar[]) {
  describe(`matches the independent computation on ${label}`, () => {
    for (const { feeBps, slipBps } of COSTS) {
      it(`buy-and-hold, fees ${feeBps} bps, slippage ${slipBps} bps`, () => {
        const bars = getBars();
        const cash = 10_000;
        const res = runBacktest({
          bars,
          strategy: buyAndHold(),
          initialCash: cash,
          fees: feeBps,
          slippage: slipBps,
        });
        const decisions = bars.map((_, i) => (i < bars.length - 1 ? 'long' : null));
        compare(
          bars,
          res,
          referenceRun(bars, decisions, { cash, feeBps, slipBps, longShort: false, fraction: 1 }),
          cash,
          1,
        );
        // Closed form as well: one buy at the second open, one sale at the last close.
        const f = feeBps / 1e4;
        const s = slipBps / 1e4;
        const expected =
          (cash * bars.at(-1)!.close * (1 - s) * (1 - f)) / (bars[1]!.open * (1 + s) * (1 + f));
        close(res.equity.at(-1)!.equity, expected, 'closed-form final equity');
        expect(res.trades).toHaveLength(1);
        expect(res.trades[0]!.exit).toBe('end');
        expect(res.trades[0]!.exitTime).toBe(bars.at(-1)!.openTime + DAY);
      });

      for (const mode of ['long-only', 'long-short'] as const) {
        it(`SMA 20/50 cross ${mode}, fees ${feeBps} bps, slippage ${slipBps} bps`, () => {
          const bars = getBars();
          const cash = 10_000;
          const res = runBacktest({
            bars,
            strategy: smaCross({ fast: 20, slow: 50 }),
            initialCash: cash,
            fees: feeBps,
            slippage: slipBps,
            mode,
          });
          const ref = referenceRun(bars, referenceSmaDecisions(bars, 20, 50), {
            cash,
            feeBps,
            slipBps,
            longShort: mode === 'long-short',
            fraction: 1,
          });
          expect(ref.trades.length).toBeGreaterThan(1);
          compare(bars, res, ref, cash, 50);
        });
      }
    }

    it('SMA cross with half-equity sizing', () => {
      const bars = getBars();
      const res = runBacktest({
        bars,
        strategy: smaCross({ fast: 10, slow: 30 }),
        initialCash: 1000,
        fees: 7.5,
        slippage: 2,
        mode: 'long-short',
        sizing: { type: 'fraction', fraction: 0.5 },
      });
      const ref = referenceRun(bars, referenceSmaDecisions(bars, 10, 30), {
        cash: 1000,
        feeBps: 7.5,
        slipBps: 2,
        longShort: true,
        fraction: 0.5,
      });
      compare(bars, res, ref, 1000, 30);
    });
  });
}

acceptance('synthetic bars', () => syntheticBars(600, 42));
acceptance('synthetic trending bars', () => syntheticBars(400, 7, 0.004));
describe.skipIf(!HAVE_BTC)('real BTC daily bars', () => {
  acceptance('BTC/USDT 1d (2017–2025)', () => cachedBtc());
});
let btcCache: Bar[] | undefined;
function cachedBtc(): Bar[] {
  btcCache ??= loadBtc();
  return btcCache;
}

// ---------------------------------------------------------------------------------------------

/** A strategy following a fixed schedule of targets by bar index. */
function scripted(targets: Record<number, 'long' | 'short' | 'flat'>, warmup = 0): Strategy {
  return {
    name: 'scripted',
    warmup,
    onBar: (ctx) => (targets[ctx.index] ? { target: targets[ctx.index]! } : null),
  };
}

function bars(opens: number[], closes: number[]): Bar[] {
  return opens.map((open, i) => ({
    openTime: i * DAY,
    open,
    high: Math.max(open, closes[i]!),
    low: Math.min(open, closes[i]!),
    close: closes[i]!,
    volume: 1,
  }));
}

describe('runBacktest behaviour', () => {
  it('fills at the next open and marks at closes (hand-checked long trade)', () => {
    const bs = bars([100, 110, 120, 130, 140], [105, 115, 125, 135, 145]);
    const r = runBacktest({ bars: bs, strategy: scripted({ 0: 'long', 2: 'flat' }), initialCash: 1100 });
    // Bought 10 at 110 (bar 1 open), sold at 130 (bar 3 open).
    expect(r.equity.map((e) => e.equity)).toEqual([1100, 1150, 1250, 1300, 1300]);
    expect(r.equity.map((e) => e.position)).toEqual([0, 10, 10, 0, 0]);
    expect(r.trades).toEqual([
      {
        entryTime: DAY,
        exitTime: 3 * DAY,
        side: 'long',
        entryPrice: 110,
        exitPrice: 130,
        qty: 10,
        pnl: 200,
        fees: 0,
        returnPct: 200 / 1100,
        exit: 'signal',
      },
    ]);
    expect(r.metrics.exposure).toBe(2 / 5);
    expect(r.metrics.winRate).toBe(1);
  });

  it('profits from a short in a falling market (hand-checked, with costs)', () => {
    const bs = bars([100, 100, 90, 80], [100, 95, 85, 80]);
    const r = runBacktest({
      bars: bs,
      strategy: scripted({ 0: 'short' }),
      initialCash: 1000,
      mode: 'long-short',
      fees: 10,
      slippage: 10,
    });
    // Sell at 100 * 0.999 = 99.9, qty = 1000 / (99.9 * 1.001); buy back at 80 * 1.001 = 80.08.
    const qty = 1000 / (99.9 * 1.001);
    const pnl = qty * (99.9 - 80.08) - qty * 99.9 * 0.001 - qty * 80.08 * 0.001;
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]!.side).toBe('short');
    expect(r.trades[0]!.qty).toBeCloseTo(qty, 12);
    expect(r.trades[0]!.pnl).toBeCloseTo(pnl, 9);
    expect(r.equity.at(-1)!.equity).toBeCloseTo(1000 + pnl, 9);
    expect(r.equity[1]!.position).toBeCloseTo(-qty, 12);
    // Long-only turns the same short target into flat: no trade at all.
    const lo = runBacktest({ bars: bs, strategy: scripted({ 0: 'short' }), initialCash: 1000 });
    expect(lo.trades).toHaveLength(0);
  });

  it('reverses long to short at one open', () => {
    const bs = bars([100, 100, 120, 120, 100], [100, 110, 120, 110, 100]);
    const r = runBacktest({
      bars: bs,
      strategy: scripted({ 0: 'long', 1: 'short' }),
      initialCash: 100,
      mode: 'long-short',
    });
    expect(r.trades.map((t) => [t.side, t.entryPrice, t.exitPrice, t.pnl])).toEqual([
      ['long', 100, 120, 20],
      ['short', 120, 100, 20],
    ]);
    expect(r.equity.at(-1)!.equity).toBeCloseTo(140, 12);
  });

  it('keeps equity constant while flat and counts exposure', () => {
    const bs = syntheticBars(30, 3);
    const r = runBacktest({
      bars: bs,
      strategy: scripted({ 4: 'long', 9: 'flat', 19: 'long', 24: 'flat' }),
      initialCash: 500,
    });
    expect(r.trades).toHaveLength(2);
    expect(r.metrics.exposure).toBe(10 / 30);
    // Decided at bar 4's close, filled at bar 5's open; out at bar 10's open, in again at bar 20's.
    for (const i of [0, 1, 2, 3, 4]) expect(r.equity[i]!.equity).toBe(500);
    expect(r.equity[5]!.equity).not.toBe(500);
    for (let i = 11; i <= 19; i++) expect(r.equity[i]!.equity).toBe(r.equity[10]!.equity);
    for (const e of r.equity)
      expect(e.equity).toBeCloseTo(e.cash + e.position * bs.find((b) => b.openTime === e.time)!.close, 9);
  });

  it('reports zero trades cleanly', () => {
    const bs = syntheticBars(50, 5);
    const r = runBacktest({ bars: bs, strategy: scripted({}), initialCash: 1000 });
    expect(r.trades).toEqual([]);
    expect(r.equity.every((e) => e.equity === 1000 && e.position === 0)).toBe(true);
    expect(r.metrics).toMatchObject({
      totalReturn: 0,
      cagr: 0,
      sharpe: null,
      sortino: null,
      maxDrawdown: 0,
      winRate: null,
      trades: 0,
      exposure: 0,
    });
    expect(r.metrics.buyAndHoldReturn).toBeCloseTo(bs.at(-1)!.close / bs[1]!.open - 1, 12);
  });

  it('costs reduce the result monotonically', () => {
    const bs = syntheticBars(300, 11);
    const finals = [0, 5, 20, 50].map(
      (bps) =>
        runBacktest({
          bars: bs,
          strategy: smaCross({ fast: 5, slow: 20 }),
          initialCash: 1000,
          fees: bps,
          slippage: bps,
        }).equity.at(-1)!.equity,
    );
    for (let k = 1; k < finals.length; k++) expect(finals[k]!).toBeLessThan(finals[k - 1]!);
  });

  it('sizes by a fixed amount capped at equity, and by order size', () => {
    const bs = bars([100, 100, 100, 100], [100, 100, 100, 100]);
    const fixed = runBacktest({
      bars: bs,
      strategy: scripted({ 0: 'long' }),
      initialCash: 1000,
      sizing: { type: 'fixed', amount: 300 },
    });
    expect(fixed.trades[0]!.qty).toBe(3);
    expect(fixed.equity[1]!.cash).toBe(700);
    const capped = runBacktest({
      bars: bs,
      strategy: scripted({ 0: 'long' }),
      initialCash: 200,
      sizing: { type: 'fixed', amount: 300 },
    });
    expect(capped.trades[0]!.qty).toBe(2);
    const half: Strategy = { name: 'half', warmup: 0, onBar: () => ({ target: 'long', size: 0.5 }) };
    expect(runBacktest({ bars: bs, strategy: half, initialCash: 1000 }).trades[0]!.qty).toBe(5);
  });

  it('warmup delays the first decision', () => {
    const bs = syntheticBars(20, 9);
    const seen: number[] = [];
    const s: Strategy = {
      name: 'w',
      warmup: 5,
      onBar: (ctx) => {
        seen.push(ctx.bars.length);
        return { target: 'long' };
      },
    };
    const r = runBacktest({ bars: bs, strategy: s, initialCash: 100 });
    expect(seen[0]).toBe(5);
    expect(seen.at(-1)).toBe(19); // not called on the last bar
    expect(r.trades[0]!.entryTime).toBe(bs[5]!.openTime);
    expect(r.metrics.buyAndHoldReturn).toBeCloseTo(bs.at(-1)!.close / bs[5]!.open - 1, 12);
  });

  it('rejects invalid input with ValidationError', () => {
    const bs = syntheticBars(10, 1);
    const base = { bars: bs, strategy: buyAndHold(), initialCash: 100 };
    const cases: [string, () => unknown][] = [
      ['one bar', () => runBacktest({ ...base, bars: bs.slice(0, 1) })],
      ['empty', () => runBacktest({ ...base, bars: [] })],
      ['unsorted', () => runBacktest({ ...base, bars: [bs[1]!, bs[0]!, bs[2]!] })],
      ['warmup too long', () => runBacktest({ ...base, strategy: smaCross({ fast: 5, slow: 10 }) })],
      ['negative fees', () => runBacktest({ ...base, fees: -1 })],
      ['cash', () => runBacktest({ ...base, initialCash: 0 })],
      ['sizing', () => runBacktest({ ...base, sizing: { type: 'fraction', fraction: 1.5 } })],
      [
        'bad target',
        () =>
          runBacktest({
            ...base,
            strategy: { name: 'x', warmup: 0, onBar: () => ({ target: 'up' as 'long' }) },
          }),
      ],
      [
        'bad size',
        () =>
          runBacktest({
            ...base,
            strategy: { name: 'x', warmup: 0, onBar: () => ({ target: 'long', size: 2 }) },
          }),
      ],
    ];
    for (const [name, fn] of cases) expect(fn, name).toThrow(ValidationError);
  });

  it('decisions do not change when future bars are removed', () => {
    const bs = syntheticBars(200, 21);
    const full = runBacktest({
      bars: bs,
      strategy: smaCross({ fast: 5, slow: 15 }),
      initialCash: 1000,
      mode: 'long-short',
    });
    for (const k of [40, 97, 150]) {
      const prefix = runBacktest({
        bars: bs.slice(0, k),
        strategy: smaCross({ fast: 5, slow: 15 }),
        initialCash: 1000,
        mode: 'long-short',
      });
      // Identical up to bar k - 2; bar k - 1 of the prefix run includes the final liquidation.
      expect(prefix.equity.slice(0, k - 1)).toEqual(full.equity.slice(0, k - 1));
    }
  });
});
