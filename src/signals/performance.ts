import {
  type BacktestMetrics,
  type Strategy as BacktestStrategy,
  buyAndHold,
  type EquityPoint,
  runBacktest,
} from '../backtest/index.js';
import { type BarColumns, columnsToBars } from '../market/store.js';
import { INTERVAL_MS } from '../market/types.js';
import { sharpeRatio, YEAR_MS } from '../quant/index.js';
import { batchSignals, type SeriesRef, SIGNAL_WINDOW_BARS } from './engine.js';
import type { Strategy } from './strategies.js';
import type { Direction, SignalEvent } from './types.js';

/** Horizons (in bars after the entry) at which each signal's outcome is measured. */
export const FORWARD_HORIZONS_BARS: readonly number[] = [1, 5, 20];
/** Costs of the evaluation backtests, in basis points per side. */
export const EVALUATION_FEE_BPS = 10;
export const EVALUATION_SLIPPAGE_BPS = 5;
const INITIAL_CASH = 10_000;

/**
 * Outcomes of a set of signals at one horizon. `hits` counts forward returns > 0 after long
 * signals (and for the every-bar baseline: what always-long would score), < 0 after short ones;
 * flat signals have no hit (0, `hitRate` null). For `directional` the return is signed: the
 * return after a long, minus the return after a short.
 */
export type ForwardStats = {
  count: number;
  hits: number;
  /** Sum of the (simple) forward returns, so pooled means can be added up exactly. */
  sumReturn: number;
  hitRate: number | null;
  meanReturn: number | null;
};

/** Outcomes at one horizon, by the direction of the signal. */
export type HorizonStats = {
  horizon: number;
  long: ForwardStats;
  short: ForwardStats;
  flat: ForwardStats;
  /** Long and short signals together, returns signed by the direction. */
  directional: ForwardStats;
  /** Every bar of the evaluation period as if it were a long signal: the drift to beat. */
  baseline: ForwardStats;
  /** Signals too recent for this horizon (their exit bar is not in the data yet). */
  pending: number;
};

/** One signal and what followed it. */
export type SignalOutcome = {
  /** Index of the signal's bar (the last bar of its window) in the input bars. */
  index: number;
  /** Open time of the signal's bar. */
  openTime: number;
  issuedAt: number;
  direction: Direction;
  /** Open of the next bar (the entry); null when the signal is on the last bar. */
  entryPrice: number | null;
  /** Forward return per horizon of `FORWARD_HORIZONS_BARS` order (null: not known yet). */
  forward: (number | null)[];
};

export type SignalCounts = { long: number; short: number; flat: number; total: number };

/** Backtest metrics kept in the track record. */
export type BacktestSummary = Pick<
  BacktestMetrics,
  'totalReturn' | 'cagr' | 'sharpe' | 'maxDrawdown' | 'trades' | 'exposure'
>;

/** An equity curve over one sub-period (a calendar year). */
export type PeriodStats = { totalReturn: number; sharpe: number | null; maxDrawdown: number };

export type YearPerformance = {
  year: number;
  /** Traded bars of the year. */
  bars: number;
  signals: SignalCounts;
  horizons: HorizonStats[];
  longShort: PeriodStats;
  longOnly: PeriodStats;
  buyAndHold: PeriodStats;
};

/** The track record of one strategy on one market. */
export type SignalPerformance = {
  asset: string;
  venue: string;
  symbol: string;
  interval: SeriesRef['interval'];
  strategy: string;
  modelVersion: string;
  /** Open time of the first traded bar (the one after the first full window). */
  from: number;
  /** Close time of the last bar. */
  to: number;
  /** Traded (out-of-sample) bars. */
  bars: number;
  horizonsBars: readonly number[];
  signals: SignalCounts;
  horizons: HorizonStats[];
  longShort: BacktestSummary;
  longOnly: BacktestSummary;
  buyAndHold: BacktestSummary;
  years: YearPerformance[];
  outcomes: SignalOutcome[];
};

