import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { AmbiguousSymbolError, AppError, AssetNotFoundError, BadRequestError } from '../internal/errors.js';
import { AssetSchema, getAsset } from '../operations/getAsset.js';
import { ListAssetsResponse, listAssets } from '../operations/listAssets.js';
import type { OperationContext } from '../operations/operation.js';
import {
  type Asset,
  type AssetRegistry,
  createAssetRegistry,
  formatCaip19,
  parseCaip19,
  parseMarketSymbol,
} from './index.js';
import { mergeTokenList, TESTNET_CHAIN_IDS, type TokenListToken } from './mergeTokenList.js';
import { type CuratedSeed, parseCuratedSeed } from './seed.js';

const curated = JSON.parse(
  readFileSync(new URL('./seed/curated.json', import.meta.url), 'utf8'),
) as CuratedSeed;
const tokenList = (
  JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@uniswap/default-token-list'), 'utf8')) as {
    tokens: TokenListToken[];
  }
).tokens;
const registry = createAssetRegistry();
const everything = registry.list({ limit: Number.MAX_SAFE_INTEGER }).items;

/** The 21 assets of the shared Binance data set, by Binance base symbol. */
const DATA_ASSETS: Record<string, string> = {
  ADA: 'cardano',
  ATOM: 'cosmos',
  AVAX: 'avalanche-2',
  BCH: 'bitcoin-cash',
  BNB: 'binancecoin',
  BTC: 'bitcoin',
  DOGE: 'dogecoin',
  DOT: 'polkadot',
  ETC: 'ethereum-classic',
  ETH: 'ethereum',
  LINK: 'chainlink',
  LTC: 'litecoin',
  MATIC: 'matic-network',
  PAXG: 'pax-gold',
  SHIB: 'shiba-inu',
  SOL: 'solana',
  TRX: 'tron',
  UNI: 'uniswap',
  XLM: 'stellar',
  XMR: 'monero',
  XRP: 'ripple',
};

const USDC_MAINNET = 'eip155:1/erc20:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';

/** Run `fn`, expecting it to throw an `AppError`; return the error. */
function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an error');
}

function candidateIds(err: AppError): string[] {
  return ((err.extra?.candidates ?? []) as { id: string }[]).map((c) => c.id);
}

