import type { Queryable } from '../../db/index.js';
import { asOfJson, chainAsOf, firstBlockAtOrAfter, isoTime } from './chainAsOf.js';
import { amountJson, tokenInfos } from './format.js';
import type { Amount } from './holders.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
// A transfer is valued with the bar covering its time; a live one (its hour not closed yet) with
// the previous bar. Older than two bars is too stale to price with.
const MAX_BAR_AGE_BARS = 2;
// The SQL pre-filter uses the window's highest close; shave this off its threshold so float
// rounding can never drop a transfer that the exact valuation would keep.
const PREFILTER_MARGIN = 0.999;

/** A closed candle: open time (ms) and close in USD (or a USD stablecoin quote). */
export type PriceBar = { openTime: number; close: number };

/** The prices a token can be valued with. */
export type UsdPriceSource = {
  /** Closed 1h bars, ascending by open time. */
  h1: readonly PriceBar[];
  /** Closed 1d bars, ascending (used where no 1h bar covers the time). */
  d1: readonly PriceBar[];
  /** A USD stablecoin: worth 1 USD where no bar covers the time. */
  usdPegged: boolean;
};

export type UsdPrice = { price: number; source: '1h' | '1d' | 'peg'; barTime: number | null };

/** The newest bar opened at or before `at`, if it opened less than `maxAgeMs` before it. */
function barAt(bars: readonly PriceBar[], at: number, maxAgeMs: number): PriceBar | null {
  let lo = 0;
  let hi = bars.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (bars[mid]!.openTime <= at) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const b = found >= 0 ? bars[found]! : null;
  return b && at - b.openTime < maxAgeMs ? b : null;
}

/**
 * The USD price of a token at `atMs`: the close of the 1h bar covering that time (or the one
 * before, while the hour has not closed), else of the 1d bar, else 1 for a USD stablecoin; null
 * when none applies. Pure.
 */
export function usdPriceAt(prices: UsdPriceSource, atMs: number): UsdPrice | null {
  const h = barAt(prices.h1, atMs, MAX_BAR_AGE_BARS * HOUR_MS);
  if (h) return { price: h.close, source: '1h', barTime: h.openTime };
  const d = barAt(prices.d1, atMs, MAX_BAR_AGE_BARS * DAY_MS);
  if (d) return { price: d.close, source: '1d', barTime: d.openTime };
  return prices.usdPegged ? { price: 1, source: 'peg', barTime: null } : null;
}

/**
 * USD value of a token transfer at its block time, or null when the token has no price then.
 * Pure: the REST answer and a live pusher value transfers the same way.
 * @example valueTransferUsd({ value: 2500000000n, decimals: 6, timestamp: 1717200000 }, usdc) // { usd: 2500, … }
 */
export function valueTransferUsd(
  transfer: { value: bigint; decimals: number /** Block time, seconds. */; timestamp: number },
  prices: UsdPriceSource,
): { usd: number; price: UsdPrice } | null {
  const price = usdPriceAt(prices, transfer.timestamp * 1000);
  if (!price) return null;
  // Number(bigint) keeps ~16 significant digits: ample for a USD figure.
  return { usd: (Number(transfer.value) / 10 ** transfer.decimals) * price.price, price };
}

/** The registry's view of a token: its asset, decimals and peg. */
export type TokenAsset = { id: string; symbol: string; decimals: number | null; usdPegged: boolean };

export type WhaleDeps = {
  /** The asset deployed at a CAIP-19 contract (`eip155:1/erc20:0x…`); undefined when unmapped. */
  assetOf(caip19: string): TokenAsset | undefined;
  /** Closed bars of an asset with open time in [fromMs, toMs), ascending. */
  bars(assetId: string, interval: '1h' | '1d', fromMs: number, toMs: number): Promise<PriceBar[]>;
};

export type WhaleOptions = { minUsd: number; hours: number; limit: number };

export type WhaleTransfer = {
  block: string;
  timestamp: string | null;
  logIndex: number;
  txHash: string;
  token: string;
  symbol: string | null;
  asset: string;
  from: string;
  to: string;
  amount: Amount;
  usd: number;
  price: { usd: number; source: '1h' | '1d' | 'peg'; barTime: string | null };
};

export type WhaleTransfers = {
  chainId: number;
  asOf: { block: string; timestamp: string | null };
  minUsd: number;
  from: string | null;
  transfers: WhaleTransfer[];
  /** More transfers qualified than `limit`: the newest are listed. */
  truncated: boolean;
  skipped: {
    /** Transfers in the window of tokens the asset registry does not map (not valued). */
    unmappedToken: number;
    /** Transfers of mapped tokens without a price (or decimals) at their time. */
    noPrice: number;
  };
};

