import { type CopyColumnType, type Db, encodeCopyBinary, type Queryable } from '../db/index.js';
import { type Bar, INTERVAL_MS, type Interval } from './types.js';

/** Bars of one market as typed columns (what importers and aggregators produce). */
export type BarColumns = {
  openTime: ArrayLike<number>;
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  volume: ArrayLike<number>;
  length: number;
};

/** One stored series: a market and interval with its extent. */
export type CandleSeries = {
  venue: string;
  symbol: string;
  interval: Interval;
  assetId: string;
  quote: string;
  firstOpen: number;
  lastOpen: number;
  bars: number;
};

export type WriteResult = { inserted: number; updated: number };

export type SeriesKey = { venue: string; symbol: string; interval: Interval };

// Rows per COPY chunk (~3.5 MB of binary COPY data).
const WRITE_CHUNK_ROWS = 50_000;
const COPY_TYPES: CopyColumnType[] = ['int8', 'float8', 'float8', 'float8', 'float8', 'float8', 'bool'];

/** Columns → bars (for small reads and tests). */
export function columnsToBars(c: BarColumns): Bar[] {
  const out: Bar[] = new Array(c.length);
  for (let i = 0; i < c.length; i++)
    out[i] = {
      openTime: c.openTime[i]!,
      open: c.open[i]!,
      high: c.high[i]!,
      low: c.low[i]!,
      close: c.close[i]!,
      volume: c.volume[i]!,
    };
  return out;
}

/** Bars → columns. */
export function barsToColumns(bars: readonly Bar[]): BarColumns {
  const n = bars.length;
  const c = {
    openTime: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    length: n,
  };
  for (let i = 0; i < n; i++) {
    const b = bars[i]!;
    c.openTime[i] = b.openTime;
    c.open[i] = b.open;
    c.high[i] = b.high;
    c.low[i] = b.low;
    c.close[i] = b.close;
    c.volume[i] = b.volume;
  }
  return c;
}

type SeriesRow = {
  venue: string;
  symbol: string;
  interval: Interval;
  asset_id: string;
  quote: string;
  first_open: number;
  last_open: number;
  bars: number;
};

const toSeries = (r: SeriesRow): CandleSeries => ({
  venue: r.venue,
  symbol: r.symbol,
  interval: r.interval,
  assetId: r.asset_id,
  quote: r.quote,
  firstOpen: Number(r.first_open),
  lastOpen: Number(r.last_open),
  bars: Number(r.bars),
});

type BarRow = { open_time: number; open: number; high: number; low: number; close: number; volume: number };

/**
 * Upsert bars of one market in multi-row statements and refresh its series row. Identical bars
 * are left alone, so re-writing the same data changes nothing. Call inside a transaction to
 * make the whole write atomic.
 */
export async function writeBars(
  q: Queryable,
  key: SeriesKey & { assetId: string; quote: string },
  bars: BarColumns,
  now: number,
): Promise<WriteResult> {
  // Nothing to write: no empty series row either.
  if (bars.length === 0) return { inserted: 0, updated: 0 };
  const step = INTERVAL_MS[key.interval];
  // COPY into a per-transaction staging table, then one upsert from it: several times faster
  // than multi-row INSERTs for whole files. Temp tables are per connection, so concurrent
  // imports on other connections do not see each other's rows.
  await q.exec(
    `create temp table if not exists candles_stage (
       open_time bigint, open float8, high float8, low float8, close float8, volume float8, closed bool
     ) on commit delete rows`,
  );
  await q.exec('truncate candles_stage');
  // A bar whose interval had not closed when written is marked so (live, in-progress bars).
  const closed = new Uint8Array(bars.length);
  for (let i = 0; i < bars.length; i++) closed[i] = bars.openTime[i]! + step <= now ? 1 : 0;
  const cols = [bars.openTime, bars.open, bars.high, bars.low, bars.close, bars.volume, closed];
  for (let from = 0; from < bars.length; from += WRITE_CHUNK_ROWS) {
    const to = Math.min(bars.length, from + WRITE_CHUNK_ROWS);
    await q.copyIn(
      'candles_stage',
      ['open_time', 'open', 'high', 'low', 'close', 'volume', 'closed'],
      encodeCopyBinary(COPY_TYPES, cols, from, to),
    );
  }
  const id = await seriesId(q, key);
  const rows = await q.query<{ ins: number; upd: number }>(
    `with up as (
       insert into candles (series_id, open_time, open, high, low, close, volume, closed)
       select $1, s.open_time, s.open, s.high, s.low, s.close, s.volume, s.closed from candles_stage s
       on conflict (series_id, open_time) do update
         set open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
             volume = excluded.volume, closed = excluded.closed
         where (candles.open, candles.high, candles.low, candles.close, candles.volume, candles.closed)
               is distinct from
               (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume, excluded.closed)
       returning (xmax = 0) as ins
     )
     select count(*) filter (where ins)::int as ins, count(*) filter (where not ins)::int as upd from up`,
    [id],
  );
  await q.exec('truncate candles_stage');
  const inserted = rows[0]?.ins ?? 0;
  const updated = rows[0]?.upd ?? 0;
  if (inserted > 0 || updated > 0) await refreshSeries(q, id);
  return { inserted, updated };
}

/** Id of a series, created (empty) on first use. */
export async function seriesId(
  q: Queryable,
  key: SeriesKey & { assetId: string; quote: string },
): Promise<number> {
  const rows = await q.query<{ id: number }>(
    `insert into candle_series (venue, symbol, interval, asset_id, quote) values ($1, $2, $3, $4, $5)
     on conflict (venue, symbol, interval) do update set asset_id = excluded.asset_id, quote = excluded.quote
     returning id`,
    [key.venue, key.symbol, key.interval, key.assetId, key.quote],
  );
  return rows[0]!.id;
}

