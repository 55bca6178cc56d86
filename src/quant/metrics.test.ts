import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../internal/errors.js';
import type { Bar } from '../market/types.js';
import {
  alignSeries,
  betaCorrelation,
  cagr,
  calmarRatio,
  closedBars,
  correlation,
  downsideDeviation,
  historicalVaR,
  logReturns,
  maxDrawdown,
  riskMetrics,
  type SeriesPoint,
  sharpeRatio,
  simpleReturns,
  sortinoRatio,
  trailingReturns,
  volatility,
  YEAR_MS,
} from './index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2023, 0, 1);
const pts = (values: number[], step = DAY): SeriesPoint[] =>
  values.map((value, i) => ({ time: T0 + i * step, value }));

function expectValidation(fn: () => unknown, pathHead?: string | number): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const err = e as ValidationError;
    expect(err.issues?.length).toBeGreaterThan(0);
    expect(err.message.length).toBeGreaterThan(5);
    if (pathHead !== undefined) expect(err.issues?.[0]?.path[0]).toBe(pathHead);
    return;
  }
  throw new Error('expected a ValidationError');
}

describe('maxDrawdown', () => {
  it('finds peak, trough and recovery on [100, 120, 90, 130]', () => {
    const dd = maxDrawdown(pts([100, 120, 90, 130]));
    expect(dd.maxDrawdown).toBeCloseTo(0.25, 15);
    expect(dd.peak).toEqual({ index: 1, time: T0 + DAY, value: 120 });
    expect(dd.trough).toEqual({ index: 2, time: T0 + 2 * DAY, value: 90 });
    expect(dd.recovery).toEqual({ index: 3, time: T0 + 3 * DAY, value: 130 });
  });

  it('keeps the deeper of two drawdowns and reports no recovery', () => {
    const dd = maxDrawdown(pts([100, 80, 120, 60, 70]));
    expect(dd.maxDrawdown).toBeCloseTo(0.5, 15);
    expect(dd.peak?.index).toBe(2);
    expect(dd.trough?.index).toBe(3);
    expect(dd.recovery).toBeNull();
  });

  it('recovers on an exact return to the peak and is 0 for a rising series', () => {
    expect(maxDrawdown(pts([100, 50, 100])).recovery?.index).toBe(2);
    expect(maxDrawdown(pts([1, 2, 3]))).toEqual({ maxDrawdown: 0, peak: null, trough: null, recovery: null });
  });

  it('equals the O(n²) definition on random series', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 60 }),
        (xs) => {
          let naive = 0;
          for (let i = 0; i < xs.length; i++)
            for (let j = i + 1; j < xs.length; j++) naive = Math.max(naive, 1 - xs[j]! / xs[i]!);
          const dd = maxDrawdown(pts(xs)).maxDrawdown;
          expect(dd).toBeGreaterThanOrEqual(0);
          expect(dd).toBeLessThan(1);
          expect(Math.abs(dd - naive)).toBeLessThan(1e-12);
        },
      ),
    );
  });
});

