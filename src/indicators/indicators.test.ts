import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasSharedData,
  readSharedBars,
  SHARED_DATA_DIR,
  syntheticBars,
  type TestBars,
} from '../../test/vectors/indicators/loadBars.js';
import { NotFoundError, ValidationError } from '../internal/errors.js';
import * as ind from './index.js';
import {
  atr,
  compute,
  createEmaState,
  createMacdState,
  createStream,
  createSupertrendState,
  donchian,
  ema,
  getIndicator,
  INDICATORS,
  type IndicatorSpec,
  ichimoku,
  keltner,
  macd,
  type ParamSpec,
  psar,
  resolveIndicatorParams,
  rsi,
  sma,
  stoch,
  supertrend,
  vwap,
} from './index.js';

const BTC_DAILY = 'binance-ohlcv-yanniedog/1d/BTCUSDT_1d.csv';
const synthetic = syntheticBars();
const btc = hasSharedData(BTC_DAILY) ? readSharedBars(BTC_DAILY) : undefined;
const SKIP_BTC = `skipped: ${SHARED_DATA_DIR}${BTC_DAILY} not found (real bars are not committed)`;

function slice(b: TestBars, start: number, end: number): TestBars {
  return {
    open: b.open.subarray(start, end),
    high: b.high.subarray(start, end),
    low: b.low.subarray(start, end),
    close: b.close.subarray(start, end),
    volume: b.volume.subarray(start, end),
  };
}

function bar(b: TestBars, i: number) {
  return { open: b.open[i]!, high: b.high[i]!, low: b.low[i]!, close: b.close[i]!, volume: b.volume[i]! };
}

/** Random parameters inside each spec's bounds (periods kept small so warm-ups fit the series). */
function paramsArb(spec: IndicatorSpec): fc.Arbitrary<Record<string, number>> {
  const fields: Record<string, fc.Arbitrary<number>> = {};
  for (const p of spec.params) {
    fields[p.name] =
      p.type === 'integer'
        ? fc.integer({ min: p.minimum, max: Math.min(p.maximum, p.minimum + 40) })
        : fc.double({ min: p.minimum, max: Math.min(p.maximum, 5), noNaN: true, noDefaultInfinity: true });
  }
  return fc.record(fields);
}

function validParams(name: string, p: Record<string, number>): boolean {
  try {
    resolveIndicatorParams(name, p);
    return true;
  } catch (e) {
    if (e instanceof ValidationError) return false;
    throw e;
  }
}

/**
 * Streaming equals batch bit for bit: every streamed value equals the batch value of the same
 * bar over the whole window, and a batch over a random prefix equals the streamed values.
 */
