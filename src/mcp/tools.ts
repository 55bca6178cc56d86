import { type TObject, type TSchema, Type } from '@sinclair/typebox';
import { AppError } from '../internal/errors.js';
import { OPERATIONS, type Operation, routePath } from '../operations/index.js';
import type { RawInput } from '../operations/invoke.js';
import { compact, roundSignificant } from './compact.js';
import type { DocsLibrary } from './docs.js';

/** Runs one registry operation for a tool, under the caller's auth, scopes and rate limits. */
export type ToolCall = (op: Operation, input: RawInput) => Promise<unknown>;

export type ToolContext = {
  call: ToolCall;
  /** Current time in ms. */
  now: number;
  docs: DocsLibrary;
};

/** One MCP tool: a curated composite of registry operations, or one operation as it is. */
export type McpTool = {
  name: string;
  title: string;
  description: string;
  /** Input schema: built from the registry operations' own schemas (never copied by hand). */
  input: TObject;
  /** The registry operations the tool may run (each checked for scope and counted for limits). */
  uses: readonly Operation[];
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<unknown>;
};

// Rows kept per list in composite answers: enough to reason on, small enough for a context window.
const MARKET_ROWS_MAX = 25;
const HISTORY_BARS_MAX = 200;
const WALLET_ROWS = 10;
const WHALE_ROWS = 15;
const HOLDER_ROWS = 10;
const LEVELS_PER_SIDE = 3;
const COMPARE_ASSETS_MAX = 10;

const INTERVAL_MS: Record<string, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

function op(id: string): Operation {
  const found = OPERATIONS.find((o) => o.id === id);
  if (!found) throw new Error(`MCP tools: operation ${id} is not in the registry`);
  return found;
}

/**
 * A property schema of a registry operation (`query.asset` of getQuant…), optionally with a
 * shorter description for agents. Fails at start-up if the operation no longer has it, so the
 * tools cannot drift from the REST API.
 */
function prop(
  operation: Operation,
  part: 'params' | 'query' | 'body',
  name: string,
  description?: string,
): TSchema {
  const schema = operation[part] as TObject | undefined;
  const p = schema?.properties?.[name];
  if (!p) throw new Error(`MCP tools: ${operation.id}.${part} has no property '${name}'`);
  // A shallow copy keeps TypeBox's Optional marker (a symbol) and the constraints.
  return description === undefined ? p : ({ ...p, description } as TSchema);
}

