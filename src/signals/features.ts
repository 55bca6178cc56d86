import { adx, atr, donchian, macd, rsi, sma } from '../indicators/index.js';
import type { BarColumns } from '../market/store.js';
import type { Features } from './strategies.js';

const f64 = (a: ArrayLike<number>) => (a instanceof Float64Array ? a : Float64Array.from(a));

/** The channel value of the bar before each bar (NaN for the first). */
function shift1(a: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  out[0] = Number.NaN;
  out.set(a.subarray(0, a.length - 1), 1);
  return out;
}

/** Every indicator the strategies read, over one window of bars (TA-Lib conventions). */
export function computeFeatures(w: BarColumns): Features {
  const close = f64(w.close);
  const bars = { high: f64(w.high), low: f64(w.low), close };
  const m = macd(close, { fastPeriod: 12, slowPeriod: 26, signalPeriod: 9 });
  const d20 = donchian(bars, { period: 20 });
  const d10 = donchian(bars, { period: 10 });
  return {
    close,
    sma50: sma(close, { period: 50 }),
    sma200: sma(close, { period: 200 }),
    adx14: adx(bars, { period: 14 }).adx,
    macd: m.macd,
    macdSignal: m.signal,
    macdHist: m.histogram,
    rsi14: rsi(close, { period: 14 }),
    atr14: atr(bars, { period: 14 }),
    priorHigh20: shift1(d20.upper),
    priorLow20: shift1(d20.lower),
    priorHigh10: shift1(d10.upper),
    priorLow10: shift1(d10.lower),
  };
}