export type SignalPerformanceOptions = {
  ref: SeriesRef;
  strategy: Strategy;
  /** Closed bars of one market, ascending. */
  bars: BarColumns;
  /** Default `FORWARD_HORIZONS_BARS`. */
  horizons?: readonly number[];
  /** Basis points per side (defaults `EVALUATION_FEE_BPS`, `EVALUATION_SLIPPAGE_BPS`). */
  fees?: number;
  slippage?: number;
  /**
   * The signals to judge (ascending by `issuedAt`, each on a bar of `bars`), e.g. those the
   * ledger recorded live. Default: recomputed from `bars` with `batchSignals`.
   */
  events?: readonly SignalEvent[];
};

const emptyStats = (): ForwardStats => ({ count: 0, hits: 0, sumReturn: 0, hitRate: null, meanReturn: null });

function addTo(s: ForwardStats, r: number, hit: boolean | null): void {
  s.count++;
  s.sumReturn += r;
  if (hit) s.hits++;
}

function finish(s: ForwardStats, hasHits: boolean): ForwardStats {
  return {
    count: s.count,
    hits: s.hits,
    sumReturn: s.sumReturn,
    hitRate: hasHits && s.count > 0 ? s.hits / s.count : null,
    meanReturn: s.count > 0 ? s.sumReturn / s.count : null,
  };
}

/**
 * Return from the open of bar `t + 1` (the entry: signals are issued at the close of bar `t`
 * and fill at the next open, as in the backtester) to the open of bar `t + 1 + h`; null when
 * that bar is not in the data.
 */
function forwardReturn(open: ArrayLike<number>, n: number, t: number, h: number): number | null {
  const exit = t + 1 + h;
  return exit < n ? open[exit]! / open[t + 1]! - 1 : null;
}

function countSignals(outcomes: readonly SignalOutcome[]): SignalCounts {
  const c = { long: 0, short: 0, flat: 0, total: outcomes.length };
  for (const o of outcomes) c[o.direction]++;
  return c;
}

/** Outcome statistics of `outcomes`, and of every bar in [from, to) as the baseline. */
function horizonStats(
  outcomes: readonly SignalOutcome[],
  open: ArrayLike<number>,
  n: number,
  from: number,
  to: number,
  horizons: readonly number[],
): HorizonStats[] {
  return horizons.map((h, k) => {
    const long = emptyStats();
    const short = emptyStats();
    const flat = emptyStats();
    const directional = emptyStats();
    const baseline = emptyStats();
    let pending = 0;
    for (const o of outcomes) {
      const r = o.forward[k];
      if (r === null || r === undefined) {
        pending++;
        continue;
      }
      if (o.direction === 'long') {
        addTo(long, r, r > 0);
        addTo(directional, r, r > 0);
      } else if (o.direction === 'short') {
        addTo(short, r, r < 0);
        addTo(directional, -r, r < 0);
      } else addTo(flat, r, null);
    }
    for (let t = from; t < to; t++) {
      const r = forwardReturn(open, n, t, h);
      if (r !== null) addTo(baseline, r, r > 0);
    }
    return {
      horizon: h,
      long: finish(long, true),
      short: finish(short, true),
      flat: finish(flat, false),
      directional: finish(directional, true),
      baseline: finish(baseline, true),
      pending,
    };
  });
}

/**
 * A backtest strategy that follows recorded signals: at each bar's close it holds the direction
 * of the newest signal issued at or before that close. It learns the close time through the
 * look-ahead-safe bar view, so a signal issued later than the bar being decided on is never read.
 */
export function followSignals(name: string, events: readonly SignalEvent[], barMs: number): BacktestStrategy {
  let k = -1;
  return {
    name,
    warmup: 0,
    onBar(ctx) {
      const closeTime = ctx.bars.time(ctx.index) + barMs;
      while (k + 1 < events.length && events[k + 1]!.issuedAt <= closeTime) k++;
      return k < 0 ? null : { target: events[k]!.direction };
    },
  };
}

function summary(m: BacktestMetrics): BacktestSummary {
  return {
    totalReturn: m.totalReturn,
    cagr: m.cagr,
    sharpe: m.sharpe,
    maxDrawdown: m.maxDrawdown,
    trades: m.trades,
    exposure: m.exposure,
  };
}

