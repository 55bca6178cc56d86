import { NotFoundError, ValidationError } from '../internal/errors.js';
import { ADX_PARAMS, adx, createAdxState } from './adx.js';
import { ATR_PARAMS, atr, createAtrState } from './atr.js';
import { BOLLINGER_PARAMS, bollinger, createBollingerState } from './bollinger.js';
import { CCI_PARAMS, cci, createCciState } from './cci.js';
import { createDemaState, DEMA_PARAMS, dema } from './dema.js';
import { createDonchianState, DONCHIAN_PARAMS, donchian } from './donchian.js';
import { createEmaState, EMA_PARAMS, ema } from './ema.js';
import { createIchimokuState, ICHIMOKU_PARAMS, ichimoku } from './ichimoku.js';
import { createKeltnerState, KELTNER_PARAMS, keltner } from './keltner.js';
import { createMacdState, MACD_PARAMS, macd } from './macd.js';
import { createMfiState, MFI_PARAMS, mfi } from './mfi.js';
import { createObvState, obv } from './obv.js';
import { type ParamSpec, type ResolvedParams, resolveParams } from './params.js';
import { createPsarState, PSAR_PARAMS, psar } from './psar.js';
import { createRocState, ROC_PARAMS, roc } from './roc.js';
import { createRsiState, RSI_PARAMS, rsi } from './rsi.js';
import { createSmaState, SMA_PARAMS, sma } from './sma.js';
import { createStochState, STOCH_PARAMS, stoch } from './stoch.js';
import { createStochRsiState, STOCH_RSI_PARAMS, stochRsi } from './stochRsi.js';
import { createSupertrendState, SUPERTREND_PARAMS, supertrend } from './supertrend.js';
import { createTemaState, TEMA_PARAMS, tema } from './tema.js';
import type { Bars, BarValues, InputName } from './types.js';
import { createVwapState, VWAP_PARAMS, vwap } from './vwap.js';
import { createWilliamsRState, WILLIAMS_R_PARAMS, williamsR } from './williamsR.js';
import { createWmaState, WMA_PARAMS, wma } from './wma.js';

/** One output series of an indicator. */
export type OutputSpec = { readonly name: string; readonly description: string };

/** What an API needs to know about an indicator, plus how to run it. */
export type IndicatorSpec = {
  /** Stable identifier used in URLs and `compute` (camelCase, e.g. `williamsR`). */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Input columns read, e.g. `['close']` or `['high', 'low', 'close', 'volume']`. */
  readonly inputs: readonly InputName[];
  readonly params: readonly ParamSpec[];
  /** Output series, in the order of the keys `compute` returns. */
  readonly outputs: readonly OutputSpec[];
  /**
   * Warm-up: the number of leading NaN bars before every output is defined, as a function of
   * the resolved parameters (see `resolveIndicatorParams`). Some outputs start earlier (ADX's
   * DIs, Ichimoku's tenkan/kijun): this is the largest.
   */
  readonly lookback: (params: ResolvedParams) => number;
  /** The TA-Lib function(s) it reproduces, or null when TA-Lib has no such indicator. */
  readonly talib: string | null;
};

/** A streaming indicator behind a uniform interface (one bar in, current outputs out). */
export interface IndicatorStream {
  /** Feed the next closed bar; returns the stream's reused `{ output: value }` record. */
  update(bar: BarValues): Readonly<Record<string, number>>;
}

type Entry = IndicatorSpec & {
  readonly run: (bars: Bars, p: ResolvedParams) => Record<string, Float64Array>;
  readonly stream: (p: ResolvedParams, out: Record<string, number>) => (bar: BarValues) => void;
};

const CLOSE: readonly InputName[] = ['close'];
const HL: readonly InputName[] = ['high', 'low'];
const HLC: readonly InputName[] = ['high', 'low', 'close'];
const HLCV: readonly InputName[] = ['high', 'low', 'close', 'volume'];
const one = (name: string, description: string): readonly OutputSpec[] => [{ name, description }];
const BANDS: readonly OutputSpec[] = [
  { name: 'upper', description: 'Upper band' },
  { name: 'middle', description: 'Middle line' },
  { name: 'lower', description: 'Lower band' },
];

