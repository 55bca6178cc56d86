import type { Bar } from '../market/types.js';
import { INTERVAL_MS } from '../market/types.js';
import { createBarView } from './barView.js';
import { computeMetrics } from './metrics.js';
import type {
  BacktestOptions,
  BacktestResult,
  BacktestTrade,
  EquityPoint,
  OrderTarget,
  PositionState,
  Sizing,
  StrategyContext,
} from './types.js';
import { checkBars, checkInt, invalid } from './validate.js';

const BPS = 10_000;

/** A run plus what walk-forward needs to merge runs. */
export type Simulation = { result: BacktestResult; exposedBars: number; barMs: number };

type Open = { side: 'long' | 'short'; qty: number; price: number; fee: number; time: number };

/**
 * Event-driven backtest of one strategy over closed bars of one market.
 *
 * Timing: at each bar's close the strategy sees only the bars closed so far (a read-only view;
 * reading further throws `LookAheadError`) and returns a target position; the order fills at
 * the **next bar's open**, with slippage against the trader (buys at `open * (1 + slippage)`,
 * sells at `open * (1 - slippage)`) and `fees` charged on each side's notional. Opening commits
 * `sizing` of equity (or a fixed amount) including the entry fee: `qty = budget / (fill *
 * (1 + fee))`. A target equal to the current side keeps the position as is (no resizing); a
 * reversal closes then opens at the same open. Equity is marked at each close. A position
 * still open after the last bar is liquidated at the last close (slippage and fee included),
 * so the last equity point is all cash.
 * @example runBacktest({ bars, strategy: smaCross({ fast: 20, slow: 50 }), initialCash: 10_000, fees: 10, slippage: 5 })
 */
export function runBacktest(options: BacktestOptions): BacktestResult {
  return simulate(options).result;
}

/** `runBacktest` with the extra counters walk-forward needs. */
export function simulate(options: BacktestOptions): Simulation {
  const { strategy, initialCash } = options;
  checkBars(options.bars, 2);
  if (!(Number.isFinite(initialCash) && initialCash > 0))
    invalid('initialCash must be a positive number', ['initialCash']);
  const feeRate = rate(options.fees ?? 0, 'fees');
  const slip = rate(options.slippage ?? 0, 'slippage');
  const mode = options.mode ?? 'long-only';
  if (mode !== 'long-only' && mode !== 'long-short') invalid(`unknown mode ${String(mode)}`, ['mode']);
  const sizing = checkSizing(options.sizing ?? { type: 'fraction', fraction: 1 });
  if (typeof strategy?.onBar !== 'function')
    invalid('strategy.onBar must be a function', ['strategy', 'onBar']);
  const warmup = checkInt(strategy.warmup, 'strategy.warmup', 0);
  const n = options.bars.length;
  const start = checkInt(options.startIndex ?? 0, 'startIndex', 0, n - 1);
  // First decision once `warmup` bars (at least one) have closed and not before the bar
  // preceding the first traded one; it must leave a bar to fill at.
  const firstDecision = Math.max(Math.max(warmup, 1) - 1, start - 1);
  if (firstDecision + 1 > n - 1) {
    invalid(`warmup ${warmup} leaves no bar to trade: ${n} bars, need at least ${firstDecision + 2}`, [
      'strategy',
      'warmup',
    ]);
  }
  const barMs = options.interval ? INTERVAL_MS[options.interval] : smallestGap(options.bars);
  if (!(barMs > 0)) invalid(`unknown interval ${String(options.interval)}`, ['interval']);

  // Frozen copies: neither the strategy nor the caller can change a bar during the run.
  const bars: readonly Readonly<Bar>[] = Object.freeze(options.bars.map((b) => Object.freeze({ ...b })));

  let cash = initialCash;
  // In an object so TypeScript does not narrow it across the closures that reassign it.
  const st: { open: Open | null } = { open: null };
  let pending: OrderTarget | null = null;
  let exposedBars = 0;
  const equity: EquityPoint[] = [];
  const trades: BacktestTrade[] = [];

  const qtySigned = () => (st.open === null ? 0 : st.open.side === 'long' ? st.open.qty : -st.open.qty);

  const close = (price: number, time: number, exit: 'signal' | 'end'): void => {
    const o = st.open!;
    const fill = o.side === 'long' ? price * (1 - slip) : price * (1 + slip);
    const fee = o.qty * fill * feeRate;
    let pnl: number;
    if (o.side === 'long') {
      cash += o.qty * fill - fee;
      pnl = o.qty * (fill - o.price) - o.fee - fee;
    } else {
      cash -= o.qty * fill + fee;
      pnl = o.qty * (o.price - fill) - o.fee - fee;
    }
    trades.push({
      entryTime: o.time,
      exitTime: time,
      side: o.side,
      entryPrice: o.price,
      exitPrice: fill,
      qty: o.qty,
      pnl,
      fees: o.fee + fee,
      returnPct: pnl / (o.qty * o.price + o.fee),
      exit,
    });
    st.open = null;
  };

  const enter = (side: 'long' | 'short', size: number, price: number, time: number): void => {
    // Flat here, so equity is cash.
    const budget =
      sizing.type === 'fraction' ? sizing.fraction * size * cash : Math.min(sizing.amount * size, cash);
    if (!(budget > 0)) return;
    const fill = side === 'long' ? price * (1 + slip) : price * (1 - slip);
    const qty = budget / (fill * (1 + feeRate));
    const fee = qty * fill * feeRate;
    if (side === 'long') cash -= qty * fill + fee;
    else cash += qty * fill - fee;
    st.open = { side, qty, price: fill, fee, time };
  };

  for (let i = 0; i < n; i++) {
    const bar = bars[i]!;
    if (i >= start) {
      if (pending !== null) {
        const want = pending.target === 'short' && mode === 'long-only' ? 'flat' : pending.target;
        const side = st.open === null ? 'flat' : st.open.side;
        if (want !== side) {
          if (st.open !== null) close(bar.open, bar.openTime, 'signal');
          if (want !== 'flat') enter(want, pending.size ?? 1, bar.open, bar.openTime);
        }
        pending = null;
      }
      if (st.open !== null) exposedBars++;
      if (i === n - 1 && st.open !== null) close(bar.close, bar.openTime + barMs, 'end');
      const q = qtySigned();
      equity.push({ time: bar.openTime, equity: cash + q * bar.close, position: q, cash });
    }
    // No decision on the last bar: nothing is left to fill it at.
    if (i >= firstDecision && i < n - 1) {
      const marked = cash + qtySigned() * bar.close;
      pending = checkOrder(strategy.onBar(context(bars, i, st.open, cash, marked)), i);
    }
  }
  const firstFill = firstDecision + 1;
  const result: BacktestResult = {
    strategy: strategy.name,
    equity,
    trades,
    metrics: computeMetrics({
      initialCash,
      equity,
      trades,
      exposedBars,
      barMs,
      buyAndHoldReturn: bars[n - 1]!.close / bars[firstFill]!.open - 1,
    }),
  };
  return { result, exposedBars, barMs };
}