describe('returns, volatility, ratios', () => {
  it('computes simple and log returns', () => {
    expect([...simpleReturns([100, 110, 99])]).toEqual([0.10000000000000009, -0.09999999999999998]);
    expect(logReturns([100, 200])[0]).toBeCloseTo(Math.LN2, 15);
  });

  it('annualises the sample stdev with 365 days', () => {
    // mean 0.005, squared deviations sum to 500e-6, sample variance 500e-6 / 3.
    const r = [0.01, 0.02, -0.01, 0];
    expect(volatility(r)).toBeCloseTo(Math.sqrt(500e-6 / 3) * Math.sqrt(365), 12);
    expect(volatility(r, { periodsPerYear: 1 })).toBeCloseTo(Math.sqrt(500e-6 / 3), 12);
    expect(sharpeRatio(r)).toBeCloseTo((0.005 / Math.sqrt(500e-6 / 3)) * Math.sqrt(365), 10);
    // Only -0.01 is below 0: downside deviation sqrt(1e-4 / 4) = 0.005, Sortino = 1 * sqrt(365).
    expect(downsideDeviation(r)).toBeCloseTo(0.005, 15);
    expect(sortinoRatio(r)).toBeCloseTo(Math.sqrt(365), 10);
  });

  it('subtracts the risk-free rate per period', () => {
    const r = [0.01, 0.02, -0.01, 0];
    const rf = 0.0365;
    const ex = r.map((x) => x - rf / 365);
    const m = ex.reduce((a, b) => a + b) / 4;
    const sd = Math.sqrt(ex.reduce((a, b) => a + (b - m) ** 2, 0) / 3);
    expect(sharpeRatio(r, { riskFreeRate: rf })).toBeCloseTo((m / sd) * Math.sqrt(365), 10);
  });

  it('returns null for undefined ratios', () => {
    expect(sharpeRatio([0.01, 0.01, 0.01])).toBeNull();
    expect(sortinoRatio([0.01, 0.02, 0.03])).toBeNull();
    expect(calmarRatio(pts([1, 2, 3]))).toBeNull();
  });

  it('computes CAGR and Calmar over the time span', () => {
    // Doubles in exactly one 365-day year with a 25 % drawdown on the way.
    const s: SeriesPoint[] = [
      { time: 0, value: 100 },
      { time: YEAR_MS / 3, value: 120 },
      { time: (2 * YEAR_MS) / 3, value: 90 },
      { time: YEAR_MS, value: 200 },
    ];
    expect(cagr(s)).toBeCloseTo(1, 12);
    expect(calmarRatio(s)).toBeCloseTo(1 / 0.25, 12);
    expect(cagr([s[0]!, { time: 2 * YEAR_MS, value: 400 }])).toBeCloseTo(1, 12);
  });

  it('Sharpe and Sortino have the sign of the mean excess return', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { minLength: 3, maxLength: 40 }),
        (r) => {
          const m = r.reduce((a, b) => a + b) / r.length;
          const s = sharpeRatio(r);
          const so = sortinoRatio(r);
          if (s !== null && Math.abs(m) > 1e-12) expect(Math.sign(s)).toBe(Math.sign(m));
          if (so !== null && Math.abs(m) > 1e-12) expect(Math.sign(so)).toBe(Math.sign(m));
        },
      ),
    );
  });
});

describe('historicalVaR', () => {
  it('takes the k-th largest loss and the mean of the k largest', () => {
    const r = Array.from({ length: 100 }, (_, i) => (i - 10) / 100); // -0.10 … 0.89
    const v95 = historicalVaR(r, 0.95); // k = 5: losses 0.10, 0.09, 0.08, 0.07, 0.06
    expect(v95.tailCount).toBe(5);
    expect(v95.var).toBeCloseTo(0.06, 15);
    expect(v95.cvar).toBeCloseTo(0.08, 15);
    const v99 = historicalVaR(r, 0.99); // k = 1
    expect(v99.tailCount).toBe(1);
    expect(v99.var).toBeCloseTo(0.1, 15);
    expect(v99.cvar).toBeCloseTo(0.1, 15);
    expect(historicalVaR([0.01, -0.03, 0.02], 0.95)).toMatchObject({ var: 0.03, cvar: 0.03, tailCount: 1 });
  });

  it('CVaR >= VaR, and the 99 % VaR >= the 95 % VaR', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (r) => {
          const a = historicalVaR(r, 0.95);
          const b = historicalVaR(r, 0.99);
          expect(a.cvar).toBeGreaterThanOrEqual(a.var - 1e-15);
          expect(b.cvar).toBeGreaterThanOrEqual(b.var - 1e-15);
          expect(b.var).toBeGreaterThanOrEqual(a.var);
          expect(b.cvar).toBeGreaterThanOrEqual(a.cvar - 1e-15);
        },
      ),
    );
  });

  it('rejects a confidence outside (0, 1) and empty returns', () => {
    expectValidation(() => historicalVaR([0.1], 1), 'confidence');
    expectValidation(() => historicalVaR([], 0.95), 'returns');
  });
});

