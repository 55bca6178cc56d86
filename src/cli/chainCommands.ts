import { type ChainIndexer, createChainStore, createConfiguredIndexer, whaleDepsOf } from '../chain/index.js';
import { createIndexerRpc } from '../chain/rpcAdapter.js';
import { readLockHolder } from '../db/index.js';
import type { Config, SettingKey } from '../internal/config.js';
import { DataDirLockedError } from '../internal/errors.js';
import type { Logger } from '../internal/logger.js';
import { openServices } from '../services/index.js';
import type { Command, RunContext } from './main.js';

export type ChainCommandDeps = {
  usageError(message: string): Error;
  table(rows: string[][]): string;
  cliLogger(config: Config): Logger;
};

const CHAIN_SETTINGS: readonly SettingKey[] = [
  'dataDir',
  'databaseUrl',
  'databaseSchema',
  'logLevel',
  'chains',
];

const DEFAULT_BATCH_BLOCKS = 2000;
// How often a standing-by `sextant index` asks for the chain's lease again.
const LEASE_POLL_MS = 2_000;
// How often `sextant index --follow` asks for the head once caught up (without a ws:// URL).
const FOLLOW_POLL_MS = 1_000;

function chainOf(ctx: RunContext, deps: ChainCommandDeps, config: Config) {
  if (config.chainList.length === 0)
    throw deps.usageError(
      'no chain configured: set CHAINS (e.g. CHAINS=31337=http://127.0.0.1:8545) or --chains',
    );
  const raw = ctx.values.chain;
  if (raw === undefined) {
    if (config.chainList.length > 1)
      throw deps.usageError(
        `--chain is required: configured chains are ${config.chainList.map((c) => c.id).join(', ')}`,
      );
    return config.chainList[0]!;
  }
  const id = Number(raw);
  const chain = config.chainList.find((c) => c.id === id);
  if (!chain)
    throw deps.usageError(
      `--chain ${String(raw).slice(0, 20)} is not configured (configured: ${config.chainList.map((c) => c.id).join(', ')})`,
    );
  return chain;
}

function refuseIfServing(config: Config): void {
  const holder = config.storageKind === 'pglite' ? readLockHolder(config.dataDirAbs) : null;
  if (holder?.command === 'serve')
    throw new DataDirLockedError(
      `data directory ${config.dataDirAbs} is in use by a running server (which indexes the configured chains itself): stop it, or use DATABASE_URL so both can share PostgreSQL`,
      holder.pid,
    );
}

