import type { Db } from '../../src/db/index.js';

/** Every stored bar, canonically ordered, hashed: equal hashes = exactly the same rows. */
export async function candleChecksum(db: Db): Promise<{ n: number; md5: string }> {
  const rows = await db.query<{ n: number; md5: string }>(
    `select count(*)::int as n, coalesce(md5(string_agg(concat_ws(',', s.venue, s.symbol, s.interval, c.open_time,
            c.open, c.high, c.low, c.close, c.volume, c.closed), '|'
            order by s.venue, s.symbol, s.interval, c.open_time)), '') as md5
       from candles c join candle_series s on s.id = c.series_id`,
  );
  const f = await db.query<{ n: number; md5: string }>(
    `select count(*)::int as n, coalesce(md5(string_agg(concat_ws(',', venue, symbol, ts, rate, mark_price), '|'
            order by venue, symbol, ts)), '') as md5 from funding_rates`,
  );
  return { n: rows[0]!.n + f[0]!.n, md5: `${rows[0]!.md5}/${f[0]!.md5}` };
}
