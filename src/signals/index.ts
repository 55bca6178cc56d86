export {
  batchSignals,
  batchSignalsAsync,
  evaluateWindow,
  inputsHash,
  type SeriesRef,
  SIGNAL_WINDOW_BARS,
  signalAt,
  signalsAt,
} from './engine.js';
export { computeFeatures } from './features.js';
export { createSignalLedger, type SignalLedger, type SignalQuery } from './ledger.js';
export * from './performance.js';
export { createSignalRunner, SIGNAL_INTERVALS, SIGNAL_TOPIC, type SignalRunner } from './runner.js';
export {
  type Decision,
  donchianBreakout,
  type Features,
  macdMomentum,
  rsiReversion,
  STRATEGIES,
  type Strategy,
  trendRegime,
} from './strategies.js';
export type { Direction, RecordedSignal, SignalEvent } from './types.js';
