import type { Queryable } from '../../db/index.js';
import { NotFoundError } from '../../internal/errors.js';
import { asOfJson, chainAsOf, dayString, firstBlockAtOrAfter, SECONDS_PER_DAY, utcDay } from './chainAsOf.js';
import { amountJson, tokenInfos } from './format.js';
import type { Amount } from './holders.js';
import { type AddressLabels, labelledAddresses, labelNames } from './labels.js';

// Every EVM chain's native coin has 18 decimals.
const NATIVE_DECIMALS = 18;

export type FlowTotals = { transfers: number; inflow: Amount; outflow: Amount; net: Amount };

export type LabelFlows = {
  chainId: number;
  asOf: { block: string; timestamp: string | null };
  label: string;
  /** Addresses carrying the label on this chain. */
  addresses: number;
  from: string;
  to: string;
  tokens: (FlowTotals & {
    /** Null for the native coin. */
    token: string | null;
    symbol: string | null;
    decimals: number | null;
    days: (FlowTotals & { day: string })[];
  })[];
};

/**
 * Flows into and out of a labelled set of addresses (say, exchange hot wallets) per token and UTC
 * day over the last `days` days: inflow = transfers from outside the set to it, outflow = from it
 * to outside, net = inflow − outflow (exact; negative when more left). Transfers between two
 * addresses of the set are internal and left out. Native transfers count when the indexer keeps
 * them for these addresses (`nativeAddresses`). Throws `NotFoundError` when no address carries
 * the label on the chain.
 */
export async function labelFlows(
  db: Queryable,
  chainId: number,
  labels: AddressLabels,
  options: { label: string; days: number },
): Promise<LabelFlows> {
  const asOf = await chainAsOf(db, chainId);
  const label = options.label.toLowerCase();
  const set = [...labelledAddresses(labels, label, chainId).keys()];
  if (set.length === 0)
    throw new NotFoundError(
      `no address is labelled '${label}' on chain ${chainId} (labels in ${labels.source}: ${labelNames(labels).join(', ') || 'none'})`,
    );
  const lastDay = asOf.timestamp === null ? 0 : utcDay(asOf.timestamp);
  const firstDay = lastDay - options.days + 1;
  const out: LabelFlows = {
    chainId,
    asOf: asOfJson(asOf),
    label,
    addresses: set.length,
    from: dayString(firstDay),
    to: dayString(lastDay),
    tokens: [],
  };
  if (asOf.timestamp === null) return out;
  const fromBlock = await firstBlockAtOrAfter(db, chainId, firstDay * SECONDS_PER_DAY, asOf);
  const crossing = (table: string, token: string) => `
    select (b.timestamp / 86400)::int as day, ${token} as token, count(*)::int as n,
           coalesce(sum(t.value) filter (where t.recipient = any($3::text[])), 0)::text as inflow,
           coalesce(sum(t.value) filter (where t.sender = any($3::text[])), 0)::text as outflow
      from ${table} t join chain_blocks b on b.chain_id = t.chain_id and b.number = t.block_number
     where t.chain_id = $1 and t.block_number >= $2::bigint and t.block_number <= $4::bigint
       and b.number >= $2::bigint and b.number <= $4::bigint
       and (t.sender = any($3::text[]) or t.recipient = any($3::text[]))
       and (t.sender = any($3::text[])) <> (t.recipient = any($3::text[]))
     group by 1, 2`;
  const rows = await db.query<{
    day: number;
    token: string | null;
    n: number;
    inflow: string;
    outflow: string;
  }>(
    `${crossing('erc20_transfers', 't.token')} union all ${crossing('native_transfers', 'null::text')}
     order by 2 nulls first, 1`,
    [chainId, fromBlock.toString(), set, asOf.block.toString()],
  );
  const infos = await tokenInfos(
    db,
    chainId,
    rows.flatMap((r) => (r.token ? [r.token] : [])),
  );
  const byToken = new Map<string | null, typeof rows>();
  for (const r of rows) byToken.set(r.token, [...(byToken.get(r.token) ?? []), r]);
  const totals = (n: number, inflow: bigint, outflow: bigint, decimals: number | null): FlowTotals => ({
    transfers: n,
    inflow: amountJson(inflow, decimals),
    outflow: amountJson(outflow, decimals),
    net: amountJson(inflow - outflow, decimals),
  });
  for (const [token, list] of byToken) {
    const info = token ? infos.get(token)! : null;
    const decimals = info ? info.decimals : NATIVE_DECIMALS;
    let n = 0;
    let inflow = 0n;
    let outflow = 0n;
    const days = list.map((r) => {
      n += r.n;
      inflow += BigInt(r.inflow);
      outflow += BigInt(r.outflow);
      return { day: dayString(Number(r.day)), ...totals(r.n, BigInt(r.inflow), BigInt(r.outflow), decimals) };
    });
    out.tokens.push({
      token,
      symbol: info ? info.symbol : null,
      decimals,
      ...totals(n, inflow, outflow, decimals),
      days,
    });
  }
  // Busiest first (amounts of different tokens are not comparable; counts are).
  out.tokens.sort((a, b) => b.transfers - a.transfers || String(a.token).localeCompare(String(b.token)));
  return out;
}
