import { ValidationError } from '../internal/errors.js';
import type { Bar } from '../market/types.js';
import {
  GRADES_MODEL_VERSION,
  type GradeKind,
  INVESTOR_MIN_BARS,
  investorGrade,
  TRADER_MIN_BARS,
  traderGrade,
} from './grades.js';

/** Horizons (calendar days) of the forward returns grades are judged on. */
export const GRADE_HORIZONS_DAYS: readonly number[] = [7, 30];
/** Days with fewer graded assets (with a known forward return) are left out. */
export const MIN_CROSS_SECTION = 5;
export const QUINTILES = 5;

const DAY_MS = 86_400_000;
const GRADERS = { trader: traderGrade, investor: investorGrade } as const;
const MIN_BARS: Record<GradeKind, number> = { trader: TRADER_MIN_BARS, investor: INVESTOR_MIN_BARS };

/** Closed daily bars of one asset (UTC-aligned, ascending; gaps allowed). */
export type GradeSeries = { asset: string; bars: readonly Bar[] };

/** One asset's grade on one day and what its price did next. */
export type GradeObservation = {
  asset: string;
  score: number;
  /** Close-to-close return from the grade's `asOf` close over each horizon (null: not known). */
  forward: (number | null)[];
};

/** The graded cross-section of one day. */
export type GradeDay = {
  /** Close time of the day's bar: the grades' `asOf`. */
  asOf: number;
  observations: GradeObservation[];
};

export type QuintileStats = {
  /** 1 = lowest scores, 5 = highest. */
  quintile: number;
  /** Mean over days of the quintile's mean forward return that day. */
  meanReturn: number | null;
  observations: number;
};

export type YearGradeStats = {
  year: number;
  days: number;
  q1: number | null;
  q5: number | null;
  spread: number | null;
  spearman: number | null;
};

export type HorizonGradeStats = {
  horizonDays: number;
  /** Days with at least `MIN_CROSS_SECTION` graded assets with a known forward return. */
  days: number;
  observations: number;
  quintiles: QuintileStats[];
  /** Mean over days of (Q5 mean − Q1 mean). */
  spread: number | null;
  /** The spread over every `horizonDays`-th day only, so forward windows do not overlap. */
  spreadNonOverlapping: { days: number; mean: number | null; tStat: number | null };
  /** Spearman rank correlation of score and forward return, per day, averaged over days. */
  spearman: { days: number; mean: number | null; positiveShare: number | null };
  years: YearGradeStats[];
};

export type KindEvaluation = {
  kind: GradeKind;
  /** Range of the `asOf` of the days used. */
  from: number | null;
  to: number | null;
  horizons: HorizonGradeStats[];
};

export type GradeEvaluation = {
  modelVersion: string;
  assets: string[];
  horizonsDays: readonly number[];
  kinds: KindEvaluation[];
};

function checkSeries(series: readonly GradeSeries[]): void {
  series.forEach((s, k) => {
    let prev = Number.NEGATIVE_INFINITY;
    s.bars.forEach((b, i) => {
      if (!(b.openTime > prev && b.openTime % DAY_MS === 0)) {
        const message = `${s.asset}: daily bars must be UTC-aligned and ascending (bar ${i})`;
        throw new ValidationError(message, { issues: [{ path: ['series', k, 'bars', i], message }] });
      }
      prev = b.openTime;
    });
  });
}

/**
 * Every asset's grade of `kind` on every UTC day it has enough closed daily bars for, with the
 * forward returns that followed. The grade of day D sees only the bars up to D's (the same
 * slice the live runner passes); the forward return runs from D's close to the close `h` days
 * later, so it uses no bar the grade used other than the starting close.
 */
export function gradePanel(
  series: readonly GradeSeries[],
  kind: GradeKind,
  horizons: readonly number[] = GRADE_HORIZONS_DAYS,
): GradeDay[] {
  checkSeries(series);
  const grade = GRADERS[kind];
  const need = MIN_BARS[kind];
  const byDay = new Map<number, GradeObservation[]>();
  for (const { asset, bars } of series) {
    const indexOf = new Map<number, number>();
    for (const [i, b] of bars.entries()) indexOf.set(b.openTime, i);
    for (let i = need - 1; i < bars.length; i++) {
      // Point in time: the grade gets the closed bars up to day i only.
      const g = grade(asset, bars.slice(i + 1 - need, i + 1));
      if (!g) continue;
      const b = bars[i]!;
      const forward = horizons.map((h) => {
        const j = indexOf.get(b.openTime + h * DAY_MS);
        return j === undefined ? null : bars[j]!.close / b.close - 1;
      });
      const list = byDay.get(g.asOf);
      const obs = { asset, score: g.score, forward };
      if (list) list.push(obs);
      else byDay.set(g.asOf, [obs]);
    }
  }
  return [...byDay.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([asOf, observations]) => ({ asOf, observations }));
}

