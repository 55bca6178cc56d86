import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ChainIndexer, createConfiguredIndexer, whaleDepsOf } from '../chain/index.js';
import type { Config } from '../internal/config.js';
import { flushLogger, type Logger } from '../internal/logger.js';
import { BACKTEST_JOB, backtestJobHandler, type JobRunner, startJobRunner } from '../jobs/index.js';
import { type MarketFeed, startMarketFeed } from '../market/feed.js';
import {
  createMarketResolver,
  type OpenServicesOptions,
  openServices,
  type Services,
} from '../services/index.js';
import { createSignalRunner, type SignalRunner } from '../signals/index.js';
import { startWebhookDispatcher, type WebhookDispatcher } from '../webhooks/index.js';
import { adminSocketPathFor, startAdminServer } from './admin.js';
import { type App, type BuildAppOptions, buildApp } from './app.js';

const IDLE_REAP_INTERVAL_MS = 50;

export type RunningServer = {
  app: App;
  services: Services;
  /** The live market feed (replay, exchange or none). */
  feed: MarketFeed;
  /** Computes signals after each closed bar when this process runs a feed. */
  signalRunner: SignalRunner | null;
  /** Works off queued background jobs (backtests); null with JOB_CONCURRENCY=0. */
  jobRunner: JobRunner | null;
  /** Sends signed webhooks for new signals. */
  webhooks: WebhookDispatcher;
  /** The indexers of the configured chains (empty with CHAIN_INDEXER=false or no CHAINS). */
  chainIndexers: ChainIndexer[];
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  metricsUrl: string;
  adminSocket: string | null;
  /**
   * Graceful stop: refuse new connections, let in-flight requests finish (bounded by
   * SHUTDOWN_TIMEOUT_MS, then cut), flush usage and logs, close the database and Redis.
   */
  close(reason?: string): Promise<void>;
};

export type StartServerOptions = BuildAppOptions & OpenServicesOptions & { logger?: Logger };