/** Return, Sharpe and drawdown of `points`, the equity before them being `start`. */
function periodStats(points: readonly EquityPoint[], start: number, barMs: number): PeriodStats {
  const returns: number[] = [];
  let prev = start;
  let peak = start;
  let maxDrawdown = 0;
  for (const p of points) {
    if (prev > 0) returns.push(p.equity / prev - 1);
    prev = p.equity;
    if (p.equity > peak) peak = p.equity;
    else if (peak > 0) maxDrawdown = Math.max(maxDrawdown, 1 - p.equity / peak);
  }
  return {
    totalReturn: start > 0 ? prev / start - 1 : 0,
    sharpe: returns.length >= 2 ? sharpeRatio(returns, { periodsPerYear: YEAR_MS / barMs }) : null,
    maxDrawdown,
  };
}

const yearOf = (ms: number) => new Date(ms).getUTCFullYear();

/**
 * The out-of-sample track record of one strategy on one market.
 *
 * Signals come from `batchSignals` (each from the 300 closed bars ending at its bar, as live).
 * The strategies' parameters are fixed textbook values, not fitted, so every bar after the
 * first full window is out of sample. A signal issued at the close of bar `t` is judged on the
 * return from the open of `t + 1` to the open of `t + 1 + h`, for each horizon `h`. The
 * backtests hold each signal's direction from the open after it until the open after the next
 * one (long/short, and long-only where shorts are flat), with `fees` and `slippage` per side,
 * against buy-and-hold over the same bars and costs. Also broken down by UTC calendar year.
 * Returns null with too few bars for one out-of-sample trade.
 * @example signalPerformance({ ref, strategy: macdMomentum, bars })
 */
export function signalPerformance(options: SignalPerformanceOptions): SignalPerformance | null {
  const { ref, strategy, bars } = options;
  const horizons = options.horizons ?? FORWARD_HORIZONS_BARS;
  const fees = options.fees ?? EVALUATION_FEE_BPS;
  const slippage = options.slippage ?? EVALUATION_SLIPPAGE_BPS;
  const n = bars.length;
  if (n < SIGNAL_WINDOW_BARS + 2) return null;
  const barMs = INTERVAL_MS[ref.interval];
  const events = options.events ?? batchSignals(ref, strategy, bars);
  if (events.length === 0) return null;

  const indexOf = new Map<number, number>();
  for (let i = 0; i < n; i++) indexOf.set(bars.openTime[i]!, i);
  const outcomes: SignalOutcome[] = events.map((e) => {
    const t = indexOf.get(e.issuedAt - barMs);
    if (t === undefined) throw new Error(`signal issued at ${e.issuedAt} matches no bar`);
    return {
      index: t,
      openTime: bars.openTime[t]!,
      issuedAt: e.issuedAt,
      direction: e.direction,
      entryPrice: t + 1 < n ? bars.open[t + 1]! : null,
      forward: horizons.map((h) => forwardReturn(bars.open, n, t, h)),
    };
  });

  // The first signal is at the close of the first full window; trading starts at the next open.
  const first = outcomes[0]!.index;
  const start = first + 1;
  if (start > n - 1) return null;
  const barList = columnsToBars(bars);
  const run = (s: BacktestStrategy, mode: 'long-short' | 'long-only') =>
    runBacktest({
      bars: barList,
      strategy: s,
      initialCash: INITIAL_CASH,
      fees,
      slippage,
      mode,
      interval: ref.interval,
      startIndex: start,
    });
  const ls = run(followSignals(`${strategy.id} long/short`, events, barMs), 'long-short');
  const lo = run(followSignals(`${strategy.id} long-only`, events, barMs), 'long-only');
  const bh = run(buyAndHold(), 'long-only');

  const years: YearPerformance[] = [];
  // Equity points are one per traded bar, index-aligned across the three runs.
  for (let a = 0; a < ls.equity.length; ) {
    const year = yearOf(ls.equity[a]!.time);
    let b = a;
    while (b < ls.equity.length && yearOf(ls.equity[b]!.time) === year) b++;
    const before = (eq: EquityPoint[]) => (a === 0 ? INITIAL_CASH : eq[a - 1]!.equity);
    const yearStats = (eq: EquityPoint[]) => periodStats(eq.slice(a, b), before(eq), barMs);
    // Signals are assigned to the year of their bar; the first one sits on the bar before `start`.
    const lo0 = a === 0 ? first : start + a;
    const hi0 = start + b;
    const inYear = outcomes.filter((o) => o.index >= lo0 && o.index < hi0);
    years.push({
      year,
      bars: b - a,
      signals: countSignals(inYear),
      horizons: horizonStats(inYear, bars.open, n, lo0, hi0, horizons),
      longShort: yearStats(ls.equity),
      longOnly: yearStats(lo.equity),
      buyAndHold: yearStats(bh.equity),
    });
    a = b;
  }

  return {
    ...ref,
    strategy: strategy.id,
    modelVersion: strategy.version,
    from: bars.openTime[start]!,
    to: bars.openTime[n - 1]! + barMs,
    bars: n - start,
    horizonsBars: horizons,
    signals: countSignals(outcomes),
    horizons: horizonStats(outcomes, bars.open, n, first, n, horizons),
    longShort: summary(ls.metrics),
    longOnly: summary(lo.metrics),
    buyAndHold: summary(bh.metrics),
    years,
    outcomes,
  };
}