/** `sextant index` and `sextant chains status`. */
export function createChainCommands(deps: ChainCommandDeps): Command[] {
  const index: Command = {
    name: 'index',
    summary: 'Index an EVM chain into storage (historical sync, then optionally follow the head)',
    usage: 'sextant index [--chain 1] [--from-block N] [--to-block N] [--batch-blocks N] [--follow] [--json]',
    options: {
      chain: { type: 'string', description: 'Chain id from CHAINS (required when several are configured)' },
      'from-block': {
        type: 'string',
        description: "First block when there is no checkpoint (default: the chain's startBlock)",
      },
      'to-block': {
        type: 'string',
        description: 'Stop once indexed through this block (default: the head at start)',
      },
      'batch-blocks': {
        type: 'string',
        description: `Most blocks written per transaction, each with its checkpoint (default ${DEFAULT_BATCH_BLOCKS}; smaller: more frequent checkpoints)`,
      },
      follow: {
        type: 'boolean',
        description: 'Keep following new blocks after catching up (Ctrl-C to stop)',
      },
    },
    settings: CHAIN_SETTINGS,
    async run(ctx) {
      const config = ctx.config();
      const chain = chainOf(ctx, deps, config);
      const block = (name: string): bigint | undefined => {
        const v = ctx.values[name];
        if (v === undefined) return undefined;
        if (typeof v !== 'string' || !/^\d{1,15}$/.test(v))
          throw deps.usageError(`--${name} must be a block number`);
        return BigInt(v);
      };
      const batchRaw = ctx.values['batch-blocks'];
      if (
        batchRaw !== undefined &&
        (typeof batchRaw !== 'string' || !/^\d{1,6}$/.test(batchRaw) || Number(batchRaw) < 1)
      )
        throw deps.usageError(`--batch-blocks must be a whole number from 1 to 999999`);
      const batchBlocks = batchRaw === undefined ? DEFAULT_BATCH_BLOCKS : Number(batchRaw);
      const fromBlock = block('from-block');
      const toBlockArg = block('to-block');
      refuseIfServing(config);
      const logger = deps.cliLogger(config);
      const services = await openServices(config, { command: 'index', logger });
      const rpc = createIndexerRpc(chain, logger);
      const isTty = !ctx.json && process.stderr.isTTY === true;
      let indexer: ChainIndexer | undefined;
      const started = performance.now();
      let logs = 0;
      let blocksSeen = 0n;
      let firstBlock: bigint | null = null;
      let stop = false;
      const onSignal = () => {
        stop = true;
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const remoteId = await rpc.chainId();
        if (remoteId !== chain.id)
          throw deps.usageError(`the RPC endpoint serves chain ${remoteId}, not ${chain.id}: check CHAINS`);
        const store = createChainStore(services.db);
        // Whale transfers go on the bus: with REDIS_URL, running servers stream them and send webhooks.
        indexer = createConfiguredIndexer({
          chain,
          db: services.db,
          bus: services.common.bus,
          logger,
          whaleDeps: whaleDepsOf(services),
          rpc,
          overrides: {
            startBlock: fromBlock ?? BigInt(chain.startBlock),
            maxBatchBlocks: batchBlocks,
            onProgress(p) {
              firstBlock ??= p.block;
              logs += p.logs;
              const secs = (performance.now() - started) / 1000;
              const done = p.block - (firstBlock ?? p.block) + 1n;
              blocksSeen = done;
              const rate = Number(done) / Math.max(secs, 1e-3);
              const left = Number(p.head - p.block);
              const eta = rate > 0 ? left / rate : 0;
              const line = {
                chainId: p.chainId,
                block: p.block.toString(),
                head: p.head.toString(),
                behind: left,
                blocksPerSecond: Math.round(rate),
                logsPerSecond: Math.round(logs / Math.max(secs, 1e-3)),
                etaSeconds: Math.round(eta),
              };
              if (ctx.json) ctx.io.err(`${JSON.stringify(line)}\n`);
              else if (isTty)
                process.stderr.write(
                  `\r\x1b[Kblock ${line.block} / ${line.head} (${line.behind} behind) · ${line.blocksPerSecond} blocks/s · ${line.logsPerSecond} logs/s · ETA ${line.etaSeconds}s`,
                );
            },
          },
        });
        const target = toBlockArg ?? (await rpc.blockNumber());
        let waiting = false;
        for (;;) {
          if (stop) break;
          const r = await indexer.syncOnce();
          if (r !== null && 'standby' in r) {
            // One indexer per chain: a server (or another `sextant index`) holds the chain's lease.
            if (!waiting)
              ctx.io.err(
                `chain ${chain.id} is being indexed by ${r.standby}: waiting for its lease (Ctrl-C to stop)\n`,
              );
            waiting = true;
            await new Promise((res) => setTimeout(res, LEASE_POLL_MS));
            continue;
          }
          waiting = false;
          const cp = await store.checkpoint(chain.id);
          if (!ctx.values.follow && cp && cp.block >= target) break;
          if (r === null) {
            if (!ctx.values.follow) break;
            // Following: the next head (ws:// URLs notify it), else poll.
            const heads = rpc.heads();
            await (heads
              ? heads.wait(FOLLOW_POLL_MS)
              : new Promise((res) => setTimeout(res, FOLLOW_POLL_MS)));
          }
        }
        if (isTty) process.stderr.write('\n');
        const cp = await store.checkpoint(chain.id);
        const result = {
          chainId: chain.id,
          checkpoint: cp ? cp.block.toString() : null,
          blocks: Number(blocksSeen),
          logs,
          seconds: Math.round((performance.now() - started) / 100) / 10,
        };
        if (ctx.json) ctx.io.out(`${JSON.stringify(result)}\n`);
        else
          ctx.io.out(
            `chain ${result.chainId}: indexed through block ${result.checkpoint}, ${result.logs.toLocaleString('en-US')} logs in ${result.seconds} s\n`,
          );
        return 0;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        // Hand the chain over at once (a server standing by need not wait for the lease to lapse).
        await indexer?.release().catch(() => {});
        rpc.close();
        await services.close();
      }
    },
  };

  const status: Command = {
    name: 'chains status',
    summary: 'Each configured chain: checkpoint, head, distance, lease holder',
    usage: 'sextant chains status [--json]',
    options: {},
    settings: CHAIN_SETTINGS,
    async run(ctx) {
      const config = ctx.config();
      if (config.chainList.length === 0) throw deps.usageError('no chain configured: set CHAINS or --chains');
      refuseIfServing(config);
      const logger = deps.cliLogger(config);
      const services = await openServices(config, { command: 'chains', logger });
      try {
        const store = createChainStore(services.db);
        const rows = await Promise.all(
          config.chainList.map(async (c) => {
            const cp = await store.checkpoint(c.id);
            const rpc = createIndexerRpc(c, logger);
            const head = await Promise.race([
              rpc.blockNumber().then((h) => h.toString()),
              new Promise<string>((r) => setTimeout(() => r('unreachable'), 10_000).unref()),
            ]).catch((err: Error) => `error: ${err.message.slice(0, 80)}`);
            const lease = await services.db.query<{ holder: string; expires_at: string }>(
              'select holder, expires_at::text from chain_leases where chain_id = $1',
              [c.id],
            );
            const behind = cp && /^\d+$/.test(head) ? (BigInt(head) - cp.block).toString() : null;
            return {
              chainId: c.id,
              checkpoint: cp ? cp.block.toString() : null,
              head,
              behind,
              finality: c.finality,
              leaseHolder: lease[0] && Number(lease[0].expires_at) > Date.now() ? lease[0].holder : null,
            };
          }),
        );
        if (ctx.json) ctx.io.out(`${JSON.stringify(rows)}\n`);
        else
          ctx.io.out(
            deps.table([
              ['chain', 'checkpoint', 'head', 'behind', 'finality', 'indexer'],
              ...rows.map((r) => [
                String(r.chainId),
                r.checkpoint ?? '-',
                r.head,
                r.behind ?? '-',
                String(r.finality),
                r.leaseHolder ?? '-',
              ]),
            ]),
          );
        return 0;
      } finally {
        await services.close();
      }
    },
  };
  return [index, status];
}
