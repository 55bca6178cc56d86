import type { Queryable } from '../../db/index.js';
import { ZERO_ADDRESS } from '../derive/decodeLogs.js';
import { asOfJson, chainAsOf, dayString, firstBlockAtOrAfter, SECONDS_PER_DAY, utcDay } from './chainAsOf.js';
import { amountJson, tokenInfos } from './format.js';
import type { Amount } from './holders.js';

export type ActivityOptions = {
  /** Only this ERC-20 (lowercase address); all tokens otherwise. */
  token?: string | undefined;
  /** UTC days up to and including the checkpoint's day. */
  days: number;
  /** Tokens listed per day, most transfers first. */
  tokenLimit: number;
};

export type DailyActivity = {
  chainId: number;
  asOf: { block: string; timestamp: string | null };
  token: string | null;
  days: {
    day: string;
    /** Distinct senders and recipients (the zero address left out). */
    activeAddresses: number;
    /** Active addresses whose first transfer in the index (of `token`, when given) is on this day. */
    newAddresses: number;
    transfers: number;
    /** Distinct tokens transferred. */
    tokenCount: number;
    tokens: {
      token: string;
      symbol: string | null;
      decimals: number | null;
      transfers: number;
      volume: Amount;
    }[];
  }[];
};

/**
 * ERC-20 activity per UTC day over the last `days` days: active and new addresses, transfer
 * count, and count and volume per token (exact). Costs the transfers inside the window, plus an
 * index probe per active address to tell whether it appeared before the window.
 */
export async function dailyActivity(
  db: Queryable,
  chainId: number,
  options: ActivityOptions,
): Promise<DailyActivity> {
  const asOf = await chainAsOf(db, chainId);
  const token = options.token ?? null;
  const out: DailyActivity = { chainId, asOf: asOfJson(asOf), token, days: [] };
  if (asOf.timestamp === null) return out;
  const lastDay = utcDay(asOf.timestamp);
  const firstDay = lastDay - options.days + 1;
  const fromBlock = await firstBlockAtOrAfter(db, chainId, firstDay * SECONDS_PER_DAY, asOf);
  // One statement, so the window is read once (the CTE is materialized) and all figures come
  // from the same snapshot. Rows: ('a', day, count) active, ('n', day, count) new, ('t', day,
  // count, token, volume) per token. Blocks carrying transfers keep their header, so the join
  // with chain_blocks gives every transfer its day.
  const rows = await db.query<{
    k: 'a' | 'n' | 't';
    day: number;
    n: number;
    token: string | null;
    volume: string | null;
  }>(
    `with w as materialized (
       select t.sender, t.recipient, t.token, t.value, (b.timestamp / 86400)::int as day
         from erc20_transfers t join chain_blocks b on b.chain_id = t.chain_id and b.number = t.block_number
        where t.chain_id = $1 and t.block_number >= $2::bigint and t.block_number <= $5::bigint
          and b.number >= $2::bigint and b.number <= $5::bigint
          and ($3::text is null or t.token = $3)
     ),
     addrs as materialized (
       select sender as a, day from w where sender <> $4
       union select recipient as a, day from w where recipient <> $4
     ),
     firsts as (select a, min(day) as day from addrs group by a)
     select 'a' as k, day, count(*)::int as n, null::text as token, null::text as volume from addrs group by day
     union all
     -- New: first day in the window, and no transfer of (the token) before the window.
     select 'n', f.day, count(*)::int, null, null from firsts f
      where not exists (select 1 from erc20_transfers p where p.chain_id = $1 and p.sender = f.a
                          and p.block_number < $2::bigint and ($3::text is null or p.token = $3))
        and not exists (select 1 from erc20_transfers p where p.chain_id = $1 and p.recipient = f.a
                          and p.block_number < $2::bigint and ($3::text is null or p.token = $3))
      group by f.day
     union all
     select 't', day, count(*)::int, token, sum(value)::text from w group by day, token`,
    [chainId, fromBlock.toString(), token, ZERO_ADDRESS, asOf.block.toString()],
  );
  const perDay = rows.filter((r) => r.k === 'a');
  const fresh = rows.filter((r) => r.k === 'n');
  const perToken = rows
    .filter((r): r is typeof r & { token: string; volume: string } => r.k === 't')
    .sort((x, y) => x.day - y.day || y.n - x.n || (x.token < y.token ? -1 : 1));
  const infos = await tokenInfos(
    db,
    chainId,
    perToken.map((r) => r.token),
  );
  for (let d = firstDay; d <= lastDay; d++) {
    const tokens = perToken.filter((r) => Number(r.day) === d);
    out.days.push({
      day: dayString(d),
      activeAddresses: perDay.find((r) => Number(r.day) === d)?.n ?? 0,
      newAddresses: fresh.find((r) => Number(r.day) === d)?.n ?? 0,
      transfers: tokens.reduce((s, r) => s + r.n, 0),
      tokenCount: tokens.length,
      tokens: tokens.slice(0, options.tokenLimit).map((r) => {
        const info = infos.get(r.token)!;
        return {
          token: r.token,
          symbol: info.symbol,
          decimals: info.decimals,
          transfers: r.n,
          volume: amountJson(BigInt(r.volume), info.decimals),
        };
      }),
    });
  }
  return out;
}