/** Mean and median of a metric across assets (nulls left out). */
export type Distribution = { n: number; mean: number | null; median: number | null };

export type MetricDistributions = {
  totalReturn: Distribution;
  cagr: Distribution;
  sharpe: Distribution;
  maxDrawdown: Distribution;
};

/** Per-asset hit rates and mean forward returns at one horizon, across assets. */
export type HorizonDistributions = {
  horizon: number;
  longHitRate: Distribution;
  shortHitRate: Distribution;
  longMeanReturn: Distribution;
  shortMeanReturn: Distribution;
};

export type YearSummary = {
  year: number;
  assets: number;
  signals: SignalCounts;
  pooled: HorizonStats[];
  longShort: { totalReturn: Distribution; sharpe: Distribution };
  longOnly: { totalReturn: Distribution; sharpe: Distribution };
  buyAndHold: { totalReturn: Distribution; sharpe: Distribution };
};

/** One strategy on one interval, aggregated across assets. */
export type SignalPerformanceSummary = {
  strategy: string;
  modelVersion: string;
  interval: SeriesRef['interval'];
  assets: string[];
  from: number;
  to: number;
  horizonsBars: readonly number[];
  signals: SignalCounts;
  /** Every signal of every asset together. */
  pooled: HorizonStats[];
  perAsset: HorizonDistributions[];
  longShort: MetricDistributions;
  longOnly: MetricDistributions;
  buyAndHold: MetricDistributions;
  /** Assets whose strategy Sharpe beats buy-and-hold's, out of `compared` (both defined). */
  beatsBuyAndHold: { longShort: number; longOnly: number; compared: number };
  years: YearSummary[];
};

/** Mean and median of the finite values. */
export function distribution(values: readonly (number | null | undefined)[]): Distribution {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return { n: 0, mean: null, median: null };
  const sorted = [...v].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n: v.length, mean: v.reduce((s, x) => s + x, 0) / v.length, median };
}

function poolStats(all: readonly ForwardStats[], hasHits: boolean): ForwardStats {
  const s = emptyStats();
  for (const x of all) {
    s.count += x.count;
    s.hits += x.hits;
    s.sumReturn += x.sumReturn;
  }
  return finish(s, hasHits);
}

function poolHorizons(lists: readonly HorizonStats[][], horizons: readonly number[]): HorizonStats[] {
  return horizons.map((h, k) => {
    const at = lists.map((l) => l[k]!);
    return {
      horizon: h,
      long: poolStats(
        at.map((x) => x.long),
        true,
      ),
      short: poolStats(
        at.map((x) => x.short),
        true,
      ),
      flat: poolStats(
        at.map((x) => x.flat),
        false,
      ),
      directional: poolStats(
        at.map((x) => x.directional),
        true,
      ),
      baseline: poolStats(
        at.map((x) => x.baseline),
        true,
      ),
      pending: at.reduce((s, x) => s + x.pending, 0),
    };
  });
}