function context(
  bars: readonly Readonly<Bar>[],
  i: number,
  open: Open | null,
  cash: number,
  equity: number,
): StrategyContext {
  const view = createBarView(bars, i + 1);
  const position: PositionState = Object.freeze(
    open === null
      ? { side: 'flat' as const, qty: 0, entryPrice: null, entryTime: null }
      : { side: open.side, qty: open.qty, entryPrice: open.price, entryTime: open.time },
  );
  return Object.freeze({
    bars: view,
    index: i,
    bar: bars[i]!,
    position,
    cash,
    equity,
    close: (k: number) => view.close(k),
    closes: (count?: number) => view.closes(count),
  });
}

/** Read the order once into a plain object (a getter or Proxy cannot change it later). */
function checkOrder(order: OrderTarget | null | undefined, i: number): OrderTarget | null {
  if (order === null || order === undefined) return null;
  const target = order.target;
  const size = order.size;
  if (target !== 'long' && target !== 'short' && target !== 'flat') {
    invalid(`strategy returned an unknown target ${String(target)} at bar ${i}`, ['strategy', 'onBar', i]);
  }
  if (size !== undefined && !(typeof size === 'number' && size > 0 && size <= 1)) {
    invalid(`order size must be in (0, 1], got ${String(size)} at bar ${i}`, ['strategy', 'onBar', i]);
  }
  return size === undefined ? { target } : { target, size };
}

function rate(bps: number, name: string): number {
  if (!(Number.isFinite(bps) && bps >= 0 && bps < BPS))
    invalid(`${name} must be basis points in [0, 10000)`, [name]);
  return bps / BPS;
}

function checkSizing(s: Sizing): Sizing {
  if (s?.type === 'fraction' && s.fraction > 0 && s.fraction <= 1)
    return { type: 'fraction', fraction: s.fraction };
  if (s?.type === 'fixed' && Number.isFinite(s.amount) && s.amount > 0)
    return { type: 'fixed', amount: s.amount };
  return invalid('sizing must be { type: "fraction", fraction in (0, 1] } or { type: "fixed", amount > 0 }', [
    'sizing',
  ]);
}

function smallestGap(bars: readonly Bar[]): number {
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < bars.length; i++) gap = Math.min(gap, bars[i]!.openTime - bars[i - 1]!.openTime);
  return gap;
}
