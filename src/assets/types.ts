import type { MarketRef } from '../market/types.js';

/** One deployment of an asset on an EVM chain. */
export type AssetContract = {
  /** CAIP-19 id, address lower-case: `eip155:1/erc20:0xdac17f958d2ee523a2206206994597c13d831ec7`. */
  caip19: string;
  /** EIP-155 chain id (1 = Ethereum mainnet). */
  chainId: number;
  /** Lower-case `0x` address. */
  address: string;
  /** Token decimals on this chain (bridged copies may differ from the asset's native decimals). */
  decimals: number;
};

/** Where an asset's record comes from. */
export type AssetSource = 'curated' | 'token-list';

/** A canonical asset: CoinGecko-style id, its venue markets and its contracts. */
export type Asset = {
  /** CoinGecko id for curated assets (`bitcoin`, `avalanche-2`); a name slug for token-list ones. */
  id: string;
  /** Ticker, upper-case (`BTC`). Not unique: see `AssetRegistry.resolve`. */
  symbol: string;
  name: string;
  /** Native decimals (BTC 8, ETH 18, ERC-20: the mainnet token's); null where not meaningful. */
  decimals: number | null;
  /** Market-cap rank in the curated seed; null for token-list-only assets. */
  rank: number | null;
  /** Currency the asset is pegged to (`USD`), or null. */
  stablecoin: string | null;
  /** Spot and perpetual markets, CCXT ids and symbols (`binance` `BTC/USDT`, `binanceusdm` `BTC/USDT:USDT`). */
  markets: MarketRef[];
  /** EVM deployments, mainnet first, then by chain id. */
  contracts: AssetContract[];
  source: AssetSource;
};

/** What an ambiguity or a miss reports so the caller can pick: ranked assets first. */
export type AssetCandidate = Pick<Asset, 'id' | 'symbol' | 'name' | 'rank'>;

/** Filters and page of `AssetRegistry.list`. */
export type ListAssetsOptions = {
  /** Case-insensitive substring of the id, symbol or name. */
  q?: string;
  /** Exact symbol, case-insensitive. */
  symbol?: string;
  /** Only assets with a contract on this EIP-155 chain. */
  chainId?: number;
  /** Only assets with a market on this CCXT venue. */
  venue?: string;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size (>= 1). */
  limit: number;
};

/** One page of assets, ordered by rank (nulls last) then id. */
export type AssetPage = { items: Asset[]; nextCursor: string | null };

/** In-memory registry of assets, built from the curated seed and the Uniswap token list. */
export type AssetRegistry = {
  /** Number of assets. */
  readonly size: number;
  /** The asset with exactly this id. */
  get(id: string): Asset | undefined;
  /** Assets with this symbol (case-insensitive), ranked first. */
  bySymbol(symbol: string): Asset[];
  /**
   * One asset from an id, a symbol or a CAIP-19 contract. Throws `AssetNotFoundError` (404),
   * `AmbiguousSymbolError` (409, `extra.candidates`) or `BadRequestError` (malformed CAIP-19).
   */
  resolve(ref: string): Asset;
  /** The asset deployed at this CAIP-19 contract (address case-insensitive); undefined if malformed. */
  byContract(caip19: string): Asset | undefined;
  /** The asset traded as the base of a known market, with the market's quote (`USDT`). */
  byMarket(venue: string, symbol: string): { asset: Asset; quote: string } | undefined;
  /** Markets of the asset with this id; throws `AssetNotFoundError` for an unknown id. */
  marketsOf(id: string): MarketRef[];
  /** A filtered page; throws `BadRequestError` on a malformed cursor or limit. */
  list(options: ListAssetsOptions): AssetPage;
};