function metricDistributions(list: readonly BacktestSummary[]): MetricDistributions {
  return {
    totalReturn: distribution(list.map((m) => m.totalReturn)),
    cagr: distribution(list.map((m) => m.cagr)),
    sharpe: distribution(list.map((m) => m.sharpe)),
    maxDrawdown: distribution(list.map((m) => m.maxDrawdown)),
  };
}

const addCounts = (list: readonly SignalCounts[]): SignalCounts =>
  list.reduce(
    (s, c) => ({
      long: s.long + c.long,
      short: s.short + c.short,
      flat: s.flat + c.flat,
      total: s.total + c.total,
    }),
    { long: 0, short: 0, flat: 0, total: 0 },
  );

/**
 * Aggregate the track records of one strategy on one interval across assets: signals pooled,
 * per-asset metrics as mean and median, and the same per calendar year.
 */
export function summarizeSignalPerformance(results: readonly SignalPerformance[]): SignalPerformanceSummary {
  const head = results[0];
  if (!head) throw new Error('summarizeSignalPerformance needs at least one result');
  for (const r of results)
    if (r.strategy !== head.strategy || r.interval !== head.interval)
      throw new Error('summarizeSignalPerformance: results mix strategies or intervals');
  const horizons = head.horizonsBars;
  const years = [...new Set(results.flatMap((r) => r.years.map((y) => y.year)))].sort((a, b) => a - b);
  const sharpeOf = (s: BacktestSummary) => s.sharpe;
  let compared = 0;
  let lsBeats = 0;
  let loBeats = 0;
  for (const r of results) {
    const bh = sharpeOf(r.buyAndHold);
    const ls = sharpeOf(r.longShort);
    const lo = sharpeOf(r.longOnly);
    if (bh === null || ls === null || lo === null) continue;
    compared++;
    if (ls > bh) lsBeats++;
    if (lo > bh) loBeats++;
  }
  return {
    strategy: head.strategy,
    modelVersion: head.modelVersion,
    interval: head.interval,
    assets: results.map((r) => r.asset),
    from: Math.min(...results.map((r) => r.from)),
    to: Math.max(...results.map((r) => r.to)),
    horizonsBars: horizons,
    signals: addCounts(results.map((r) => r.signals)),
    pooled: poolHorizons(
      results.map((r) => r.horizons),
      horizons,
    ),
    perAsset: horizons.map((h, k) => ({
      horizon: h,
      longHitRate: distribution(results.map((r) => r.horizons[k]!.long.hitRate)),
      shortHitRate: distribution(results.map((r) => r.horizons[k]!.short.hitRate)),
      longMeanReturn: distribution(results.map((r) => r.horizons[k]!.long.meanReturn)),
      shortMeanReturn: distribution(results.map((r) => r.horizons[k]!.short.meanReturn)),
    })),
    longShort: metricDistributions(results.map((r) => r.longShort)),
    longOnly: metricDistributions(results.map((r) => r.longOnly)),
    buyAndHold: metricDistributions(results.map((r) => r.buyAndHold)),
    beatsBuyAndHold: { longShort: lsBeats, longOnly: loBeats, compared },
    years: years.map((year) => {
      const ys = results.flatMap((r) => r.years.filter((y) => y.year === year));
      const pick = (f: (y: YearPerformance) => PeriodStats) => ({
        totalReturn: distribution(ys.map((y) => f(y).totalReturn)),
        sharpe: distribution(ys.map((y) => f(y).sharpe)),
      });
      return {
        year,
        assets: ys.length,
        signals: addCounts(ys.map((y) => y.signals)),
        pooled: poolHorizons(
          ys.map((y) => y.horizons),
          horizons,
        ),
        longShort: pick((y) => y.longShort),
        longOnly: pick((y) => y.longOnly),
        buyAndHold: pick((y) => y.buyAndHold),
      };
    }),
  };
}

// --- Markdown rendering of the track record (docs/methodology.md) -------------------------

