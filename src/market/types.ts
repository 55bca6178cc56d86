/** Candle intervals Sextant stores and serves, all aligned to UTC. */
export const INTERVALS = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];

/** Length of each interval in milliseconds. */
export const INTERVAL_MS: Readonly<Record<Interval, number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/** True when `s` names a supported interval. */
export function isInterval(s: string): s is Interval {
  return (INTERVALS as readonly string[]).includes(s);
}

/**
 * One OHLCV bar. `openTime` is the UTC open time in ms since the epoch and a multiple of the
 * interval length; prices are in the market's quote currency, `volume` in its base asset.
 */
export type Bar = {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
};

/** A market on one venue, named the CCXT way: venue `binance`, symbol `BTC/USDT`. */
export type MarketRef = { venue: string; symbol: string };

/** One executed trade. `ts` in ms since the epoch, `amount` in the base asset. */
export type Trade = {
  ts: number;
  price: number;
  amount: number;
  /** Venue trade id when the venue sends one (used to drop duplicates after a reconnect). */
  id?: string;
};

/** Latest quote of a market. */
export type Ticker = {
  ts: number;
  last: number;
  bid?: number;
  ask?: number;
  /** Rolling 24 h volume in the base asset, when the venue reports it. */
  baseVolume24h?: number;
  /** Close 24 h ago, when known (for the 24 h change). */
  open24h?: number;
};

/** What a live source reports, as a discriminated union on `type`. */
export type MarketEvent =
  | { type: 'trade'; venue: string; symbol: string; trade: Trade }
  | { type: 'ticker'; venue: string; symbol: string; ticker: Ticker }
  | { type: 'candle'; venue: string; symbol: string; interval: Interval; bar: Bar; final: boolean }
  | {
      type: 'status';
      venue: string;
      state: 'connected' | 'reconnecting' | 'stalled' | 'down';
      detail?: string;
    };

/** A live subscription; `close` stops it and resolves once no more events will be delivered. */
export type Subscription = { close(): Promise<void> };

/** What to watch live. */
export type WatchRequest = {
  markets: MarketRef[];
  /** Which streams to open; a source ignores kinds it cannot provide. */
  kinds: ('trades' | 'tickers' | 'candles')[];
  /** Interval of live candles (default 1m). */
  interval?: Interval;
};

/**
 * A market-data source: exchange (CCXT), CSV files, or a replay of stored bars. Every
 * implementation passes the shared contract suite in `test/market/sourceContract.ts`.
 */
export type MarketSource = {
  /** `ccxt:binance`, `csv`, `replay`. */
  readonly name: string;
  /** Venues this source can serve (CCXT ids). */
  readonly venues: readonly string[];
  /**
   * Historical bars with `from <= openTime < to`, ascending, without duplicates, in batches.
   * Pages through the upstream as needed: no range cap.
   */
  fetchBars(
    market: MarketRef,
    interval: Interval,
    range: { from: number; to: number },
    options?: { signal?: AbortSignal },
  ): AsyncIterable<Bar[]>;
  /** Start live delivery of events to `onEvent`. Sources without a live feed throw. */
  watch(request: WatchRequest, onEvent: (event: MarketEvent) => void): Subscription;
  close(): Promise<void>;
};
