import type { Redis } from 'ioredis';
import { type AssetRegistry, createAssetRegistry } from '../assets/index.js';
import { createSiweStore, type SiweStore } from '../auth/index.js';
import { type Bus, createMemoryBus, createRedisBus } from '../bus/index.js';
import { type AddressLabels, loadAddressLabels } from '../chain/insights/labels.js';
import { type ChainRpcHandle, createIndexerRpc } from '../chain/rpcAdapter.js';
import { createDb, type DataDirLock, type Db, lockDataDir, migrate } from '../db/index.js';
import { createGradeStore, type GradeStore } from '../grades/index.js';
import type { Common, FreshnessProbe } from '../internal/common.js';
import type { Config } from '../internal/config.js';
import { createLogger, type Logger, redactConnectionUrl } from '../internal/logger.js';
import { createMetrics } from '../internal/metrics.js';
import { connectRedis } from '../internal/redis.js';
import { createShutdown } from '../internal/shutdown.js';
import { packageVersion } from '../internal/version.js';
import { createJobStore, type JobStore } from '../jobs/jobStore.js';
import { type ApiKeyStore, createApiKeyStore, createUsageTracker, type UsageTracker } from '../keys/index.js';
import { type CounterStore, createMemoryCounterStore, createRedisCounterStore } from '../limits/index.js';
import { baseQuote, createMarketService, type MarketResolver, type MarketService } from '../market/index.js';
import { createSignalLedger, type SignalLedger } from '../signals/index.js';
import { createWebhookStore, type WebhookStore } from '../webhooks/webhookStore.js';

// A SIWE nonce must come back signed within 10 minutes (wallet round trip plus reading time).
const SIWE_NONCE_TTL_MS = 600_000;

/**
 * Maps a venue market to its asset for imports: the registry's market table first, then the
 * base symbol when exactly one ranked (curated) asset carries it.
 */
export function createMarketResolver(assets: AssetRegistry): MarketResolver {
  return (venue, symbol) => {
    const bq = baseQuote(symbol);
    if (!bq) return null;
    const known = assets.byMarket(venue, symbol);
    if (known) return { assetId: known.asset.id, quote: known.quote };
    const ranked = assets.bySymbol(bq.base).filter((a) => a.rank !== null && a.rank !== undefined);
    return ranked.length === 1 ? { assetId: ranked[0]!.id, quote: bq.quote } : null;
  };
}

/** Everything operations need: storage, caches, the bus, key and usage stores. */
export type Services = {
  common: Common;
  db: Db;
  redis: Redis | null;
  /** The data-dir lock (embedded storage only). */
  lock: DataDirLock | null;
  counters: CounterStore;
  keys: ApiKeyStore;
  usage: UsageTracker;
  /** The asset registry (ids, symbols, venue markets, contracts). */
  assets: AssetRegistry;
  /** Stored and live candles and prices. */
  market: MarketService;
  /** The append-only signal ledger. */
  signals: SignalLedger;
  /** Trader and investor grades with history. */
  grades: GradeStore;
  /** Sign-In with Ethereum nonces and sessions. */
  siwe: SiweStore;
  /** Durable background jobs (backtests); a runner in the server process works them off. */
  jobs: JobStore;
  /** Webhook subscriptions and their delivery outbox/log. */
  webhooks: WebhookStore;
  /** Labelled addresses from `CHAIN_LABELS_FILE` (exchange flows), null without one. */
  chainLabels: AddressLabels | null;
  /** RPC handles of the configured chains (`CHAINS`), created on first use. */
  chainRpc(chainId: number): ChainRpcHandle | null;
  /**
   * The market feed's clock: wall time, or the replay's simulated time during a replay (set by
   * whoever starts the replay).
   */
  marketClock: { now: () => number };
  /** Migration version at start (status reports it without a query per request). */
  schemaVersion: number;
  freshness: FreshnessProbe[];
  /** Close everything opened here, in reverse order. */
  close(): Promise<void>;
};

export type OpenServicesOptions = {
  /** Logger to use (tests pass one writing to a capture stream). */
  logger?: Logger;
  /** What holds the data-dir lock, for the message another process sees. */
  command?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
};

