import type { Bar, Interval } from './types.js';

/** Bus topic of aggregate price updates; the message is a `PriceQuote`. */
export const PRICE_TOPIC = 'market.price';
/** Bus topic of candle updates; the message is a `CandleUpdate`. */
export const CANDLE_TOPIC = 'market.candle';

/** One venue's contribution to an aggregate price. */
export type VenuePrice = {
  venue: string;
  /** CCXT market symbol, e.g. `BTC/USDT`. */
  symbol: string;
  price: number;
  /** 24 h volume in the base asset, when known. */
  volume24h: number | null;
  /** Time of the venue's last trade/quote/bar close (ISO). */
  asOf: string;
  /** False when dropped from the aggregate, with the reason. */
  used: boolean;
  reason?: 'outlier' | 'stale';
};

/** The price of one asset with its provenance, as `/v1/prices` and the streams serve it. */
export type PriceQuote = {
  /** Asset id, e.g. `bitcoin`. */
  asset: string;
  /** Volume-weighted across the venues used, in USD (stablecoin quotes count as USD). */
  price: number;
  quote: 'USD';
  /** Time of the newest input (ISO). */
  asOf: string;
  /** True when `asOf` is older than the configured maximum age. */
  stale: boolean;
  /** Largest distance of a used venue from the aggregate, in basis points. */
  deviationBps: number;
  /** Percent change over 24 h, when a price 24 h ago is known. */
  change24hPct: number | null;
  /** Summed 24 h volume of the venues used, in the base asset. */
  volume24h: number | null;
  venues: VenuePrice[];
};

/** A new or updated candle of one market. `final` once its interval has closed. */
export type CandleUpdate = {
  asset: string;
  venue: string;
  symbol: string;
  interval: Interval;
  bar: Bar;
  final: boolean;
};