const ENTRIES: readonly Entry[] = [
  {
    name: 'sma',
    title: 'Simple moving average',
    description: 'Mean of the last `period` closes.',
    inputs: CLOSE,
    params: SMA_PARAMS,
    outputs: one('sma', 'Moving average'),
    lookback: (p) => p.period! - 1,
    talib: 'SMA',
    run: (b, p) => ({ sma: sma(b.close, p) }),
    stream: (p, out) => {
      const s = createSmaState(p);
      return (bar) => {
        out.sma = s.update(bar.close);
      };
    },
  },
  {
    name: 'ema',
    title: 'Exponential moving average',
    description: 'SMA-seeded EMA with k = 2/(period+1).',
    inputs: CLOSE,
    params: EMA_PARAMS,
    outputs: one('ema', 'Moving average'),
    lookback: (p) => p.period! - 1,
    talib: 'EMA',
    run: (b, p) => ({ ema: ema(b.close, p) }),
    stream: (p, out) => {
      const s = createEmaState(p);
      return (bar) => {
        out.ema = s.update(bar.close);
      };
    },
  },
  {
    name: 'wma',
    title: 'Weighted moving average',
    description: 'Linearly weighted average of the last `period` closes (newest weighs most).',
    inputs: CLOSE,
    params: WMA_PARAMS,
    outputs: one('wma', 'Moving average'),
    lookback: (p) => p.period! - 1,
    talib: 'WMA',
    run: (b, p) => ({ wma: wma(b.close, p) }),
    stream: (p, out) => {
      const s = createWmaState(p);
      return (bar) => {
        out.wma = s.update(bar.close);
      };
    },
  },
  {
    name: 'dema',
    title: 'Double exponential moving average',
    description: '2·EMA − EMA(EMA) (Mulloy).',
    inputs: CLOSE,
    params: DEMA_PARAMS,
    outputs: one('dema', 'Moving average'),
    lookback: (p) => 2 * (p.period! - 1),
    talib: 'DEMA',
    run: (b, p) => ({ dema: dema(b.close, p) }),
    stream: (p, out) => {
      const s = createDemaState(p);
      return (bar) => {
        out.dema = s.update(bar.close);
      };
    },
  },
  {
    name: 'tema',
    title: 'Triple exponential moving average',
    description: '3·EMA − 3·EMA(EMA) + EMA(EMA(EMA)) (Mulloy).',
    inputs: CLOSE,
    params: TEMA_PARAMS,
    outputs: one('tema', 'Moving average'),
    lookback: (p) => 3 * (p.period! - 1),
    talib: 'TEMA',
    run: (b, p) => ({ tema: tema(b.close, p) }),
    stream: (p, out) => {
      const s = createTemaState(p);
      return (bar) => {
        out.tema = s.update(bar.close);
      };
    },
  },
  {
    name: 'rsi',
    title: 'Relative strength index',
    description: "Wilder's RSI, 0..100.",
    inputs: CLOSE,
    params: RSI_PARAMS,
    outputs: one('rsi', 'RSI, 0..100'),
    lookback: (p) => p.period!,
    talib: 'RSI',
    run: (b, p) => ({ rsi: rsi(b.close, p) }),
    stream: (p, out) => {
      const s = createRsiState(p);
      return (bar) => {
        out.rsi = s.update(bar.close);
      };
    },
  },
  {
    name: 'macd',
    title: 'Moving average convergence/divergence',
    description: 'Fast EMA − slow EMA, its signal EMA and the histogram (TA-Lib alignment).',
    inputs: CLOSE,
    params: MACD_PARAMS,
    outputs: [
      { name: 'macd', description: 'Fast EMA − slow EMA' },
      { name: 'signal', description: 'EMA of the MACD line' },
      { name: 'histogram', description: 'MACD − signal' },
    ],
    lookback: (p) => p.slowPeriod! - 1 + p.signalPeriod! - 1,
    talib: 'MACD',
    run: (b, p) => macd(b.close, p),
    stream: (p, out) => {
      const s = createMacdState(p);
      return (bar) => {
        const v = s.update(bar.close);
        out.macd = v.macd;
        out.signal = v.signal;
        out.histogram = v.histogram;
      };
    },
  },
  {
    name: 'bollinger',
    title: 'Bollinger Bands',
    description: 'SMA ± stdDev population standard deviations.',
    inputs: CLOSE,
    params: BOLLINGER_PARAMS,
    outputs: BANDS,
    lookback: (p) => p.period! - 1,
    talib: 'BBANDS (matype SMA)',
    run: (b, p) => bollinger(b.close, p),
    stream: (p, out) => {
      const s = createBollingerState(p);
      return (bar) => {
        const v = s.update(bar.close);
        out.upper = v.upper;
        out.middle = v.middle;
        out.lower = v.lower;
      };
    },
  },
  {
    name: 'atr',
    title: 'Average true range',
    description: "Wilder's average of the true range.",
    inputs: HLC,
    params: ATR_PARAMS,
    outputs: one('atr', 'Average true range, in price units'),
    lookback: (p) => p.period!,
    talib: 'ATR',
    run: (b, p) => ({ atr: atr(b, p) }),
    stream: (p, out) => {
      const s = createAtrState(p);
      return (bar) => {
        out.atr = s.update(bar.high, bar.low, bar.close);
      };
    },
  },
  {
    name: 'adx',
    title: 'Average directional index',
    description: "Wilder's ADX with the +DI and −DI lines.",
    inputs: HLC,
    params: ADX_PARAMS,
    outputs: [
      { name: 'adx', description: 'ADX, 0..100 (defined from bar 2·period − 1)' },
      { name: 'plusDi', description: '+DI, 0..100 (defined from bar period)' },
      { name: 'minusDi', description: '−DI, 0..100 (defined from bar period)' },
    ],
    lookback: (p) => 2 * p.period! - 1,
    talib: 'ADX, PLUS_DI, MINUS_DI',
    run: (b, p) => adx(b, p),
    stream: (p, out) => {
      const s = createAdxState(p);
      return (bar) => {
        const v = s.update(bar.high, bar.low, bar.close);
        out.adx = v.adx;
        out.plusDi = v.plusDi;
        out.minusDi = v.minusDi;
      };
    },
  },
  {
    name: 'stoch',
    title: 'Stochastic oscillator (slow)',
    description: 'Slow %K (SMA of fast %K) and %D (SMA of slow %K).',
    inputs: HLC,
    params: STOCH_PARAMS,
    outputs: [
      { name: 'k', description: 'Slow %K, 0..100' },
      { name: 'd', description: '%D, 0..100' },
    ],
    lookback: (p) => p.fastKPeriod! - 1 + p.slowKPeriod! - 1 + p.slowDPeriod! - 1,
    talib: 'STOCH (SMA smoothing)',
    run: (b, p) => stoch(b, p),
    stream: (p, out) => {
      const s = createStochState(p);
      return (bar) => {
        const v = s.update(bar.high, bar.low, bar.close);
        out.k = v.k;
        out.d = v.d;
      };
    },
  },
  {
    name: 'stochRsi',
    title: 'Stochastic RSI',
    description: 'Stochastic oscillator applied to the RSI (fast %K, %D = SMA of %K).',
    inputs: CLOSE,
    params: STOCH_RSI_PARAMS,
    outputs: [
      { name: 'k', description: '%K of the RSI, 0..100 (unsmoothed)' },
      { name: 'd', description: 'SMA of %K, 0..100' },
    ],
    lookback: (p) => p.rsiPeriod! + p.kPeriod! - 1 + p.dPeriod! - 1,
    talib: 'STOCHRSI (SMA %D)',
    run: (b, p) => stochRsi(b.close, p),
    stream: (p, out) => {
      const s = createStochRsiState(p);
      return (bar) => {
        const v = s.update(bar.close);
        out.k = v.k;
        out.d = v.d;
      };
    },
  },
  {
    name: 'cci',
    title: 'Commodity channel index',
    description: '(typical price − mean) / (0.015 · mean deviation).',
    inputs: HLC,
    params: CCI_PARAMS,
    outputs: one('cci', 'CCI'),
    lookback: (p) => p.period! - 1,
    talib: 'CCI',
    run: (b, p) => ({ cci: cci(b, p) }),
    stream: (p, out) => {
      const s = createCciState(p);
      return (bar) => {
        out.cci = s.update(bar.high, bar.low, bar.close);
      };
    },
  },
  {
    name: 'mfi',
    title: 'Money flow index',
    description: 'Volume-weighted RSI of the typical price, 0..100.',
    inputs: HLCV,
    params: MFI_PARAMS,
    outputs: one('mfi', 'MFI, 0..100'),
    lookback: (p) => p.period!,
    talib: 'MFI',
    run: (b, p) => ({ mfi: mfi(b, p) }),
    stream: (p, out) => {
      const s = createMfiState(p);
      return (bar) => {
        out.mfi = s.update(bar.high, bar.low, bar.close, bar.volume);
      };
    },
  },
  {
    name: 'obv',
    title: 'On-balance volume',
    description: 'Cumulative volume signed by the close-to-close direction.',
    inputs: ['close', 'volume'],
    params: [],
    outputs: one('obv', 'OBV, in base-asset volume units'),
    lookback: () => 0,
    talib: 'OBV',
    run: (b, p) => ({ obv: obv(b, p) }),
    stream: (p, out) => {
      const s = createObvState(p);
      return (bar) => {
        out.obv = s.update(bar.close, bar.volume);
      };
    },
  },
  {
    name: 'vwap',
    title: 'Volume-weighted average price',
    description: 'Σ(typical price · volume) / Σ volume over the last `period` bars (0: from the first bar).',
    inputs: HLCV,
    params: VWAP_PARAMS,
    outputs: one('vwap', 'VWAP, in price units'),
    lookback: (p) => Math.max(p.period! - 1, 0),
    talib: null,
    run: (b, p) => ({ vwap: vwap(b, p) }),
    stream: (p, out) => {
      const s = createVwapState(p);
      return (bar) => {
        out.vwap = s.update(bar.high, bar.low, bar.close, bar.volume);
      };
    },
  },
  {
    name: 'williamsR',
    title: 'Williams %R',
    description: 'Close relative to the high-low range, −100..0.',
    inputs: HLC,
    params: WILLIAMS_R_PARAMS,
    outputs: one('williamsR', 'Williams %R, −100..0'),
    lookback: (p) => p.period! - 1,
    talib: 'WILLR',
    run: (b, p) => ({ williamsR: williamsR(b, p) }),
    stream: (p, out) => {
      const s = createWilliamsRState(p);
      return (bar) => {
        out.williamsR = s.update(bar.high, bar.low, bar.close);
      };
    },
  },
  {
    name: 'roc',
    title: 'Rate of change',
    description: 'Percent change over `period` bars.',
    inputs: CLOSE,
    params: ROC_PARAMS,
    outputs: one('roc', 'Rate of change, percent'),
    lookback: (p) => p.period!,
    talib: 'ROC',
    run: (b, p) => ({ roc: roc(b.close, p) }),
    stream: (p, out) => {
      const s = createRocState(p);
      return (bar) => {
        out.roc = s.update(bar.close);
      };
    },
  },
  {
    name: 'psar',
    title: 'Parabolic SAR',
    description: "Wilder's stop-and-reverse.",
    inputs: HL,
    params: PSAR_PARAMS,
    outputs: one('psar', 'SAR, in price units'),
    lookback: () => 1,
    talib: 'SAR',
    run: (b, p) => ({ psar: psar(b, p) }),
    stream: (p, out) => {
      const s = createPsarState(p);
      return (bar) => {
        out.psar = s.update(bar.high, bar.low);
      };
    },
  },
  {
    name: 'supertrend',
    title: 'Supertrend',
    description: 'ATR trailing band that flips with the trend.',
    inputs: HLC,
    params: SUPERTREND_PARAMS,
    outputs: [
      { name: 'supertrend', description: 'The trailing band, in price units' },
      { name: 'direction', description: '+1 up-trend, −1 down-trend' },
    ],
    lookback: (p) => p.period!,
    talib: null,
    run: (b, p) => supertrend(b, p),
    stream: (p, out) => {
      const s = createSupertrendState(p);
      return (bar) => {
        const v = s.update(bar.high, bar.low, bar.close);
        out.supertrend = v.supertrend;
        out.direction = v.direction;
      };
    },
  },
  {
    name: 'ichimoku',
    title: 'Ichimoku Kinko Hyo',
    description: 'Conversion and base lines and the two leading spans (no lagging span).',
    inputs: HL,
    params: ICHIMOKU_PARAMS,
    outputs: [
      { name: 'tenkan', description: 'Conversion line' },
      { name: 'kijun', description: 'Base line' },
      { name: 'senkouA', description: 'Leading span A, as plotted at this bar' },
      { name: 'senkouB', description: 'Leading span B, as plotted at this bar' },
    ],
    lookback: (p) => Math.max(p.tenkanPeriod!, p.kijunPeriod!, p.senkouBPeriod!) - 1 + p.displacement!,
    talib: null,
    run: (b, p) => ichimoku(b, p),
    stream: (p, out) => {
      const s = createIchimokuState(p);
      return (bar) => {
        const v = s.update(bar.high, bar.low);
        out.tenkan = v.tenkan;
        out.kijun = v.kijun;
        out.senkouA = v.senkouA;
        out.senkouB = v.senkouB;
      };
    },
  },
  {
    name: 'donchian',
    title: 'Donchian channel',
    description: 'Highest high, lowest low and their midpoint.',
    inputs: HL,
    params: DONCHIAN_PARAMS,
    outputs: BANDS,
    lookback: (p) => p.period! - 1,
    talib: null,
    run: (b, p) => donchian(b, p),
    stream: (p, out) => {
      const s = createDonchianState(p);
      return (bar) => {
        const v = s.update(bar.high, bar.low);
        out.upper = v.upper;
        out.middle = v.middle;
        out.lower = v.lower;
      };
    },
  },
  {
    name: 'keltner',
    title: 'Keltner channel',
    description: 'EMA of the close ± multiplier·ATR.',
    inputs: HLC,
    params: KELTNER_PARAMS,
    outputs: BANDS,
    lookback: (p) => Math.max(p.period! - 1, p.atrPeriod!),
    talib: null,
    run: (b, p) => keltner(b, p),
    stream: (p, out) => {
      const s = createKeltnerState(p);
      return (bar) => {
        const v = s.update(bar.high, bar.low, bar.close);
        out.upper = v.upper;
        out.middle = v.middle;
        out.lower = v.lower;
      };
    },
  },
];

