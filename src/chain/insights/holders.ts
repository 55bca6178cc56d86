import type { Db, Queryable } from '../../db/index.js';
import { NotFoundError } from '../../internal/errors.js';
import { ZERO_ADDRESS } from '../derive/decodeLogs.js';
import { asOfJson, chainAsOf, dayString, isoTime, utcDay } from './chainAsOf.js';
import {
  amountJson,
  CURSOR_ADDRESS,
  CURSOR_DIGITS,
  decodeKeyset,
  encodeKeyset,
  shareOf,
  type TokenInfo,
  tokenInfos,
} from './format.js';
import { countHolderTotals, type HolderTotalsCache } from './holderTotals.js';

/** An exact amount: base units and whole tokens (null when the decimals are unknown). */
export type Amount = { value: string; formatted: string | null };
type AsOfJson = { block: string; timestamp: string | null };
/** A block and its time (ISO, null when its header is not stored). */
export type BlockRef = { block: string; timestamp: string | null };

export type TopHoldersOptions = {
  limit: number;
  cursor?: string | undefined;
  /** Keeps holder count and total held per token between calls (counting them is O(holders)). */
  totals?: HolderTotalsCache | undefined;
};

export type TopHolders = {
  chainId: number;
  asOf: AsOfJson;
  token: TokenInfo;
  /** Addresses with a positive balance. */
  holderCount: number;
  /** Sum of the positive balances ("supply held" by indexed holders). */
  totalHeld: Amount;
  holders: { rank: number; address: string; balance: Amount; share: number }[];
  nextCursor: string | null;
};

/** Share-of-held buckets, largest holders first: [min, max) of balance / total held. */
export const DISTRIBUTION_BUCKETS = [
  { label: '>= 10%', min: 0.1, max: null },
  { label: '1% - 10%', min: 0.01, max: 0.1 },
  { label: '0.1% - 1%', min: 0.001, max: 0.01 },
  { label: '0.01% - 0.1%', min: 0.0001, max: 0.001 },
  { label: '< 0.01%', min: 0, max: 0.0001 },
] as const;

export type TokenSummary = {
  chainId: number;
  asOf: AsOfJson;
  token: TokenInfo & { firstBlock: string | null };
  holderCount: number;
  totalHeld: Amount;
  /** Share of the total held by the 10 largest holders. */
  top10Share: number;
  /** Gini coefficient of the positive balances (0 = equal, → 1 = one holder has everything). */
  gini: number;
  distribution: {
    basis: 'share-of-held';
    buckets: {
      label: string;
      minShare: number;
      maxShare: number | null;
      holders: number;
      balance: Amount;
      share: number;
    }[];
  };
  transfers: { count: number; first: BlockRef | null; last: BlockRef | null };
};

export type HolderHistory = {
  chainId: number;
  asOf: AsOfJson;
  token: TokenInfo;
  days: { day: string; gained: number; lost: number; change: number; holders: number }[];
  /** Net change from transfers whose block header is not stored (not placed on a day). */
  undatedChange: number;
};

/** Token metadata, or a 404 when the chain has neither metadata nor transfers of it. */
async function knownToken(db: Queryable, chainId: number, token: string): Promise<TokenInfo> {
  const info = (await tokenInfos(db, chainId, [token])).get(token)!;
  if (info.standard !== null) return info;
  const seen = await db.query('select 1 from erc20_transfers where chain_id = $1 and token = $2 limit 1', [
    chainId,
    token,
  ]);
  if (seen.length === 0)
    throw new NotFoundError(`token ${token} has no indexed transfers on chain ${chainId}`);
  return info;
}

/**
 * Holders of an ERC-20 by balance, largest first, with each one's share of the total held;
 * keyset pages (`nextCursor`). Reads `erc20_balances_top`.
 * @example await topHolders(db, 1, '0xa0b8…eb48', { limit: 100 })
 */
