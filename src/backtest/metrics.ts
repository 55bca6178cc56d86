import { sharpeRatio, sortinoRatio, YEAR_MS } from '../quant/index.js';
import type { BacktestMetrics, BacktestTrade, EquityPoint } from './types.js';

/** What the metrics are computed from (one run, or concatenated walk-forward windows). */
export type MetricsInput = {
  initialCash: number;
  equity: readonly EquityPoint[];
  trades: readonly BacktestTrade[];
  exposedBars: number;
  barMs: number;
  buyAndHoldReturn: number;
};

/** Summary statistics of an equity curve and its trades. */
export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const { initialCash, equity, trades, barMs } = input;
  const final = equity.length > 0 ? equity[equity.length - 1]!.equity : initialCash;
  const totalReturn = final / initialCash - 1;
  const years = (equity.length * barMs) / YEAR_MS;
  const cagr = final <= 0 ? -1 : (final / initialCash) ** (1 / years) - 1;

  const returns: number[] = [];
  let prev = initialCash;
  let peak = initialCash;
  let maxDrawdown = 0;
  for (const p of equity) {
    // A wiped-out account has no defined return afterwards.
    if (prev > 0) returns.push(p.equity / prev - 1);
    prev = p.equity;
    if (p.equity > peak) peak = p.equity;
    else maxDrawdown = Math.max(maxDrawdown, 1 - p.equity / peak);
  }
  const periodsPerYear = YEAR_MS / barMs;
  const enough = returns.length >= 2;
  const wins = trades.filter((t) => t.pnl > 0).length;
  return {
    totalReturn,
    cagr,
    sharpe: enough ? sharpeRatio(returns, { periodsPerYear }) : null,
    sortino: enough ? sortinoRatio(returns, { periodsPerYear }) : null,
    maxDrawdown,
    winRate: trades.length > 0 ? wins / trades.length : null,
    trades: trades.length,
    exposure: equity.length > 0 ? input.exposedBars / equity.length : 0,
    buyAndHoldReturn: input.buyAndHoldReturn,
  };
}
