import type { Db, Queryable } from '../db/index.js';
import type { Interval } from '../market/types.js';
import type { Direction, RecordedSignal, SignalEvent } from './types.js';

export type SignalQuery = {
  asset?: string;
  interval?: Interval;
  strategy?: string;
  direction?: Direction;
  /** Only signals known at this time (ms): what a query at that time would have returned. */
  asOf?: number;
  /** issuedAt range, [from, to). */
  from?: number;
  to?: number;
  /** Continue after this ledger id (pagination). */
  afterId?: number;
  limit: number;
};

/** The append-only signal ledger. */
export type SignalLedger = {
  /** Record signals; ones already recorded (same key) are left as they are. Returns how many were new. */
  append(events: readonly SignalEvent[], knownAt: number, q?: Queryable): Promise<number>;
  query(q: SignalQuery): Promise<RecordedSignal[]>;
  /** The newest signal per asset/interval/strategy known at `asOf`. */
  latest(q: {
    asset?: string;
    interval?: Interval;
    strategy?: string;
    asOf?: number;
  }): Promise<RecordedSignal[]>;
};

type Row = {
  id: number;
  asset_id: string;
  venue: string;
  symbol: string;
  interval: Interval;
  strategy: string;
  model_version: string;
  direction: Direction;
  strength: number;
  reason: Record<string, number | string | boolean | null> | string;
  issued_at: number;
  inputs_hash: string;
  known_at: number;
};

const toSignal = (r: Row): RecordedSignal => ({
  id: Number(r.id),
  asset: r.asset_id,
  venue: r.venue,
  symbol: r.symbol,
  interval: r.interval,
  strategy: r.strategy,
  modelVersion: r.model_version,
  direction: r.direction,
  strength: r.strength,
  reason: typeof r.reason === 'string' ? JSON.parse(r.reason) : r.reason,
  issuedAt: Number(r.issued_at),
  inputsHash: r.inputs_hash,
  knownAt: Number(r.known_at),
});

// Rows per INSERT statement when appending many signals (a batch recompute).
const APPEND_CHUNK = 500;
const COLUMNS = 12;

/** The ledger over the database. */
export function createSignalLedger(db: Db): SignalLedger {
  return {
    async append(events, knownAt, q = db) {
      let inserted = 0;
      for (let i = 0; i < events.length; i += APPEND_CHUNK) {
        const chunk = events.slice(i, i + APPEND_CHUNK);
        const params: unknown[] = [];
        const values = chunk.map((e, k) => {
          params.push(
            e.asset,
            e.venue,
            e.symbol,
            e.interval,
            e.strategy,
            e.modelVersion,
            e.direction,
            e.strength,
            JSON.stringify(e.reason),
            e.issuedAt,
            e.inputsHash,
            knownAt,
          );
          const p = Array.from({ length: COLUMNS }, (_, c) => `$${k * COLUMNS + c + 1}`);
          p[8] = `${p[8]}::jsonb`;
          return `(${p.join(', ')})`;
        });
        const rows = await q.query<{ n: number }>(
          `with ins as (
             insert into signals (asset_id, venue, symbol, interval, strategy, model_version, direction, strength,
                                  reason, issued_at, inputs_hash, known_at)
             values ${values.join(', ')}
             on conflict do nothing returning 1)
           select count(*)::int as n from ins`,
          params,
        );
        inserted += rows[0]?.n ?? 0;
      }
      return inserted;
    },
    async query(f) {
      const rows = await db.query<Row>(
        `select * from signals
          where ($1::text is null or asset_id = $1) and ($2::text is null or interval = $2)
            and ($3::text is null or strategy = $3) and ($4::text is null or direction = $4)
            and ($5::bigint is null or known_at <= $5)
            and ($6::bigint is null or issued_at >= $6) and ($7::bigint is null or issued_at < $7)
            and ($8::bigint is null or id > $8)
          order by id limit $9`,
        [
          f.asset ?? null,
          f.interval ?? null,
          f.strategy ?? null,
          f.direction ?? null,
          f.asOf ?? null,
          f.from ?? null,
          f.to ?? null,
          f.afterId ?? null,
          f.limit,
        ],
      );
      return rows.map(toSignal);
    },
    async latest(f) {
      const rows = await db.query<Row>(
        `select distinct on (asset_id, interval, strategy) * from signals
          where ($1::text is null or asset_id = $1) and ($2::text is null or interval = $2)
            and ($3::text is null or strategy = $3) and ($4::bigint is null or known_at <= $4)
          order by asset_id, interval, strategy, issued_at desc, id desc`,
        [f.asset ?? null, f.interval ?? null, f.strategy ?? null, f.asOf ?? null],
      );
      return rows.map(toSignal);
    },
  };
}