describe('beta and correlation', () => {
  it('asset moving twice the benchmark: beta 2, correlation 1, aligned on common dates', () => {
    // Benchmark returns +10 %, -10 %, +10 %; asset +20 %, -20 %, +20 %.
    const bench = pts([100, 110, 99, 108.9]);
    const asset = [...pts([100, 120, 96, 115.2]), { time: T0 + 10 * DAY, value: 1 }];
    const extraBench = [{ time: T0 - DAY, value: 5 }, ...bench];
    const r = betaCorrelation(asset, extraBench);
    expect(r.observations).toBe(3);
    expect(r.beta).toBeCloseTo(2, 12);
    expect(r.correlation).toBeCloseTo(1, 12);
  });

  it('matches a textbook computation on an uneven pair', () => {
    const x = [0.01, -0.02, 0.03, 0.005, -0.01];
    const y = [0.02, -0.01, 0.01, 0.0, -0.02];
    const mx = x.reduce((a, b) => a + b) / 5;
    const my = y.reduce((a, b) => a + b) / 5;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < 5; i++) {
      sxy += (x[i]! - mx) * (y[i]! - my);
      sxx += (x[i]! - mx) ** 2;
      syy += (y[i]! - my) ** 2;
    }
    expect(correlation(x, y)).toBeCloseTo(sxy / Math.sqrt(sxx * syy), 14);
  });

  it('aligns only common timestamps', () => {
    const a = [
      { time: 1, value: 1 },
      { time: 2, value: 2 },
      { time: 4, value: 4 },
    ];
    const b = [
      { time: 2, value: 20 },
      { time: 3, value: 30 },
      { time: 4, value: 40 },
    ];
    expect(alignSeries(a, b)).toEqual({ times: [2, 4], a: [2, 4], b: [20, 40] });
  });

  it('correlation in [-1, 1], corr(x, x) = 1, beta(x, x) = 1', () => {
    const prices = fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 3, maxLength: 50 });
    fc.assert(
      fc.property(prices, prices, (p, q) => {
        const n = Math.min(p.length, q.length);
        const a = pts(p.slice(0, n));
        const b = pts(q.slice(0, n));
        const r = betaCorrelation(a, b);
        if (r.correlation !== null) {
          expect(r.correlation).toBeGreaterThanOrEqual(-1);
          expect(r.correlation).toBeLessThanOrEqual(1);
        }
        const self = betaCorrelation(a, a);
        if (self.correlation !== null) {
          expect(self.correlation).toBeCloseTo(1, 9);
          expect(self.beta).toBeCloseTo(1, 9);
        }
      }),
    );
  });

  it('rejects mismatched lengths and too little overlap', () => {
    expectValidation(() => correlation([1, 2, 3], [1, 2]), 'y');
    expectValidation(() => betaCorrelation(pts([1, 2, 3]), pts([1, 2, 3], 2 * DAY)), 'benchmark');
    expectValidation(() => betaCorrelation([], pts([1, 2, 3])), 'asset');
  });
});

