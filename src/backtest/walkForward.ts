import type { Bar } from '../market/types.js';
import { computeMetrics } from './metrics.js';
import { simulate } from './runBacktest.js';
import type {
  BacktestMetrics,
  BacktestOptions,
  BacktestResult,
  BacktestTrade,
  EquityPoint,
  Strategy,
} from './types.js';
import { checkBars, checkInt, invalid } from './validate.js';

export type WalkForwardOptions = Omit<BacktestOptions, 'strategy' | 'startIndex'> & {
  /** Builds (fits) a strategy from the training bars only; they are frozen copies. */
  makeStrategy: (trainBars: readonly Readonly<Bar>[]) => Strategy;
  /** Training window length in bars. */
  trainBars: number;
  /** Out-of-sample window length in bars. */
  testBars: number;
  /** Bars between window starts; at least `testBars` so test windows never overlap (default `testBars`). */
  step?: number;
};

/** One walk-forward window: half-open index ranges into `bars`, and the out-of-sample run. */
export type WalkForwardWindow = {
  trainStart: number;
  /** Exclusive; equals `testStart`. */
  trainEnd: number;
  testStart: number;
  /** Exclusive. */
  testEnd: number;
  /** `openTime` of the first and last bar of each range. */
  trainFrom: number;
  trainTo: number;
  testFrom: number;
  testTo: number;
  result: BacktestResult;
};

export type WalkForwardResult = {
  windows: WalkForwardWindow[];
  /** The windows' out-of-sample equity curves chained: each window starts with the previous one's final equity. */
  equity: EquityPoint[];
  trades: BacktestTrade[];
  /** Over the chained equity; `buyAndHoldReturn` chains the windows' buy-and-hold returns. */
  metrics: BacktestMetrics;
};

/**
 * Walk-forward analysis. Window k trains on bars `[k*step, k*step + trainBars)` and tests on
 * the next `testBars` bars; only full windows run. The strategy is made from the training bars
 * alone, then run on the test bars with the training bars as visible history (its first
 * decision may be at the last training close, filled at the first test open). Each test run
 * starts flat with the previous window's final equity, and ends flat (liquidated at its last
 * close), so the concatenated curve is a fair out-of-sample record.
 * @example walkForward({ bars, trainBars: 365, testBars: 90, initialCash: 10_000, makeStrategy: (train) => fit(train) })
 */
export function walkForward(options: WalkForwardOptions): WalkForwardResult {
  const { bars, makeStrategy, ...rest } = options;
  checkBars(bars, 2);
  const train = checkInt(options.trainBars, 'trainBars', 1);
  const test = checkInt(options.testBars, 'testBars', 1);
  const step = checkInt(options.step ?? test, 'step', test);
  if (typeof makeStrategy !== 'function') invalid('makeStrategy must be a function', ['makeStrategy']);
  if (train + test > bars.length) {
    invalid(`trainBars + testBars (${train + test}) exceed the ${bars.length} bars`, ['trainBars']);
  }
  const { trainBars: _t, testBars: _s, step: _p, ...backtestOptions } = rest;

  const windows: WalkForwardWindow[] = [];
  const equity: EquityPoint[] = [];
  const trades: BacktestTrade[] = [];
  let cash = options.initialCash;
  let exposedBars = 0;
  let barMs = 0;
  let bnh = 1;
  for (let s = 0; s + train + test <= bars.length; s += step) {
    const trainEnd = s + train;
    const testEnd = trainEnd + test;
    const trainCopy = Object.freeze(bars.slice(s, trainEnd).map((b) => Object.freeze({ ...b })));
    const strategy = makeStrategy(trainCopy);
    const sim = simulate({
      ...backtestOptions,
      bars: bars.slice(s, testEnd),
      startIndex: train,
      strategy,
      initialCash: cash,
    });
    const r = sim.result;
    windows.push({
      trainStart: s,
      trainEnd,
      testStart: trainEnd,
      testEnd,
      trainFrom: bars[s]!.openTime,
      trainTo: bars[trainEnd - 1]!.openTime,
      testFrom: bars[trainEnd]!.openTime,
      testTo: bars[testEnd - 1]!.openTime,
      result: r,
    });
    equity.push(...r.equity);
    trades.push(...r.trades);
    cash = r.equity[r.equity.length - 1]!.equity;
    exposedBars += sim.exposedBars;
    barMs = sim.barMs;
    bnh *= 1 + r.metrics.buyAndHoldReturn;
    // A wiped-out account cannot trade on.
    if (!(cash > 0)) break;
  }
  const metrics = computeMetrics({
    initialCash: options.initialCash,
    equity,
    trades,
    exposedBars,
    barMs,
    buyAndHoldReturn: bnh - 1,
  });
  return { windows, equity, trades, metrics };
}
