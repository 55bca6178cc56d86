import {
  type BacktestMetrics,
  type BacktestTrade,
  buyAndHold,
  type EquityPoint,
  runBacktest,
  type Sizing,
  type Strategy,
  smaCross,
} from '../backtest/index.js';
import { NoMarketDataError } from '../internal/errors.js';
import { alignTime } from '../market/candles.js';
import { barsToColumns } from '../market/store.js';
import { INTERVAL_MS, type Interval } from '../market/types.js';
import type { Services } from '../services/index.js';
import { batchSignalsAsync, followSignals, SIGNAL_WINDOW_BARS, STRATEGIES } from '../signals/index.js';
import type { JobContext, JobHandler } from './jobRunner.js';

export const BACKTEST_JOB = 'backtest';
/** Most bars one backtest reads (history for the warm-up included). */
export const MAX_BACKTEST_BARS = 300_000;
/** Equity points kept in a result; longer curves are sampled evenly (last point always kept). */
export const MAX_EQUITY_POINTS = 1_000;
/** Trades kept in a result (the first ones; `tradeCount` has them all). */
export const MAX_RESULT_TRADES = 1_000;

export type BacktestStrategySpec =
  | { type: 'buy-and-hold' }
  | { type: 'sma-cross'; fast: number; slow: number }
  | { type: 'signals'; strategy: string };

/** A backtest request, validated and normalized (asset resolved, times in ms). */
export type BacktestSpec = {
  asset: string;
  interval: Interval;
  /** First bar that may be traded (open time); null: as early as the warm-up allows. */
  from: number | null;
  /** Bars that closed by this time (ms); null: the market clock at run time. */
  to: number | null;
  strategy: BacktestStrategySpec;
  mode: 'long-only' | 'long-short';
  initialCash: number;
  /** Basis points per side. */
  fees: number;
  slippage: number;
  sizing: Sizing;
};

export type BacktestJobResult = {
  asset: string;
  venue: string;
  symbol: string;
  interval: Interval;
  strategy: string;
  /** Open time of the first traded bar, and close time of the last. */
  from: string;
  to: string;
  /** Traded bars, and bars before them used as history only (the warm-up). */
  bars: number;
  warmupBars: number;
  metrics: BacktestMetrics;
  /** Buy-and-hold over the same bars with the same costs. */
  benchmark: BacktestMetrics;
  tradeCount: number;
  trades: (Omit<BacktestTrade, 'entryTime' | 'exitTime'> & { entryTime: string; exitTime: string })[];
  /** Equity at bar closes, sampled to at most `MAX_EQUITY_POINTS`. */
  equity: { time: string; equity: number; position: number }[];
  signals?: { count: number };
};

/** Bars of history a strategy needs before its first decision. */
export function warmupOf(s: BacktestStrategySpec): number {
  if (s.type === 'sma-cross') return s.slow;
  if (s.type === 'signals') return SIGNAL_WINDOW_BARS;
  return 1;
}

const iso = (t: number) => new Date(t).toISOString();

function sampleEquity(points: readonly EquityPoint[]): BacktestJobResult['equity'] {
  const n = points.length;
  const step = Math.max(1, Math.ceil(n / MAX_EQUITY_POINTS));
  const out: BacktestJobResult['equity'] = [];
  for (let i = 0; i < n; i += step) out.push(pick(points[i]!));
  if (n > 0 && (n - 1) % step !== 0) out.push(pick(points[n - 1]!));
  return out;
  function pick(p: EquityPoint) {
    return { time: iso(p.time), equity: p.equity, position: p.position };
  }
}

/**
 * Run one backtest job: read the closed bars (point in time: nothing after `to` or the market
 * clock), build the strategy, simulate it with `runBacktest` and buy-and-hold as the benchmark.
 */