const BY_NAME = new Map<string, Entry>(ENTRIES.map((e) => [e.name, e]));

/** Every indicator, for `GET /v1/indicators` and the docs. */
export const INDICATORS: readonly IndicatorSpec[] = ENTRIES.map(
  ({ name, title, description, inputs, params, outputs, lookback, talib }) =>
    Object.freeze({ name, title, description, inputs, params, outputs, lookback, talib }),
);

function entry(name: string): Entry {
  const e = BY_NAME.get(name);
  if (!e) {
    throw new NotFoundError(`unknown indicator '${name}'`, {
      extra: { available: ENTRIES.map((x) => x.name) },
    });
  }
  return e;
}

/** The spec of one indicator; throws `NotFoundError` for an unknown name. */
export function getIndicator(name: string): IndicatorSpec {
  return entry(name);
}

/**
 * Validate parameters for `name` and fill defaults (throws `ValidationError` listing every
 * problem). Feed the result to `spec.lookback` to know how many extra bars to load.
 */
export function resolveIndicatorParams(name: string, params: object | undefined): ResolvedParams {
  const e = entry(name);
  // Run the indicator's own checks (e.g. MACD fast < slow) on an empty series.
  const resolved = resolveParams(name, e.params, params);
  e.run(emptyBars(), resolved);
  return resolved;
}

