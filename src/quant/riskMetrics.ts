import { betaCorrelation } from './betaCorrelation.js';
import { type MaxDrawdown, maxDrawdown } from './maxDrawdown.js';
import { sharpeRatio, sortinoRatio, volatility } from './ratios.js';
import { CRYPTO_PERIODS_PER_YEAR, cagr, logReturns, type SeriesPoint, simpleReturns } from './series.js';
import { checkSeries } from './validate.js';
import { historicalVaR } from './valueAtRisk.js';

/** Every risk and return statistic of one price series. */
export type RiskMetrics = {
  /** Per-period returns used (points - 1). */
  observations: number;
  /** Annualised, from log returns. */
  volatility: number;
  cagr: number;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  drawdown: MaxDrawdown;
  var95: number;
  cvar95: number;
  var99: number;
  cvar99: number;
  /** Only when a benchmark is given. */
  beta?: number | null;
  correlation?: number | null;
};

/**
 * All statistics of a daily price or equity series at once. Choices: volatility from log
 * returns; Sharpe, Sortino and VaR/CVaR (historical, in loss terms) from simple returns;
 * annualised with `periodsPerYear` (365 for daily crypto); CAGR and Calmar from the series'
 * time span with 365-day years; beta/correlation vs `benchmark` on common timestamps.
 * @example riskMetrics(closeSeries(ethDaily), { benchmark: closeSeries(btcDaily) })
 */
export function riskMetrics(
  series: readonly SeriesPoint[],
  options: { benchmark?: readonly SeriesPoint[]; riskFreeRate?: number; periodsPerYear?: number } = {},
): RiskMetrics {
  checkSeries(series, 'series', 3, true);
  const values = series.map((p) => p.value);
  const simple = simpleReturns(values);
  const ratioOptions = {
    periodsPerYear: options.periodsPerYear ?? CRYPTO_PERIODS_PER_YEAR,
    riskFreeRate: options.riskFreeRate ?? 0,
  };
  const drawdown = maxDrawdown(series);
  const growth = cagr(series);
  const v95 = historicalVaR(simple, 0.95);
  const v99 = historicalVaR(simple, 0.99);
  const out: RiskMetrics = {
    observations: simple.length,
    volatility: volatility(logReturns(values), ratioOptions),
    cagr: growth,
    sharpe: sharpeRatio(simple, ratioOptions),
    sortino: sortinoRatio(simple, ratioOptions),
    calmar: drawdown.maxDrawdown > 0 ? growth / drawdown.maxDrawdown : null,
    drawdown,
    var95: v95.var,
    cvar95: v95.cvar,
    var99: v99.var,
    cvar99: v99.cvar,
  };
  if (options.benchmark) {
    const bc = betaCorrelation(series, options.benchmark);
    out.beta = bc.beta;
    out.correlation = bc.correlation;
  }
  return out;
}
