import type { Queryable } from '../../db/index.js';
import { ZERO_ADDRESS } from '../derive/decodeLogs.js';
import type { AsOf } from './chainAsOf.js';

/** Holders with a positive balance of a token and the sum of those balances, at a block. */
export type HolderTotals = { holders: number; total: bigint };

/** Exact holder totals per token, kept up to date from the transfers since they were computed. */
export type HolderTotalsCache = {
  /**
   * Totals at `asOf.block`. Run it in a snapshot where `asOf` and the balances agree (a
   * repeatable-read transaction), or the increments would drift.
   */
  get(q: Queryable, chainId: number, token: string, asOf: AsOf): Promise<HolderTotals>;
};

// Tokens remembered (least recently used go first); each entry is a few hundred bytes.
const TOTALS_CACHE_MAX_TOKENS = 2_000;
// Past this many blocks a full recount is about as cheap as replaying the transfers in between.
const TOTALS_MAX_CATCH_UP_BLOCKS = 50_000n;

type Entry = HolderTotals & { block: bigint; hash: string };

/** Count and sum every positive balance: O(holders). */
export async function countHolderTotals(q: Queryable, chainId: number, token: string): Promise<HolderTotals> {
  const rows = await q.query<{ n: number; total: string }>(
    `select count(*)::int as n, coalesce(sum(balance), 0)::text as total from erc20_balances
      where chain_id = $1 and token = $2 and balance > 0`,
    [chainId, token],
  );
  return { holders: rows[0]?.n ?? 0, total: BigInt(rows[0]?.total ?? '0') };
}

/**
 * A cache of holder totals that catches up incrementally: for the holders a token's transfers
 * touched since the cached block, the change of `max(balance, 0)` and of `balance > 0` is
 * applied, so the sum over 100k+ holders is counted once and then costs only the new transfers.
 * An entry whose block header changed hash (a reorg rolled it back) is recounted.
 */
export function createHolderTotalsCache(
  options: { maxTokens?: number; maxCatchUpBlocks?: bigint } = {},
): HolderTotalsCache {
  const maxTokens = options.maxTokens ?? TOTALS_CACHE_MAX_TOKENS;
  const maxCatchUp = options.maxCatchUpBlocks ?? TOTALS_MAX_CATCH_UP_BLOCKS;
  const entries = new Map<string, Entry>();

  async function hashAt(q: Queryable, chainId: number, block: bigint): Promise<string | null> {
    const rows = await q.query<{ hash: string }>(
      'select hash from chain_blocks where chain_id = $1 and number = $2::bigint',
      [chainId, block.toString()],
    );
    return rows[0]?.hash ?? null;
  }

  async function catchUp(
    q: Queryable,
    chainId: number,
    token: string,
    e: Entry,
    to: bigint,
  ): Promise<HolderTotals> {
    const rows = await q.query<{ now: string; delta: string }>(
      `with d as (
         select holder, sum(delta) as delta from (
           select recipient as holder, value as delta from erc20_transfers
            where chain_id = $1 and token = $2 and block_number > $3::bigint and block_number <= $4::bigint
              and recipient <> $5 and sender <> recipient
           union all
           select sender as holder, -value as delta from erc20_transfers
            where chain_id = $1 and token = $2 and block_number > $3::bigint and block_number <= $4::bigint
              and sender <> $5 and sender <> recipient
         ) m group by holder
       )
       select coalesce(b.balance, 0)::text as now, d.delta::text as delta
         from d left join erc20_balances b on b.chain_id = $1 and b.token = $2 and b.holder = d.holder`,
      [chainId, token, e.block.toString(), to.toString(), ZERO_ADDRESS],
    );
    let { holders, total } = e;
    for (const r of rows) {
      const now = BigInt(r.now);
      const before = now - BigInt(r.delta);
      holders += (now > 0n ? 1 : 0) - (before > 0n ? 1 : 0);
      total += (now > 0n ? now : 0n) - (before > 0n ? before : 0n);
    }
    return { holders, total };
  }

  return {
    async get(q, chainId, token, asOf) {
      const key = `${chainId}|${token}`;
      const cached = entries.get(key);
      const hash = await hashAt(q, chainId, asOf.block);
      let totals: HolderTotals | null = null;
      if (cached && cached.block <= asOf.block && asOf.block - cached.block <= maxCatchUp) {
        if (cached.block === asOf.block && cached.hash === hash) totals = cached;
        else if ((await hashAt(q, chainId, cached.block)) === cached.hash)
          totals = await catchUp(q, chainId, token, cached, asOf.block);
      }
      totals ??= await countHolderTotals(q, chainId, token);
      // Only blocks with a stored header can be checked for reorgs later: keep those.
      entries.delete(key);
      if (hash !== null) {
        entries.set(key, { ...totals, block: asOf.block, hash });
        if (entries.size > maxTokens) entries.delete(entries.keys().next().value!);
      }
      return { holders: totals.holders, total: totals.total };
    },
  };
}
