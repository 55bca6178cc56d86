import { formatCaip19 } from './caip19.js';
import type { Asset, AssetContract } from './types.js';

/** One entry of a Uniswap-format token list (only the fields used here). */
export type TokenListToken = {
  chainId: number;
  address: string;
  name: string;
  symbol: string;
  decimals: number;
  extensions?: { bridgeInfo?: Record<string, { tokenAddress?: string } | undefined> } | null;
};

/** Ropsten, Rinkeby, Görli, Kovan, Mumbai, Sepolia: test tokens are not assets. */
export const TESTNET_CHAIN_IDS: ReadonlySet<number> = new Set([3, 4, 5, 42, 80001, 11155111]);
const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const MAINNET_CHAIN_ID = 1;

type Token = { key: string; contract: AssetContract; name: string; symbol: string; bridges: string[] };

/**
 * Merge a token list into the curated assets (pure; inputs are not modified).
 *
 * Tokens linked by `extensions.bridgeInfo` are one asset on several chains. A group holding a
 * curated contract joins that curated asset. Groups left over join a curated asset, or each
 * other, when their symbol and name match (the list has no bridge links for whole chains); the
 * rest become token-list assets whose id is a slug of the name, made unique (see `assignIds`).
 * Non-EVM tokens (the list's Solana entries, chain 501000101, have base58 mints) and testnets
 * are skipped.
 */
export function mergeTokenList(curated: readonly Asset[], list: readonly TokenListToken[]): Asset[] {
  const assets = curated.map((a) => ({ ...a, markets: [...a.markets], contracts: [...a.contracts] }));
  const uf = createUnionFind();
  const ownerOfContract = new Map<string, Asset>();
  for (const a of assets)
    for (const c of a.contracts) {
      ownerOfContract.set(c.caip19, a);
      uf.union(`asset:${a.id}`, c.caip19);
    }

  const tokens = new Map<string, Token>();
  for (const t of list) {
    const token = toToken(t);
    if (!token || tokens.has(token.key)) continue;
    tokens.set(token.key, token);
    for (const b of token.bridges) uf.union(token.key, b);
  }

  const curatedByRoot = new Map<string, Asset[]>();
  for (const a of assets) pushTo(curatedByRoot, uf.find(`asset:${a.id}`), a);
  const components = new Map<string, Token[]>();
  for (const t of tokens.values()) pushTo(components, uf.find(t.key), t);

  const newGroups: Token[][] = [];
  // Symbol and name of every token a curated asset is known by (its own, and those of the
  // tokens that join it by address or bridge link); a label two assets share belongs to neither.
  const labelOwners = new Map<string, Asset | null>();
  const label = (a: Asset, symbol: string, name: string) => {
    const key = labelOf(symbol, name);
    const owner = labelOwners.get(key);
    if (owner === undefined) labelOwners.set(key, a);
    else if (owner !== a) labelOwners.set(key, null);
  };
  const join = (a: Asset, t: Token) => {
    addContract(a, t.contract);
    label(a, t.symbol, t.name);
  };
  for (const a of assets) label(a, a.symbol, a.name);
  for (const [root, members] of components) {
    const owners = curatedByRoot.get(root) ?? [];
    if (owners.length === 1) {
      for (const t of members) join(owners[0]!, t);
      continue;
    }
    if (owners.length === 0) {
      newGroups.push(members);
      continue;
    }
    // Bridges tie several curated assets together: trust only a token's own address or its
    // direct bridge links, and keep the rest apart by name and symbol.
    const leftovers = new Map<string, Token[]>();
    for (const t of members) {
      const direct = ownerOfContract.get(t.key) ?? uniqueOwner(t.bridges, ownerOfContract);
      if (direct) join(direct, t);
      else pushTo(leftovers, `${t.symbol}\n${t.name}`, t);
    }
    newGroups.push(...leftovers.values());
  }

  // Bridge links are missing for whole chains (Polygon, Base, World Chain, …), so one token shows
  // up as several groups. A group whose symbol and name (ignoring case, spaces and punctuation)
  // are a curated asset's label joins it; groups with the same label become one asset. Labels
  // come from Uniswap's own curation, so equal symbol and name is taken as the same token.
  const byLabel = new Map<string, Token[]>();
  for (const members of newGroups) {
    const rep = members.sort((x, y) => byChainThenAddress(x.contract, y.contract))[0]!;
    const key = labelOf(rep.symbol, rep.name);
    const owner = labelOwners.get(key);
    if (owner) for (const t of members) addContract(owner, t.contract);
    else byLabel.set(key, [...(byLabel.get(key) ?? []), ...members]);
  }

  for (const a of assets) a.contracts.sort(byChainThenAddress);
  const groups = [...byLabel.values()].map((members) =>
    members.sort((x, y) => byChainThenAddress(x.contract, y.contract)),
  );
  // Id assignment walks groups in a fixed order so the same list always gives the same ids.
  groups.sort((x, y) => (x[0]!.key < y[0]!.key ? -1 : 1));
  const ids = assignIds(assets, groups);
  const fromList = groups.map((members, i): Asset => {
    const rep = members[0]!;
    return {
      id: ids[i]!,
      symbol: rep.symbol,
      name: rep.name,
      decimals: rep.contract.decimals,
      rank: null,
      stablecoin: null,
      markets: [],
      contracts: members.map((t) => t.contract),
      source: 'token-list',
    };
  });
  return [...assets, ...fromList];
}