export function backtestJobHandler(services: Services): JobHandler {
  return async (params, ctx: JobContext) => {
    const spec = params as BacktestSpec;
    const step = INTERVAL_MS[spec.interval];
    const warmup = warmupOf(spec.strategy);
    const clock = services.marketClock.now();
    const to = Math.min(spec.to ?? clock, clock);
    await ctx.progress(0.02, 'loading bars');
    const wanted = spec.from === null ? MAX_BACKTEST_BARS : Math.ceil((to - spec.from) / step) + warmup + 1;
    // `closedBars` bounds open times (inclusive): a bar opening at `alignTime(to)` or later
    // closes after `to`, so it is not "closed by" it.
    const loaded = await services.market.closedBars(spec.asset, spec.interval, {
      to: alignTime(to, spec.interval) - 1,
      limit: Math.min(MAX_BACKTEST_BARS, Math.max(wanted, warmup + 2)),
    });
    const bars = loaded?.bars ?? [];
    if (!loaded || bars.length < warmup + 2) {
      throw new NoMarketDataError(
        `not enough closed ${spec.interval} bars of ${spec.asset} up to ${iso(to)}: the strategy needs ${warmup} bars of history plus 2 to trade, found ${bars.length}`,
      );
    }
    let startIndex = warmup;
    if (spec.from !== null) {
      const i = bars.findIndex((b) => b.openTime >= spec.from!);
      if (i < 0)
        throw new NoMarketDataError(`no closed ${spec.interval} bar of ${spec.asset} from ${iso(spec.from)}`);
      startIndex = Math.max(i, warmup);
    }
    if (startIndex > bars.length - 2) {
      throw new NoMarketDataError(
        `too few bars to trade after the ${warmup}-bar warm-up: widen the range or pick an earlier 'from'`,
      );
    }
    await ctx.progress(0.1, 'preparing strategy');

    let strategy: Strategy;
    let signalCount: number | undefined;
    const s = spec.strategy;
    if (s.type === 'buy-and-hold') strategy = buyAndHold();
    else if (s.type === 'sma-cross') strategy = smaCross({ fast: s.fast, slow: s.slow });
    else {
      const def = STRATEGIES.find((x) => x.id === s.strategy)!;
      const ref = { asset: spec.asset, venue: loaded.venue, symbol: loaded.symbol, interval: spec.interval };
      // Signals point in time, as the live runner issues them: each from the closed bars up to its own.
      const events = await batchSignalsAsync(ref, def, barsToColumns(bars), (done, total) =>
        ctx.progress(0.1 + 0.75 * (total > 0 ? done / total : 1), 'computing signals'),
      );
      signalCount = events.length;
      strategy = followSignals(def.id, events, step);
    }

    await ctx.progress(0.88, 'simulating');
    const common = {
      bars,
      initialCash: spec.initialCash,
      fees: spec.fees,
      slippage: spec.slippage,
      interval: spec.interval,
      startIndex,
    };
    const result = runBacktest({ ...common, strategy, mode: spec.mode, sizing: spec.sizing });
    await ctx.progress(0.95, 'benchmark');
    const benchmark = runBacktest({ ...common, strategy: buyAndHold(), mode: 'long-only' });
    const out: BacktestJobResult = {
      asset: spec.asset,
      venue: loaded.venue,
      symbol: loaded.symbol,
      interval: spec.interval,
      strategy: result.strategy,
      from: iso(bars[startIndex]!.openTime),
      to: iso(bars[bars.length - 1]!.openTime + step),
      bars: bars.length - startIndex,
      warmupBars: startIndex,
      metrics: result.metrics,
      benchmark: benchmark.metrics,
      tradeCount: result.trades.length,
      trades: result.trades.slice(0, MAX_RESULT_TRADES).map((t) => ({
        ...t,
        entryTime: iso(t.entryTime),
        exitTime: iso(t.exitTime),
      })),
      equity: sampleEquity(result.equity),
      ...(signalCount === undefined ? {} : { signals: { count: signalCount } }),
    };
    return out;
  };
}
