import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseCaip19 } from './caip19.js';
import { parseMarketSymbol } from './marketSymbol.js';
import { mergeTokenList, type TokenListToken } from './mergeTokenList.js';
import type { Asset } from './types.js';

// Resolved from the package root so the same path works from src/assets/ (vitest) and from
// dist/assets/ (tsc's outDir mirrors rootDir src/): tsc does not copy JSON into dist/.
const CURATED_SEED_URL = new URL('../../src/assets/seed/curated.json', import.meta.url);
const TOKEN_LIST_PACKAGE = '@uniswap/default-token-list';

/** Shape of `seed/curated.json`. */
export type CuratedSeed = {
  description?: string;
  asOf?: string;
  assets: {
    id: string;
    symbol: string;
    name: string;
    decimals: number | null;
    rank: number;
    stablecoin?: string;
    markets: { venue: string; symbol: string }[];
    contracts: { caip19: string; decimals: number }[];
  }[];
};

let cachedAssets: readonly Asset[] | undefined;

/** Every asset: the curated seed with the Uniswap token list merged in. Parsed once per process. */
export function loadSeedAssets(): readonly Asset[] {
  // Frozen: every registry in the process shares these objects.
  cachedAssets ??= Object.freeze(
    mergeTokenList(parseCuratedSeed(JSON.parse(readFileSync(CURATED_SEED_URL, 'utf8'))), readTokenList()).map(
      freezeAsset,
    ),
  );
  return cachedAssets;
}

function freezeAsset(a: Asset): Asset {
  for (const m of a.markets) Object.freeze(m);
  for (const c of a.contracts) Object.freeze(c);
  Object.freeze(a.markets);
  Object.freeze(a.contracts);
  return Object.freeze(a);
}

function readTokenList(): TokenListToken[] {
  const path = createRequire(import.meta.url).resolve(TOKEN_LIST_PACKAGE);
  const list = JSON.parse(readFileSync(path, 'utf8')) as { tokens?: unknown };
  if (!Array.isArray(list.tokens)) throw new Error(`${TOKEN_LIST_PACKAGE}: no tokens array`);
  return list.tokens as TokenListToken[];
}

const ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SYMBOL_RE = /^[A-Z0-9.]+$/;

/**
 * Validate the curated seed and turn it into assets. A mistake in the file is a bug, so this
 * throws a plain `Error` naming the asset rather than skipping it.
 */
export function parseCuratedSeed(seed: CuratedSeed): Asset[] {
  if (!seed || !Array.isArray(seed.assets)) throw new Error('curated seed: missing assets array');
  const ids = new Set<string>();
  const ranks = new Set<number>();
  return seed.assets.map((a, i) => {
    const where = `curated seed: asset #${i} (${String(a?.id)})`;
    if (typeof a.id !== 'string' || !ID_RE.test(a.id)) throw new Error(`${where}: bad id`);
    if (ids.has(a.id)) throw new Error(`${where}: duplicate id`);
    ids.add(a.id);
    if (typeof a.symbol !== 'string' || !SYMBOL_RE.test(a.symbol)) throw new Error(`${where}: bad symbol`);
    if (typeof a.name !== 'string' || a.name.length === 0) throw new Error(`${where}: bad name`);
    if (a.decimals !== null && !isDecimals(a.decimals)) throw new Error(`${where}: bad decimals`);
    if (!Number.isInteger(a.rank) || a.rank < 1 || ranks.has(a.rank)) throw new Error(`${where}: bad rank`);
    ranks.add(a.rank);
    if (a.stablecoin !== undefined && !/^[A-Z]{3}$/.test(a.stablecoin))
      throw new Error(`${where}: stablecoin must be an ISO currency code`);
    for (const m of a.markets) {
      const parsed = parseMarketSymbol(m.symbol);
      if (!/^[a-z0-9]+$/.test(m.venue) || !parsed)
        throw new Error(`${where}: bad market ${m.venue} ${m.symbol}`);
      // Catches copy-paste slips; CCXT already unifies venue codes (Kraken XBT → BTC).
      if (parsed.base !== a.symbol) throw new Error(`${where}: market ${m.symbol} has another base`);
    }
    const contracts = a.contracts.map((c) => {
      if (!isDecimals(c.decimals)) throw new Error(`${where}: bad decimals for ${c.caip19}`);
      if (c.caip19 !== c.caip19.toLowerCase()) throw new Error(`${where}: ${c.caip19} must be lower-case`);
      const { caip19, chainId, address } = parseCaip19(c.caip19);
      return { caip19, chainId, address, decimals: c.decimals };
    });
    return {
      id: a.id,
      symbol: a.symbol,
      name: a.name,
      decimals: a.decimals,
      rank: a.rank,
      stablecoin: a.stablecoin ?? null,
      markets: a.markets.map((m) => ({ venue: m.venue, symbol: m.symbol })),
      contracts,
      source: 'curated' as const,
    };
  });
}

/** ERC-20 decimals are a uint8. */
export function isDecimals(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 255;
}