/**
 * Run indicator `name` over column-wise bars: every output is a `Float64Array` as long as the
 * bars, NaN during the warm-up. Throws `NotFoundError` (unknown name) or `ValidationError`
 * (bad params, missing input column, columns of different lengths).
 * @example compute('macd', { fastPeriod: 12, slowPeriod: 26 }, bars).histogram
 */
export function compute(
  name: string,
  params: object | undefined,
  bars: Partial<Bars>,
): Record<string, Float64Array> {
  const e = entry(name);
  const p = resolveParams(name, e.params, params);
  return e.run(checkBars(e, bars), p);
}

/**
 * A streaming instance of indicator `name`: feed closed bars one by one; each `update` returns
 * the current outputs, equal to the last element of `compute` over the same bars.
 */
export function createStream(name: string, params: object | undefined): IndicatorStream {
  const e = entry(name);
  const p = resolveParams(name, e.params, params);
  const out: Record<string, number> = {};
  for (const o of e.outputs) out[o.name] = Number.NaN;
  const step = e.stream(p, out);
  return {
    update(bar: BarValues) {
      step(bar);
      return out;
    },
  };
}

const EMPTY = new Float64Array(0);
function emptyBars(): Bars {
  return { open: EMPTY, high: EMPTY, low: EMPTY, close: EMPTY, volume: EMPTY };
}

function checkBars(e: Entry, bars: Partial<Bars>): Bars {
  const issues: { path: string[]; message: string }[] = [];
  let n = -1;
  for (const input of e.inputs) {
    const col = bars[input];
    if (!(col instanceof Float64Array)) {
      issues.push({ path: ['bars', input], message: 'required Float64Array column is missing' });
      continue;
    }
    if (n < 0) n = col.length;
    else if (col.length !== n) {
      issues.push({ path: ['bars', input], message: `has ${col.length} rows, expected ${n}` });
    }
  }
  if (issues.length > 0) {
    throw new ValidationError(`invalid bars for ${e.name}`, { issues });
  }
  return {
    open: bars.open ?? EMPTY,
    high: bars.high ?? EMPTY,
    low: bars.low ?? EMPTY,
    close: bars.close ?? EMPTY,
    volume: bars.volume ?? EMPTY,
  };
}
