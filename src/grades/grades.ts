import { ema, rsi, sma } from '../indicators/index.js';
import type { Bar } from '../market/types.js';
import { closeSeries, logReturns, maxDrawdown, sharpeRatio, simpleReturns } from '../quant/index.js';

export type GradeKind = 'trader' | 'investor';

/** One factor of a grade: its 0–100 score, weight, and the raw input it was scored from. */
export type GradeFactor = {
  name: string;
  score: number;
  weight: number;
  input: number | null;
  description: string;
};

/** A grade of one asset at one time. */
export type Grade = {
  asset: string;
  kind: GradeKind;
  /** 0–100. */
  score: number;
  letter: 'A' | 'B' | 'C' | 'D' | 'F';
  factors: GradeFactor[];
  /** Close time of the last daily bar used (ms). */
  asOf: number;
  modelVersion: string;
};

/** Bumped whenever a factor, mapping or weight changes. */
export const GRADES_MODEL_VERSION = '1';
/** Daily bars each grade needs. */
export const TRADER_MIN_BARS = 90;
export const INVESTOR_MIN_BARS = 365;

const DAY_MS = 86_400_000;
const clamp = (x: number, lo = 0, hi = 100) => (x < lo ? lo : x > hi ? hi : x);
/** Map a signed quantity onto 0–100 around 50: `scale` is the value that gives ~88. */
const squash = (x: number, scale: number) => (Number.isFinite(x) ? 50 + 50 * Math.tanh(x / scale) : 50);
const last = (a: Float64Array) => a[a.length - 1]!;

/** Letter of a 0–100 score. */
export function letterOf(score: number): Grade['letter'] {
  return score >= 80 ? 'A' : score >= 65 ? 'B' : score >= 50 ? 'C' : score >= 35 ? 'D' : 'F';
}

function combine(asset: string, kind: GradeKind, bars: readonly Bar[], factors: GradeFactor[]): Grade {
  const score = Math.round(factors.reduce((s, f) => s + f.score * f.weight, 0) * 100) / 100;
  return {
    asset,
    kind,
    score,
    letter: letterOf(score),
    factors: factors.map((f) => ({ ...f, score: Math.round(f.score * 100) / 100 })),
    asOf: bars.at(-1)!.openTime + DAY_MS,
    modelVersion: GRADES_MODEL_VERSION,
  };
}

function stdev(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i]! - m) ** 2;
  return Math.sqrt(v / (n - 1));
}

/**
 * Trader grade (short term) from the last 90 closed daily bars: trend (close vs EMA(20)),
 * momentum (RSI(14)), volume (7-day vs 30-day average) and volatility (30-day vs 90-day
 * realised volatility: contracting is better). Returns null with fewer bars.
 */
export function traderGrade(asset: string, bars: readonly Bar[]): Grade | null {
  if (bars.length < TRADER_MIN_BARS) return null;
  const b = bars.slice(-TRADER_MIN_BARS);
  const close = Float64Array.from(b, (x) => x.close);
  const volume = Float64Array.from(b, (x) => x.volume);
  const trendIn = last(close) / last(ema(close, { period: 20 })) - 1;
  const rsiIn = last(rsi(close, { period: 14 }));
  const avg = (a: Float64Array, n: number) => a.subarray(a.length - n).reduce((s, x) => s + x, 0) / n;
  const vol30 = avg(volume, 30);
  const volumeIn = vol30 > 0 ? Math.log(avg(volume, 7) / vol30) : Number.NaN;
  const r = logReturns(close);
  const v30 = stdev(r.subarray(r.length - 30));
  const v90 = stdev(r);
  const volIn = v90 > 0 ? v30 / v90 - 1 : Number.NaN;
  return combine(asset, 'trader', b, [
    {
      name: 'trend',
      weight: 0.35,
      input: trendIn,
      score: squash(trendIn, 0.05),
      description: 'close / EMA(20) − 1',
    },
    {
      name: 'momentum',
      weight: 0.3,
      input: rsiIn,
      score: Number.isFinite(rsiIn) ? clamp(rsiIn) : 50,
      description: 'RSI(14)',
    },
    {
      name: 'volume',
      weight: 0.15,
      input: volumeIn,
      score: squash(volumeIn, 0.5),
      description: 'ln(7-day / 30-day average volume)',
    },
    {
      name: 'volatility',
      weight: 0.2,
      input: volIn,
      score: squash(-volIn, 0.5),
      description: '30-day / 90-day realised volatility − 1 (lower is better)',
    },
  ]);
}

/**
 * Investor grade (long term) from the last 365 closed daily bars: trend (close vs SMA(200)),
 * risk-adjusted return (Sharpe over the year), drawdown (max drawdown over the year) and
 * liquidity (median daily quote volume over 90 days). On-chain activity is not a factor yet:
 * docs/methodology.md says why and what would enable it. Returns null with fewer bars.
 */
export function investorGrade(asset: string, bars: readonly Bar[]): Grade | null {
  if (bars.length < INVESTOR_MIN_BARS) return null;
  const b = bars.slice(-INVESTOR_MIN_BARS);
  const close = Float64Array.from(b, (x) => x.close);
  const trendIn = last(close) / last(sma(close, { period: 200 })) - 1;
  const sharpeIn = sharpeRatio(simpleReturns(close));
  const dd = maxDrawdown(closeSeries(b)).maxDrawdown;
  const quoteVol = b
    .slice(-90)
    .map((x) => x.close * x.volume)
    .sort((x, y) => x - y);
  const medianQuoteVol = quoteVol[Math.floor(quoteVol.length / 2)]!;
  const liqIn = medianQuoteVol > 0 ? Math.log10(medianQuoteVol) : Number.NaN;
  return combine(asset, 'investor', b, [
    {
      name: 'trend',
      weight: 0.3,
      input: trendIn,
      score: squash(trendIn, 0.2),
      description: 'close / SMA(200) − 1',
    },
    {
      name: 'riskAdjustedReturn',
      weight: 0.3,
      input: sharpeIn,
      score: sharpeIn === null ? 50 : squash(sharpeIn, 1.5),
      description: 'Sharpe ratio of daily returns over 365 days (annualised, rf = 0)',
    },
    {
      name: 'drawdown',
      weight: 0.2,
      input: dd,
      score: clamp(100 * (1 - Math.abs(dd) / 0.8)),
      description: 'max drawdown over 365 days (0 → 100, 80% or worse → 0)',
    },
    {
      name: 'liquidity',
      weight: 0.2,
      input: liqIn,
      score: Number.isFinite(liqIn) ? clamp(((liqIn - 5) / 5) * 100) : 0,
      description: 'log10 of the median daily quote volume over 90 days (1e5 → 0, 1e10 → 100)',
    },
  ]);
}
