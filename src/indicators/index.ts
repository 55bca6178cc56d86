/**
 * Technical indicators: pure functions over `Float64Array` columns (batch) and O(1)-per-bar
 * streaming states that match the batch results bit for bit, plus the `INDICATORS` registry
 * and `compute`/`createStream` for calling any indicator by name. See README.md in this folder
 * for the TA-Lib correspondence and the definitions of the indicators TA-Lib lacks.
 *
 * Every batch function takes an optional last argument `into`: output buffer(s) of the input's
 * length to write into instead of allocating (not aliasing an input), for callers that reuse
 * memory across calls on large series.
 */

export {
  type AdxOptions,
  type AdxOutput,
  type AdxState,
  type AdxValues,
  adx,
  createAdxState,
} from './adx.js';
export { type AtrOptions, type AtrState, atr, createAtrState, trueRange } from './atr.js';
export {
  type BollingerOptions,
  type BollingerOutput,
  type BollingerState,
  type BollingerValues,
  bollinger,
  createBollingerState,
} from './bollinger.js';
export { type CciOptions, type CciState, cci, createCciState } from './cci.js';
export { createDemaState, type DemaOptions, type DemaState, dema } from './dema.js';
export {
  createDonchianState,
  type DonchianOptions,
  type DonchianOutput,
  type DonchianState,
  type DonchianValues,
  donchian,
} from './donchian.js';
export { createEmaState, type EmaOptions, type EmaState, ema } from './ema.js';
export {
  createIchimokuState,
  type IchimokuOptions,
  type IchimokuOutput,
  type IchimokuState,
  type IchimokuValues,
  ichimoku,
} from './ichimoku.js';
export {
  createKeltnerState,
  type KeltnerOptions,
  type KeltnerOutput,
  type KeltnerState,
  type KeltnerValues,
  keltner,
} from './keltner.js';
export {
  createMacdState,
  type MacdOptions,
  type MacdOutput,
  type MacdState,
  type MacdValues,
  macd,
} from './macd.js';
export { createMfiState, type MfiOptions, type MfiState, mfi } from './mfi.js';
export { createObvState, type ObvOptions, type ObvState, obv } from './obv.js';
export { MAX_PERIOD, type ParamSpec, type ResolvedParams } from './params.js';
export { createPsarState, type PsarOptions, type PsarState, psar } from './psar.js';
export {
  compute,
  createStream,
  getIndicator,
  INDICATORS,
  type IndicatorSpec,
  type IndicatorStream,
  type OutputSpec,
  resolveIndicatorParams,
} from './registry.js';
export { createRocState, type RocOptions, type RocState, roc } from './roc.js';
export { createRsiState, type RsiOptions, type RsiState, rsi } from './rsi.js';
export { createSmaState, type SmaOptions, type SmaState, sma } from './sma.js';
export {
  createStochState,
  type StochOptions,
  type StochOutput,
  type StochState,
  type StochValues,
  stoch,
} from './stoch.js';
export {
  createStochRsiState,
  type StochRsiOptions,
  type StochRsiOutput,
  type StochRsiState,
  type StochRsiValues,
  stochRsi,
} from './stochRsi.js';
export {
  createSupertrendState,
  type SupertrendOptions,
  type SupertrendOutput,
  type SupertrendState,
  type SupertrendValues,
  supertrend,
} from './supertrend.js';
export { createTemaState, type TemaOptions, type TemaState, tema } from './tema.js';
export type { Bars, BarValues, HlcBars, HlcvBars, InputName } from './types.js';
export { createVwapState, type VwapOptions, type VwapState, vwap } from './vwap.js';
export {
  createWilliamsRState,
  type WilliamsROptions,
  type WilliamsRState,
  williamsR,
} from './williamsR.js';
export { createWmaState, type WmaOptions, type WmaState, wma } from './wma.js';
