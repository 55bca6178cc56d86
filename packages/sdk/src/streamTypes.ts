import type { paths } from './schema.js';

// The live streams are not in the OpenAPI document (WebSocket, and SSE bodies have no schema), so
// their message types are written here; test/sdk checks them against the server's own types.

/** Candle interval, UTC-aligned. */
export type Interval = '1m' | '5m' | '15m' | '30m' | '1h' | '4h' | '1d';

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

/** The price of one asset with its provenance (as `GET /v1/prices` serves it). */
export type PriceQuote = {
  /** Asset id, e.g. `bitcoin`. */
  asset: string;
  /** Volume-weighted across the venues used, in USD. */
  price: number;
  quote: 'USD';
  /** Time of the newest input (ISO). */
  asOf: string;
  stale: boolean;
  /** Largest distance of a used venue from the aggregate, in basis points. */
  deviationBps: number;
  change24hPct: number | null;
  volume24h: number | null;
  venues: VenuePrice[];
};

/** OHLCV bar; `openTime` in ms since the epoch, `volume` in the base asset. */
export type StreamBar = {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
};

/** A new or updated candle of one market; `final` once its interval has closed. */
export type CandleUpdate = {
  asset: string;
  venue: string;
  symbol: string;
  interval: Interval;
  bar: StreamBar;
  final: boolean;
};

/** A newly issued signal, times in ms (`GET /v1/signals` serves the same with ISO times). */
export type SignalEvent = {
  asset: string;
  venue: string;
  symbol: string;
  interval: Interval;
  strategy: string;
  modelVersion: string;
  direction: 'long' | 'short' | 'flat';
  /** 0–1: how strongly the inputs point that way. */
  strength: number;
  /** The indicator values that triggered it. */
  reason: Record<string, number | string | boolean | null>;
  /** Close time of the last bar used, ms. */
  issuedAt: number;
  inputsHash: string;
  /** When the ledger recorded it, ms. */
  knownAt: number;
};

type WhaleTransfer = NonNullable<
  paths['/v1/chains/{chainId}/whales']['get']['responses'][200]['content']['application/json']
>['transfers'][number];

/** A large ERC-20 transfer as `GET /v1/chains/{chainId}/whales` lists it, plus its event fields. */
export type WhaleTransferEvent = WhaleTransfer & {
  /** Event id, the same in every process (`evt_…`). */
  id: string;
  chainId: number;
  blockHash: string;
  /** True when a reorg dropped a transfer pushed before. */
  removed: boolean;
  /** Whether the block was already final when pushed. */
  final: boolean;
  /** When the indexer pushed it, ms. */
  pushedAt: number;
};

/** What a subscription is to. Assets are ids (`bitcoin`) or symbols; whales take chain ids. */
export type Subscription =
  | { channel: 'prices' | 'signals'; assets: string[] }
  | { channel: 'candles'; assets: string[]; interval: Interval }
  | { channel: 'whales'; chains: number[] };

/** A data message of a stream, the same over WebSocket and SSE. */
export type StreamData =
  | { type: 'price'; data: PriceQuote }
  | { type: 'candle'; data: CandleUpdate }
  | { type: 'signal'; data: SignalEvent }
  | { type: 'whale'; data: WhaleTransferEvent };

/** Every message a stream delivers: data, acknowledgements, heartbeats and protocol errors. */
export type StreamMessage =
  | StreamData
  | {
      /** WebSocket: one per (un)subscribe; SSE: one `subscribed` listing everything at connect. */
      type: 'subscribed' | 'unsubscribed';
      channel?: Subscription['channel'];
      assets?: string[];
      chains?: number[];
      interval?: Interval;
      id?: string | number;
      /** SSE only: the canonical subscriptions of the connection. */
      prices?: string[];
      candles?: { asset: string; interval: Interval }[];
      signals?: string[];
      whales?: number[];
    }
  | { type: 'heartbeat'; ts: string }
  | { type: 'pong'; id?: string | number }
  | { type: 'error'; code: string; message: string; id?: string | number };