function toToken(t: TokenListToken): Token | undefined {
  if (!Number.isSafeInteger(t.chainId) || t.chainId < 1 || TESTNET_CHAIN_IDS.has(t.chainId)) return undefined;
  if (typeof t.address !== 'string' || !EVM_ADDRESS.test(t.address)) return undefined;
  if (!Number.isInteger(t.decimals) || t.decimals < 0 || t.decimals > 255) return undefined;
  const name = typeof t.name === 'string' ? t.name.trim() : '';
  const symbol = typeof t.symbol === 'string' ? t.symbol.trim().toUpperCase() : '';
  if (!name || !symbol) return undefined;
  const { caip19, chainId, address } = formatCaip19(t.chainId, t.address);
  const bridges: string[] = [];
  for (const [chain, info] of Object.entries(t.extensions?.bridgeInfo ?? {})) {
    const bridgeChainId = Number(chain);
    const bridgeAddress = info?.tokenAddress;
    if (!Number.isSafeInteger(bridgeChainId) || bridgeChainId < 1 || TESTNET_CHAIN_IDS.has(bridgeChainId))
      continue;
    if (typeof bridgeAddress !== 'string' || !EVM_ADDRESS.test(bridgeAddress)) continue;
    bridges.push(formatCaip19(bridgeChainId, bridgeAddress).caip19);
  }
  // Mainnet link first: it is the one `uniqueOwner` should trust when links disagree.
  bridges.sort(
    (x, y) =>
      Number(y.startsWith(`eip155:${MAINNET_CHAIN_ID}/`)) -
      Number(x.startsWith(`eip155:${MAINNET_CHAIN_ID}/`)),
  );
  return { key: caip19, contract: { caip19, chainId, address, decimals: t.decimals }, name, symbol, bridges };
}

function uniqueOwner(keys: readonly string[], owners: ReadonlyMap<string, Asset>): Asset | undefined {
  const found = new Set<Asset>();
  for (const k of keys) {
    const a = owners.get(k);
    if (a) found.add(a);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

function addContract(asset: Asset, contract: AssetContract): void {
  // The curated entry wins for a contract listed in both.
  if (!asset.contracts.some((c) => c.caip19 === contract.caip19)) asset.contracts.push(contract);
}

/**
 * Ids for token-list groups: the name slug when no other asset could claim it, otherwise the
 * slug with the symbol, then with the address appended. A slug is never another asset's id or
 * another asset's symbol (lower-cased), so `resolve('usdc')` cannot land on a token named "USDC"
 * by id while USD Coin holds the symbol.
 */
function assignIds(curated: readonly Asset[], groups: readonly Token[][]): string[] {
  const taken = new Set(curated.map((a) => a.id));
  const symbolOwners = new Map<string, Set<number>>();
  const CURATED = -1;
  for (const a of curated) pushToSet(symbolOwners, a.symbol.toLowerCase(), CURATED);
  groups.forEach((g, i) => {
    pushToSet(symbolOwners, g[0]!.symbol.toLowerCase(), i);
  });
  const baseCount = new Map<string, number>();
  const bases = groups.map((g) => {
    const base = slugify(g[0]!.name) || slugify(g[0]!.symbol) || 'token';
    baseCount.set(base, (baseCount.get(base) ?? 0) + 1);
    return base;
  });
  return groups.map((g, i) => {
    const rep = g[0]!;
    const base = bases[i]!;
    const free = (slug: string) =>
      !taken.has(slug) && [...(symbolOwners.get(slug) ?? [])].every((owner) => owner === i);
    const candidates = [
      ...(baseCount.get(base) === 1 ? [base] : []),
      `${base}-${slugify(rep.symbol) || 'token'}`,
      `${base}-${rep.contract.address.slice(2, 10)}`,
      `${base}-${rep.contract.chainId}-${rep.contract.address.slice(2)}`,
    ];
    const id = candidates.find(free);
    // The last candidate holds the full chain id and address, which are unique among groups.
    if (!id) throw new Error(`asset registry: no free id for ${rep.key}`);
    taken.add(id);
    return id;
  });
}

/** Symbol and name with case, spaces and punctuation dropped: `USD Coin` and `USDCoin` match. */
function labelOf(symbol: string, name: string): string {
  return `${symbol.toUpperCase()}\n${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}`;
}

/** `"Wrapped Ether (Wormhole)"` → `wrapped-ether-wormhole`. */
export function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function byChainThenAddress(x: AssetContract, y: AssetContract): number {
  return x.chainId - y.chainId || (x.address < y.address ? -1 : x.address > y.address ? 1 : 0);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pushToSet<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function createUnionFind() {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    for (let p = parent.get(root); p !== undefined && p !== root; p = parent.get(root)) root = p;
    // Path compression keeps later finds flat.
    for (let y = x; y !== root; ) {
      const next = parent.get(y)!;
      parent.set(y, root);
      y = next;
    }
    if (!parent.has(root)) parent.set(root, root);
    return root;
  };
  return {
    find,
    union(a: string, b: string) {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(rb, ra);
    },
  };
}