function walk(
  r: AssetRegistry,
  limit: number,
  filters: { q?: string; chainId?: number; venue?: string } = {},
) {
  const seen: Asset[] = [];
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    if (pages > r.size + 1) throw new Error('pagination does not terminate');
    const page = r.list({ ...filters, limit, ...(cursor === undefined ? {} : { cursor }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    if (page.nextCursor === null) {
      seen.push(...page.items);
      return seen;
    }
    // A cursor is only handed out when another match exists: no empty last page.
    expect(page.items).toHaveLength(limit);
    seen.push(...page.items);
    cursor = page.nextCursor;
  }
}

function asset(id: string, symbol: string, rank: number | null): Asset {
  return {
    id,
    symbol,
    name: id,
    decimals: null,
    rank,
    stablecoin: null,
    markets: [],
    contracts: [],
    source: 'curated',
  };
}

describe('curated seed', () => {
  it('has unique ids and ranks, and every market and contract parses', () => {
    const ids = curated.assets.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(50);
    expect(new Set(curated.assets.map((a) => a.rank)).size).toBe(ids.length);
    for (const a of curated.assets) {
      expect(a.symbol, a.id).toBe(a.symbol.toUpperCase());
      for (const m of a.markets)
        expect(parseMarketSymbol(m.symbol)?.base, `${a.id} ${m.symbol}`).toBe(a.symbol);
      for (const c of a.contracts) {
        expect(parseCaip19(c.caip19).caip19, 'CAIP-19 written lower-case').toBe(c.caip19);
        expect(Number.isInteger(c.decimals)).toBe(true);
      }
    }
    expect(parseCuratedSeed(curated)).toHaveLength(ids.length);
  });

  it('lists every data asset with its Binance USDT market', () => {
    for (const [symbol, id] of Object.entries(DATA_ASSETS)) {
      const a = curated.assets.find((x) => x.id === id);
      expect(a?.symbol, id).toBe(symbol);
      expect(a?.markets).toContainEqual({ venue: 'binance', symbol: `${symbol}/USDT` });
    }
    const btc = curated.assets.find((a) => a.id === 'bitcoin')!;
    for (const symbol of ['BTC/USDT', 'BTC/USDC', 'BTC/USD'])
      expect(btc.markets).toContainEqual({ venue: 'binanceus', symbol });
    expect(btc.markets).toContainEqual({ venue: 'binanceusdm', symbol: 'BTC/USDT:USDT' });
    for (const id of ['tether', 'usd-coin', 'dai'])
      expect(curated.assets.find((a) => a.id === id)?.stablecoin).toBe('USD');
  });

  it('agrees with the Uniswap token list on every contract both know', () => {
    let checked = 0;
    for (const a of curated.assets)
      for (const c of a.contracts) {
        const token = tokenList.find((t) => formatCaip19(t.chainId, t.address).caip19 === c.caip19);
        if (!token) continue;
        checked++;
        expect(token.decimals, c.caip19).toBe(c.decimals);
        expect(token.symbol.toUpperCase(), c.caip19).toBe(a.symbol === 'RENDER' ? 'RNDR' : a.symbol);
      }
    expect(checked).toBeGreaterThan(20);
  });

  it('rejects a broken seed', () => {
    const one = curated.assets[0]!;
    expect(() => parseCuratedSeed({ assets: [one, { ...one, rank: 999 }] })).toThrow(/duplicate id/);
    expect(() =>
      parseCuratedSeed({ assets: [{ ...one, markets: [{ venue: 'binance', symbol: 'ETH/USDT' }] }] }),
    ).toThrow(/another base/);
    const upper = { caip19: 'eip155:1/erc20:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', decimals: 6 };
    expect(() => parseCuratedSeed({ assets: [{ ...one, contracts: [upper] }] })).toThrow(/lower-case/);
  });
});

describe('merged registry', () => {
  it('has unique ids and contracts, curated assets ranked first', () => {
    expect(registry.size).toBe(everything.length);
    expect(new Set(everything.map((a) => a.id)).size).toBe(registry.size);
    const contracts = everything.flatMap((a) => a.contracts.map((c) => c.caip19));
    expect(new Set(contracts).size).toBe(contracts.length);
    const ranked = everything.filter((a) => a.rank !== null);
    expect(ranked.map((a) => a.id)).toEqual(curated.assets.map((a) => a.id));
    expect(everything.filter((a) => a.source === 'token-list').length).toBeGreaterThan(500);
    for (const a of everything) {
      expect(a.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(a.symbol).toBe(a.symbol.toUpperCase());
      for (const c of a.contracts)
        expect(parseCaip19(c.caip19)).toEqual({ caip19: c.caip19, chainId: c.chainId, address: c.address });
    }
  });

  it('holds every mainnet and L2 token of the list, and no testnet or non-EVM one', () => {
    for (const t of tokenList) {
      const evm = /^0x[0-9a-fA-F]{40}$/.test(t.address);
      if (!evm || TESTNET_CHAIN_IDS.has(t.chainId)) continue;
      const found = registry.byContract(`eip155:${t.chainId}/erc20:${t.address}`);
      expect(found, `${t.chainId} ${t.symbol} ${t.address}`).toBeDefined();
    }
    for (const a of everything)
      for (const c of a.contracts) expect(TESTNET_CHAIN_IDS.has(c.chainId)).toBe(false);
    expect(tokenList.some((t) => TESTNET_CHAIN_IDS.has(t.chainId))).toBe(true);
  });

  it('joins bridged tokens to their curated asset and groups the others across chains', () => {
    // Arbitrum's native USDC is linked to mainnet USDC by the list's bridgeInfo.
    expect(registry.byContract('eip155:42161/erc20:0xaf88d065e77c8cc2239327c5edb3a432268e5831')?.id).toBe(
      'usd-coin',
    );
    // Base's USDC has no bridge link; it joins by symbol and name ("USD Coin" = mainnet "USDCoin").
    expect(registry.byContract('eip155:8453/erc20:0x833589fcd6edb6e08f4c7c32d4f71b54bda02913')?.id).toBe(
      'usd-coin',
    );
    const oneInch = registry.byContract('eip155:1/erc20:0x111111111117dc0aa78b770fa6a738034120c302');
    expect(oneInch?.source).toBe('token-list');
    expect(oneInch?.rank).toBeNull();
    expect(registry.byContract('eip155:10/erc20:0xad42d013ac31486b73b6b059e748172994736426')).toBe(oneInch);
  });

  it('keeps ids stable for the same inputs', () => {
    const again = mergeTokenList(parseCuratedSeed(curated), [...tokenList].reverse());
    expect(new Map(again.map((a) => [a.id, a.contracts.length]))).toEqual(
      new Map(everything.map((a) => [a.id, a.contracts.length])),
    );
  });
});

describe('lookups', () => {
  it('resolves the 21 data assets from their Binance market', () => {
    for (const [symbol, id] of Object.entries(DATA_ASSETS)) {
      const hit = registry.byMarket('binance', `${symbol}/USDT`);
      expect(hit?.asset.id, symbol).toBe(id);
      expect(hit?.quote).toBe('USDT');
    }
    expect(registry.byMarket('binanceusdm', 'BTC/USDT:USDT')).toMatchObject({
      asset: { id: 'bitcoin' },
      quote: 'USDT',
    });
    expect(registry.byMarket('Binance', 'eth/usdt')?.asset.id).toBe('ethereum');
    expect(registry.byMarket('binanceus', 'BTC/USDC')?.quote).toBe('USDC');
    expect(registry.byMarket('binance', 'BTC/EUR')).toBeUndefined();
    expect(registry.byMarket('nosuchvenue', 'BTC/USDT')).toBeUndefined();
  });

  it('finds assets by id, symbol and contract', () => {
    expect(registry.get('bitcoin')?.symbol).toBe('BTC');
    expect(registry.get('BITCOIN')).toBeUndefined();
    expect(registry.resolve('avalanche-2').symbol).toBe('AVAX');
    expect(registry.resolve('link').id).toBe('chainlink');
    expect(registry.resolve('PAXG').id).toBe('pax-gold');
    expect(registry.bySymbol('usdc').map((a) => a.id)).toEqual(['usd-coin']);
    expect(registry.resolve(USDC_MAINNET).id).toBe('usd-coin');
    expect(registry.resolve(USDC_MAINNET.toLowerCase()).id).toBe('usd-coin');
    expect(registry.byContract(USDC_MAINNET)?.id).toBe('usd-coin');
    expect(registry.byContract('eip155:1/erc20:0xnothex')).toBeUndefined();
    expect(registry.marketsOf('bitcoin')).toContainEqual({ venue: 'binanceusdm', symbol: 'BTC/USDT:USDT' });
    expect(thrown(() => registry.marketsOf('btc'))).toBeInstanceOf(AssetNotFoundError);
  });

  it('answers 409 with candidates for a symbol several assets share, ranked first', () => {
    // Litentry and Lighter both trade as LIT on Ethereum mainnet.
    const lit = thrown(() => registry.resolve('LIT'));
    expect(lit).toBeInstanceOf(AmbiguousSymbolError);
    expect(lit.status).toBe(409);
    expect(candidateIds(lit)).toEqual(['lighter', 'litentry']);
    expect(lit.extra?.candidates).toContainEqual({
      id: 'litentry',
      symbol: 'LIT',
      name: 'Litentry',
      rank: null,
    });
    // One curated asset plus a token-list one is still ambiguous (Celo's "Wrapped Bitcoin" is BTC).
    const btc = thrown(() => registry.resolve('btc'));
    expect(btc).toBeInstanceOf(AmbiguousSymbolError);
    expect(candidateIds(btc)[0]).toBe('bitcoin');
    expect(candidateIds(btc).length).toBeGreaterThan(1);
  });

  it('lets an exact id win over a symbol, but not an id in another case', () => {
    // BITCOIN is also the symbol of a meme token in the list.
    expect(registry.bySymbol('BITCOIN').length).toBeGreaterThan(0);
    expect(registry.resolve('bitcoin').id).toBe('bitcoin');
    const upper = thrown(() => registry.resolve('Bitcoin'));
    expect(upper).toBeInstanceOf(AmbiguousSymbolError);
    expect(candidateIds(upper)[0]).toBe('bitcoin');

    const r = createAssetRegistry({ assets: [asset('ethereum', 'ETH', 2), asset('eth', 'ETHX', null)] });
    expect(r.resolve('eth').id).toBe('eth');
    expect(r.resolve('ethx').id).toBe('eth');
    expect(candidateIds(thrown(() => r.resolve('ETH')))).toEqual(['ethereum', 'eth']);
  });

  it('answers 404 for unknown refs and 400 for a malformed CAIP-19', () => {
    const miss = thrown(() => registry.resolve('not-a-coin-xyz'));
    expect(miss).toBeInstanceOf(AssetNotFoundError);
    expect(miss.status).toBe(404);
    expect(thrown(() => registry.resolve(''))).toBeInstanceOf(AssetNotFoundError);
    expect(
      thrown(() => registry.resolve('eip155:1/erc20:0x0000000000000000000000000000000000000001')),
    ).toBeInstanceOf(AssetNotFoundError);
    for (const bad of [
      'eip155:1/erc20:0x123',
      'eip155:01/erc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
      'eip155:0/erc20:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
      'eip155:1/erc721:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
      'eip155:1/erc20:a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
    ]) {
      expect(
        thrown(() => registry.resolve(bad)),
        bad,
      ).toBeInstanceOf(BadRequestError);
      expect(() => parseCaip19(bad)).toThrow(BadRequestError);
    }
  });
});

describe('list', () => {
  it('walks the whole registry in order for several page sizes', () => {
    for (let i = 1; i < everything.length; i++) {
      const [x, y] = [everything[i - 1]!, everything[i]!];
      const rx = x.rank ?? Number.POSITIVE_INFINITY;
      const ry = y.rank ?? Number.POSITIVE_INFINITY;
      expect(rx < ry || (rx === ry && x.id < y.id), `${x.id} before ${y.id}`).toBe(true);
    }
    const all = everything.map((a) => a.id);
    for (const limit of [1, 7, 50, 100, 250, registry.size, registry.size + 1]) {
      const ids = walk(registry, limit).map((a) => a.id);
      expect(ids, `limit ${limit}`).toEqual(all);
    }
  });

  it('walks a filtered listing the same way', () => {
    for (const filters of [{ venue: 'kraken' }, { chainId: 8453 }, { q: 'USD' }, { q: 'gold', chainId: 1 }]) {
      const one = registry.list({ ...filters, limit: 10_000 });
      expect(one.nextCursor).toBeNull();
      expect(one.items.length, JSON.stringify(filters)).toBeGreaterThan(3);
      expect(walk(registry, 3, filters)).toEqual(one.items);
    }
    expect(
      registry
        .list({ venue: 'kraken', limit: 500 })
        .items.every((a) => a.markets.some((m) => m.venue === 'kraken')),
    ).toBe(true);
    expect(registry.list({ q: 'gold', limit: 500 }).items.map((a) => a.id)).toContain('pax-gold');
    expect(registry.list({ symbol: 'lit', limit: 10 }).items.map((a) => a.id)).toEqual([
      'lighter',
      'litentry',
    ]);
  });

  it('continues after the cursor position even when that asset is gone', () => {
    const big = createAssetRegistry({
      assets: [asset('a', 'A', 1), asset('b', 'B', 2), asset('c', 'C', null)],
    });
    const page = big.list({ limit: 2 });
    expect(page.items.map((a) => a.id)).toEqual(['a', 'b']);
    const small = createAssetRegistry({ assets: [asset('a', 'A', 1), asset('c', 'C', null)] });
    expect(small.list({ limit: 2, cursor: page.nextCursor! }).items.map((a) => a.id)).toEqual(['c']);
  });

  it('rejects a malformed cursor or limit with BadRequestError', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const cursor of [
      '',
      'not a cursor!',
      'AAAA',
      b64({}),
      b64([1]),
      b64([1, 2]),
      b64(['x', 'bitcoin']),
      b64([0, 'x']),
    ])
      expect(() => registry.list({ limit: 10, cursor }), cursor).toThrow(BadRequestError);
    expect(() => registry.list({ limit: 0 })).toThrow(BadRequestError);
    expect(() => registry.list({ limit: 1.5 })).toThrow(BadRequestError);
    expect(registry.list({ limit: 1, cursor: b64([null, 'zzzzzzzz']) })).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});

describe('asset operations', () => {
  const ctx = { services: { assets: registry } } as unknown as OperationContext;

  it('serve assets that match the response schemas and examples that match the data', async () => {
    for (const a of everything) expect(Value.Check(AssetSchema, a), a.id).toBe(true);
    const [example] = AssetSchema.examples as Asset[];
    expect(registry.get('pax-gold')).toEqual(example);
    for (const e of ListAssetsResponse.examples as unknown[])
      expect(Value.Check(ListAssetsResponse, e)).toBe(true);

    expect(await getAsset.handler({ params: { id: 'LINK' }, query: {}, body: undefined }, ctx)).toMatchObject(
      {
        id: 'chainlink',
      },
    );
    await expect(
      (async () => getAsset.handler({ params: { id: 'LIT' }, query: {}, body: undefined }, ctx))(),
    ).rejects.toBeInstanceOf(AmbiguousSymbolError);
    const page = (await listAssets.handler({ params: {}, query: { limit: 2 }, body: undefined }, ctx)) as {
      items: Asset[];
      nextCursor: string | null;
    };
    expect(page.items.map((a) => a.id)).toEqual(['bitcoin', 'ethereum']);
    expect(Value.Check(ListAssetsResponse, page)).toBe(true);
  });
});