/** `GET /v1/prices?ids=bitcoin`: where a figure came from, as a client would ask for it. */
export function sourceOf(operation: Operation, input: RawInput): string {
  const params = (input.params ?? {}) as Record<string, unknown>;
  const path = routePath(operation).replace(/:([A-Za-z0-9_]+)/g, (_, k: string) =>
    encodeURIComponent(String(params[k] ?? `{${k}}`)),
  );
  const q = Object.entries((input.query ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const qs = q.length ? `?${q.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')}` : '';
  return `${operation.method} ${path}${qs}`;
}

type Section = Record<string, unknown>;

/**
 * Run one operation and shape its answer into a section with its `source`; an operation error
 * (no data yet, chain not indexed…) becomes `{ source, error }` so the rest of the answer stands.
 */
async function section<T>(
  ctx: ToolContext,
  operation: Operation,
  input: RawInput,
  shape: (answer: T) => Section,
): Promise<Section> {
  const source = sourceOf(operation, input);
  try {
    return { source, ...shape((await ctx.call(operation, input)) as T) };
  } catch (err) {
    if (err instanceof AppError) return { source, error: { code: err.code, detail: err.message } };
    throw err;
  }
}

const isoOrUndefined = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

// ---------------------------------------------------------------- the operations the tools run

const getAsset = op('getAsset');
const getPrices = op('getPrices');
const listMarkets = op('listMarkets');
const getMarketRegime = op('getMarketRegime');
const getLatestSignals = op('getLatestSignals');
const getGrades = op('getGrades');
const getLevels = op('getLevels');
const getQuant = op('getQuant');
const getCorrelation = op('getCorrelation');
const getOhlcv = op('getOhlcv');
const getIndicators = op('getIndicators');
const getSignalPerformance = op('getSignalPerformance');
const getWallet = op('getWallet');
const listWalletApprovals = op('listWalletApprovals');
const listWalletTransfers = op('listWalletTransfers');
const getTokenInfo = op('getTokenInfo');
const getTokenHolders = op('getTokenHolders');
const listWhaleTransfers = op('listWhaleTransfers');
const getLabelFlows = op('getLabelFlows');
const decodeTransaction = op('decodeTransaction');
const getContract = op('getContract');

const ASSET = prop(getQuant, 'query', 'asset', 'Asset id (bitcoin), symbol (BTC) or CAIP-19 contract');
const AS_OF = prop(getQuant, 'query', 'asOf', 'Point in time (ISO 8601); default now');
const CHAIN_ID = prop(getWallet, 'params', 'chainId', 'EVM chain id (1 = Ethereum)');

// ---------------------------------------------------------------- answer shapes (compact)

type PriceQuote = {
  asset: string;
  price: number;
  asOf: string;
  stale: boolean;
  deviationBps: number;
  change24hPct: number | null;
  venues: { used: boolean }[];
};
const priceRow = (p: PriceQuote) => ({
  price: p.price,
  change24hPct: p.change24hPct,
  asOf: p.asOf,
  stale: p.stale,
  venues: p.venues.filter((v) => v.used).length,
  deviationBps: p.deviationBps,
});

type Signal = {
  strategy: string;
  interval: string;
  direction: string;
  strength: number;
  issuedAt: string;
  modelVersion: string;
};
type Grade = {
  kind: string;
  score: number;
  letter: string;
  asOf: string;
  modelVersion: string;
  factors: { name: string; score: number; weight: number }[];
};
type Level = { kind: string; price: number; strength: number; distance: number; touches: number };
type ReturnsMap = Record<string, { value: number } | null>;

function nearestLevels(levels: Level[], kind: string) {
  return levels
    .filter((l) => l.kind === kind)
    .sort((a, b) => Math.abs(a.distance) - Math.abs(b.distance))
    .slice(0, LEVELS_PER_SIDE)
    .map((l) => ({
      price: l.price,
      strength: l.strength,
      distancePct: roundSignificant(l.distance * 100, 3),
    }));
}

function returnsOf(r: ReturnsMap): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v ? v.value : null;
  return out;
}

// ---------------------------------------------------------------- transaction notes

// Selectors that move or expose a user's tokens: what a signer must notice.
const SELECTORS: Record<string, string> = {
  '0x095ea7b3': 'approve(spender, amount)',
  '0xa22cb465': 'setApprovalForAll(operator, approved)',
  '0xa9059cbb': 'transfer(to, amount)',
  '0x23b872dd': 'transferFrom(from, to, amount)',
  '0xd505accf': 'permit(owner, spender, value, deadline, v, r, s)',
  '0x39509351': 'increaseAllowance(spender, addedValue)',
  '0x42842e0e': 'safeTransferFrom(from, to, tokenId)',
};
const UNLIMITED_THRESHOLD = 2n ** 255n;
const NEW_CONTRACT_DAYS = 30;

function word(data: string, i: number): string | undefined {
  const start = 10 + i * 64;
  return data.length >= start + 64 ? data.slice(start, start + 64) : undefined;
}

function transactionNotes(tx: { data: string; value: string; to: string | null }): string[] {
  const notes: string[] = [];
  const selector = tx.data.length >= 10 ? tx.data.slice(0, 10).toLowerCase() : null;
  if (tx.to === null) notes.push('deploys a new contract (no recipient)');
  if (selector) {
    const fn = SELECTORS[selector];
    notes.push(fn ? `calls ${fn}` : `calls an unrecognised function ${selector}`);
    if (selector === '0x095ea7b3' || selector === '0x39509351') {
      const spender = word(tx.data, 0);
      const amount = word(tx.data, 1);
      if (spender && amount) {
        const n = BigInt(`0x${amount}`);
        notes.push(
          `${n >= UNLIMITED_THRESHOLD ? 'UNLIMITED ' : ''}allowance of ${n} base units to 0x${spender.slice(24)}`,
        );
      }
    }
    if (selector === '0xa22cb465') {
      const approved = word(tx.data, 1);
      if (approved && BigInt(`0x${approved}`) !== 0n)
        notes.push(
          `grants operator 0x${word(tx.data, 0)?.slice(24)} control of EVERY NFT of that collection`,
        );
    }
  }
  if (BigInt(tx.value) > 0n) notes.push(`sends ${Number(BigInt(tx.value)) / 1e18} native coin (18 decimals)`);
  return notes;
}

// ---------------------------------------------------------------- the curated tools

/** The default tool set: a few composite tools, each answering one question an agent asks. */
export const COMPOSITE_TOOLS: readonly McpTool[] = [
  {
    name: 'market_snapshot',
    title: 'Market snapshot',
    description:
      'Top assets by volume (price, 24h change, USD volume) and the market regime (bull/bear/neutral).',
    input: Type.Object({
      limit: Type.Integer({
        minimum: 1,
        maximum: MARKET_ROWS_MAX,
        default: 10,
        description: 'Assets to list',
      }),
    }),
    uses: [listMarkets, getMarketRegime],
    async run(args, ctx) {
      const [markets, regime] = await Promise.all([
        section(
          ctx,
          listMarkets,
          { query: { limit: args.limit } },
          (r: { items: (PriceQuote & { symbol: string; volume24hUsd: number | null })[] }) => ({
            rows: r.items.map((m) => ({
              asset: m.asset,
              symbol: m.symbol,
              price: m.price,
              change24hPct: m.change24hPct,
              volume24hUsd: m.volume24hUsd,
              asOf: m.asOf,
              ...(m.stale ? { stale: true } : {}),
            })),
          }),
        ),
        section(
          ctx,
          getMarketRegime,
          { query: {} },
          (r: { label: string; score: number; breadth: number; medianReturn: number; asOf: string }) => ({
            label: r.label,
            score: r.score,
            breadth: r.breadth,
            medianReturn30d: r.medianReturn,
            asOf: r.asOf,
          }),
        ),
      ]);
      return { regime, markets };
    },
  },
  {
    name: 'asset_analysis',
    title: 'Asset analysis',
    description:
      'One asset in depth: price, the current signal of each strategy, trader/investor grades, nearest support/resistance, returns and risk (volatility, Sharpe, drawdown, beta). Point-in-time with asOf.',
    input: Type.Object({
      asset: ASSET,
      interval: Type.Optional(
        prop(getLatestSignals, 'query', 'interval', 'Signal interval (1h or 1d); default both'),
      ),
      asOf: AS_OF,
    }),
    uses: [getAsset, getPrices, getLatestSignals, getGrades, getLevels, getQuant],
    async run(args, ctx) {
      // Resolve first: an unknown or ambiguous asset is the tool's error, not five section errors.
      const asset = (await ctx.call(getAsset, { params: { id: args.asset } })) as {
        id: string;
        symbol: string;
        name: string;
      };
      const id = asset.id;
      const asOf = isoOrUndefined(args.asOf);
      const at = asOf ? { asOf } : {};
      const [price, signals, grades, levels, quant] = await Promise.all([
        asOf
          ? Promise.resolve({
              note: 'live price omitted for a past asOf; see quant.lastClose / levels.lastClose',
            })
          : section(ctx, getPrices, { query: { ids: id } }, (r: { data: PriceQuote[] }) =>
              r.data[0]
                ? priceRow(r.data[0])
                : { error: { code: 'NO_MARKET_DATA', detail: `no price for ${id}` } },
            ),
        section(
          ctx,
          getLatestSignals,
          { query: { asset: id, ...(args.interval ? { interval: args.interval } : {}), ...at } },
          (r: { data: Signal[] }) => ({
            current: r.data.map((s) => ({
              strategy: s.strategy,
              interval: s.interval,
              direction: s.direction,
              strength: s.strength,
              issuedAt: s.issuedAt,
            })),
          }),
        ),
        section(ctx, getGrades, { query: { asset: id, ...at } }, (r: { data: Grade[] }) => ({
          grades: r.data.map((g) => ({
            kind: g.kind,
            score: g.score,
            letter: g.letter,
            asOf: g.asOf,
            factors: Object.fromEntries(g.factors.map((f) => [f.name, f.score])),
          })),
        })),
        section(
          ctx,
          getLevels,
          { query: { asset: id, ...at } },
          (r: { asOf: string; lastClose: number; levels: Level[] }) => ({
            asOf: r.asOf,
            lastClose: r.lastClose,
            support: nearestLevels(r.levels, 'support'),
            resistance: nearestLevels(r.levels, 'resistance'),
          }),
        ),
        section(
          ctx,
          getQuant,
          { query: { asset: id, ...at } },
          (r: {
            asOf: string;
            days: number;
            returns: ReturnsMap;
            risk: Record<string, unknown>;
            benchmark: string;
          }) => ({
            asOf: r.asOf,
            returns: returnsOf(r.returns),
            risk: r.risk,
            riskWindowDays: r.days,
            benchmark: r.benchmark,
          }),
        ),
      ]);
      return { asset: { id, symbol: asset.symbol, name: asset.name }, price, signals, grades, levels, quant };
    },
  },
  {
    name: 'compare_assets',
    title: 'Compare assets',
    description:
      'Side by side for 2-10 assets: trailing returns, volatility, Sharpe, max drawdown, and their return correlation matrix.',
    input: Type.Object({
      assets: Type.Array(ASSET, {
        minItems: 2,
        maxItems: COMPARE_ASSETS_MAX,
        description: 'Assets to compare',
      }),
      days: Type.Integer({ minimum: 30, maximum: 3650, default: 90, description: 'Window in days' }),
      asOf: AS_OF,
    }),
    uses: [getQuant, getCorrelation],
    async run(args, ctx) {
      const assets = args.assets as string[];
      const at = args.asOf ? { asOf: args.asOf } : {};
      const [rows, correlation] = await Promise.all([
        Promise.all(
          assets.map((a) =>
            section(
              ctx,
              getQuant,
              { query: { asset: a, days: args.days, ...at } },
              (r: { asset: string; asOf: string; returns: ReturnsMap; risk: Record<string, unknown> }) => ({
                asset: r.asset,
                asOf: r.asOf,
                returns: returnsOf(r.returns),
                volatility: r.risk.volatility,
                sharpe: r.risk.sharpe,
                maxDrawdown:
                  (r.risk.maxDrawdown as { value?: number } | undefined)?.value ?? r.risk.maxDrawdown,
              }),
            ),
          ),
        ),
        section(
          ctx,
          getCorrelation,
          { query: { assets: assets.join(','), days: args.days, ...at } },
          (r: { asOf: string; ids: string[]; correlation: (number | null)[][] }) => ({
            asOf: r.asOf,
            ids: r.ids,
            matrix: r.correlation,
          }),
        ),
      ]);
      return { assets: rows, correlation };
    },
  },
  {
    name: 'price_history',
    title: 'Price history',
    description:
      'Recent OHLCV bars of an asset (closed bars; time, open, high, low, close, volume) and optionally one indicator over them (rsi, macd, bbands, atr, sma, ema…).',
    input: Type.Object({
      asset: ASSET,
      interval: prop(getOhlcv, 'query', 'interval', 'Bar interval'),
      bars: Type.Integer({
        minimum: 1,
        maximum: HISTORY_BARS_MAX,
        default: 30,
        description: 'Newest bars to return',
      }),
      indicator: Type.Optional(prop(getIndicators, 'query', 'name', 'Indicator name')),
      period: Type.Optional(prop(getIndicators, 'query', 'period', 'Indicator period')),
      asOf: AS_OF,
    }),
    uses: [getAsset, getOhlcv, getIndicators],
    async run(args, ctx) {
      const interval = String(args.interval);
      const bars = Number(args.bars);
      const end = args.asOf ? Date.parse(String(args.asOf)) : ctx.now;
      const endMs = Number.isFinite(end) ? end : ctx.now;
      const from = new Date(endMs - bars * (INTERVAL_MS[interval] ?? 86_400_000)).toISOString();
      const to = new Date(endMs).toISOString();
      // Resolve first: an unknown or ambiguous asset is the tool's error (with the candidates).
      const asset = (await ctx.call(getAsset, { params: { id: args.asset } })) as { id: string };
      const window = { asset: asset.id, interval, from, to };
      const [ohlcv, indicator] = await Promise.all([
        section(
          ctx,
          getOhlcv,
          { query: { ...window, limit: bars } },
          (r: {
            asset: string;
            venue: string;
            symbol: string;
            bars: {
              time: string;
              open: number;
              high: number;
              low: number;
              close: number;
              volume: number;
              final: boolean;
            }[];
          }) => ({
            market: `${r.venue}:${r.symbol}`,
            asOf: r.bars.at(-1)?.time,
            columns: ['time', 'open', 'high', 'low', 'close', 'volume'],
            rows: r.bars
              .filter((b) => b.final)
              .map((b) => [b.time, b.open, b.high, b.low, b.close, b.volume]),
          }),
        ),
        args.indicator === undefined
          ? Promise.resolve(undefined)
          : section(
              ctx,
              getIndicators,
              {
                query: {
                  ...window,
                  name: args.indicator,
                  limit: bars,
                  ...(args.period !== undefined ? { period: args.period } : {}),
                },
              },
              (r: {
                indicator: string;
                params: Record<string, number>;
                outputs: string[];
                values: Record<string, unknown>[];
              }) => ({
                indicator: r.indicator,
                params: r.params,
                asOf: r.values.at(-1)?.time,
                columns: ['time', ...r.outputs],
                rows: r.values.map((v) => [v.time, ...r.outputs.map((o) => v[o] ?? null)]),
              }),
            ),
      ]);
      return {
        ohlcv: compact(ohlcv, { maxRows: HISTORY_BARS_MAX }),
        ...(indicator ? { indicator: compact(indicator, { maxRows: HISTORY_BARS_MAX }) } : {}),
      };
    },
  },
  {
    name: 'strategy_performance',
    title: 'Signal track record',
    description:
      'How each signal strategy has done on an asset: hit rate and mean forward return after its signals, and the Sharpe of following it vs buy-and-hold. From the append-only ledger (or recomputed point in time).',
    input: Type.Object({
      asset: ASSET,
      interval: prop(getSignalPerformance, 'query', 'interval', 'Signal interval (1h or 1d)'),
      strategy: prop(getSignalPerformance, 'query', 'strategy', 'One strategy id; default all'),
      source: prop(
        getSignalPerformance,
        'query',
        'source',
        'ledger (as recorded) or recompute (point in time over all history)',
      ),
    }),
    uses: [getSignalPerformance],
    async run(args, ctx) {
      type Perf = {
        strategy: string;
        interval: string;
        source: string;
        from: string;
        to: string;
        signals: { total: number };
        horizons: {
          horizon: number;
          directional: { count: number; hitRate: number | null; meanReturn: number | null };
          baseline: { hitRate: number | null; meanReturn: number | null };
        }[];
        longShort: { sharpe: number | null; totalReturn: number | null; maxDrawdown: number | null };
        buyAndHold: { sharpe: number | null; totalReturn: number | null; maxDrawdown: number | null };
      };
      const query: Record<string, unknown> = {
        asset: args.asset,
        interval: args.interval,
        source: args.source,
      };
      if (args.strategy !== undefined) query.strategy = args.strategy;
      return section(ctx, getSignalPerformance, { query }, (r: { asOf: string; data: Perf[] }) => ({
        asOf: r.asOf,
        strategies: r.data.map((p) => ({
          strategy: p.strategy,
          period: `${p.from}/${p.to}`,
          signals: p.signals.total,
          horizons: p.horizons.map((h) => ({
            bars: h.horizon,
            hitRate: h.directional.hitRate,
            meanReturn: h.directional.meanReturn,
            baselineHitRate: h.baseline.hitRate,
          })),
          followSharpe: p.longShort.sharpe,
          buyAndHoldSharpe: p.buyAndHold.sharpe,
        })),
      }));
    },
  },
  {
    name: 'onchain_wallet',
    title: 'On-chain wallet',
    description:
      'An EVM address on an indexed chain: token balances, NFTs, outstanding token approvals (what a revoke tool shows, unlimited ones flagged) and its latest transfers.',
    input: Type.Object({
      chainId: CHAIN_ID,
      address: prop(getWallet, 'params', 'address', 'Wallet address (0x…)'),
    }),
    uses: [getWallet, listWalletApprovals, listWalletTransfers],
    async run(args, ctx) {
      const params = { chainId: args.chainId, address: args.address };
      type Amount = { formatted: string };
      type Tok = { address: string; symbol: string | null };
      const [wallet, approvals, transfers] = await Promise.all([
        section(
          ctx,
          getWallet,
          { params },
          (r: {
            asOf: unknown;
            firstSeen: unknown;
            tokens: { token: Tok; balance: Amount }[];
            nfts: { name: string | null; tokenIds: number }[];
          }) => ({
            asOf: r.asOf,
            firstSeen: r.firstSeen,
            tokens: r.tokens
              .slice(0, WALLET_ROWS)
              .map((t) => ({ token: t.token.symbol ?? t.token.address, balance: t.balance.formatted })),
            nfts: r.nfts.slice(0, WALLET_ROWS).map((n) => ({ collection: n.name, items: n.tokenIds })),
          }),
        ),
        section(
          ctx,
          listWalletApprovals,
          { params },
          (r: {
            asOf: unknown;
            approvals: {
              token: Tok;
              spender: string;
              allowance: Amount;
              unlimited: boolean;
              lastUpdate: { timestamp: string | null };
            }[];
          }) => ({
            asOf: r.asOf,
            outstanding: r.approvals.length,
            approvals: r.approvals.slice(0, WALLET_ROWS).map((a) => ({
              token: a.token.symbol ?? a.token.address,
              spender: a.spender,
              allowance: a.unlimited ? 'unlimited' : a.allowance.formatted,
              since: a.lastUpdate.timestamp,
            })),
          }),
        ),
        section(
          ctx,
          listWalletTransfers,
          { params, query: { limit: WALLET_ROWS } },
          (r: {
            asOf: unknown;
            transfers: {
              timestamp: string | null;
              direction: string;
              symbol: string | null;
              token: string | null;
              amount: Amount;
              from: string;
              to: string;
              txHash: string;
            }[];
          }) => ({
            asOf: r.asOf,
            latest: r.transfers.map((t) => ({
              time: t.timestamp,
              direction: t.direction,
              token: t.symbol ?? t.token ?? 'native',
              amount: t.amount.formatted,
              counterparty: t.direction === 'in' ? t.from : t.to,
              tx: t.txHash,
            })),
          }),
        ),
      ]);
      return { wallet, approvals, transfers };
    },
  },
  {
    name: 'token_holders',
    title: 'Token holders',
    description:
      'Holders of a token on an indexed chain: count, top-10 share, Gini, distribution buckets and the largest holders.',
    input: Type.Object({
      chainId: CHAIN_ID,
      address: prop(getTokenInfo, 'params', 'address', 'Token contract address (0x…)'),
    }),
    uses: [getTokenInfo, getTokenHolders],
    async run(args, ctx) {
      const params = { chainId: args.chainId, address: args.address };
      const [info, holders] = await Promise.all([
        section(
          ctx,
          getTokenInfo,
          { params },
          (r: {
            asOf: unknown;
            token: { symbol: string | null; name: string | null };
            holderCount: number;
            top10Share: number;
            gini: number;
            totalHeld: { formatted: string };
            distribution: { buckets: { label: string; holders: number; share: number }[] };
          }) => ({
            asOf: r.asOf,
            token: r.token.symbol ?? r.token.name,
            holderCount: r.holderCount,
            totalHeld: r.totalHeld.formatted,
            top10Share: r.top10Share,
            gini: r.gini,
            buckets: r.distribution.buckets.map((b) => ({
              bucket: b.label,
              holders: b.holders,
              share: b.share,
            })),
          }),
        ),
        section(
          ctx,
          getTokenHolders,
          { params, query: { limit: HOLDER_ROWS } },
          (r: {
            asOf: unknown;
            holders: { rank: number; address: string; balance: { formatted: string }; share: number }[];
          }) => ({
            asOf: r.asOf,
            top: r.holders.map((h) => ({
              rank: h.rank,
              address: h.address,
              balance: h.balance.formatted,
              share: h.share,
            })),
          }),
        ),
      ]);
      return { info, holders };
    },
  },
  {
    name: 'whale_activity',
    title: 'Whale activity',
    description:
      'Large token transfers on an indexed chain (valued in USD at block time) and the net flow in/out of labelled addresses (e.g. exchanges).',
    input: Type.Object({
      chainId: CHAIN_ID,
      minUsd: prop(listWhaleTransfers, 'query', 'minUsd', 'Smallest USD value'),
      hours: prop(listWhaleTransfers, 'query', 'hours', 'Look-back in hours'),
      label: prop(getLabelFlows, 'query', 'label', 'Address label for flows'),
    }),
    uses: [listWhaleTransfers, getLabelFlows],
    async run(args, ctx) {
      const params = { chainId: args.chainId };
      const [whales, flows] = await Promise.all([
        section(
          ctx,
          listWhaleTransfers,
          { params, query: { minUsd: args.minUsd, hours: args.hours, limit: WHALE_ROWS } },
          (r: {
            asOf: unknown;
            transfers: {
              timestamp: string | null;
              symbol: string | null;
              asset: string;
              amount: { formatted: string };
              usd: number;
              from: string;
              to: string;
              txHash: string;
            }[];
            truncated: boolean;
          }) => ({
            asOf: r.asOf,
            transfers: r.transfers.map((t) => ({
              time: t.timestamp,
              token: t.symbol ?? t.asset,
              amount: t.amount.formatted,
              usd: Math.round(t.usd),
              from: t.from,
              to: t.to,
              tx: t.txHash,
            })),
            ...(r.truncated ? { truncated: true } : {}),
          }),
        ),
        section(
          ctx,
          getLabelFlows,
          { params, query: { label: args.label } },
          (r: {
            asOf: unknown;
            label: string;
            addresses: number;
            from: string;
            to: string;
            tokens: {
              symbol: string | null;
              token: string | null;
              transfers: number;
              net: { formatted: string };
              inflow: { formatted: string };
              outflow: { formatted: string };
            }[];
          }) => ({
            asOf: r.asOf,
            label: r.label,
            addresses: r.addresses,
            days: `${r.from}/${r.to}`,
            tokens: r.tokens.slice(0, WHALE_ROWS).map((t) => ({
              token: t.symbol ?? t.token ?? 'native',
              inflow: t.inflow.formatted,
              outflow: t.outflow.formatted,
              net: t.net.formatted,
            })),
          }),
        ),
      ]);
      return { whales, flows };
    },
  },
  {
    name: 'check_transaction',
    title: 'Check a transaction',
    description:
      'Before signing: decode a raw signed EVM transaction (sender, recipient, value, function called, approvals granted) and, on an indexed chain, the age of the recipient contract. Facts and simple checks, not a simulation.',
    input: Type.Object({
      raw: prop(decodeTransaction, 'body', 'raw', 'Raw signed transaction (0x…)'),
    }),
    uses: [decodeTransaction, getContract],
    async run(args, ctx) {
      type Decoded = {
        type: string;
        chainId: number | null;
        from: string;
        to: string | null;
        value: string;
        data: string;
        nonce: number;
        hash: string;
      };
      const tx = (await ctx.call(decodeTransaction, { body: { raw: args.raw } })) as Decoded;
      const notes = transactionNotes(tx);
      let recipient: Section | undefined;
      if (tx.to && tx.chainId !== null) {
        recipient = await section(
          ctx,
          getContract,
          { params: { chainId: tx.chainId, address: tx.to } },
          (r: { asOf: unknown; creation: { timestamp: string | null } | null; ageDays: number | null }) => ({
            asOf: r.asOf,
            createdAt: r.creation?.timestamp ?? null,
            ageDays: r.ageDays,
          }),
        );
        const age = recipient.ageDays;
        if (typeof age === 'number' && age < NEW_CONTRACT_DAYS)
          notes.push(`recipient contract is only ${roundSignificant(age, 3)} days old`);
      }
      return {
        transaction: {
          source: sourceOf(decodeTransaction, {}),
          type: tx.type,
          chainId: tx.chainId,
          from: tx.from,
          to: tx.to,
          valueWei: tx.value,
          nonce: tx.nonce,
          hash: tx.hash,
          selector: tx.data.length >= 10 ? tx.data.slice(0, 10) : null,
        },
        ...(recipient ? { recipient } : {}),
        notes,
      };
    },
  },
  {
    name: 'explain_methodology',
    title: 'Explain a method',
    description:
      'How Sextant computes something (signals, grades, quant metrics, prices, on-chain insights, wallet, errors): a section of its methodology docs. Without section: the list of sections.',
    input: Type.Object({
      topic: Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'Doc: methodology, market-data, onchain, wallet or errors',
      }),
      section: Type.Optional(
        Type.String({ minLength: 1, maxLength: 120, description: 'Heading text to look up' }),
      ),
    }),
    uses: [],
    async run(args, ctx) {
      return ctx.docs.explain(
        String(args.topic),
        args.section === undefined ? undefined : String(args.section),
      );
    },
  },
];

