import type { Queryable } from '../../db/index.js';
import { asOfJson, chainAsOf, isoTime } from './chainAsOf.js';
import {
  amountJson,
  CURSOR_DIGITS,
  decodeKeyset,
  encodeKeyset,
  type TokenInfo,
  tokenInfos,
  UNLIMITED_ALLOWANCE,
} from './format.js';
import { type Amount, type BlockRef, blockTimes } from './holders.js';

// Every EVM chain's native coin has 18 decimals.
const NATIVE_DECIMALS = 18;

type AsOfJson = { block: string; timestamp: string | null };

export type WalletOverview = {
  chainId: number;
  asOf: AsOfJson;
  address: string;
  /** First block the address appears in (ERC-20, native or NFT transfers), or null. */
  firstSeen: BlockRef | null;
  /** Positive ERC-20 balances (from the indexed range), ordered by token address. */
  tokens: { token: TokenInfo; balance: Amount }[];
  nfts: {
    token: string;
    standard: 'erc721' | 'erc1155';
    name: string | null;
    symbol: string | null;
    /** Distinct token ids held. */
    tokenIds: number;
    /** Units held (ERC-721: equals tokenIds). */
    units: string;
  }[];
};

export type WalletTransfer = {
  type: 'erc20' | 'native';
  block: string;
  timestamp: string | null;
  /** Log index (ERC-20) or transaction index (native) inside the block. */
  index: number;
  txHash: string;
  /** Null for the native coin. */
  token: string | null;
  symbol: string | null;
  decimals: number | null;
  from: string;
  to: string;
  direction: 'in' | 'out' | 'self';
  amount: Amount;
};

export type WalletTransfers = {
  chainId: number;
  asOf: AsOfJson;
  address: string;
  transfers: WalletTransfer[];
  nextCursor: string | null;
};

export type WalletApproval = {
  token: TokenInfo;
  spender: string;
  allowance: Amount;
  /** At or above 2^255: an "infinite" approval. */
  unlimited: boolean;
  /** Where the newest snapshot came from: an `Approval` event, or an `allowance()` read after a spend. */
  source: 'event' | 'read';
  lastUpdate: { block: string; timestamp: string | null; txHash: string | null };
};

export type WalletApprovals = {
  chainId: number;
  asOf: AsOfJson;
  address: string;
  approvals: WalletApproval[];
};

/**
 * What an address holds on a chain: positive ERC-20 balances with token metadata, NFT holdings
 * per collection (ERC-721: tokens whose latest transfer went to it; ERC-1155: ids with units
 * received minus sent above zero) and when it first appeared.
 */