/**
 * ERC-20 transfers of the last `hours` hours (to the checkpoint's time) worth at least `minUsd`,
 * newest first. Tokens map to assets through the registry (CAIP-19); each transfer is valued with
 * `valueTransferUsd`. The database is asked only for transfers above a per-token amount derived
 * from the window's highest price, so the cost follows the number of large transfers.
 */
export async function whaleTransfers(
  db: Queryable,
  chainId: number,
  options: WhaleOptions,
  deps: WhaleDeps,
): Promise<WhaleTransfers> {
  const asOf = await chainAsOf(db, chainId);
  const out: WhaleTransfers = {
    chainId,
    asOf: asOfJson(asOf),
    minUsd: options.minUsd,
    from: null,
    transfers: [],
    truncated: false,
    skipped: { unmappedToken: 0, noPrice: 0 },
  };
  if (asOf.timestamp === null) return out;
  const toMs = asOf.timestamp * 1000;
  const fromSeconds = asOf.timestamp - options.hours * 3600;
  out.from = isoTime(fromSeconds);
  const fromBlock = await firstBlockAtOrAfter(db, chainId, fromSeconds, asOf);
  const range = [chainId, fromBlock.toString(), asOf.block.toString()];
  const counts = await db.query<{ token: string; n: number }>(
    `select token, count(*)::int as n from erc20_transfers
      where chain_id = $1 and block_number >= $2::bigint and block_number <= $3::bigint group by token`,
    range,
  );
  const infos = await tokenInfos(
    db,
    chainId,
    counts.map((c) => c.token),
  );
  type Priced = { asset: TokenAsset; decimals: number; prices: UsdPriceSource; minValue: bigint };
  const priced = new Map<string, Priced>();
  const barsOf = new Map<string, Promise<[PriceBar[], PriceBar[]]>>();
  for (const c of counts) {
    const asset = deps.assetOf(`eip155:${chainId}/erc20:${c.token}`);
    if (!asset) {
      out.skipped.unmappedToken += c.n;
      continue;
    }
    const decimals = infos.get(c.token)?.decimals ?? asset.decimals;
    if (decimals === null) {
      out.skipped.noPrice += c.n;
      continue;
    }
    if (!barsOf.has(asset.id))
      barsOf.set(
        asset.id,
        Promise.all([
          deps.bars(asset.id, '1h', toMs - (options.hours + MAX_BAR_AGE_BARS) * HOUR_MS, toMs + 1),
          deps.bars(asset.id, '1d', toMs - options.hours * HOUR_MS - MAX_BAR_AGE_BARS * DAY_MS, toMs + 1),
        ]),
      );
    const [h1, d1] = await barsOf.get(asset.id)!;
    const prices: UsdPriceSource = { h1, d1, usdPegged: asset.usdPegged };
    const closes = [...h1, ...d1].map((b) => b.close).filter((p) => Number.isFinite(p) && p > 0);
    const maxPrice = Math.max(0, ...closes, asset.usdPegged ? 1 : 0);
    if (maxPrice <= 0) {
      out.skipped.noPrice += c.n;
      continue;
    }
    // value ≥ minUsd / maxPrice · 10^decimals is necessary for usd ≥ minUsd at any price seen.
    const ratio = (options.minUsd / maxPrice) * PREFILTER_MARGIN;
    const minValue = (BigInt(Math.floor(ratio * 1e9)) * 10n ** BigInt(decimals)) / 1_000_000_000n;
    priced.set(c.token, { asset, decimals, prices, minValue });
  }
  if (priced.size === 0) return out;
  const tokens = [...priced.keys()];
  const rows = await db.query<{
    block: string;
    log_index: number;
    tx_hash: string;
    token: string;
    sender: string;
    recipient: string;
    value: string;
    timestamp: string | null;
  }>(
    `select t.block_number::text as block, t.log_index, t.tx_hash, t.token, t.sender, t.recipient, t.value::text,
            b.timestamp::text
       from unnest($4::text[], $5::numeric[]) as th(token, min_value)
       join erc20_transfers t on t.chain_id = $1 and t.token = th.token
        and t.block_number >= $2::bigint and t.block_number <= $3::bigint and t.value >= th.min_value
       left join chain_blocks b on b.chain_id = t.chain_id and b.number = t.block_number
      order by t.block_number desc, t.log_index desc`,
    [...range, tokens, tokens.map((t) => priced.get(t)!.minValue.toString())],
  );
  for (const r of rows) {
    const p = priced.get(r.token)!;
    const value = BigInt(r.value);
    const v =
      r.timestamp === null
        ? null
        : valueTransferUsd({ value, decimals: p.decimals, timestamp: Number(r.timestamp) }, p.prices);
    if (!v) {
      out.skipped.noPrice++;
      continue;
    }
    if (v.usd < options.minUsd) continue;
    if (out.transfers.length === options.limit) {
      // Keep going: the skipped counts cover the whole window.
      out.truncated = true;
      continue;
    }
    out.transfers.push({
      block: r.block,
      timestamp: isoTime(r.timestamp === null ? null : Number(r.timestamp)),
      logIndex: r.log_index,
      txHash: r.tx_hash,
      token: r.token,
      symbol: infos.get(r.token)?.symbol ?? p.asset.symbol,
      asset: p.asset.id,
      from: r.sender,
      to: r.recipient,
      amount: amountJson(value, p.decimals),
      usd: v.usd,
      price: {
        usd: v.price.price,
        source: v.price.source,
        barTime: v.price.barTime === null ? null : new Date(v.price.barTime).toISOString(),
      },
    });
  }
  return out;
}