function streamingEqualsBatch(series: TestBars, runs: number): void {
  for (const spec of INDICATORS) {
    fc.assert(
      fc.property(
        paramsArb(spec),
        fc.integer({ min: 0, max: series.close.length - 1 }),
        fc.integer({ min: 1, max: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (params, start, len, cut) => {
          fc.pre(validParams(spec.name, params));
          const window = slice(series, start, Math.min(series.close.length, start + len));
          const n = window.close.length;
          const batch = compute(spec.name, params, window);
          const m = Math.max(1, Math.floor(cut * n));
          const prefix = compute(spec.name, params, slice(window, 0, m));
          const stream = createStream(spec.name, params);
          for (let i = 0; i < n; i++) {
            const v = stream.update(bar(window, i));
            for (const o of spec.outputs) {
              const b = batch[o.name]![i]!;
              if (!Object.is(v[o.name], b)) {
                throw new Error(
                  `${spec.name}.${o.name}[${i}] ${JSON.stringify(params)}: stream ${v[o.name]} batch ${b}`,
                );
              }
              if (i < m && !Object.is(prefix[o.name]![i], b)) {
                throw new Error(`${spec.name}.${o.name}[${i}] differs on a prefix of ${m} bars`);
              }
            }
          }
        },
      ),
      { numRuns: runs, seed: 424242 },
    );
  }
}

/** Adversarial bars: small integers (ties, flat runs, zero ranges), high < low, zero volume. */
const roughBars = fc
  .array(
    fc.record({
      high: fc.integer({ min: 1, max: 12 }),
      low: fc.integer({ min: 1, max: 12 }),
      close: fc.integer({ min: 1, max: 12 }),
      volume: fc.integer({ min: 0, max: 3 }),
    }),
    { minLength: 1, maxLength: 120 },
  )
  .map((rows): TestBars => {
    const col = (k: 'high' | 'low' | 'close' | 'volume') => Float64Array.from(rows, (r) => r[k]);
    return {
      open: col('close'),
      high: col('high'),
      low: col('low'),
      close: col('close'),
      volume: col('volume'),
    };
  });

describe('streaming = batch (fast-check, every indicator)', () => {
  it('on the synthetic series', () => streamingEqualsBatch(synthetic, 40));
  it('on adversarial bars (ties, flat runs, high < low, zero volume)', () => {
    for (const spec of INDICATORS) {
      fc.assert(
        fc.property(roughBars, paramsArb(spec), (b, params) => {
          fc.pre(validParams(spec.name, params));
          const batch = compute(spec.name, params, b);
          const stream = createStream(spec.name, params);
          for (let i = 0; i < b.close.length; i++) {
            const v = stream.update(bar(b, i));
            for (const o of spec.outputs) {
              if (!Object.is(v[o.name], batch[o.name]![i])) {
                throw new Error(
                  `${spec.name}.${o.name}[${i}]: stream ${v[o.name]} batch ${batch[o.name]![i]}`,
                );
              }
            }
          }
        }),
        { numRuns: 60, seed: 99 },
      );
    }
  });
  it.skipIf(!btc)(`on BTCUSDT daily (../shared/data)${btc ? '' : ` — ${SKIP_BTC}`}`, () =>
    streamingEqualsBatch(btc!, 40),
  );
});

describe('warm-up', () => {
  function checkLookback(series: TestBars, spec: IndicatorSpec, params: Record<string, number>): void {
    const out = compute(spec.name, params, series);
    const lb = spec.lookback(resolveIndicatorParams(spec.name, params));
    const n = series.close.length;
    const defined = (i: number) => spec.outputs.every((o) => !Number.isNaN(out[o.name]![i]));
    for (let i = 0; i < Math.min(lb, n); i++)
      expect(defined(i), `${spec.name}[${i}] before warm-up ${lb}`).toBe(false);
    if (lb < n) expect(defined(lb), `${spec.name}[${lb}] at warm-up`).toBe(true);
  }

  it('lookback(params) is the first bar where every output is defined (defaults)', () => {
    for (const spec of INDICATORS) checkLookback(synthetic, spec, {});
  });

  it('lookback(params) holds for random parameters', () => {
    // Bars 20.. of the synthetic series: the flat zero-volume opening would make VWAP undefined.
    const s = slice(synthetic, 20, 300);
    for (const spec of INDICATORS) {
      fc.assert(
        fc.property(paramsArb(spec), (params) => {
          fc.pre(validParams(spec.name, params));
          checkLookback(s, spec, params);
        }),
        { numRuns: 25, seed: 7 },
      );
    }
  });

  it('outputs have the input length; too-short and empty inputs give NaN / empty arrays', () => {
    for (const spec of INDICATORS) {
      const empty = compute(spec.name, {}, slice(synthetic, 0, 0));
      expect(Object.keys(empty)).toEqual(spec.outputs.map((o) => o.name));
      for (const o of spec.outputs) expect(empty[o.name]!.length).toBe(0);
      const lb = spec.lookback(resolveIndicatorParams(spec.name, {}));
      if (lb === 0) continue;
      const short = compute(spec.name, {}, slice(synthetic, 30, 30 + lb));
      for (const o of spec.outputs) {
        expect(short[o.name]!.length).toBe(lb);
        expect(
          [...short[o.name]!].some((v) => Number.isNaN(v)),
          `${spec.name}.${o.name}`,
        ).toBe(true);
      }
    }
  });
});

describe('registry', () => {
  it('describes 23 indicators, each exported under its name with a create<Name>State', () => {
    expect(INDICATORS.map((s) => s.name)).toEqual([
      'sma',
      'ema',
      'wma',
      'dema',
      'tema',
      'rsi',
      'macd',
      'bollinger',
      'atr',
      'adx',
      'stoch',
      'stochRsi',
      'cci',
      'mfi',
      'obv',
      'vwap',
      'williamsR',
      'roc',
      'psar',
      'supertrend',
      'ichimoku',
      'donchian',
      'keltner',
    ]);
    const exports = ind as Record<string, unknown>;
    for (const s of INDICATORS) {
      expect(typeof exports[s.name], s.name).toBe('function');
      const creator = `create${s.name[0]!.toUpperCase()}${s.name.slice(1)}State`;
      expect(typeof exports[creator], creator).toBe('function');
    }
  });

  it('param specs are self-consistent (defaults in range, integer defaults integral)', () => {
    for (const s of INDICATORS) {
      for (const p of s.params as ParamSpec[]) {
        expect(p.default, `${s.name}.${p.name}`).toBeGreaterThanOrEqual(p.minimum);
        expect(p.default).toBeLessThanOrEqual(p.maximum);
        if (p.type === 'integer') expect(Number.isInteger(p.default)).toBe(true);
        expect(p.description.length).toBeGreaterThan(0);
      }
      expect(s.inputs.length).toBeGreaterThan(0);
      expect(s.outputs.length).toBeGreaterThan(0);
    }
  });

  it('the spec is plain data plus lookback (JSON-serializable for GET /v1/indicators)', () => {
    const json = JSON.parse(JSON.stringify(INDICATORS)) as { name: string; params: unknown[] }[];
    expect(json[6]).toMatchObject({
      name: 'macd',
      inputs: ['close'],
      outputs: [{ name: 'macd' }, { name: 'signal' }, { name: 'histogram' }],
      talib: 'MACD',
    });
    expect(json[6]!.params[0]).toEqual({
      name: 'fastPeriod',
      type: 'integer',
      minimum: 2,
      maximum: 100000,
      default: 12,
      description: expect.any(String),
    });
  });

  it('compute equals the direct call', () => {
    const out = compute('macd', { fastPeriod: 5, slowPeriod: 9, signalPeriod: 4 }, synthetic);
    const direct = macd(synthetic.close, { fastPeriod: 5, slowPeriod: 9, signalPeriod: 4 });
    expect(out).toEqual(direct);
    expect(getIndicator('rsi').lookback({ period: 14 })).toBe(14);
  });
});

describe('parameter validation', () => {
  function issuesOf(f: () => unknown): unknown[] {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const v = e as ValidationError;
      expect(v.code).toBe('VALIDATION_FAILED');
      expect(v.status).toBe(400);
      return v.issues ?? [];
    }
    throw new Error('expected a ValidationError');
  }
  const x = synthetic.close;

  it('rejects out-of-range, non-integer and non-numeric periods, listing what is wrong', () => {
    expect(issuesOf(() => sma(x, { period: 0 }))).toEqual([
      { path: ['period'], message: 'must be >= 2', in: 'query' },
    ]);
    expect(issuesOf(() => ema(x, { period: 1e9 }))).toEqual([
      { path: ['period'], message: 'must be <= 100000', in: 'query' },
    ]);
    expect(issuesOf(() => rsi(x, { period: 14.5 }))).toEqual([
      { path: ['period'], message: 'must be an integer', in: 'query' },
    ]);
    expect(issuesOf(() => rsi(x, { period: Number.NaN }))).toEqual([
      { path: ['period'], message: 'must be a finite number', in: 'query' },
    ]);
    expect(issuesOf(() => compute('rsi', { period: '14' }, synthetic))).toEqual([
      { path: ['period'], message: 'must be a finite number', in: 'query' },
    ]);
  });

  it('rejects unknown parameters and cross-parameter conflicts', () => {
    expect(issuesOf(() => compute('sma', { periods: 3 }, synthetic))).toEqual([
      { path: ['periods'], message: 'unknown parameter (expected: period)', in: 'query' },
    ]);
    expect(issuesOf(() => macd(x, { fastPeriod: 26, slowPeriod: 26 }))).toEqual([
      { path: ['fastPeriod'], message: 'must be < slowPeriod', in: 'query' },
    ]);
    expect(issuesOf(() => createMacdState({ fastPeriod: 30 }))).toEqual([
      { path: ['fastPeriod'], message: 'must be < slowPeriod', in: 'query' },
    ]);
    expect(issuesOf(() => psar(synthetic, { acceleration: 0.5, maximum: 0.2 }))).toEqual([
      { path: ['acceleration'], message: 'must be <= maximum', in: 'query' },
    ]);
  });

  it('lists every bad parameter at once', () => {
    const issues = issuesOf(() => stoch(synthetic, { fastKPeriod: 0, slowKPeriod: 1.5, slowDPeriod: 1e9 }));
    expect(issues.map((i) => (i as { path: string[] }).path[0])).toEqual([
      'fastKPeriod',
      'slowKPeriod',
      'slowDPeriod',
    ]);
    expect(issuesOf(() => resolveIndicatorParams('bollinger', { stdDev: -1 }))).toEqual([
      { path: ['stdDev'], message: 'must be >= 0', in: 'query' },
    ]);
  });

  it('streaming constructors validate too', () => {
    expect(issuesOf(() => createEmaState({ period: 1 }))).toEqual([
      { path: ['period'], message: 'must be >= 2', in: 'query' },
    ]);
  });

  it('unknown indicators are NotFoundError; missing or ragged columns are ValidationError', () => {
    expect(() => compute('nope', {}, synthetic)).toThrow(NotFoundError);
    expect(() => createStream('nope', {})).toThrow(NotFoundError);
    expect(issuesOf(() => compute('atr', {}, { close: x, low: x }))).toEqual([
      { path: ['bars', 'high'], message: 'required Float64Array column is missing' },
    ]);
    expect(issuesOf(() => compute('atr', {}, { high: x, low: x, close: x.subarray(1) }))).toEqual([
      { path: ['bars', 'close'], message: `has ${x.length - 1} rows, expected ${x.length}` },
    ]);
  });
});

describe('definitions', () => {
  it('TA-Lib zero branches: flat bars give RSI 0 and Stoch 0', () => {
    // The synthetic series opens with 20 identical bars.
    expect(rsi(synthetic.close, { period: 14 })[14]).toBe(0);
    expect(stoch(synthetic, { fastKPeriod: 5, slowKPeriod: 3, slowDPeriod: 3 }).k[8]).toBe(0);
  });

  it('VWAP: anchored and rolling, NaN without volume', () => {
    const b = {
      high: Float64Array.from([12, 12, 12, 30]),
      low: Float64Array.from([6, 9, 9, 30]),
      close: Float64Array.from([9, 9, 9, 30]),
      volume: Float64Array.from([1, 3, 0, 2]),
    };
    // Typical prices 9, 10, 10, 30.
    expect([...vwap(b, { period: 0 })]).toEqual([9, (9 + 30) / 4, (9 + 30) / 4, (9 + 30 + 60) / 6]);
    expect([...vwap(b)].every(Number.isNaN)).toBe(true); // default: rolling 20 bars
    expect([...vwap(b, { period: 2 })]).toEqual([Number.NaN, (9 + 30) / 4, 10, 30]);
    expect([...vwap(b, { period: 1 })]).toEqual([9, 10, Number.NaN, 30]);
  });

  it('Keltner is EMA ± multiplier·ATR and Donchian/Ichimoku are window midpoints', () => {
    const k = keltner(synthetic, { period: 20, atrPeriod: 10, multiplier: 2 });
    const e = ema(synthetic.close, { period: 20 });
    const a = atr(synthetic, { period: 10 });
    for (let i = 19; i < 300; i++) {
      expect(k.middle[i]).toBe(e[i]);
      expect(k.upper[i]).toBe(e[i]! + 2 * a[i]!);
      expect(k.lower[i]).toBe(e[i]! - 2 * a[i]!);
    }
    const ich = ichimoku(synthetic, {
      tenkanPeriod: 9,
      kijunPeriod: 26,
      senkouBPeriod: 52,
      displacement: 26,
    });
    const d9 = donchian(synthetic, { period: 9 }).middle;
    const d26 = donchian(synthetic, { period: 26 }).middle;
    const d52 = donchian(synthetic, { period: 52 }).middle;
    for (let i = 0; i < 300; i++) {
      expect(ich.tenkan[i]).toBe(d9[i]);
      expect(ich.kijun[i]).toBe(d26[i]);
      expect(ich.senkouA[i]).toBe(i >= 26 ? (d9[i - 26]! + d26[i - 26]!) / 2 : Number.NaN);
      expect(ich.senkouB[i]).toBe(i >= 26 ? d52[i - 26] : Number.NaN);
    }
  });

  /** TradingView's `pine_supertrend` transcribed literally (direction sign flipped), on our ATR. */
  function pineSupertrend(b: TestBars, period: number, factor: number) {
    const a = atr(b, { period });
    const n = b.close.length;
    const st = new Float64Array(n).fill(Number.NaN);
    const dirs = new Float64Array(n).fill(Number.NaN);
    let prevUpper = Number.NaN;
    let prevLower = Number.NaN;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(a[i]!)) continue;
      const src = (b.high[i]! + b.low[i]!) / 2;
      let upper = src + factor * a[i]!;
      let lower = src - factor * a[i]!;
      const pl = Number.isNaN(prevLower) ? 0 : prevLower;
      const pu = Number.isNaN(prevUpper) ? 0 : prevUpper;
      const pc = b.close[i - 1]!;
      lower = lower > pl || pc < pl ? lower : pl;
      upper = upper < pu || pc > pu ? upper : pu;
      let dir: number;
      if (Number.isNaN(a[i - 1]!)) dir = 1;
      else if (st[i - 1] === pu) dir = b.close[i]! > upper ? -1 : 1;
      else dir = b.close[i]! < lower ? 1 : -1;
      st[i] = dir === -1 ? lower : upper;
      dirs[i] = -dir;
      prevUpper = upper;
      prevLower = lower;
    }
    return { supertrend: st, direction: dirs };
  }

  it('Supertrend equals a literal transcription of TradingView’s pine_supertrend', () => {
    for (const [period, factor] of [
      [10, 3],
      [7, 1.5],
      [1, 2],
    ] as const) {
      const ref = pineSupertrend(synthetic, period, factor);
      const got = supertrend(synthetic, { period, multiplier: factor });
      expect([...got.supertrend]).toEqual([...ref.supertrend]);
      expect([...got.direction]).toEqual([...ref.direction]);
      expect(new Set([...got.direction].filter((v) => !Number.isNaN(v)))).toEqual(new Set([1, -1]));
    }
  });

  it.skipIf(!btc)(`Supertrend matches pine_supertrend on BTCUSDT daily${btc ? '' : ` — ${SKIP_BTC}`}`, () => {
    const ref = pineSupertrend(btc!, 10, 3);
    const got = supertrend(btc!, { period: 10, multiplier: 3 });
    expect([...got.supertrend]).toEqual([...ref.supertrend]);
    expect([...got.direction]).toEqual([...ref.direction]);
  });

  it('streaming states return their reused value objects', () => {
    const s = createSupertrendState({ period: 3, multiplier: 2 });
    const first = s.update(10, 9, 9.5);
    expect(first).toBe(s.update(11, 10, 10.5));
    const e = createEmaState({ period: 2 });
    expect(e.update(1)).toBeNaN();
    expect(e.update(3)).toBe(2);
    expect(e.update(5)).toBe(2 + (5 - 2) * (2 / 3));
    expect(e.value).toBe(2 + (5 - 2) * (2 / 3));
  });

  it('batch functions write into caller buffers when given, and check their length', () => {
    const fresh = macd(synthetic.close);
    const into = {
      macd: new Float64Array(300).fill(7),
      signal: new Float64Array(300),
      histogram: new Float64Array(300),
    };
    const got = macd(synthetic.close, {}, into);
    expect(got.macd).toBe(into.macd);
    expect(got).toEqual(fresh);
    const buf = new Float64Array(300).fill(1);
    expect(rsi(synthetic.close, {}, buf)).toBe(buf);
    expect([...buf]).toEqual([...rsi(synthetic.close)]);
    expect(() => atr(synthetic, {}, new Float64Array(10))).toThrow(RangeError);
  });

  it('SMA of a constant is the constant', () => {
    expect([...sma(new Float64Array(5).fill(3), { period: 3 })]).toEqual([Number.NaN, Number.NaN, 3, 3, 3]);
  });
});
