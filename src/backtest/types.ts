import type { Bar, Interval } from '../market/types.js';
import type { BarView } from './barView.js';

/** What the strategy wants to hold after its decision; it is filled at the next bar's open. */
export type OrderTarget = {
  target: 'long' | 'short' | 'flat';
  /** Scales the configured sizing, in (0, 1] (default 1). Used only when opening a position. */
  size?: number;
};

/** The position held when the strategy decides. `qty` is in base units, > 0 unless flat. */
export type PositionState = Readonly<{
  side: 'long' | 'short' | 'flat';
  qty: number;
  /** Fill price of the entry (slippage included); null when flat. */
  entryPrice: number | null;
  entryTime: number | null;
}>;

/** Everything a strategy may read at the close of the current bar: the past and present only. */
export type StrategyContext = Readonly<{
  /** Bars closed so far, current one last (`bars.length === index + 1`). */
  bars: BarView;
  /** Index of the current bar in the backtest's bars. */
  index: number;
  /** The current (just closed) bar. */
  bar: Readonly<Bar>;
  position: PositionState;
  cash: number;
  /** Equity marked at the current close. */
  equity: number;
  /** Same as `bars.close(i)`. */
  close(index: number): number;
  /** Same as `bars.closes(count)`. */
  closes(count?: number): Float64Array;
}>;

/**
 * A trading strategy. `onBar` runs at the close of each bar from the one where `warmup` bars
 * have closed (at least one) up to the bar before the last, and returns the position to hold
 * from the next open; `null`/`undefined` keeps the current position.
 */
export type Strategy = {
  readonly name: string;
  /** Bars that must have closed before the first decision (e.g. the slow SMA length). */
  readonly warmup: number;
  onBar(ctx: StrategyContext): OrderTarget | null | undefined;
};

/** How much to commit when opening a position. */
export type Sizing =
  /** A fraction in (0, 1] of equity at the fill. */
  | { type: 'fraction'; fraction: number }
  /** A fixed quote amount, capped at equity (no leverage). */
  | { type: 'fixed'; amount: number };

export type BacktestOptions = {
  /** One market, one interval, ascending by `openTime`, at least 2 bars. */
  bars: readonly Bar[];
  strategy: Strategy;
  /** Starting cash in the quote currency. */
  initialCash: number;
  /** Fee in basis points of the traded notional, charged on each side (default 0). */
  fees?: number;
  /** Adverse slippage in basis points: buys fill at open * (1 + s), sells at open * (1 - s) (default 0). */
  slippage?: number;
  /** 'long-only' (default) turns `short` targets into flat. */
  mode?: 'long-only' | 'long-short';
  /** Default: the whole equity, `{ type: 'fraction', fraction: 1 }`. */
  sizing?: Sizing;
  /** Interval of the bars, for annualising and the final close time (default: smallest gap between bars). */
  interval?: Interval;
  /**
   * Bars before this index are history only: visible to the strategy, never traded, not in the
   * equity curve (walk-forward passes the training window this way). Default 0.
   */
  startIndex?: number;
};

/** Equity at one bar's close. `time` is the bar's `openTime`; `equity = cash + position * close`. */
export type EquityPoint = {
  time: number;
  equity: number;
  /** Signed base quantity: > 0 long, < 0 short. */
  position: number;
  cash: number;
};

/** One round trip. Times are fill times: the fill bar's `openTime`, or its close time for the final liquidation. */
export type BacktestTrade = {
  entryTime: number;
  exitTime: number;
  side: 'long' | 'short';
  /** Fill prices, slippage included. */
  entryPrice: number;
  exitPrice: number;
  qty: number;
  /** Net of both fees. */
  pnl: number;
  /** Entry plus exit fee. */
  fees: number;
  /** `pnl` over the capital committed at entry (`qty * entryPrice + entry fee`). */
  returnPct: number;
  /** `signal`: closed by the strategy; `end`: liquidated at the last close. */
  exit: 'signal' | 'end';
};

export type BacktestMetrics = {
  /** `final equity / initial cash - 1`. */
  totalReturn: number;
  /** Annualised over the traded bars' span (365-day years). */
  cagr: number;
  /** Annualised from per-bar simple equity returns; null when undefined. */
  sharpe: number | null;
  sortino: number | null;
  /** Deepest fall of the equity curve (initial cash included) as a positive fraction. */
  maxDrawdown: number;
  /** Fraction of closed trades with pnl > 0; null without trades. */
  winRate: number | null;
  trades: number;
  /** Fraction of traded bars with a position held from their open to their close. */
  exposure: number;
  /** Price return from the open of the first bar a strategy could fill at to the last close, no costs. */
  buyAndHoldReturn: number;
};

export type BacktestResult = {
  strategy: string;
  equity: EquityPoint[];
  trades: BacktestTrade[];
  metrics: BacktestMetrics;
};