/** Recompute the extent of a series from its stored bars. */
export async function refreshSeries(q: Queryable, id: number): Promise<void> {
  await q.query(
    `update candle_series cs set first_open = x.first_open, last_open = x.last_open, bars = x.bars, updated_at = now()
       from (select min(open_time) as first_open, max(open_time) as last_open, count(*) as bars
               from candles where series_id = $1) x
      where cs.id = $1`,
    [id],
  );
}

/** Reads of stored candles. */
export type CandleStore = {
  /** Every stored series, optionally of one asset. */
  series(filter?: { assetId?: string; interval?: Interval }): Promise<CandleSeries[]>;
  /** Bars with `from <= openTime < to`, ascending, at most `limit`. */
  bars(key: SeriesKey, range: { from: number; to: number }, limit: number): Promise<Bar[]>;
  /** Bars with `from <= openTime < to`, descending (newest first), at most `limit`. */
  barsDesc(key: SeriesKey, range: { from: number; to: number }, limit: number): Promise<Bar[]>;
  /** The newest bar at or before `at` (default: the newest), or null. */
  latest(key: SeriesKey, at?: number): Promise<Bar | null>;
  /** Sum of volume of bars in [from, to). */
  volume(key: SeriesKey, range: { from: number; to: number }): Promise<number>;
  /**
   * Holes in a stored series within [from, to): runs of missing bars between stored ones, as
   * half-open open-time ranges.
   */
  gaps(
    key: SeriesKey,
    range: { from: number; to: number },
  ): Promise<{ from: number; to: number; missing: number }[]>;
  /** Stored funding rates of a perpetual market in [from, to), ascending. */
  funding(
    market: { venue: string; symbol: string },
    range: { from: number; to: number },
    limit: number,
  ): Promise<{ ts: number; rate: number; markPrice: number }[]>;
};

const toBar = (r: BarRow): Bar => ({
  openTime: Number(r.open_time),
  open: r.open,
  high: r.high,
  low: r.low,
  close: r.close,
  volume: r.volume,
});

/** Candle reads over the database. */
export function createCandleStore(db: Db): CandleStore {
  return {
    async series(filter = {}) {
      const rows = await db.query<SeriesRow>(
        `select venue, symbol, interval, asset_id, quote, first_open, last_open, bars from candle_series
          where bars > 0 and ($1::text is null or asset_id = $1) and ($2::text is null or interval = $2)
          order by asset_id, venue, symbol, interval`,
        [filter.assetId ?? null, filter.interval ?? null],
      );
      return rows.map(toSeries);
    },
    async bars(key, range, limit) {
      const rows = await db.query<BarRow>(
        `select open_time, open, high, low, close, volume from candles
          where series_id = (select id from candle_series where venue = $1 and symbol = $2 and interval = $3) and open_time >= $4 and open_time < $5
          order by open_time limit $6`,
        [key.venue, key.symbol, key.interval, range.from, range.to, limit],
      );
      return rows.map(toBar);
    },
    async barsDesc(key, range, limit) {
      const rows = await db.query<BarRow>(
        `select open_time, open, high, low, close, volume from candles
          where series_id = (select id from candle_series where venue = $1 and symbol = $2 and interval = $3) and open_time >= $4 and open_time < $5
          order by open_time desc limit $6`,
        [key.venue, key.symbol, key.interval, range.from, range.to, limit],
      );
      return rows.map(toBar);
    },
    async latest(key, at) {
      const rows = await db.query<BarRow>(
        `select open_time, open, high, low, close, volume from candles
          where series_id = (select id from candle_series where venue = $1 and symbol = $2 and interval = $3) and ($4::bigint is null or open_time <= $4)
          order by open_time desc limit 1`,
        [key.venue, key.symbol, key.interval, at ?? null],
      );
      return rows[0] ? toBar(rows[0]) : null;
    },
    async volume(key, range) {
      const rows = await db.query<{ v: number | null }>(
        `select sum(volume) as v from candles
          where series_id = (select id from candle_series where venue = $1 and symbol = $2 and interval = $3) and open_time >= $4 and open_time < $5`,
        [key.venue, key.symbol, key.interval, range.from, range.to],
      );
      return rows[0]?.v ?? 0;
    },
    async gaps(key, range) {
      const step = INTERVAL_MS[key.interval];
      const rows = await db.query<{ prev: number; next: number }>(
        `select open_time as prev, nxt as next from (
           select open_time, lead(open_time) over (order by open_time) as nxt from candles
            where series_id = (select id from candle_series where venue = $1 and symbol = $2 and interval = $3)
              and open_time >= $4 and open_time < $5) x
          where nxt - open_time > $6 order by open_time`,
        [key.venue, key.symbol, key.interval, range.from, range.to, step],
      );
      return rows.map((r) => ({
        from: Number(r.prev) + step,
        to: Number(r.next),
        missing: (Number(r.next) - Number(r.prev)) / step - 1,
      }));
    },
    async funding(market, range, limit) {
      const rows = await db.query<{ ts: number; rate: number; mark_price: number }>(
        `select ts, rate, mark_price from funding_rates
          where venue = $1 and symbol = $2 and ts >= $3 and ts < $4 order by ts limit $5`,
        [market.venue, market.symbol, range.from, range.to, limit],
      );
      return rows.map((r) => ({ ts: Number(r.ts), rate: r.rate, markPrice: r.mark_price }));
    },
  };
}