/** Open services, build the app and listen. */
export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  const services = await openServices(config, { ...options, command: options.command ?? 'serve' });
  const { logger, shutdown } = services.common;
  let app: App;
  try {
    app = await buildApp(services, options);
  } catch (err) {
    await services.close();
    throw err;
  }

  let metricsServer: Server | null = null;
  let adminSocket: string | null = null;
  let feed: MarketFeed | null = null;
  let signalRunner: SignalRunner | null = null;
  let jobRunner: JobRunner | null = null;
  let webhooks: WebhookDispatcher | null = null;
  const chainIndexers: ChainIndexer[] = [];
  try {
    // The feed starts before listening so a replay's data is imported when the first request comes.
    const f = await startMarketFeed({
      config,
      db: services.db,
      bus: services.common.bus,
      logger,
      assets: services.assets,
      store: services.market.store,
      resolveMarket: createMarketResolver(services.assets),
      marketClock: services.marketClock,
    });
    feed = f;
    // Runs before the database closes (shutdown steps run in reverse order of adding).
    shutdown.add('market feed', () => f.close());
    // The process that ingests computes signals after each closed bar (API-only replicas don't).
    if (f.mode !== 'none') {
      const runner = createSignalRunner({
        bus: services.common.bus,
        store: services.market.store,
        ledger: services.signals,
        logger,
        clock: () => services.marketClock.now(),
        grades: {
          store: services.grades,
          dailyBars: async (asset, to, limit) =>
            (await services.market.closedBars(asset, '1d', { to, limit }))?.bars ?? [],
        },
      });
      signalRunner = runner;
      shutdown.add('signal runner', () => runner.close());
    }
    if (config.jobConcurrency > 0) {
      const jobs = startJobRunner({
        db: services.db,
        bus: services.common.bus,
        logger,
        handlers: { [BACKTEST_JOB]: backtestJobHandler(services) },
        concurrency: config.jobConcurrency,
        staleMs: config.jobStaleMs,
        // Embedded storage is locked to this process: any job still 'running' was left by a crash.
        recoverAllAtStart: config.storageKind === 'pglite',
      });
      jobRunner = jobs;
      // Interrupted jobs are queued again for the next start.
      shutdown.add('job runner', () => jobs.close());
    }
    const dispatcher = startWebhookDispatcher({
      store: services.webhooks,
      bus: services.common.bus,
      logger,
      userAgent: `Sextant-Webhooks/${services.common.version}`,
      timeoutMs: config.webhookTimeoutMs,
      maxAttempts: config.webhookMaxAttempts,
      retryBaseMs: config.webhookRetryBaseMs,
      allowPrivate: config.webhookAllowPrivate,
    });
    webhooks = dispatcher;
    shutdown.add('webhook dispatcher', () => dispatcher.close());
    if (config.chainIndexer)
      for (const chain of config.chainList) {
        // Whale transfers are pushed on the bus after each batch (stream `whales`, webhooks).
        const ix = createConfiguredIndexer({
          chain,
          db: services.db,
          bus: services.common.bus,
          logger,
          whaleDeps: whaleDepsOf(services),
        });
        chainIndexers.push(ix);
        // Errors are logged and retried inside; a lease keeps one indexer per chain across processes.
        void ix.run();
        shutdown.add(`chain ${chain.id} indexer`, () => ix.stop());
      }
    await app.listen({ port: config.port, host: config.host });
    if (config.metricsPort > 0) {
      const metrics = services.common.metrics;
      const token = config.metricsToken;
      const ms = createServer(async (req, res) => {
        if (req.url !== '/metrics') return res.writeHead(404).end();
        if (token && req.headers.authorization !== `Bearer ${token}`) return res.writeHead(401).end();
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(await metrics.text());
      });
      await new Promise<void>((resolve, reject) => {
        ms.once('error', reject);
        ms.listen(config.metricsPort, config.host, () => resolve());
      });
      metricsServer = ms;
    }
    if (config.storageKind === 'pglite') {
      const admin = await startAdminServer(services, adminSocketPathFor(config.dataDirAbs), (id) =>
        app.authenticator.announceRevoked(id),
      );
      adminSocket = admin.path;
      shutdown.add('admin channel', () => admin.close());
      // Record the socket in the lock file so CLI commands find it.
      services.lock?.update({ adminSocket: admin.path });
    }
  } catch (err) {
    await app.close().catch(() => {});
    await services.close();
    throw err;
  }
  const liveFeed = feed!;

  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  const metricsUrl = metricsServer
    ? `http://${host}:${(metricsServer.address() as AddressInfo).port}/metrics`
    : `${url}/metrics`;

  let closing: Promise<void> | undefined;
  return {
    app,
    services,
    feed: liveFeed,
    signalRunner,
    jobRunner,
    webhooks: webhooks!,
    chainIndexers,
    url,
    metricsUrl,
    adminSocket,
    close(reason = 'close') {
      closing ??= (async () => {
        logger.info({ reason }, 'shutting down');
        // Cut whatever is still running once the grace period is over.
        const timer = setTimeout(() => {
          logger.warn(
            { timeoutMs: config.shutdownTimeoutMs },
            'shutdown grace period over: closing open connections',
          );
          app.server.closeAllConnections();
        }, config.shutdownTimeoutMs);
        timer.unref();
        // Keep-alive connections become idle once their in-flight response is sent; close them as
        // they do, so shutdown ends when the last request does, not when the grace period does.
        const reaper = setInterval(() => app.server.closeIdleConnections(), IDLE_REAP_INTERVAL_MS);
        reaper.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(timer);
          clearInterval(reaper);
        }
        if (metricsServer) {
          const m = metricsServer;
          await new Promise<void>((resolve) => {
            m.close(() => resolve());
            m.closeAllConnections();
          });
        }
        await services.close();
        logger.info('stopped');
        flushLogger(logger);
      })();
      return closing;
    },
  };
}
