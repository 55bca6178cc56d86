/**
 * Quantitative metrics: pure functions over arrays of prices, returns and bars. No I/O, no
 * clock: point-in-time functions take an explicit `asOf`. Invalid input throws `ValidationError`.
 */
export { type BetaCorrelation, betaCorrelation, correlation } from './betaCorrelation.js';
export { type CorrelationMatrix, correlationMatrix } from './correlationMatrix.js';
export {
  type MarketRegime,
  type MarketRegimeOptions,
  marketRegime,
  type RegimeAsset,
  type RegimeLabel,
} from './marketRegime.js';
export { type DrawdownPoint, type MaxDrawdown, maxDrawdown } from './maxDrawdown.js';
export {
  calmarRatio,
  downsideDeviation,
  type RatioOptions,
  sharpeRatio,
  sortinoRatio,
  volatility,
} from './ratios.js';
export { type RiskMetrics, riskMetrics } from './riskMetrics.js';
export {
  alignSeries,
  barsAsOf,
  CRYPTO_PERIODS_PER_YEAR,
  cagr,
  closedBars,
  closeSeries,
  DAY_MS,
  logReturns,
  type SeriesPoint,
  simpleReturns,
  YEAR_MS,
} from './series.js';
export {
  type PriceLevel,
  type SupportResistance,
  type SupportResistanceOptions,
  supportResistance,
} from './supportResistance.js';
export {
  type HorizonReturn,
  RETURN_HORIZONS,
  type ReturnHorizon,
  type TrailingReturns,
  trailingReturns,
} from './trailingReturns.js';
export { historicalVaR, type ValueAtRisk } from './valueAtRisk.js';