/** Ranks 1..n with ties sharing their average rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let a = 0; a < order.length; ) {
    let b = a;
    while (b + 1 < order.length && order[b + 1]![0] === order[a]![0]) b++;
    const r = (a + b) / 2 + 1;
    for (let k = a; k <= b; k++) out[order[k]![1]] = r;
    a = b + 1;
  }
  return out;
}

/** Spearman rank correlation (average ranks for ties); null when either side is constant. */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2 || y.length !== n) return null;
  const rx = ranks(x);
  const ry = ranks(y);
  const m = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - m;
    const dy = ry[i]! - m;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/**
 * Mean forward return per score quintile of one cross-section: assets sorted by score
 * ascending (ties by asset id), the asset at rank i (0-based) of n in quintile
 * floor(i·5/n) + 1. Needs n ≥ 5, so every quintile has at least one asset.
 */
export function quintileMeans(
  observations: readonly { asset: string; score: number; ret: number }[],
): number[] {
  const n = observations.length;
  if (n < QUINTILES) throw new Error(`quintiles need at least ${QUINTILES} assets, got ${n}`);
  const sorted = [...observations].sort((a, b) => a.score - b.score || (a.asset < b.asset ? -1 : 1));
  const sum = new Array<number>(QUINTILES).fill(0);
  const count = new Array<number>(QUINTILES).fill(0);
  sorted.forEach((o, i) => {
    const q = Math.floor((i * QUINTILES) / n);
    sum[q]! += o.ret;
    count[q]!++;
  });
  return sum.map((s, q) => s / count[q]!);
}

const mean = (a: readonly number[]) => (a.length > 0 ? a.reduce((s, x) => s + x, 0) / a.length : null);

function tStat(a: readonly number[]): number | null {
  const n = a.length;
  if (n < 2) return null;
  const m = mean(a)!;
  const v = a.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
  return v > 0 ? m / Math.sqrt(v / n) : null;
}

/** Quintile, spread and rank-correlation statistics of one grade kind at one horizon. */
function horizonStats(panel: readonly GradeDay[], k: number, horizonDays: number): HorizonGradeStats {
  type Day = { asOf: number; q: number[]; counts: number[]; ic: number | null };
  const days: Day[] = [];
  for (const d of panel) {
    const obs = d.observations
      .filter((o) => o.forward[k] !== null && o.forward[k] !== undefined)
      .map((o) => ({ asset: o.asset, score: o.score, ret: o.forward[k]! }));
    if (obs.length < MIN_CROSS_SECTION) continue;
    const counts = new Array<number>(QUINTILES).fill(0);
    for (let i = 0; i < obs.length; i++) counts[Math.floor((i * QUINTILES) / obs.length)]!++;
    days.push({
      asOf: d.asOf,
      q: quintileMeans(obs),
      counts,
      ic: spearman(
        obs.map((o) => o.score),
        obs.map((o) => o.ret),
      ),
    });
  }
  const spreadOf = (d: Day) => d.q[QUINTILES - 1]! - d.q[0]!;
  const ics = days.map((d) => d.ic).filter((x): x is number => x !== null);
  const first = days[0]?.asOf ?? 0;
  const sparse = days.filter((d) => Math.round((d.asOf - first) / DAY_MS) % horizonDays === 0).map(spreadOf);
  const years = [...new Set(days.map((d) => new Date(d.asOf - DAY_MS).getUTCFullYear()))].sort(
    (a, b) => a - b,
  );
  return {
    horizonDays,
    days: days.length,
    observations: days.reduce((s, d) => s + d.counts.reduce((a, c) => a + c, 0), 0),
    quintiles: Array.from({ length: QUINTILES }, (_, q) => ({
      quintile: q + 1,
      meanReturn: mean(days.map((d) => d.q[q]!)),
      observations: days.reduce((s, d) => s + d.counts[q]!, 0),
    })),
    spread: mean(days.map(spreadOf)),
    spreadNonOverlapping: { days: sparse.length, mean: mean(sparse), tStat: tStat(sparse) },
    spearman: {
      days: ics.length,
      mean: mean(ics),
      positiveShare: ics.length > 0 ? ics.filter((x) => x > 0).length / ics.length : null,
    },
    years: years.map((year) => {
      const ds = days.filter((d) => new Date(d.asOf - DAY_MS).getUTCFullYear() === year);
      return {
        year,
        days: ds.length,
        q1: mean(ds.map((d) => d.q[0]!)),
        q5: mean(ds.map((d) => d.q[QUINTILES - 1]!)),
        spread: mean(ds.map(spreadOf)),
        spearman: mean(ds.map((d) => d.ic).filter((x): x is number => x !== null)),
      };
    }),
  };
}

