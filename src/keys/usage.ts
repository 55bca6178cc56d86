import type { Db } from '../db/index.js';

/** Requests of one key on one UTC day. */
export type UsageDay = { day: string; requests: number };

export type UsageTracker = {
  /** Count one served request for a key (buffered; written by `flush`). */
  record(keyId: string, nowMs: number): void;
  /** Write buffered counts to the database in one statement. */
  flush(): Promise<void>;
  /** Daily counts for the last `days` days (oldest first), including unflushed counts. */
  daily(keyId: string, days: number, nowMs: number): Promise<UsageDay[]>;
  /** Requests this calendar month (UTC), including unflushed counts. */
  monthTotal(keyId: string, nowMs: number): Promise<number>;
  start(): void;
  stop(): Promise<void>;
};

const USAGE_FLUSH_INTERVAL_MS = 5_000;
const DAY_MS = 86_400_000;

/** UTC day `YYYY-MM-DD` of a time. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Counts requests per key per day. Counting in memory and flushing every few seconds keeps a
 * database write off every request; a crash loses at most one interval of counts.
 */
export function createUsageTracker({
  db,
  onError,
}: {
  db: Db;
  onError?: (err: unknown) => void;
}): UsageTracker {
  let pending = new Map<string, number>(); // `${keyId}|${day}` → requests
  // The current day's string, recomputed only when the day changes (record is on the hot path).
  let dayStart = 0;
  let dayStr = '';
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  function pendingFor(keyId: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, n] of pending) {
      const [id, day] = k.split('|') as [string, string];
      if (id === keyId) out.set(day, n);
    }
    return out;
  }

  async function writeBatch(batch: Map<string, number>): Promise<void> {
    if (batch.size === 0) return;
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (const [k, n] of batch) {
      const [id, day] = k.split('|') as [string, string];
      tuples.push(`($${values.length + 1}, $${values.length + 2}::date, $${values.length + 3}::bigint)`);
      values.push(id, day, n);
    }
    try {
      await db.transaction(async (tx) => {
        // Keys deleted meanwhile would violate the foreign key: join against api_keys to skip them.
        await tx.query(
          `insert into api_usage (key_id, day, requests)
           select v.key_id, v.day, v.requests from (values ${tuples.join(', ')}) as v(key_id, day, requests)
           join api_keys k on k.id = v.key_id
           on conflict (key_id, day) do update set requests = api_usage.requests + excluded.requests`,
          values,
        );
        const ids = [...new Set([...batch.keys()].map((k) => k.split('|')[0]))];
        await tx.query('update api_keys set last_used_at = now() where id = any($1)', [ids]);
      });
    } catch (err) {
      // Put the counts back so they are retried with the next flush.
      for (const [k, n] of batch) pending.set(k, (pending.get(k) ?? 0) + n);
      throw err;
    }
  }

  const tracker: UsageTracker = {
    record(keyId, nowMs) {
      if (nowMs < dayStart || nowMs >= dayStart + DAY_MS) {
        dayStart = nowMs - (nowMs % DAY_MS);
        dayStr = utcDay(dayStart);
      }
      const k = `${keyId}|${dayStr}`;
      pending.set(k, (pending.get(k) ?? 0) + 1);
    },
    flush() {
      flushing = flushing.then(() => {
        const batch = pending;
        pending = new Map();
        return writeBatch(batch);
      });
      return flushing;
    },
    async daily(keyId, days, nowMs) {
      const since = utcDay(nowMs - (days - 1) * 86_400_000);
      const rows = await db.query<{ day: string; requests: number }>(
        `select to_char(day, 'YYYY-MM-DD') as day, requests from api_usage
         where key_id = $1 and day >= $2::date order by day`,
        [keyId, since],
      );
      const byDay = new Map(rows.map((r) => [r.day, Number(r.requests)]));
      for (const [day, n] of pendingFor(keyId)) byDay.set(day, (byDay.get(day) ?? 0) + n);
      const out: UsageDay[] = [];
      for (let i = days - 1; i >= 0; i--) {
        const day = utcDay(nowMs - i * 86_400_000);
        out.push({ day, requests: byDay.get(day) ?? 0 });
      }
      return out;
    },
    async monthTotal(keyId, nowMs) {
      const month = utcDay(nowMs).slice(0, 7);
      const rows = await db.query<{ n: number | null }>(
        `select sum(requests)::bigint as n from api_usage where key_id = $1 and to_char(day, 'YYYY-MM') = $2`,
        [keyId, month],
      );
      let n = Number(rows[0]?.n ?? 0);
      for (const [day, c] of pendingFor(keyId)) if (day.startsWith(month)) n += c;
      return n;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => {
        tracker.flush().catch((err) => onError?.(err));
      }, USAGE_FLUSH_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await tracker.flush();
    },
  };
  return tracker;
}
