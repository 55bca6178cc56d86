/**
 * Backtesting: an event-driven simulator over closed bars that lets a strategy see only the
 * bars a live run would have seen, and walk-forward analysis on top of it. Pure: no I/O, no clock.
 */
export { type BarView, createBarView } from './barView.js';
export { LookAheadError } from './errors.js';
export { runBacktest } from './runBacktest.js';
export { buyAndHold, smaCross } from './strategies.js';
export type {
  BacktestMetrics,
  BacktestOptions,
  BacktestResult,
  BacktestTrade,
  EquityPoint,
  OrderTarget,
  PositionState,
  Sizing,
  Strategy,
  StrategyContext,
} from './types.js';
export {
  type WalkForwardOptions,
  type WalkForwardResult,
  type WalkForwardWindow,
  walkForward,
} from './walkForward.js';