const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;
const num = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
const int = (x: number) => x.toLocaleString('en-US');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A Markdown table laid out the way Biome formats one, so the generated doc passes `biome check`. */
function mdTable(head: string[], rows: string[][]): string {
  // The first column is text (left-aligned), the others numbers (right-aligned).
  const right = (i: number) => i > 0;
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (right(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join(' | ')} |`;
  const sep = `| ${w.map((n, i) => (right(i) ? `${'-'.repeat(n - 1)}:` : '-'.repeat(n))).join(' | ')} |`;
  return [line(head), sep, ...rows.map(line)].join('\n');
}

const INTERVAL_LABEL: Record<string, string> = { '1d': 'daily', '1h': 'hourly' };

/**
 * Markdown tables of the signal track record: pooled outcomes by horizon, backtests against
 * buy-and-hold, per calendar year, and per asset. `results` are the per-asset records behind
 * `summaries` (for the per-asset Sharpe table).
 */
export function signalPerformanceMarkdown(
  summaries: readonly SignalPerformanceSummary[],
  results: readonly SignalPerformance[],
): string {
  const out: string[] = [];
  const intervals = [...new Set(summaries.map((s) => s.interval))];
  for (const interval of intervals) {
    const group = summaries.filter((s) => s.interval === interval);
    const label = INTERVAL_LABEL[interval] ?? interval;
    const g0 = group[0]!;
    out.push(
      `#### ${label[0]!.toUpperCase()}${label.slice(1)} bars: ${g0.assets.length} asset(s), traded out of sample ${day(g0.from)} → ${day(g0.to - 1)}`,
    );
    out.push('');
    out.push(
      `Signals and what followed them, pooled over every asset. Forward return: from the open after the signal's bar to the open ${g0.horizonsBars.join(' / ')} bars later, before costs. "All bars" is every bar of the same period treated as a long signal: the drift a long signal has to beat.`,
    );
    out.push('');
    const rows: string[][] = [];
    for (const s of group)
      for (const h of s.pooled)
        rows.push([
          `${s.strategy}`,
          `${h.horizon}`,
          int(h.long.count),
          pct(h.long.hitRate),
          pct(h.long.meanReturn, 2),
          int(h.short.count),
          pct(h.short.hitRate),
          pct(h.short.meanReturn, 2),
          pct(h.flat.meanReturn, 2),
          pct(h.directional.hitRate),
          pct(h.baseline.hitRate),
          pct(h.baseline.meanReturn, 2),
        ]);
    out.push(
      mdTable(
        [
          'strategy',
          'h (bars)',
          'long n',
          'long hit',
          'long mean fwd',
          'short n',
          'short hit',
          'short mean fwd',
          'flat mean fwd',
          'long+short hit',
          'all bars: up',
          'all bars mean fwd',
        ],
        rows,
      ),
    );
    out.push('');
    out.push(
      'Hit rates and mean forward returns computed per asset, then mean / median across assets (an asset without such a signal is left out).',
    );
    out.push('');
    const hrows: string[][] = [];
    for (const s of group)
      for (const h of s.perAsset)
        hrows.push([
          s.strategy,
          `${h.horizon}`,
          `${pct(h.longHitRate.mean)} / ${pct(h.longHitRate.median)}`,
          `${pct(h.shortHitRate.mean)} / ${pct(h.shortHitRate.median)}`,
          `${pct(h.longMeanReturn.mean, 2)} / ${pct(h.longMeanReturn.median, 2)}`,
          `${pct(h.shortMeanReturn.mean, 2)} / ${pct(h.shortMeanReturn.median, 2)}`,
        ]);
    out.push(
      mdTable(['strategy', 'h (bars)', 'long hit', 'short hit', 'long mean fwd', 'short mean fwd'], hrows),
    );
    out.push('');
    out.push(
      `Backtests following the signals (${EVALUATION_FEE_BPS} bps fee + ${EVALUATION_SLIPPAGE_BPS} bps slippage per side) against buy-and-hold over the same bars and costs (the same period for every strategy): mean / median across assets; Sharpe annualised from per-bar returns (365-day year, no risk-free rate). A short held through a rally of more than 100% loses more than the account and the backtester has no margin call: returns below −100% and drawdowns above 100% mean the account was wiped out.`,
    );
    out.push('');
    const brow = (name: string, m: MetricDistributions, beats: string, trades: string): string[] => [
      name,
      `${num(m.sharpe.mean)} / ${num(m.sharpe.median)}`,
      `${pct(m.cagr.mean)} / ${pct(m.cagr.median)}`,
      `${pct(m.totalReturn.mean, 0)} / ${pct(m.totalReturn.median, 0)}`,
      `${pct(m.maxDrawdown.mean, 0)} / ${pct(m.maxDrawdown.median, 0)}`,
      trades,
      beats,
    ];
    const tradesOf = (s: SignalPerformanceSummary, v: 'longShort' | 'longOnly') =>
      int(
        results
          .filter((r) => r.strategy === s.strategy && r.interval === s.interval)
          .reduce((a, r) => a + r[v].trades, 0),
      );
    const brows: string[][] = [brow('buy-and-hold', g0.buyAndHold, '–', '–')];
    for (const s of group) {
      const c = s.beatsBuyAndHold.compared;
      brows.push(
        brow(
          `${s.strategy} long/short`,
          s.longShort,
          `${s.beatsBuyAndHold.longShort} of ${c}`,
          tradesOf(s, 'longShort'),
        ),
      );
      brows.push(
        brow(
          `${s.strategy} long-only`,
          s.longOnly,
          `${s.beatsBuyAndHold.longOnly} of ${c}`,
          tradesOf(s, 'longOnly'),
        ),
      );
    }
    out.push(
      mdTable(
        [
          'strategy',
          'Sharpe',
          'CAGR',
          'total return',
          'max drawdown',
          'trades (all assets)',
          'assets with Sharpe > buy-and-hold',
        ],
        brows,
      ),
    );
    out.push('');
    out.push(
      'Per UTC calendar year (each year a separate out-of-sample window of the same run): signals, hit rate of long and short signals together at the middle horizon (pooled), and median across assets of the year’s Sharpe and return.',
    );
    out.push('');
    const mid = Math.floor(g0.horizonsBars.length / 2);
    const yrows: string[][] = [];
    for (const s of group)
      for (const y of s.years)
        yrows.push([
          s.strategy,
          `${y.year}`,
          `${y.assets}`,
          int(y.signals.long + y.signals.short),
          pct(y.pooled[mid]?.directional.hitRate),
          pct(y.pooled[mid]?.baseline.hitRate),
          num(y.longShort.sharpe.median),
          num(y.longOnly.sharpe.median),
          num(y.buyAndHold.sharpe.median),
          pct(y.longShort.totalReturn.median, 0),
          pct(y.longOnly.totalReturn.median, 0),
          pct(y.buyAndHold.totalReturn.median, 0),
        ]);
    out.push(
      mdTable(
        [
          'strategy',
          'year',
          'assets',
          'long+short signals',
          `hit (h=${g0.horizonsBars[mid]})`,
          'all bars: up',
          'Sharpe L/S',
          'Sharpe long-only',
          'Sharpe B&H',
          'return L/S',
          'return long-only',
          'return B&H',
        ],
        yrows,
      ),
    );
    out.push('');
    out.push(
      'Per asset: Sharpe of each strategy (long/short · long-only) against buy-and-hold over the same bars.',
    );
    out.push('');
    const assets = g0.assets;
    const arows = assets.map((asset) => {
      const mine = results.filter((r) => r.asset === asset && r.interval === interval);
      const anyR = mine[0];
      const row = [
        asset,
        anyR ? `${day(anyR.from)} → ${day(anyR.to - 1)}` : '–',
        num(anyR?.buyAndHold.sharpe),
      ];
      for (const s of group) {
        const r = mine.find((x) => x.strategy === s.strategy);
        row.push(r ? `${num(r.longShort.sharpe)} · ${num(r.longOnly.sharpe)}` : '–');
      }
      return row;
    });
    out.push(mdTable(['asset', 'period', 'B&H', ...group.map((s) => s.strategy)], arows));
    out.push('');
  }
  return out.join('\n');
}
