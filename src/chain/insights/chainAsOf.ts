import type { Queryable } from '../../db/index.js';
import { ChainNotFoundError } from '../../internal/errors.js';

/** What an insight is grounded on: the chain's checkpoint block and its time. */
export type AsOf = {
  /** Indexed through this block (inclusive). */
  block: bigint;
  /** Block time in seconds since the epoch; null when no header at or below it is stored. */
  timestamp: number | null;
};

export const SECONDS_PER_DAY = 86_400;

/**
 * The checkpoint of `chainId` with its block time. Throws `ChainNotFoundError` (404) when the
 * chain has never been indexed here.
 * @example const asOf = await chainAsOf(db, 1) // { block: 20000000n, timestamp: 1717200000 }
 */
export async function chainAsOf(db: Queryable, chainId: number): Promise<AsOf> {
  // The checkpoint block's header is normally stored (it ends a batch); when it was pruned, the
  // newest stored header below it is the best bound on the time.
  const rows = await db.query<{ block: string; timestamp: string | null }>(
    `select c.block::text as block,
            (select b.timestamp::text from chain_blocks b
              where b.chain_id = c.chain_id and b.number <= c.block order by b.number desc limit 1) as timestamp
       from chain_checkpoints c where c.chain_id = $1`,
    [chainId],
  );
  const r = rows[0];
  if (!r) throw new ChainNotFoundError(`chain ${chainId} has not been indexed here (no checkpoint)`);
  return { block: BigInt(r.block), timestamp: r.timestamp === null ? null : Number(r.timestamp) };
}

/**
 * The first block whose time is at or after `fromSeconds` (blocks are time-ordered), or one past
 * the checkpoint when none is. Walks back from the newest stored header, so it costs the headers
 * inside the window, not the whole table.
 */
export async function firstBlockAtOrAfter(
  db: Queryable,
  chainId: number,
  fromSeconds: number,
  asOf: AsOf,
): Promise<bigint> {
  const rows = await db.query<{ number: string }>(
    `select number::text from chain_blocks where chain_id = $1 and timestamp < $2::bigint
      order by number desc limit 1`,
    [chainId, Math.floor(fromSeconds)],
  );
  const before = rows[0] ? BigInt(rows[0].number) : -1n;
  return before + 1n > asOf.block + 1n ? asOf.block + 1n : before + 1n;
}

/** UTC day number (days since the epoch) of a time in seconds. */
export function utcDay(seconds: number): number {
  return Math.floor(seconds / SECONDS_PER_DAY);
}

/** `YYYY-MM-DD` of a UTC day number. */
export function dayString(day: number): string {
  return new Date(day * SECONDS_PER_DAY * 1000).toISOString().slice(0, 10);
}

/** ISO time of a block time in seconds (null stays null). */
export function isoTime(seconds: number | null): string | null {
  return seconds === null ? null : new Date(seconds * 1000).toISOString();
}

/** The `asOf` object every answer carries: block as a decimal string, time as ISO 8601. */
export function asOfJson(asOf: AsOf): { block: string; timestamp: string | null } {
  return { block: asOf.block.toString(), timestamp: isoTime(asOf.timestamp) };
}