export async function topHolders(
  db: Db,
  chainId: number,
  token: string,
  options: TopHoldersOptions,
): Promise<TopHolders> {
  const after = options.cursor
    ? decodeKeyset(options.cursor, [CURSOR_DIGITS, CURSOR_ADDRESS, CURSOR_DIGITS])
    : null;
  // One snapshot: the page, the totals and the checkpoint agree even while the indexer commits.
  return db.transaction(async (q) => {
    await q.query('set transaction isolation level repeatable read');
    const asOf = await chainAsOf(q, chainId);
    const info = await knownToken(q, chainId, token);
    const totals = options.totals
      ? await options.totals.get(q, chainId, token, asOf)
      : await countHolderTotals(q, chainId, token);
    // Ties on balance are ordered by address so pages neither skip nor repeat a holder; the
    // separate `balance <= cursor` lets a deep page start inside the index. (The text copy gets
    // another name: ORDER BY would otherwise sort the text.)
    const rows = await q.query<{ holder: string; amount: string }>(
      `select holder, balance::text as amount from erc20_balances
        where chain_id = $1 and token = $2 and balance > 0
          and ($3::numeric is null or balance <= $3::numeric)
          and ($3::numeric is null or balance < $3::numeric or holder > $4)
        order by balance desc, holder limit $5`,
      [chainId, token, after?.[0] ?? null, after?.[1] ?? '', options.limit + 1],
    );
    const page = rows.slice(0, options.limit);
    const firstRank = after ? Number(after[2]) + 1 : 1;
    const last = page.at(-1);
    return {
      chainId,
      asOf: asOfJson(asOf),
      token: info,
      holderCount: totals.holders,
      totalHeld: amountJson(totals.total, info.decimals),
      holders: page.map((r, i) => ({
        rank: firstRank + i,
        address: r.holder,
        balance: amountJson(BigInt(r.amount), info.decimals),
        share: shareOf(BigInt(r.amount), totals.total),
      })),
      nextCursor:
        rows.length > options.limit && last
          ? encodeKeyset([last.amount, last.holder, firstRank + page.length - 1])
          : null,
    };
  });
}

/**
 * Gini coefficient of positive integer amounts from Σx, n and Σ i·x_i (x ascending, i from 1):
 * G = (2 Σ i·x_i − (n + 1) Σx) / (n Σx).
 */
export function giniFromSums(n: number, total: bigint, weighted: bigint): number {
  if (n === 0 || total === 0n) return 0;
  const num = 2n * weighted - BigInt(n + 1) * total;
  return shareOf(num, BigInt(n) * total);
}

/**
 * Holder statistics of an ERC-20: holder count (balance > 0), total held, top-10 share, Gini
 * coefficient, holders bucketed by their share of the total held, and the first and last
 * transfer block.
 */
export async function tokenSummary(db: Queryable, chainId: number, token: string): Promise<TokenSummary> {
  const asOf = await chainAsOf(db, chainId);
  const info = await knownToken(db, chainId, token);
  const [stats, top10, meta, span] = await Promise.all([
    db.query<{ n: number; total: string; weighted: string }>(
      `select count(*)::int as n, coalesce(sum(balance), 0)::text as total, coalesce(sum(rn * balance), 0)::text as weighted
         from (select balance, row_number() over (order by balance) as rn from erc20_balances
                where chain_id = $1 and token = $2 and balance > 0) x`,
      [chainId, token],
    ),
    db.query<{ s: string }>(
      `select coalesce(sum(balance), 0)::text as s from (select balance from erc20_balances
         where chain_id = $1 and token = $2 and balance > 0 order by balance desc limit 10) x`,
      [chainId, token],
    ),
    db.query<{ first_block: string }>(
      'select first_block::text from chain_tokens where chain_id = $1 and address = $2',
      [chainId, token],
    ),
    db.query<{ n: number; first: string | null; last: string | null }>(
      `select count(*)::int as n, min(block_number)::text as first, max(block_number)::text as last
         from erc20_transfers where chain_id = $1 and token = $2`,
      [chainId, token],
    ),
  ]);
  const n = stats[0]?.n ?? 0;
  const total = BigInt(stats[0]?.total ?? '0');
  const weighted = BigInt(stats[0]?.weighted ?? '0');
  // Bucket k holds balances with share in [min_k, max_k): compare exactly as balance·10^d ≥ total.
  const bucketRows = await db.query<{ b: number; n: number; s: string }>(
    `select case when balance * 10 >= $3::numeric then 0
                 when balance * 100 >= $3::numeric then 1
                 when balance * 1000 >= $3::numeric then 2
                 when balance * 10000 >= $3::numeric then 3
                 else 4 end as b,
            count(*)::int as n, sum(balance)::text as s
       from erc20_balances where chain_id = $1 and token = $2 and balance > 0 group by 1`,
    [chainId, token, total.toString()],
  );
  const first = span[0]?.first ?? null;
  const last = span[0]?.last ?? null;
  const times = await blockTimes(
    db,
    chainId,
    [first, last].filter((b): b is string => b !== null),
  );
  const ref = (b: string | null): BlockRef | null =>
    b === null ? null : { block: b, timestamp: isoTime(times.get(b) ?? null) };
  return {
    chainId,
    asOf: asOfJson(asOf),
    token: { ...info, firstBlock: meta[0]?.first_block ?? null },
    holderCount: n,
    totalHeld: amountJson(total, info.decimals),
    top10Share: shareOf(BigInt(top10[0]?.s ?? '0'), total),
    gini: giniFromSums(n, total, weighted),
    distribution: {
      basis: 'share-of-held',
      buckets: DISTRIBUTION_BUCKETS.map((b, k) => {
        const row = bucketRows.find((r) => Number(r.b) === k);
        const sum = BigInt(row?.s ?? '0');
        return {
          label: b.label,
          minShare: b.min,
          maxShare: b.max,
          holders: row?.n ?? 0,
          balance: amountJson(sum, info.decimals),
          share: shareOf(sum, total),
        };
      }),
    },
    transfers: { count: span[0]?.n ?? 0, first: ref(first), last: ref(last) },
  };
}