/**
 * Open storage, Redis and the stores for one process. With PGlite this takes the data-dir lock
 * first, so a second process gets a clear `DataDirLockedError` instead of corrupting files.
 */
export async function openServices(config: Config, options: OpenServicesOptions = {}): Promise<Services> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const shutdown = createShutdown();
  let lock: DataDirLock | undefined;
  try {
    if (config.storageKind === 'pglite') {
      lock = lockDataDir(config.dataDirAbs, options.command ?? 'serve');
      const l = lock;
      shutdown.add('data-dir lock', () => l.release());
    }
    const db = await createDb(
      config.databaseUrl
        ? {
            kind: 'postgres',
            url: config.databaseUrl,
            schema: config.databaseSchema,
            poolSize: config.databasePoolSize,
          }
        : { kind: 'pglite', dataDir: config.dataDirAbs },
    );
    shutdown.add('database', () => db.close());
    logger.debug(
      {
        storage: db.kind,
        target: config.databaseUrl ? redactConnectionUrl(config.databaseUrl) : config.dataDirAbs,
      },
      'database open',
    );
    let schemaVersion = 0;
    if (options.migrate !== false) {
      const r = await migrate(db);
      schemaVersion = r.current;
      if (r.applied.length > 0)
        logger.info({ applied: r.applied.map((m) => m.version) }, 'migrations applied');
    }

    let redis: Redis | null = null;
    let bus: Bus;
    let counters: CounterStore;
    if (config.redisUrl) {
      const r = await connectRedis(config.redisUrl);
      redis = r;
      shutdown.add('redis', async () => {
        await r.quit().catch(() => r.disconnect());
      });
      bus = createRedisBus(r, config.redisPrefix);
      counters = createRedisCounterStore(r, config.redisPrefix);
    } else {
      bus = createMemoryBus();
      counters = createMemoryCounterStore();
    }
    const b = bus;
    const c = counters;
    shutdown.add('bus', () => b.close());
    shutdown.add('counters', () => c.close());

    const usage = createUsageTracker({ db, onError: (err) => logger.warn({ err }, 'usage flush failed') });
    usage.start();
    shutdown.add('usage', () => usage.stop());

    const marketClock = { now: () => Date.now() };
    const market = createMarketService({
      db,
      bus,
      clock: () => marketClock.now(),
      staleAfterMs: config.priceStaleAfterMs,
      outlierFraction: config.priceOutlierPct / 100,
    });
    shutdown.add('market', () => market.close());

    const startedAt = Date.now();
    const rpcs = new Map<number, ChainRpcHandle>();
    const common: Common = {
      config,
      logger,
      metrics: createMetrics(),
      bus,
      shutdown,
      startedAt,
      startedAtIso: new Date(startedAt).toISOString(),
      version: packageVersion(),
    };
    return {
      common,
      db,
      redis,
      lock: lock ?? null,
      counters,
      keys: createApiKeyStore({ db }),
      usage,
      assets: createAssetRegistry(),
      market,
      signals: createSignalLedger(db),
      grades: createGradeStore(db),
      siwe: createSiweStore({
        db,
        nonceTtlMs: SIWE_NONCE_TTL_MS,
        sessionTtlMs: config.siweSessionTtlSeconds * 1000,
      }),
      jobs: createJobStore(db, bus),
      webhooks: createWebhookStore(db),
      chainLabels: config.chainLabelsFile ? loadAddressLabels(config.chainLabelsFile) : null,
      chainRpc: (chainId) => {
        const cached = rpcs.get(chainId);
        if (cached) return cached;
        const chain = config.chainList.find((c) => c.id === chainId);
        if (!chain) return null;
        const rpc = createIndexerRpc(chain, logger);
        rpcs.set(chainId, rpc);
        return rpc;
      },
      marketClock,
      schemaVersion,
      freshness: [],
      async close() {
        const { errors } = await shutdown.run('close');
        for (const e of errors) logger.warn({ step: e.name, err: e.error }, 'error during close');
      },
    };
  } catch (err) {
    await shutdown.run('open failed');
    throw err;
  }
}