// ---------------------------------------------------------------- one tool per operation

// Operations an agent may call as they are: read-only, and the stateless wallet helpers.
// Left out: key-bound state (usage, webhooks, backtest jobs, SIWE sessions).
const RAW_EXCLUDED_TAGS = new Set(['account', 'webhooks', 'backtests', 'auth']);

function snakeCase(id: string): string {
  return id.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A tool that runs one registry operation: its params, query and body merged into one object. */
function rawTool(operation: Operation): McpTool {
  const parts = (['params', 'query', 'body'] as const).filter((p) => operation[p] !== undefined);
  const properties: Record<string, TSchema> = {};
  const where: Record<string, 'params' | 'query' | 'body'> = {};
  for (const part of parts) {
    for (const [k, v] of Object.entries((operation[part] as TObject).properties ?? {})) {
      properties[k] = v;
      where[k] = part;
    }
  }
  return {
    name: snakeCase(operation.id),
    title: operation.summary,
    description: operation.summary,
    input: Type.Object(properties),
    uses: [operation],
    async run(args, ctx) {
      const input: Record<'params' | 'query' | 'body', Record<string, unknown>> = {
        params: {},
        query: {},
        body: {},
      };
      for (const [k, v] of Object.entries(args)) {
        const part = where[k];
        if (part) input[part][k] = v;
      }
      const raw: RawInput = {};
      for (const part of parts) raw[part] = input[part];
      const answer = await ctx.call(operation, raw);
      return {
        source: sourceOf(operation, operation.method === 'GET' ? raw : { params: raw.params }),
        answer,
      };
    },
  };
}

/** Every registry operation an agent may call directly, as `get_prices`, `get_ohlcv`… */
export const OPERATION_TOOLS: readonly McpTool[] = OPERATIONS.filter(
  (o) =>
    o.auth.anonymous &&
    !o.tags.some((t) => RAW_EXCLUDED_TAGS.has(t)) &&
    (o.method === 'GET' || o.tags.includes('wallet')),
).map(rawTool);

/** Presets for `--tools` / MCP_TOOLS. */
export const TOOL_PRESETS = {
  default: COMPOSITE_TOOLS.map((t) => t.name),
  market: [
    'market_snapshot',
    'asset_analysis',
    'compare_assets',
    'price_history',
    'strategy_performance',
    'explain_methodology',
  ],
  onchain: ['onchain_wallet', 'token_holders', 'whale_activity', 'check_transaction', 'explain_methodology'],
  operations: OPERATION_TOOLS.map((t) => t.name),
  all: [...COMPOSITE_TOOLS, ...OPERATION_TOOLS].map((t) => t.name),
} as const satisfies Record<string, readonly string[]>;

export type ToolPreset = keyof typeof TOOL_PRESETS;

/**
 * The tools for a `--tools` value: a preset name or a comma list of tool names and presets.
 * Throws with the known names for anything unknown.
 */
export function selectTools(spec: string): McpTool[] {
  const all = new Map([...COMPOSITE_TOOLS, ...OPERATION_TOOLS].map((t) => [t.name, t]));
  const names = new Set<string>();
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const preset = (TOOL_PRESETS as Record<string, readonly string[]>)[item];
    if (preset) for (const n of preset) names.add(n);
    else if (all.has(item)) names.add(item);
    else
      throw new Error(
        `unknown MCP tool or preset '${item}': presets ${Object.keys(TOOL_PRESETS).join(', ')}; tools ${[...all.keys()].join(', ')}`,
      );
  }
  if (names.size === 0) throw new Error('no MCP tools selected');
  return [...names].map((n) => all.get(n)!);
}