/** Block times (seconds) of the given block numbers that have a stored header. */
export async function blockTimes(
  db: Queryable,
  chainId: number,
  blocks: readonly string[],
): Promise<Map<string, number>> {
  if (blocks.length === 0) return new Map();
  const rows = await db.query<{ number: string; timestamp: string }>(
    `select number::text, timestamp::text from chain_blocks where chain_id = $1 and number = any($2::bigint[])`,
    [chainId, [...new Set(blocks)]],
  );
  return new Map(rows.map((r) => [r.number, Number(r.timestamp)]));
}

/**
 * Daily holder count of an ERC-20 over the last `days` UTC days up to the checkpoint. For each
 * holder the running balance is replayed in chain order: a move from ≤ 0 to > 0 gains a holder,
 * from > 0 to ≤ 0 loses one; the changes are summed by the UTC day of the block and accumulated
 * from the first transfer, so the last day's count equals the current holder count.
 */
export async function holderHistory(
  db: Queryable,
  chainId: number,
  token: string,
  options: { days: number },
): Promise<HolderHistory> {
  const asOf = await chainAsOf(db, chainId);
  const info = await knownToken(db, chainId, token);
  // One row per (holder, transfer); a holder has at most one move per log (self-transfers and
  // the zero address are left out, as in erc20_balances), so (block, log) orders them strictly.
  const rows = await db.query<{ day: string | null; gained: number; lost: number }>(
    `with moves as (
       select block_number, log_index, recipient as holder, value as delta from erc20_transfers
        where chain_id = $1 and token = $2 and recipient <> $3 and sender <> recipient
       union all
       select block_number, log_index, sender as holder, -value as delta from erc20_transfers
        where chain_id = $1 and token = $2 and sender <> $3 and sender <> recipient
     ), running as (
       select block_number,
              sum(delta) over w as bal,
              sum(delta) over w - delta as prev
         from moves window w as (partition by holder order by block_number, log_index rows unbounded preceding)
     ), edges as (
       select block_number,
              case when prev <= 0 and bal > 0 then 1 else 0 end as gained,
              case when prev > 0 and bal <= 0 then 1 else 0 end as lost
         from running where (prev <= 0) <> (bal <= 0)
     )
     select (b.timestamp / 86400)::text as day, sum(e.gained)::int as gained, sum(e.lost)::int as lost
       from edges e left join chain_blocks b on b.chain_id = $1 and b.number = e.block_number
      group by 1 order by 1`,
    [chainId, token, ZERO_ADDRESS],
  );
  let undatedChange = 0;
  const byDay = new Map<number, { gained: number; lost: number }>();
  for (const r of rows) {
    if (r.day === null) undatedChange += r.gained - r.lost;
    else byDay.set(Number(r.day), { gained: r.gained, lost: r.lost });
  }
  const days: HolderHistory['days'] = [];
  if (asOf.timestamp !== null) {
    const lastDay = utcDay(asOf.timestamp);
    const firstDay = lastDay - options.days + 1;
    let holders = undatedChange;
    for (const [d, c] of byDay) if (d < firstDay) holders += c.gained - c.lost;
    for (let d = firstDay; d <= lastDay; d++) {
      const c = byDay.get(d) ?? { gained: 0, lost: 0 };
      holders += c.gained - c.lost;
      days.push({ day: dayString(d), gained: c.gained, lost: c.lost, change: c.gained - c.lost, holders });
    }
  }
  return { chainId, asOf: asOfJson(asOf), token: info, days, undatedChange };
}