/**
 * How well grades ranked assets, out of sample: for each UTC day, every asset's trader and
 * investor grade from its closed daily bars up to that day (nothing in the grades is fitted),
 * assets ranked into score quintiles on days with at least `MIN_CROSS_SECTION` graded assets,
 * and the mean forward close-to-close return per quintile over `horizonsDays`, the Q5 − Q1
 * spread and the daily Spearman correlation of score and forward return.
 * @example evaluateGrades([{ asset: 'bitcoin', bars: btcDaily }, ...])
 */
export function evaluateGrades(
  series: readonly GradeSeries[],
  horizonsDays: readonly number[] = GRADE_HORIZONS_DAYS,
): GradeEvaluation {
  const kinds = (['trader', 'investor'] as const).map((kind): KindEvaluation => {
    const panel = gradePanel(series, kind, horizonsDays);
    const horizons = horizonsDays.map((h, k) => horizonStats(panel, k, h));
    const used = panel.filter((d) => d.observations.length >= MIN_CROSS_SECTION);
    return {
      kind,
      from: used[0]?.asOf ?? null,
      to: used.at(-1)?.asOf ?? null,
      horizons,
    };
  });
  return {
    modelVersion: GRADES_MODEL_VERSION,
    assets: series.map((s) => s.asset),
    horizonsDays,
    kinds,
  };
}

// --- Markdown rendering (docs/methodology.md) ---------------------------------------------

const pct = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;
const num = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
const day = (ms: number | null) => (ms === null ? '–' : new Date(ms).toISOString().slice(0, 10));

/** Markdown tables of a grade evaluation: quintiles, spreads and rank correlation, overall and per year. */
export function gradeEvaluationMarkdown(e: GradeEvaluation): string {
  // Laid out the way Biome formats Markdown tables, so the generated doc passes `biome check`;
  // the first two columns are text, the others numbers.
  const table = (head: string[], rows: string[][]) => {
    const right = (i: number) => i > 1;
    const all = [head, ...rows];
    const w = head.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]) =>
      `| ${r.map((c, i) => (right(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join(' | ')} |`;
    const sep = `| ${w.map((n, i) => (right(i) ? `${'-'.repeat(n - 1)}:` : '-'.repeat(n))).join(' | ')} |`;
    return [line(head), sep, ...rows.map(line)].join('\n');
  };
  const rows: string[][] = [];
  const yrows: string[][] = [];
  for (const k of e.kinds)
    for (const h of k.horizons) {
      rows.push([
        k.kind,
        `${h.horizonDays} d`,
        `${day(k.from === null ? null : k.from - DAY_MS)} → ${day(k.to === null ? null : k.to - DAY_MS)}`,
        h.days.toLocaleString('en-US'),
        h.observations.toLocaleString('en-US'),
        ...h.quintiles.map((q) => pct(q.meanReturn)),
        pct(h.spread),
        `${pct(h.spreadNonOverlapping.mean)} (t = ${num(h.spreadNonOverlapping.tStat, 2)}, ${h.spreadNonOverlapping.days} d)`,
        num(h.spearman.mean),
        pct(h.spearman.positiveShare, 0),
      ]);
      for (const y of h.years)
        yrows.push([
          k.kind,
          `${h.horizonDays} d`,
          `${y.year}`,
          `${y.days}`,
          pct(y.q1),
          pct(y.q5),
          pct(y.spread),
          num(y.spearman),
        ]);
    }
  return [
    `Grades of ${e.assets.length} assets, every UTC day, ranked into quintiles (Q1 = lowest scores, Q5 = highest) on days with at least ${MIN_CROSS_SECTION} graded assets. Forward return: close to close from the grade's asOf close; each day weighs the same.`,
    '',
    table(
      [
        'grade',
        'horizon',
        'graded days',
        'days',
        'observations',
        'Q1',
        'Q2',
        'Q3',
        'Q4',
        'Q5',
        'Q5 − Q1',
        'Q5 − Q1, non-overlapping',
        'mean Spearman',
        'days Spearman > 0',
      ],
      rows,
    ),
    '',
    'Per UTC calendar year (of the graded day):',
    '',
    table(['grade', 'horizon', 'year', 'days', 'Q1', 'Q5', 'Q5 − Q1', 'mean Spearman'], yrows),
    '',
  ].join('\n');
}
