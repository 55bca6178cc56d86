import type { AssetRegistry } from '../assets/index.js';
import type { Bus } from '../bus/index.js';
import type { Db } from '../db/index.js';
import type { ChainConfig } from '../internal/config.js';
import type { Logger } from '../internal/logger.js';
import type { MarketService } from '../market/service.js';
import { type ChainIndexer, type ChainIndexerOptions, createChainIndexer } from './indexer/chainIndexer.js';
import type { PriceBar, WhaleDeps } from './insights/whales.js';
import { type ChainRpcHandle, createIndexerRpc } from './rpcAdapter.js';
import { createChainStore } from './store/chainStore.js';
import { createWhalePublisher } from './whalePublisher.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Token → asset through the registry (CAIP-19), and closed bars from the market service: what
 * whale valuation needs, for the REST endpoint and the live pusher alike.
 */
export function whaleDepsOf(s: {
  assets: Pick<AssetRegistry, 'byContract'>;
  market: Pick<MarketService, 'ohlcv'>;
}): WhaleDeps {
  return {
    assetOf(caip19) {
      const asset = s.assets.byContract(caip19);
      if (!asset) return undefined;
      return {
        id: asset.id,
        symbol: asset.symbol,
        decimals: asset.contracts.find((c) => c.caip19 === caip19)?.decimals ?? null,
        usdPegged: asset.stablecoin === 'USD',
      };
    },
    async bars(assetId, interval, fromMs, toMs): Promise<PriceBar[]> {
      const step = interval === '1h' ? HOUR_MS : DAY_MS;
      const r = await s.market.ohlcv({
        assetId,
        interval,
        from: fromMs,
        to: toMs,
        limit: Math.ceil((toMs - fromMs) / step) + 1,
      });
      return (r?.bars ?? []).filter((b) => b.final).map((b) => ({ openTime: b.openTime, close: b.close }));
    },
  };
}

export type ConfiguredIndexerOptions = {
  chain: ChainConfig;
  db: Db;
  /** Whale transfers are published here (the stream's `whales` channel, webhooks). */
  bus: Pick<Bus, 'publish'>;
  logger: Logger;
  whaleDeps: WhaleDeps;
  /** The chain's RPC (default: a new one over its configured URLs). */
  rpc?: ChainRpcHandle;
  /** Overrides (first block, batch size, progress, poll interval). */
  overrides?: Partial<Omit<ChainIndexerOptions, 'chainId' | 'rpc' | 'store' | 'logger'>>;
};

/**
 * The indexer of a configured chain (`CHAINS`) as `serve` and `sextant index` run it: RPC over
 * `src/chain/rpc`, the chain store on `db`, whale transfers pushed after each batch.
 */
export function createConfiguredIndexer(o: ConfiguredIndexerOptions): ChainIndexer {
  const { chain } = o;
  const whales = createWhalePublisher({
    chainId: chain.id,
    db: o.db,
    bus: o.bus,
    deps: o.whaleDeps,
    minUsd: chain.whaleMinUsd,
    finality: chain.finality,
    logger: o.logger,
  });
  const rpc = o.rpc ?? createIndexerRpc(chain, o.logger);
  return createChainIndexer({
    chainId: chain.id,
    rpc,
    // ws:// URLs in CHAINS: new heads wake the indexer at once (polling stays the fallback).
    newHeads: () => rpc.heads(),
    store: createChainStore(o.db),
    logger: o.logger,
    finality: chain.finality,
    startBlock: BigInt(chain.startBlock),
    fullBlocks: chain.fullBlocks,
    nativeAddresses: chain.nativeAddresses === '*' ? '*' : new Set(chain.nativeAddresses),
    onCommit: whales.onCommit,
    onRollback: whales.onRollback,
    ...o.overrides,
  });
}