describe('trailingReturns', () => {
  // Daily bars from 2023-01-01, close = 100 + i: the close of bar i closes at T0 + (i + 1) days.
  const bars: Bar[] = Array.from({ length: 800 }, (_, i) => ({
    openTime: T0 + i * DAY,
    open: 100 + i,
    high: 101 + i,
    low: 99 + i,
    close: 100 + i,
    volume: 1,
  }));
  const closeOf = (i: number) => 100 + i;

  it('uses only bars closed by asOf and counts horizons back from the last close', () => {
    const k = 500; // 2024-05-15
    // asOf in the middle of bar k + 1: bar k + 1 has not closed, bar k has.
    const asOf = T0 + (k + 1) * DAY + 12 * 3_600_000;
    const r = trailingReturns(bars, { asOf });
    expect(r.lastClose).toBe(closeOf(k));
    expect(r.lastCloseTime).toBe(T0 + (k + 1) * DAY);
    expect(r.returns['1d']?.value).toBeCloseTo(closeOf(k) / closeOf(k - 1) - 1, 15);
    expect(r.returns['7d']?.value).toBeCloseTo(closeOf(k) / closeOf(k - 7) - 1, 15);
    expect(r.returns['30d']?.value).toBeCloseTo(closeOf(k) / closeOf(k - 30) - 1, 15);
    expect(r.returns['90d']?.value).toBeCloseTo(closeOf(k) / closeOf(k - 90) - 1, 15);
    expect(r.returns['1y']?.value).toBeCloseTo(closeOf(k) / closeOf(k - 365) - 1, 15);
    // YTD 2024: from the close of 2023-12-31 (bar 364, closing at 2024-01-01 00:00).
    expect(r.returns.ytd).toEqual({
      value: closeOf(k) / closeOf(364) - 1,
      fromTime: Date.UTC(2024, 0, 1),
      fromClose: closeOf(364),
    });
  });

  it('returns null where history is too short, and 0 YTD on 1 January', () => {
    const r = trailingReturns(bars, { asOf: T0 + 10 * DAY });
    expect(r.returns['1d']).not.toBeNull();
    expect(r.returns['30d']).toBeNull();
    expect(r.returns['1y']).toBeNull();
    const jan1 = trailingReturns(bars, { asOf: Date.UTC(2024, 0, 1) });
    expect(jan1.returns.ytd?.value).toBe(0);
  });

  it('uses the close before a gap', () => {
    const gapped = bars.filter((_, i) => i < 100 || i > 110);
    const r = trailingReturns(gapped, { asOf: T0 + 113 * DAY });
    // Last close is bar 112; 7 days back is bar 105's close, missing: falls back to bar 99.
    expect(r.returns['7d']).toEqual({
      value: closeOf(112) / closeOf(99) - 1,
      fromTime: T0 + 100 * DAY,
      fromClose: 199,
    });
  });

  it('rejects empty input, unsorted bars and an asOf before the first close', () => {
    expectValidation(() => trailingReturns([], { asOf: T0 }), 'bars');
    expectValidation(() => trailingReturns([bars[1]!, bars[0]!], { asOf: T0 + 5 * DAY }), 'bars');
    expectValidation(() => trailingReturns(bars, { asOf: T0 + DAY - 1 }), 'asOf');
  });

  it('closedBars keeps exactly the prefix closed by asOf', () => {
    expect(closedBars(bars, T0 + 3 * DAY, '1d')).toHaveLength(3);
    expect(closedBars(bars, T0 + 3 * DAY - 1, '1d')).toHaveLength(2);
    expect(closedBars(bars, T0 + 3 * DAY, '4h')).toHaveLength(3);
  });
});

describe('riskMetrics', () => {
  it('agrees with the individual functions', () => {
    const s = pts([100, 104, 101, 108, 103, 111, 109, 115, 112, 118]);
    const values = s.map((p) => p.value);
    const m = riskMetrics(s, { benchmark: s });
    expect(m.observations).toBe(9);
    expect(m.volatility).toBe(volatility(logReturns(values)));
    expect(m.sharpe).toBe(sharpeRatio(simpleReturns(values)));
    expect(m.drawdown).toEqual(maxDrawdown(s));
    expect(m.var95).toBe(historicalVaR(simpleReturns(values), 0.95).var);
    expect(m.beta).toBeCloseTo(1, 12);
    expectValidation(() => riskMetrics(pts([1, 2])), 'series');
  });
});
