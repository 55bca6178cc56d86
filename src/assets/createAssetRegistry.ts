import { AmbiguousSymbolError, AssetNotFoundError, BadRequestError } from '../internal/errors.js';
import { looksLikeCaip19, parseCaip19 } from './caip19.js';
import { parseMarketSymbol } from './marketSymbol.js';
import { loadSeedAssets } from './seed.js';
import type { Asset, AssetCandidate, AssetPage, AssetRegistry, ListAssetsOptions } from './types.js';

/** Candidates listed in a 404/409 problem document (the full set is one `list({ symbol })` away). */
const MAX_CANDIDATES = 25;

export type CreateAssetRegistryOptions = {
  /** Assets to serve instead of the built-in seed (tests, custom deployments). */
  assets?: readonly Asset[];
};

/**
 * The asset registry over the curated seed merged with the Uniswap default token list.
 *
 * Resolution never guesses: an exact (lower-case) id wins; otherwise the assets whose symbol
 * matches case-insensitively, plus the asset whose id matches case-insensitively, are the
 * candidates. One candidate is the answer; several (even one curated asset and some token-list
 * ones) are a 409 listing them, ranked ones first, so the caller picks an id.
 * @example createAssetRegistry().resolve('eip155:1/erc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48').id // 'usd-coin'
 */
export function createAssetRegistry(options: CreateAssetRegistryOptions = {}): AssetRegistry {
  const sorted = [...(options.assets ?? loadSeedAssets())].sort(compareAssets);
  const byId = new Map<string, Asset>();
  const bySymbol = new Map<string, Asset[]>();
  const byContract = new Map<string, Asset>();
  const byMarket = new Map<string, { asset: Asset; quote: string }>();
  const haystack = new Map<Asset, string>();
  for (const asset of sorted) {
    if (byId.has(asset.id)) throw new Error(`asset registry: duplicate id ${asset.id}`);
    byId.set(asset.id, asset);
    const sym = asset.symbol.toUpperCase();
    const same = bySymbol.get(sym);
    if (same) same.push(asset);
    else bySymbol.set(sym, [asset]);
    for (const c of asset.contracts) {
      const other = byContract.get(c.caip19);
      if (other) throw new Error(`asset registry: ${c.caip19} belongs to ${other.id} and ${asset.id}`);
      byContract.set(c.caip19, asset);
    }
    for (const m of asset.markets) {
      const parts = parseMarketSymbol(m.symbol);
      if (!parts) throw new Error(`asset registry: ${asset.id} has a malformed market ${m.symbol}`);
      const key = marketKey(m.venue, m.symbol);
      const other = byMarket.get(key);
      if (other)
        throw new Error(
          `asset registry: ${m.venue} ${m.symbol} belongs to ${other.asset.id} and ${asset.id}`,
        );
      byMarket.set(key, { asset, quote: parts.quote.toUpperCase() });
    }
    haystack.set(asset, `${asset.id}\n${asset.symbol}\n${asset.name}`.toLowerCase());
  }

  function resolve(ref: string): Asset {
    if (looksLikeCaip19(ref)) {
      const { caip19 } = parseCaip19(ref);
      const asset = byContract.get(caip19);
      if (!asset)
        throw new AssetNotFoundError(`no asset is deployed at ${caip19}`, { extra: { candidates: [] } });
      return asset;
    }
    const exact = byId.get(ref);
    if (exact) return exact;
    // Ids are lower-case, so `Bitcoin` is not an id match: it competes with the symbols instead
    // (and `BITCOIN` is also a meme token's symbol), and more than one match is a 409.
    const matches = [...(bySymbol.get(ref.toUpperCase()) ?? [])];
    const caseless = byId.get(ref.toLowerCase());
    if (caseless && !matches.includes(caseless)) matches.push(caseless);
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0)
      throw new AssetNotFoundError(`no asset has the id or symbol ${JSON.stringify(ref)}`, {
        extra: { candidates: [] },
      });
    matches.sort(compareAssets);
    throw new AmbiguousSymbolError(
      `${JSON.stringify(ref)} names ${matches.length} assets: ask again with one of the candidate ids`,
      { extra: { candidates: matches.slice(0, MAX_CANDIDATES).map(toCandidate) } },
    );
  }

  function list(opts: ListAssetsOptions): AssetPage {
    const { limit } = opts;
    if (!Number.isInteger(limit) || limit < 1) throw new BadRequestError('limit must be an integer >= 1');
    const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const q = opts.q?.toLowerCase();
    const symbol = opts.symbol?.toUpperCase();
    const venue = opts.venue?.toLowerCase();
    const keep = (a: Asset): boolean =>
      (q === undefined || haystack.get(a)!.includes(q)) &&
      (symbol === undefined || a.symbol.toUpperCase() === symbol) &&
      (opts.chainId === undefined || a.contracts.some((c) => c.chainId === opts.chainId)) &&
      (venue === undefined || a.markets.some((m) => m.venue === venue));
    const items: Asset[] = [];
    for (let i = after === undefined ? 0 : firstAfter(sorted, after); i < sorted.length; i++) {
      const a = sorted[i]!;
      if (!keep(a)) continue;
      // One match past the page tells whether another page exists (no empty last page).
      if (items.length === limit) return { items, nextCursor: encodeCursor(items[limit - 1]!) };
      items.push(a);
    }
    return { items, nextCursor: null };
  }

  return {
    size: sorted.length,
    get: (id) => byId.get(id),
    bySymbol: (symbol) => [...(bySymbol.get(symbol.toUpperCase()) ?? [])],
    resolve,
    byContract(caip19) {
      if (!looksLikeCaip19(caip19)) return undefined;
      try {
        return byContract.get(parseCaip19(caip19).caip19);
      } catch {
        return undefined;
      }
    },
    byMarket: (venue, symbol) => byMarket.get(marketKey(venue, symbol)),
    marketsOf(id) {
      const asset = byId.get(id);
      if (!asset) throw new AssetNotFoundError(`no asset has the id ${JSON.stringify(id)}`);
      return asset.markets.map((m) => ({ ...m }));
    },
    list,
  };
}

/** Candidate summary for a 404/409 problem document. */
export function toCandidate(a: Asset): AssetCandidate {
  return { id: a.id, symbol: a.symbol, name: a.name, rank: a.rank };
}

function marketKey(venue: string, symbol: string): string {
  return `${venue.toLowerCase()} ${symbol.toUpperCase()}`;
}

/** Listing order: rank ascending, unranked last, then id. */
type SortKey = { rank: number | null; id: string };

function compareAssets(x: SortKey, y: SortKey): number {
  const rx = x.rank ?? Number.POSITIVE_INFINITY;
  const ry = y.rank ?? Number.POSITIVE_INFINITY;
  if (rx !== ry) return rx < ry ? -1 : 1;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

/** Index of the first asset strictly after `key` (binary search; `key` need not exist any more). */
function firstAfter(sorted: readonly Asset[], key: SortKey): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareAssets(sorted[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The cursor is the sort key of the last item, not an offset: pages stay consistent when the
// registry is rebuilt with assets added or removed between two requests.
function encodeCursor(a: Asset): string {
  return Buffer.from(JSON.stringify([a.rank, a.id])).toString('base64url');
}

function decodeCursor(cursor: string): SortKey {
  const bad = () => new BadRequestError('malformed cursor: pass nextCursor from the previous page unchanged');
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [rank, id] = parsed as unknown[];
  if (typeof id !== 'string' || id.length === 0) throw bad();
  if (rank !== null && !(Number.isInteger(rank) && (rank as number) >= 1)) throw bad();
  return { rank: rank as number | null, id };
}