/** A committed ERC-20 transfer to value (what the indexer has right after a batch). */
export type TransferToValue = {
  blockNumber: bigint;
  blockHash: string;
  /** Block time, seconds. */
  timestamp: number;
  logIndex: number;
  txHash: string;
  token: string;
  from: string;
  to: string;
  value: bigint;
};

/**
 * The transfers worth at least `minUsd` at their block time, valued exactly as
 * `whaleTransfers` values them (registry asset, 1h/1d close covering the time, USD peg), in the
 * order given. Used to push whale transfers live as the indexer commits them.
 */
export async function valueWhaleTransfers(
  db: Queryable,
  chainId: number,
  transfers: readonly TransferToValue[],
  minUsd: number,
  deps: WhaleDeps,
): Promise<(WhaleTransfer & { blockHash: string })[]> {
  if (transfers.length === 0) return [];
  const tokens = [...new Set(transfers.map((t) => t.token))];
  const mapped = tokens
    .map((token) => ({ token, asset: deps.assetOf(`eip155:${chainId}/erc20:${token}`) }))
    .filter((m): m is { token: string; asset: TokenAsset } => m.asset !== undefined);
  if (mapped.length === 0) return [];
  const infos = await tokenInfos(
    db,
    chainId,
    mapped.map((m) => m.token),
  );
  let minT = Number.POSITIVE_INFINITY;
  let maxT = 0;
  for (const t of transfers) {
    minT = Math.min(minT, t.timestamp * 1000);
    maxT = Math.max(maxT, t.timestamp * 1000);
  }
  const barsOf = new Map<string, Promise<UsdPriceSource>>();
  const priced = new Map<string, { asset: TokenAsset; decimals: number; prices: Promise<UsdPriceSource> }>();
  for (const { token, asset } of mapped) {
    const decimals = infos.get(token)?.decimals ?? asset.decimals;
    if (decimals === null) continue;
    if (!barsOf.has(asset.id))
      barsOf.set(
        asset.id,
        Promise.all([
          deps.bars(asset.id, '1h', minT - MAX_BAR_AGE_BARS * HOUR_MS, maxT + 1),
          deps.bars(asset.id, '1d', minT - MAX_BAR_AGE_BARS * DAY_MS, maxT + 1),
        ]).then(([h1, d1]) => ({ h1, d1, usdPegged: asset.usdPegged })),
      );
    priced.set(token, { asset, decimals, prices: barsOf.get(asset.id)! });
  }
  const out: (WhaleTransfer & { blockHash: string })[] = [];
  for (const t of transfers) {
    const p = priced.get(t.token);
    if (!p) continue;
    const v = valueTransferUsd(
      { value: t.value, decimals: p.decimals, timestamp: t.timestamp },
      await p.prices,
    );
    if (!v || v.usd < minUsd) continue;
    out.push({
      block: t.blockNumber.toString(),
      blockHash: t.blockHash,
      timestamp: isoTime(t.timestamp),
      logIndex: t.logIndex,
      txHash: t.txHash,
      token: t.token,
      symbol: infos.get(t.token)?.symbol ?? p.asset.symbol,
      asset: p.asset.id,
      from: t.from,
      to: t.to,
      amount: amountJson(t.value, p.decimals),
      usd: v.usd,
      price: {
        usd: v.price.price,
        source: v.price.source,
        barTime: v.price.barTime === null ? null : new Date(v.price.barTime).toISOString(),
      },
    });
  }
  return out;
}
