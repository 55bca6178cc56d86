export { fillGaps, type GapFillResult } from './backfill.js';
export { type AggregatedBar, aggregateBars, alignTime, CandleBuilder, canAggregate } from './candles.js';
export {
  type ImportIssue,
  ImportRejectedError,
  type MarketHints,
  parseMarketFile,
} from './csv/parseMarketFile.js';
export { CANDLE_TOPIC, type CandleUpdate, PRICE_TOPIC, type PriceQuote, type VenuePrice } from './events.js';
export { type MarketFeed, startMarketFeed } from './feed.js';
export {
  baseQuote,
  expandPaths,
  type ImportedFile,
  type ImportOptions,
  type ImportProgress,
  type ImportSummary,
  importMarketFiles,
  type MarketResolver,
} from './importer.js';
export { createIngester, type Ingester } from './ingester.js';
export { aggregatePrice, USD_QUOTES, type VenueInput } from './prices.js';
export {
  createMarketService,
  type MarketService,
  type OhlcvQuery,
  type OhlcvResult,
  type ServedBar,
} from './service.js';
export { createCcxtSource, isCcxtVenue, probeReachable } from './sources/ccxt.js';
export { createCsvSource } from './sources/csv.js';
export { createReplaySource, type ReplaySource } from './sources/replay.js';
export {
  type BarColumns,
  barsToColumns,
  type CandleSeries,
  type CandleStore,
  columnsToBars,
  createCandleStore,
  writeBars,
} from './store.js';
export { iso, parseTimestamp } from './time.js';
export * from './types.js';