export async function walletOverview(
  db: Queryable,
  chainId: number,
  address: string,
): Promise<WalletOverview> {
  const asOf = await chainAsOf(db, chainId);
  const [balances, nft721, nft1155, first] = await Promise.all([
    db.query<{ token: string; balance: string }>(
      `select token, balance::text from erc20_balances where chain_id = $1 and holder = $2 and balance > 0
        order by token`,
      [chainId, address],
    ),
    db.query<{ token: string; n: number }>(
      `with mine as (
         select distinct token, token_id from nft_transfers
          where chain_id = $1 and recipient = $2 and standard = 'erc721'
       )
       select m.token, count(*)::int as n from mine m
        cross join lateral (
          select recipient from nft_transfers n
           where n.chain_id = $1 and n.token = m.token and n.token_id = m.token_id and n.standard = 'erc721'
           order by n.block_number desc, n.log_index desc, n.batch_index desc limit 1
        ) latest
        where latest.recipient = $2 group by m.token order by m.token`,
      [chainId, address],
    ),
    db.query<{ token: string; ids: number; units: string }>(
      `with mine as (
         select token, token_id, sum(amount) as got from nft_transfers
          where chain_id = $1 and recipient = $2 and standard = 'erc1155' group by token, token_id
       ), held as (
         select m.token, m.got - coalesce((select sum(amount) from nft_transfers n
                  where n.chain_id = $1 and n.token = m.token and n.token_id = m.token_id
                    and n.standard = 'erc1155' and n.sender = $2), 0) as units
           from mine m
       )
       select token, count(*)::int as ids, sum(units)::text as units from held where units > 0
        group by token order by token`,
      [chainId, address],
    ),
    db.query<{ b: string | null }>(
      `select min(b)::text as b from (
         select min(block_number) as b from erc20_transfers where chain_id = $1 and sender = $2
         union all select min(block_number) from erc20_transfers where chain_id = $1 and recipient = $2
         union all select min(block_number) from native_transfers where chain_id = $1 and sender = $2
         union all select min(block_number) from native_transfers where chain_id = $1 and recipient = $2
         union all select min(block_number) from nft_transfers where chain_id = $1 and recipient = $2
       ) x`,
      [chainId, address],
    ),
  ]);
  const nftTokens = [...nft721.map((r) => r.token), ...nft1155.map((r) => r.token)];
  const infos = await tokenInfos(db, chainId, [...balances.map((r) => r.token), ...nftTokens]);
  const firstBlock = first[0]?.b ?? null;
  const times = await blockTimes(db, chainId, firstBlock === null ? [] : [firstBlock]);
  return {
    chainId,
    asOf: asOfJson(asOf),
    address,
    firstSeen:
      firstBlock === null ? null : { block: firstBlock, timestamp: isoTime(times.get(firstBlock) ?? null) },
    tokens: balances.map((r) => {
      const info = infos.get(r.token)!;
      return { token: info, balance: amountJson(BigInt(r.balance), info.decimals) };
    }),
    nfts: [
      ...nft721.map((r) => ({
        token: r.token,
        standard: 'erc721' as const,
        name: infos.get(r.token)!.name,
        symbol: infos.get(r.token)!.symbol,
        tokenIds: r.n,
        units: String(r.n),
      })),
      ...nft1155.map((r) => ({
        token: r.token,
        standard: 'erc1155' as const,
        name: infos.get(r.token)!.name,
        symbol: infos.get(r.token)!.symbol,
        tokenIds: r.ids,
        units: r.units,
      })),
    ].sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : a.standard < b.standard ? -1 : 1)),
  };
}

export type WalletTransfersOptions = {
  limit: number;
  cursor?: string | undefined;
  /** Only this ERC-20 (native transfers are then left out). */
  token?: string | undefined;
};

// Order inside a block, newest first: ERC-20 logs (by log index), then native transfers (by tx
// index). Not the execution order across the two kinds, but a total order a cursor can resume.
const KIND_RANK = { erc20: 1, native: 0 } as const;

/**
 * ERC-20 and native transfers from or to an address, newest first, in keyset pages on
 * (block, kind, index). Reads the sender and recipient indexes of both tables.
 */
