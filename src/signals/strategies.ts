import type { Direction } from './types.js';

/**
 * Indicator values over one window of closed bars, index-aligned with the bars (NaN during
 * warm-up). Computed once per window by `computeFeatures`; strategies only read them.
 */
export type Features = {
  close: Float64Array;
  sma50: Float64Array;
  sma200: Float64Array;
  adx14: Float64Array;
  macd: Float64Array;
  macdSignal: Float64Array;
  macdHist: Float64Array;
  rsi14: Float64Array;
  atr14: Float64Array;
  /** Highest high / lowest low of the 20 (10) bars before bar i (not including it). */
  priorHigh20: Float64Array;
  priorLow20: Float64Array;
  priorHigh10: Float64Array;
  priorLow10: Float64Array;
};

export type Decision = {
  direction: Direction;
  strength: number;
};

/** The indicator values behind a decision, as recorded in the ledger. */
export type Reason = Record<string, number | string | boolean | null>;

/** A documented, versioned trading strategy over closed bars. */
export type Strategy = {
  id: string;
  /** Bumped whenever the rules or parameters change: old signals keep their version. */
  version: string;
  title: string;
  description: string;
  /** Index of the first bar with every input defined. */
  warmup: number;
  /** Decide at bar `i` given the previous bar's direction (for stateful rules). */
  decide(f: Features, i: number, prev: Direction): Decision;
  /** The inputs at bar `i`, for the record (only built for the bar a signal is issued at). */
  reason(f: Features, i: number): Reason;
};

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
const round = (x: number, digits = 6) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : null);

// Trend filter thresholds.
const ADX_TREND_MIN = 20;
const ADX_STRENGTH_SPAN = 30;
// RSI mean-reversion bands.
const RSI_OVERSOLD = 30;
const RSI_OVERBOUGHT = 70;
const RSI_EXIT = 50;

/** Trend following with a regime filter: price vs SMA50 vs SMA200, only when ADX says trending. */
export const trendRegime: Strategy = {
  id: 'trend-regime',
  version: '1',
  title: 'Trend following with a regime filter',
  description:
    'Long when close > SMA(50) > SMA(200) and ADX(14) > 20; short when close < SMA(50) < SMA(200) and ADX(14) > 20; flat otherwise. Strength grows with ADX from 20 to 50.',
  warmup: 199,
  reason: (f, i) => ({
    close: round(f.close[i]!),
    sma50: round(f.sma50[i]!),
    sma200: round(f.sma200[i]!),
    adx14: round(f.adx14[i]!),
  }),
  decide(f, i) {
    const c = f.close[i]!;
    const s50 = f.sma50[i]!;
    const s200 = f.sma200[i]!;
    const adx = f.adx14[i]!;
    const trending = adx > ADX_TREND_MIN;
    const strength = clamp01((adx - ADX_TREND_MIN) / ADX_STRENGTH_SPAN);
    if (trending && c > s50 && s50 > s200) return { direction: 'long', strength };
    if (trending && c < s50 && s50 < s200) return { direction: 'short', strength };
    return { direction: 'flat', strength: 0 };
  },
};

/** Momentum: MACD(12, 26, 9) line and histogram agree in sign. */
export const macdMomentum: Strategy = {
  id: 'macd-momentum',
  version: '1',
  title: 'MACD momentum',
  description:
    'Long when the MACD(12,26,9) line and its histogram are both positive; short when both are negative; flat otherwise. Strength = |histogram| / (0.5 × ATR(14)), capped at 1.',
  warmup: 33,
  reason: (f, i) => ({
    macd: round(f.macd[i]!),
    signal: round(f.macdSignal[i]!),
    histogram: round(f.macdHist[i]!),
    atr14: round(f.atr14[i]!),
  }),
  decide(f, i) {
    const m = f.macd[i]!;
    const h = f.macdHist[i]!;
    const atr = f.atr14[i]!;
    const strength = atr > 0 ? clamp01(Math.abs(h) / (0.5 * atr)) : 0;
    if (m > 0 && h > 0) return { direction: 'long', strength };
    if (m < 0 && h < 0) return { direction: 'short', strength };
    return { direction: 'flat', strength: 0 };
  },
};

/** RSI mean reversion: buy oversold, sell overbought, exit at the midline. */
export const rsiReversion: Strategy = {
  id: 'rsi-reversion',
  version: '1',
  title: 'RSI mean reversion',
  description:
    'Enter long when RSI(14) < 30 and short when RSI(14) > 70; hold until RSI crosses 50, then flat. Strength = distance of RSI beyond its band when entering, scaled to 0–1 over 20 points; while holding, how far RSI still is from 50.',
  warmup: 14,
  reason: (f, i) => ({ rsi14: round(f.rsi14[i]!) }),
  decide(f, i, prev) {
    const r = f.rsi14[i]!;
    if (r < RSI_OVERSOLD) return { direction: 'long', strength: clamp01((RSI_OVERSOLD - r) / 20 + 0.5) };
    if (r > RSI_OVERBOUGHT) return { direction: 'short', strength: clamp01((r - RSI_OVERBOUGHT) / 20 + 0.5) };
    if (prev === 'long' && r < RSI_EXIT) return { direction: 'long', strength: clamp01((RSI_EXIT - r) / 40) };
    if (prev === 'short' && r > RSI_EXIT)
      return { direction: 'short', strength: clamp01((r - RSI_EXIT) / 40) };
    return { direction: 'flat', strength: 0 };
  },
};

/** Donchian breakout: 20-bar channel entries, 10-bar channel exits (the Turtle rules). */
export const donchianBreakout: Strategy = {
  id: 'donchian-breakout',
  version: '1',
  title: 'Donchian channel breakout',
  description:
    'Long when the close breaks above the highest high of the previous 20 bars, short below the lowest low; a long exits (flat) when the close falls below the lowest low of the previous 10 bars, a short when it rises above the highest high of the previous 10. Strength = breakout distance / ATR(14), capped at 1.',
  warmup: 20,
  reason: (f, i) => ({
    close: round(f.close[i]!),
    high20: round(f.priorHigh20[i]!),
    low20: round(f.priorLow20[i]!),
    high10: round(f.priorHigh10[i]!),
    low10: round(f.priorLow10[i]!),
  }),
  decide(f, i, prev) {
    const c = f.close[i]!;
    const hi20 = f.priorHigh20[i]!;
    const lo20 = f.priorLow20[i]!;
    const atr = f.atr14[i]!;
    const s = (d: number) => (atr > 0 ? clamp01(d / atr) : 0);
    if (c > hi20) return { direction: 'long', strength: s(c - hi20) };
    if (c < lo20) return { direction: 'short', strength: s(lo20 - c) };
    if (prev === 'long' && c >= f.priorLow10[i]!)
      return { direction: 'long', strength: s(c - f.priorLow10[i]!) / 2 };
    if (prev === 'short' && c <= f.priorHigh10[i]!)
      return { direction: 'short', strength: s(f.priorHigh10[i]! - c) / 2 };
    return { direction: 'flat', strength: 0 };
  },
};

/** Every strategy Sextant runs. */
export const STRATEGIES: readonly Strategy[] = [trendRegime, macdMomentum, rsiReversion, donchianBreakout];
