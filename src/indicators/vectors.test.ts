import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  hasSharedData,
  readSharedBars,
  SHARED_DATA_DIR,
  syntheticBars,
  type TestBars,
} from '../../test/vectors/indicators/loadBars.js';
import { compute, getIndicator, resolveIndicatorParams } from './index.js';

// TA-Lib reference vectors (test/vectors/indicators, made by scripts/indicators/gen-vectors.mjs).
const VECTOR_DIR = new URL('../../test/vectors/indicators/', import.meta.url);
const REL_TOL = 1e-9;

type VectorCase = {
  input: { synthetic: string } | { file: string; rows: [number, number] };
  params: Record<string, number>;
  outputs: Record<string, { begIndex: number; values: number[] }>;
};
type VectorFile = { source: string; indicator: string; talib: string; cases: VectorCase[] };

const files = readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.json') && f !== 'synthetic.json');
const synthetic = syntheticBars();
const realCache = new Map<string, TestBars>();

function barsFor(c: VectorCase): TestBars {
  if ('synthetic' in c.input) return synthetic;
  const key = `${c.input.file}:${c.input.rows.join('-')}`;
  let b = realCache.get(key);
  if (!b) {
    b = readSharedBars(c.input.file, c.input.rows);
    realCache.set(key, b);
  }
  return b;
}

/** Compare one case; returns how many values were bit-identical to TA-Lib's. */
function check(doc: VectorFile, c: VectorCase): { compared: number; identical: number } {
  const bars = barsFor(c);
  const n = bars.close.length;
  const out = compute(doc.indicator, c.params, bars);
  let compared = 0;
  let identical = 0;
  let lastBeg = 0;
  for (const [name, exp] of Object.entries(c.outputs)) {
    const got = out[name];
    expect(got, `${doc.indicator}.${name}`).toBeInstanceOf(Float64Array);
    expect(got!.length).toBe(n);
    lastBeg = Math.max(lastBeg, exp.begIndex);
    for (let i = 0; i < exp.begIndex && i < n; i++) {
      expect(got![i], `${doc.indicator}.${name}[${i}] is warm-up`).toBeNaN();
    }
    expect(exp.begIndex + exp.values.length).toBe(n);
    for (let j = 0; j < exp.values.length; j++) {
      const want = exp.values[j]!;
      const have = got![exp.begIndex + j]!;
      compared++;
      if (Object.is(have, want) || have === want) {
        identical++;
        continue;
      }
      const err = Math.abs(have - want);
      const scale = Math.max(Math.abs(have), Math.abs(want));
      if (!(err <= REL_TOL * scale)) {
        expect.fail(
          `${doc.indicator}.${name}[${exp.begIndex + j}] ${JSON.stringify(c.params)}: got ${have}, TA-Lib ${want}`,
        );
      }
    }
  }
  // The registry's warm-up is the last begIndex over the outputs.
  expect(getIndicator(doc.indicator).lookback(resolveIndicatorParams(doc.indicator, c.params))).toBe(lastBeg);
  return { compared, identical };
}

describe('TA-Lib reference vectors', () => {
  it('cover every indicator TA-Lib has (plus TA-Lib compositions)', () => {
    const names = files.map((f) => f.replace(/\.json$/, '')).sort();
    expect(names).toEqual(
      [
        'adx',
        'atr',
        'bollinger',
        'cci',
        'dema',
        'donchian',
        'ema',
        'ichimoku',
        'keltner',
        'macd',
        'mfi',
        'obv',
        'psar',
        'roc',
        'rsi',
        'sma',
        'stoch',
        'stochRsi',
        'tema',
        'williamsR',
        'wma',
      ].sort(),
    );
  });

  for (const file of files) {
    const doc = JSON.parse(readFileSync(new URL(file, VECTOR_DIR), 'utf8')) as VectorFile;
    describe(`${doc.indicator} vs ${doc.talib}`, () => {
      it('names TA-Lib as its source', () => {
        expect(Object.keys(doc)[0]).toBe('source');
        expect(doc.source).toMatch(/^TA-Lib .* via npm talib@1\.1\.6/);
      });
      for (const c of doc.cases) {
        const where =
          'synthetic' in c.input ? 'synthetic' : `${c.input.file} rows ${c.input.rows.join('..')}`;
        const title = `${JSON.stringify(c.params)} on ${where}`;
        if ('file' in c.input && !hasSharedData(c.input.file)) {
          it.skip(`${title} — skipped: ${SHARED_DATA_DIR}${c.input.file} not found (real bars are not committed)`, () => {});
          continue;
        }
        it(title, () => {
          const { compared, identical } = check(doc, c);
          expect(compared).toBeGreaterThan(0);
          // Same arithmetic as TA-Lib's C: results are expected to be identical, not just close.
          expect(identical).toBe(compared);
        });
      }
    });
  }
});