export async function walletTransfers(
  db: Queryable,
  chainId: number,
  address: string,
  options: WalletTransfersOptions,
): Promise<WalletTransfers> {
  const asOf = await chainAsOf(db, chainId);
  const at = options.cursor
    ? decodeKeyset(options.cursor, [CURSOR_DIGITS, /^[01]$/, CURSOR_DIGITS])
    : [(asOf.block + 1n).toString(), '0', '0'];
  // Strictly before the cursor position (block, kind, index); the first page starts just above
  // the checkpoint (block + 1, kind 0, index 0), so it holds nothing past it.
  const [block, kind, index] = at as [string, string, string];
  const before = (k: 0 | 1, col: string) =>
    `block_number <= $3::bigint and (block_number < $3::bigint or ${k} < $4::int or (${k} = $4::int and ${col} < $5::int))`;
  const n = options.limit + 1;
  const erc20 = (side: 'sender' | 'recipient') =>
    `(select 'erc20' as type, block_number, log_index as idx, tx_hash, token, sender, recipient, value::text as value
        from erc20_transfers where chain_id = $1 and ${side} = $2 ${side === 'recipient' ? 'and sender <> $2' : ''}
         and ($6::text is null or token = $6) and ${before(1, 'log_index')}
       order by block_number desc, log_index desc limit $7)`;
  const native = (side: 'sender' | 'recipient') =>
    `(select 'native' as type, block_number, tx_index as idx, tx_hash, null as token, sender, recipient, value::text as value
        from native_transfers where chain_id = $1 and ${side} = $2 ${side === 'recipient' ? 'and sender <> $2' : ''}
         and $6::text is null and ${before(0, 'tx_index')}
       order by block_number desc, tx_index desc limit $7)`;
  const rows = await db.query<{
    type: 'erc20' | 'native';
    block: string;
    idx: number;
    tx_hash: string;
    token: string | null;
    sender: string;
    recipient: string;
    value: string;
  }>(
    `select type, block_number::text as block, idx, tx_hash, token, sender, recipient, value
       from (${erc20('sender')} union all ${erc20('recipient')} union all ${native('sender')}
             union all ${native('recipient')}) x
      order by block_number desc, (case when type = 'erc20' then 1 else 0 end) desc, idx desc limit $7`,
    [chainId, address, block, Number(kind), Number(index), options.token ?? null, n],
  );
  const page = rows.slice(0, options.limit);
  const infos = await tokenInfos(
    db,
    chainId,
    page.flatMap((r) => (r.token ? [r.token] : [])),
  );
  const times = await blockTimes(
    db,
    chainId,
    page.map((r) => r.block),
  );
  const last = page.at(-1);
  return {
    chainId,
    asOf: asOfJson(asOf),
    address,
    transfers: page.map((r) => {
      const info = r.token ? infos.get(r.token)! : null;
      const decimals = info ? info.decimals : NATIVE_DECIMALS;
      return {
        type: r.type,
        block: r.block,
        timestamp: isoTime(times.get(r.block) ?? null),
        index: r.idx,
        txHash: r.tx_hash,
        token: r.token,
        symbol: info ? info.symbol : null,
        decimals,
        from: r.sender,
        to: r.recipient,
        direction: r.sender === r.recipient ? 'self' : r.sender === address ? 'out' : 'in',
        amount: amountJson(BigInt(r.value), decimals),
      };
    }),
    nextCursor:
      rows.length > options.limit && last ? encodeKeyset([last.block, KIND_RANK[last.type], last.idx]) : null,
  };
}

/**
 * Outstanding ERC-20 approvals of an owner, as revoke.cash lists them: for each (token, spender)
 * the newest allowance snapshot (by block, then sequence), kept when above zero. One pass over
 * `erc20_allowances_owner`, which is ordered exactly that way.
 */
export async function walletApprovals(
  db: Queryable,
  chainId: number,
  owner: string,
): Promise<WalletApprovals> {
  const asOf = await chainAsOf(db, chainId);
  const rows = await db.query<{
    token: string;
    spender: string;
    value: string;
    block: string;
    source: 'event' | 'read';
    tx_hash: string | null;
  }>(
    `select token, spender, value::text, block::text, source, tx_hash from (
       select distinct on (token, spender) token, spender, value, block_number as block, source, tx_hash
         from erc20_allowances where chain_id = $1 and owner = $2 and block_number <= $3::bigint
        order by token, spender, block_number desc, seq desc
     ) latest where value > 0 order by token, spender`,
    [chainId, owner, asOf.block.toString()],
  );
  const [infos, times] = await Promise.all([
    tokenInfos(
      db,
      chainId,
      rows.map((r) => r.token),
    ),
    blockTimes(
      db,
      chainId,
      rows.map((r) => r.block),
    ),
  ]);
  return {
    chainId,
    asOf: asOfJson(asOf),
    address: owner,
    approvals: rows.map((r) => {
      const info = infos.get(r.token)!;
      const value = BigInt(r.value);
      return {
        token: info,
        spender: r.spender,
        allowance: amountJson(value, info.decimals),
        unlimited: value >= UNLIMITED_ALLOWANCE,
        source: r.source,
        // The Approval's transaction; null when the newest value is a read-back after a transferFrom.
        lastUpdate: { block: r.block, timestamp: isoTime(times.get(r.block) ?? null), txHash: r.tx_hash },
      };
    }),
  };
}
