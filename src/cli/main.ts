import { relative as relativePath, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AdminCallError, callAdmin, type RunningServer, startServer } from '../api/index.js';
import { type MigrationStatus, migrate, migrationStatus, readLockHolder } from '../db/index.js';
import {
  type Config,
  describeSettings,
  loadConfig,
  processEnv,
  SETTINGS,
  type SettingKey,
} from '../internal/config.js';
import { AppError, ConfigError, DataDirLockedError } from '../internal/errors.js';
import { createLogger, flushLogger } from '../internal/logger.js';
import { packageVersion } from '../internal/version.js';
import {
  type ApiKey,
  type CreatedApiKey,
  type CreateKeyInput,
  validateCreateKeyInput,
} from '../keys/index.js';
import {
  baseQuote,
  createCcxtSource,
  fillGaps,
  ImportRejectedError,
  type ImportSummary,
  INTERVAL_MS,
  INTERVALS,
  type Interval,
  importMarketFiles,
  isCcxtVenue,
  isInterval,
  iso,
  parseTimestamp,
} from '../market/index.js';
import { createMarketResolver, openServices, type Services } from '../services/index.js';
import { createAgentCommands } from './agentCommands.js';
import { createChainCommands } from './chainCommands.js';
import { createWalletCommands, WALLET_SUMMARY } from './wallet/index.js';

/** Where command output goes (tests capture it). */
export type CliIo = {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
};

export type OptionSpec = {
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  multiple?: boolean;
};

export type Command = {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Names of the positional arguments this command takes (none by default). */
  positionals?: readonly string[];
  /** Which settings (config keys) this command accepts as flags. */
  settings: readonly SettingKey[] | 'all';
  /** Checks the raw arguments before parsing (so a refusal never echoes a value back). */
  checkArgs?(args: readonly string[]): { code: string; message: string } | undefined;
  run(ctx: RunContext): Promise<number>;
};

export type RunContext = {
  io: CliIo;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  json: boolean;
  config(): Config;
};

/** Exit codes: 0 ok, 1 failed, 2 bad usage or configuration. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

class UsageError extends Error {}

const ADMIN_WAIT_MS = 20_000;

const STORAGE_SETTINGS: readonly SettingKey[] = ['dataDir', 'databaseUrl', 'databaseSchema', 'logLevel'];

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'Machine-readable JSON output' },
  help: { type: 'boolean', short: 'h', description: 'Show help for this command' },
};

function settingOptions(keys: readonly SettingKey[] | 'all'): Record<string, OptionSpec> {
  const list = keys === 'all' ? (Object.keys(SETTINGS) as SettingKey[]) : keys;
  const out: Record<string, OptionSpec> = {};
  for (const k of list) {
    const s = SETTINGS[k];
    // Booleans take an explicit value (--access-log=false) so env-style values work too.
    out[s.flag] = { type: 'string', description: s.description };
  }
  return out;
}

function flagsFrom(
  values: RunContext['values'],
  keys: readonly SettingKey[] | 'all',
): Record<string, string> {
  const list = keys === 'all' ? (Object.keys(SETTINGS) as SettingKey[]) : keys;
  const flags: Record<string, string> = {};
  for (const k of list) {
    const v = values[SETTINGS[k].flag];
    if (typeof v === 'string') flags[k] = v;
  }
  return flags;
}

function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

function cliLogger(config: Config) {
  // CLI commands log to stderr, quietly: stdout is for the command's answer.
  const level = config.logLevel === 'info' ? 'warn' : config.logLevel;
  return createLogger({ level, destination: pino.destination({ dest: 2, sync: true }) });
}

/**
 * Run `fn` against storage. With embedded storage held by a running server, returns
 * `{ via: 'admin' }` so the caller goes through the admin channel instead of opening the files.
 */
async function withStorage<T>(
  config: Config,
  command: string,
  viaAdmin: (socket: string) => Promise<T>,
  direct: (services: Services) => Promise<T>,
  openOptions: { migrate?: boolean } = {},
): Promise<T> {
  if (config.storageKind === 'pglite') {
    let holder = readLockHolder(config.dataDirAbs);
    // A server that is still starting holds the lock before its admin channel listens: wait.
    for (
      let waited = 0;
      holder?.command === 'serve' && !holder.adminSocket && waited < ADMIN_WAIT_MS;
      waited += 250
    ) {
      await new Promise((r) => setTimeout(r, 250));
      holder = readLockHolder(config.dataDirAbs);
    }
    if (holder) {
      if (holder.command === 'serve' && holder.adminSocket) return viaAdmin(holder.adminSocket);
      throw new DataDirLockedError(
        `data directory ${config.dataDirAbs} is in use by process ${holder.pid} (sextant ${holder.command}); wait for it to finish`,
        holder.pid,
      );
    }
  }
  const services = await openServices(config, { command, logger: cliLogger(config), ...openOptions });
  try {
    return await direct(services);
  } finally {
    await services.close();
  }
}

function keyRow(k: ApiKey): string[] {
  return [
    k.id,
    k.name,
    `${k.prefix}…`,
    k.tier,
    k.scopes.join(','),
    k.createdAt,
    k.revokedAt ?? '-',
    k.lastUsedAt ?? '-',
  ];
}

const serve: Command = {
  name: 'serve',
  summary: 'Start the API server (applies pending migrations first)',
  usage: 'sextant serve [--port 8080] [--host 127.0.0.1] [--data-dir ./.sextant] [...settings]',
  options: {},
  settings: 'all',
  async run(ctx) {
    const config = ctx.config();
    const server: RunningServer = await startServer(config);
    const { logger } = server.services.common;
    logger.info({ url: server.url, docs: `${server.url}/docs`, storage: config.storageKind }, 'listening');
    if (ctx.json)
      ctx.io.err(
        `${JSON.stringify({ url: server.url, docs: `${server.url}/docs`, metrics: server.metricsUrl })}\n`,
      );
    else
      ctx.io.err(
        `Sextant ${packageVersion()} listening on ${server.url} (docs: ${server.url}/docs, storage: ${config.storageKind})\n`,
      );

    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          // A second signal: the operator wants out now.
          ctx.io.err(`received ${signal} again: exiting immediately\n`);
          flushLogger(logger);
          process.exit(EXIT_FAILED);
        }
        stopping = true;
        server
          .close(signal)
          .finally(() => {
            process.off('SIGTERM', onTerm);
            process.off('SIGINT', onInt);
          })
          .then(
            () => resolve(EXIT_OK),
            (err) => {
              ctx.io.err(`shutdown failed: ${(err as Error).message}\n`);
              resolve(EXIT_FAILED);
            },
          );
      };
      // `on`, not `once`: a second signal must reach `stop` to force the exit.
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
  },
};

const migrateCmd: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations (or show them with --status)',
  usage: 'sextant migrate [--status] [--data-dir DIR | --database-url URL] [--json]',
  options: { status: { type: 'boolean', description: 'Only list applied and pending migrations' } },
  settings: STORAGE_SETTINGS,
  async run(ctx) {
    const config = ctx.config();
    const result = await withStorage(
      config,
      'migrate',
      async (socket) => {
        // A running server applied every migration it knows at start.
        const status = await callAdmin<MigrationStatus[]>(socket, 'migrations.status');
        return { status, applied: [] as number[], viaServer: true };
      },
      async (services) => {
        const applied = ctx.values.status ? [] : (await migrate(services.db)).applied.map((m) => m.version);
        const status = await migrationStatus(services.db);
        return { status, applied, viaServer: false };
      },
      // This command decides itself whether to apply migrations.
      { migrate: false },
    );
    if (ctx.json) {
      printJson(ctx.io, { storage: config.storageKind, ...result });
    } else {
      const rows = [['VERSION', 'NAME', 'APPLIED AT']];
      for (const m of result.status) rows.push([String(m.version), m.name, m.appliedAt ?? 'pending']);
      ctx.io.out(table(rows));
      ctx.io.out(
        result.applied.length > 0
          ? `applied ${result.applied.length} migration(s): ${result.applied.join(', ')}\n`
          : result.status.every((m) => m.appliedAt)
            ? 'schema is up to date\n'
            : 'pending migrations not applied (--status)\n',
      );
    }
    return EXIT_OK;
  },
};

const keysCreate: Command = {
  name: 'keys create',
  summary: 'Create an API key and print its secret once (only a hash is stored)',
  usage: 'sextant keys create --name NAME [--tier free|pro|enterprise] [--scopes read,usage] [--json]',
  options: {
    name: { type: 'string', description: 'A label for the key (who or what uses it)' },
    tier: { type: 'string', description: 'free (default), pro or enterprise: sets rate limit and quota' },
    scopes: {
      type: 'string',
      description: 'Comma-separated scopes: read, usage, admin (default read,usage)',
    },
  },
  settings: STORAGE_SETTINGS,
  async run(ctx) {
    const name = ctx.values.name;
    if (typeof name !== 'string' || name.trim() === '') throw new UsageError('--name is required');
    const tier = (ctx.values.tier as string | undefined) ?? 'free';
    const scopes =
      typeof ctx.values.scopes === 'string'
        ? ctx.values.scopes
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
    const params = { name, tier, ...(scopes ? { scopes } : {}) };
    try {
      validateCreateKeyInput(params as CreateKeyInput);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const key = await withStorage(
      ctx.config(),
      'keys create',
      (socket) => callAdmin<CreatedApiKey>(socket, 'keys.create', params),
      (services) => services.keys.create(params as Parameters<Services['keys']['create']>[0]),
    );
    if (ctx.json) printJson(ctx.io, key);
    else {
      ctx.io.out(
        `Created API key ${key.id} (${key.name}, tier ${key.tier}, scopes ${key.scopes.join(',')})\n\n`,
      );
      ctx.io.out(`  ${key.secret}\n\n`);
      ctx.io.out('Store this secret now: it is shown once and cannot be read back.\n');
      ctx.io.out('Send it as the x-api-key header or as Authorization: Bearer <secret>.\n');
    }
    return EXIT_OK;
  },
};

const keysList: Command = {
  name: 'keys list',
  summary: 'List API keys (never their secrets)',
  usage: 'sextant keys list [--all] [--json]',
  options: { all: { type: 'boolean', description: 'Include revoked keys' } },
  settings: STORAGE_SETTINGS,
  async run(ctx) {
    const includeRevoked = ctx.values.all === true;
    const keys = await withStorage(
      ctx.config(),
      'keys list',
      (socket) => callAdmin<ApiKey[]>(socket, 'keys.list', { includeRevoked }),
      (services) => services.keys.list({ includeRevoked }),
    );
    if (ctx.json) printJson(ctx.io, keys);
    else if (keys.length === 0)
      ctx.io.out('no API keys yet: create one with `sextant keys create --name NAME`\n');
    else
      ctx.io.out(
        table([
          ['ID', 'NAME', 'PREFIX', 'TIER', 'SCOPES', 'CREATED', 'REVOKED', 'LAST USED'],
          ...keys.map(keyRow),
        ]),
      );
    return EXIT_OK;
  },
};

const keysRevoke: Command = {
  name: 'keys revoke',
  summary: 'Revoke an API key by id; it stops working at once on every server sharing the storage',
  usage: 'sextant keys revoke KEY_ID [--json]',
  options: {},
  positionals: ['KEY_ID'],
  settings: STORAGE_SETTINGS,
  async run(ctx) {
    const id = ctx.positionals[0];
    if (!id) throw new UsageError('give the key id to revoke (see `sextant keys list`)');
    const key = await withStorage(
      ctx.config(),
      'keys revoke',
      (socket) => callAdmin<ApiKey>(socket, 'keys.revoke', { id }),
      async (services) => {
        const k = await services.keys.revoke(id);
        // Servers on other processes learn of it through Redis (when shared) or their cache expiry.
        services.common.bus.publish('keys.revoked', { id: k.id });
        return k;
      },
    );
    if (ctx.json) printJson(ctx.io, key);
    else ctx.io.out(`Revoked API key ${key.id} (${key.name}) at ${key.revokedAt}\n`);
    return EXIT_OK;
  },
};

const IMPORT_ADMIN_TIMEOUT_MS = 30 * 60_000;

/** A one-line progress bar on stderr: rows, rate, ETA (redrawn in place on a terminal). */
function progressBar(io: CliIo, label: string, isTty: boolean) {
  const started = performance.now();
  let lastDraw = 0;
  return {
    update(done: number, total: number, detail = '') {
      const now = performance.now();
      const final = done >= total;
      if (!final && now - lastDraw < (isTty ? 100 : 2000)) return;
      lastDraw = now;
      const secs = (now - started) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = rate > 0 ? (total - done) / rate : 0;
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : width;
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows  ${Math.round(rate).toLocaleString('en-US')} rows/s  ETA ${eta.toFixed(1)} s ${detail}`;
      io.err(isTty ? `\r${line.padEnd(110)}${final ? '\n' : ''}` : `${line}\n`);
    },
  };
}

const importCmd: Command = {
  name: 'import',
  summary: 'Import OHLCV/funding CSV files or directories (idempotent; a bad file writes nothing)',
  usage: 'sextant import <file|dir>... [--venue binance] [--symbol BTC/USDT] [--interval 1h] [--json]',
  options: {
    venue: {
      type: 'string',
      description: 'CCXT venue id of the files (default: from the file name or binance)',
    },
    symbol: {
      type: 'string',
      description: 'Market symbol, CCXT form (default: from the file name, e.g. BTCUSDT_1h.csv)',
    },
    interval: {
      type: 'string',
      description: 'Bar interval (default: from the file name or the row spacing)',
    },
  },
  positionals: ['PATH', '...'],
  settings: STORAGE_SETTINGS,
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new UsageError('give at least one file or directory to import');
    const interval = ctx.values.interval;
    if (interval !== undefined && (typeof interval !== 'string' || !isInterval(interval)))
      throw new UsageError(`--interval must be one of ${INTERVALS.join(', ')}`);
    const venue = ctx.values.venue as string | undefined;
    if (venue !== undefined && !/^[a-z0-9]{2,32}$/.test(venue))
      throw new UsageError('--venue must be a CCXT venue id such as binance');
    const symbol = ctx.values.symbol as string | undefined;
    if (symbol !== undefined && !/^[A-Z0-9]+\/[A-Z0-9]+(:[A-Z0-9]+)?$/.test(symbol))
      throw new UsageError('--symbol must be a CCXT market symbol such as BTC/USDT');
    const options = {
      ...(venue ? { venue } : {}),
      ...(symbol ? { symbol } : {}),
      ...(interval ? { interval: interval as Interval } : {}),
    };
    const paths = ctx.positionals.map((p) => resolvePath(ctx.io.cwd, p));
    const bar = progressBar(ctx.io, 'import', Boolean(process.stderr.isTTY));
    let summary: ImportSummary;
    try {
      summary = await withStorage(
        ctx.config(),
        'import',
        (socket) =>
          callAdmin<ImportSummary>(socket, 'market.import', { paths, ...options }, IMPORT_ADMIN_TIMEOUT_MS),
        (services) =>
          importMarketFiles(
            { db: services.db, resolveMarket: createMarketResolver(services.assets) },
            paths,
            {
              ...options,
              onProgress: ctx.json
                ? undefined
                : (p) => bar.update(p.rowsDone, p.rowsTotal, `(${p.filesDone}/${p.filesTotal} files)`),
            },
          ),
      );
    } catch (err) {
      if (err instanceof ImportRejectedError) {
        if (ctx.json)
          ctx.io.err(
            `${JSON.stringify({ error: { code: 'IMPORT_REJECTED', message: err.message, issues: err.issues } })}\n`,
          );
        else {
          ctx.io.err(`sextant: import rejected, nothing was written:\n`);
          for (const i of err.issues)
            ctx.io.err(
              `  ${i.file}${i.line ? `:${i.line}` : ''}${i.column ? ` (column ${i.column})` : ''}: ${i.message}\n`,
            );
        }
        return EXIT_FAILED;
      }
      throw err;
    }
    if (ctx.json) printJson(ctx.io, summary);
    else {
      const rows = [['FILE', 'KIND', 'VENUE', 'SYMBOL', 'INTERVAL', 'ROWS', 'NEW', 'CHANGED']];
      for (const f of summary.files)
        rows.push([
          relativePath(ctx.io.cwd, f.file),
          f.kind,
          f.venue,
          f.symbol,
          f.interval ?? '-',
          String(f.rows),
          String(f.inserted),
          String(f.updated),
        ]);
      ctx.io.out(table(rows));
      const secs = (summary.parseMs + summary.writeMs) / 1000;
      ctx.io.out(
        `imported ${summary.files.length} file(s), ${summary.rows.toLocaleString('en-US')} rows in ${secs.toFixed(1)} s (${Math.round(summary.rows / Math.max(secs, 1e-3)).toLocaleString('en-US')} rows/s): ${summary.inserted} new, ${summary.updated} changed, ${summary.rows - summary.inserted - summary.updated} unchanged\n`,
      );
    }
    return EXIT_OK;
  },
};

const backfillCmd: Command = {
  name: 'backfill',
  summary: 'Download historical bars from an exchange (REST, paginated) into storage',
  usage:
    'sextant backfill --asset bitcoin --interval 1h --from 2024-01-01 [--to 2024-02-01] [--venue binance] [--symbol BTC/USDT] [--json]',
  options: {
    asset: { type: 'string', description: 'Asset id, symbol or CAIP-19 (required)' },
    interval: { type: 'string', description: `Bar interval: ${INTERVALS.join(', ')} (required)` },
    from: { type: 'string', description: 'Start, ISO 8601 or epoch ms (required)' },
    to: { type: 'string', description: 'End (exclusive), ISO 8601 or epoch ms (default: now)' },
    venue: { type: 'string', description: 'CCXT venue id (default binance)' },
    symbol: { type: 'string', description: "Market symbol on the venue (default: the asset's market there)" },
  },
  settings: STORAGE_SETTINGS,
  async run(ctx) {
    const v = ctx.values;
    for (const req of ['asset', 'interval', 'from'])
      if (typeof v[req] !== 'string' || v[req] === '') throw new UsageError(`--${req} is required`);
    const interval = v.interval as string;
    if (!isInterval(interval)) throw new UsageError(`--interval must be one of ${INTERVALS.join(', ')}`);
    const from = parseTimestamp(v.from as string);
    if (typeof from === 'string') throw new UsageError(`--from: ${from}`);
    const to = typeof v.to === 'string' ? parseTimestamp(v.to) : Date.now();
    if (typeof to === 'string') throw new UsageError(`--to: ${to}`);
    if (from >= to) throw new UsageError('--from must be before --to');
    const venue = (v.venue as string | undefined) ?? 'binance';
    if (!/^[a-z0-9]{2,32}$/.test(venue))
      throw new UsageError('--venue must be a CCXT venue id such as binance');
    if (!(await isCcxtVenue(venue)))
      throw new UsageError(
        `--venue: ccxt has no exchange '${venue}' (for example binance, coinbase, kraken)`,
      );
    const config = ctx.config();
    if (config.storageKind === 'pglite' && readLockHolder(config.dataDirAbs)?.command === 'serve')
      throw new DataDirLockedError(
        `data directory ${config.dataDirAbs} is in use by a running server: stop it, or use DATABASE_URL so both can share PostgreSQL`,
        readLockHolder(config.dataDirAbs)!.pid,
      );
    const services = await openServices(config, { command: 'backfill', logger: cliLogger(config) });
    const source = createCcxtSource({ venues: [venue] });
    try {
      let asset: ReturnType<Services['assets']['resolve']>;
      try {
        asset = services.assets.resolve(v.asset as string);
      } catch (err) {
        throw new UsageError(`--asset: ${(err as Error).message}`);
      }
      const symbol =
        (v.symbol as string | undefined) ??
        services.assets.marketsOf(asset.id).find((m) => m.venue === venue)?.symbol;
      if (!symbol) throw new UsageError(`${asset.id} has no known market on ${venue}: pass --symbol`);
      const quote = baseQuote(symbol)?.quote;
      if (!quote) throw new UsageError(`--symbol ${symbol} is not a CCXT market symbol such as BTC/USDT`);
      const total = Math.ceil((to - from) / INTERVAL_MS[interval]);
      const bar = progressBar(ctx.io, 'backfill', Boolean(process.stderr.isTTY));
      let rows = 0;
      const started = performance.now();
      // Only what is missing is downloaded: stored bars in the range are kept.
      const r = await fillGaps(
        {
          db: services.db,
          store: services.market.store,
          source,
          resolveMarket: () => ({ assetId: asset.id, quote }),
        },
        { venue, symbol },
        interval,
        { from, to },
        {
          onBatch: (n) => {
            rows += n;
            if (!ctx.json) bar.update(Math.min(rows, total), total);
          },
        },
      );
      const inserted = r.inserted;
      const seconds = (performance.now() - started) / 1000;
      const summary = {
        asset: asset.id,
        venue,
        symbol,
        interval,
        from: iso(from),
        to: iso(to),
        missingRanges: r.gaps.length,
        rows,
        inserted,
        seconds,
      };
      if (ctx.json) printJson(ctx.io, summary);
      else
        ctx.io.out(
          `backfilled ${rows} ${interval} bars of ${symbol} on ${venue} (${iso(from)} → ${iso(to)}) in ${seconds.toFixed(1)} s (${r.gaps.length} missing range(s) fetched): ${inserted} new\n`,
        );
      return EXIT_OK;
    } finally {
      await source.close();
      await services.close();
    }
  },
};

const trackRecordCmd: Command = {
  name: 'track-record',
  summary: 'Measure signals and grades out of sample on the shared data and rewrite the methodology results',
  usage: 'sextant track-record [--data ../shared/data] [--out docs/methodology.md] [--json]',
  options: {
    data: { type: 'string', description: 'Directory of the shared market data (default ../shared/data)' },
    out: {
      type: 'string',
      description: 'Markdown file whose track-record section is rewritten (default docs/methodology.md)',
    },
  },
  settings: [],
  async run(ctx) {
    // Loaded here so the other commands do not pay for them.
    const fs = await import('node:fs');
    const { createHash } = await import('node:crypto');
    const { createAssetRegistry } = await import('../assets/index.js');
    const { parseMarketFile, columnsToBars } = await import('../market/index.js');
    const { STRATEGIES } = await import('../signals/index.js');
    const perf = await import('../signals/performance.js');
    const grades = await import('../grades/evaluation.js');
    const started = performance.now();
    const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
    const dataArg = typeof ctx.values.data === 'string' ? ctx.values.data : '../shared/data';
    const outArg = typeof ctx.values.out === 'string' ? ctx.values.out : 'docs/methodology.md';
    const dataDir = resolvePath(ctx.io.cwd, dataArg);
    const dailyDir = resolvePath(dataDir, 'binance-ohlcv-yanniedog/1d');
    const hourly = ['BTCUSDT_1h.csv', 'ETHUSDT_1h.csv'].map((f) =>
      resolvePath(dataDir, 'binance-btc-eth-elvistv/data', f),
    );
    if (!fs.existsSync(dailyDir) || hourly.some((f) => !fs.existsSync(f)))
      throw new Error(
        `market data not found in ${dataDir}: expected binance-ohlcv-yanniedog/1d/*.csv and binance-btc-eth-elvistv/data/{BTC,ETH}USDT_1h.csv (pass --data DIR)`,
      );
    const daily = fs
      .readdirSync(dailyDir)
      .filter((f) => f.endsWith('.csv'))
      .sort()
      .map((f) => resolvePath(dailyDir, f));
    const registry = createAssetRegistry();
    const fingerprint = createHash('sha256');
    const series = [...daily, ...hourly].map((file) => {
      const text = fs.readFileSync(file, 'utf8');
      fingerprint.update(`${relativePath(dataDir, file)}\n`).update(text);
      const p = parseMarketFile(text, file);
      if (p.kind !== 'ohlcv') throw new Error(`${file} is not an OHLCV file`);
      const asset = registry.byMarket(p.venue, p.symbol)?.asset.id ?? p.symbol.split('/')[0]!.toLowerCase();
      return { ref: { asset, venue: p.venue, symbol: p.symbol, interval: p.interval }, bars: p };
    });

    const results: NonNullable<ReturnType<typeof perf.signalPerformance>>[] = [];
    for (const [i, s] of series.entries()) {
      if (!ctx.json)
        ctx.io.err(
          `track-record: signals ${i + 1}/${series.length} ${s.ref.asset} ${s.ref.interval} (${elapsed()})\n`,
        );
      for (const strategy of STRATEGIES) {
        const r = perf.signalPerformance({ ref: s.ref, strategy, bars: s.bars });
        if (r) results.push(r);
      }
    }
    const summaries = ['1d', '1h'].flatMap((interval) =>
      STRATEGIES.map((st) => results.filter((r) => r.interval === interval && r.strategy === st.id))
        .filter((rs) => rs.length > 0)
        .map((rs) => perf.summarizeSignalPerformance(rs)),
    );
    if (!ctx.json) ctx.io.err(`track-record: grades (${elapsed()})\n`);
    const dailySeries = series.filter((s) => s.ref.interval === '1d');
    const gradeEval = grades.evaluateGrades(
      dailySeries.map((s) => ({ asset: s.ref.asset, bars: columnsToBars(s.bars) })),
    );

    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const range = (list: typeof series) =>
      `${day(Math.min(...list.map((s) => s.bars.openTime[0]!)))} → ${day(Math.max(...list.map((s) => s.bars.openTime[s.bars.length - 1]!)))}`;
    const command = [
      'sextant track-record',
      ...(typeof ctx.values.data === 'string' ? ['--data', dataArg] : []),
      ...(typeof ctx.values.out === 'string' ? ['--out', outArg] : []),
    ].join(' ');
    const versions = [
      ...STRATEGIES.map((s) => `${s.id}@${s.version}`),
      `grades@${gradeEval.modelVersion}`,
    ].join(', ');
    const BEGIN = '<!-- track-record:begin -->';
    const END = '<!-- track-record:end -->';
    const section = [
      BEGIN,
      '<!-- Generated by `sextant track-record`: do not edit by hand, rerun the command. -->',
      '',
      `Produced by \`${command}\` (run from the repository root; \`npm run build\` first).`,
      '',
      `- Data: Binance spot, ${dailySeries.length} assets daily (\`binance-ohlcv-yanniedog/1d\`, bars opening ${range(dailySeries)}) and BTC/USDT, ETH/USDT hourly (\`binance-btc-eth-elvistv/data\`, bars opening ${range(series.filter((s) => s.ref.interval === '1h'))}).`,
      `- Data fingerprint: SHA-256 \`${fingerprint.digest('hex').slice(0, 16)}\` over the ${series.length} files read (names and bytes).`,
      `- Model versions: ${versions}.`,
      '',
      '### Signals',
      '',
      perf.signalPerformanceMarkdown(summaries, results),
      '### Grades',
      '',
      grades.gradeEvaluationMarkdown(gradeEval),
      END,
    ].join('\n');
    const outPath = resolvePath(ctx.io.cwd, outArg);
    const doc = fs.existsSync(outPath) ? fs.readFileSync(outPath, 'utf8') : '# Methodology\n';
    const a = doc.indexOf(BEGIN);
    const b = doc.indexOf(END);
    const next =
      a >= 0 && b > a
        ? `${doc.slice(0, a)}${section}${doc.slice(b + END.length)}`
        : `${doc.trimEnd()}\n\n## Track record\n\n${section}\n`;
    fs.writeFileSync(outPath, next);

    if (ctx.json) {
      printJson(ctx.io, {
        command,
        dataDir,
        out: outPath,
        seconds: (performance.now() - started) / 1000,
        signals: { summaries, perAsset: results.map(({ outcomes: _o, ...r }) => r) },
        grades: gradeEval,
      });
      return EXIT_OK;
    }
    const p = (x: number | null | undefined) => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '-');
    const n2 = (x: number | null | undefined) => (typeof x === 'number' ? x.toFixed(2) : '-');
    const rows = [
      [
        'STRATEGY',
        'BARS',
        'SIGNALS',
        'HIT h1/h5/h20',
        'SHARPE L/S',
        'LONG-ONLY',
        'B&H',
        'BEATS B&H (L/S·LO)',
      ],
    ];
    for (const s of summaries)
      rows.push([
        s.strategy,
        s.interval,
        String(s.signals.long + s.signals.short),
        s.pooled.map((h) => p(h.directional.hitRate)).join(' / '),
        n2(s.longShort.sharpe.median),
        n2(s.longOnly.sharpe.median),
        n2(s.buyAndHold.sharpe.median),
        `${s.beatsBuyAndHold.longShort}·${s.beatsBuyAndHold.longOnly}/${s.beatsBuyAndHold.compared}`,
      ]);
    ctx.io.out('Signals (hit rate of long+short signals, pooled; median Sharpe across assets):\n');
    ctx.io.out(table(rows));
    const grows = [['GRADE', 'HORIZON', 'DAYS', 'Q1', 'Q5', 'Q5-Q1', 'SPEARMAN']];
    for (const k of gradeEval.kinds)
      for (const h of k.horizons)
        grows.push([
          k.kind,
          `${h.horizonDays}d`,
          String(h.days),
          p(h.quintiles[0]?.meanReturn),
          p(h.quintiles.at(-1)?.meanReturn),
          p(h.spread),
          typeof h.spearman.mean === 'number' ? h.spearman.mean.toFixed(3) : '-',
        ]);
    ctx.io.out('\nGrades (mean forward return by score quintile):\n');
    ctx.io.out(table(grows));
    ctx.io.out(`\nwrote the track-record section of ${relativePath(ctx.io.cwd, outPath)} in ${elapsed()}\n`);
    return EXIT_OK;
  },
};

const COMMANDS: readonly Command[] = [
  serve,
  migrateCmd,
  keysCreate,
  keysList,
  keysRevoke,
  importCmd,
  backfillCmd,
  trackRecordCmd,
  ...createChainCommands({ usageError: (message) => new UsageError(message), table, cliLogger }),
  ...createAgentCommands({ usageError: (message) => new UsageError(message), cliLogger }),
  ...createWalletCommands({ usageError: (message) => new UsageError(message), table }),
];

function commandHelp(cmd: Command): string {
  const lines = [`${cmd.summary}\n`, `Usage: ${cmd.usage}\n`];
  const own = { ...cmd.options, ...COMMON_OPTIONS };
  lines.push('Options:');
  for (const [flag, spec] of Object.entries(own)) {
    lines.push(`  --${flag}${spec.type === 'string' ? ' VALUE' : ''}`.padEnd(34) + spec.description);
  }
  const settings =
    cmd.settings === 'all'
      ? describeSettings()
      : describeSettings().filter((s) => cmd.settings.includes(s.key));
  if (settings.length > 0) {
    lines.push('\nSettings (flag | environment variable | default):');
    for (const s of settings) {
      const def = s.default === undefined ? '(unset)' : JSON.stringify(s.default);
      lines.push(`  --${s.flag} | ${s.env} | ${def}`);
      lines.push(`      ${s.description}`);
    }
    lines.push('\nPrecedence: flag > environment variable > default.');
  }
  return `${lines.join('\n')}\n`;
}

function mainHelp(): string {
  const lines = [
    `sextant ${packageVersion()}: crypto data and intelligence service\n`,
    'Usage: sextant <command> [options]\n',
    'Commands:',
    ...COMMANDS.filter((c) => !c.name.startsWith('wallet ')).map((c) => `  ${c.name.padEnd(14)}${c.summary}`),
    `  ${'wallet …'.padEnd(14)}${WALLET_SUMMARY} (sextant wallet --help)`,
    '\nEvery command takes --help and --json. Examples:',
    '  sextant serve --port 8080',
    '  sextant keys create --name my-bot --tier pro',
    '  sextant keys list --json',
    '  sextant import ../shared/data/binance-ohlcv-yanniedog',
  ];
  return `${lines.join('\n')}\n`;
}

function findCommand(argv: string[]): { cmd: Command | undefined; rest: string[]; group?: string } {
  // Longest name first: `wallet keystore encrypt` is three words.
  for (let n = Math.min(3, argv.length); n >= 1; n--) {
    const cmd = COMMANDS.find((c) => c.name === argv.slice(0, n).join(' '));
    if (cmd) return { cmd, rest: argv.slice(n) };
  }
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const group = argv.slice(0, n).join(' ');
    if (COMMANDS.some((c) => c.name.startsWith(`${group} `)))
      return { cmd: undefined, rest: argv.slice(n), group };
  }
  return { cmd: undefined, rest: argv.slice(1) };
}

function describeError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof DataDirLockedError) return `${err.message}`;
  if (err instanceof AppError || err instanceof AdminCallError) return err.message;
  return (err as Error)?.message ?? String(err);
}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const wantsJson = argv.includes('--json');
  const fail = (code: number, message: string, errCode: string) => {
    if (wantsJson) io.err(`${JSON.stringify({ error: { code: errCode, message } })}\n`);
    else io.err(`sextant: ${message}\n`);
    return code;
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(mainHelp());
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const { cmd, rest, group } = findCommand(argv);
  if (!cmd) {
    if (group) {
      const subs = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
      if (rest.includes('--help') || rest.includes('-h') || rest.length === 0) {
        const width = Math.max(14, ...subs.map((c) => c.name.length + 2));
        io.out(`Commands:\n${subs.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}\n`);
        return rest.length === 0 ? EXIT_USAGE : EXIT_OK;
      }
      return fail(
        EXIT_USAGE,
        `unknown command '${group} ${rest[0]}': expected one of ${subs.map((c) => c.name).join(', ')}`,
        'USAGE',
      );
    }
    return fail(EXIT_USAGE, `unknown command '${argv[0]}' (see sextant --help)`, 'USAGE');
  }
  const refused = cmd.checkArgs?.(rest);
  if (refused) return fail(EXIT_USAGE, refused.message, refused.code);
  const options = { ...cmd.options, ...settingOptions(cmd.settings), ...COMMON_OPTIONS };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    return fail(EXIT_USAGE, `${(err as Error).message} (see sextant ${cmd.name} --help)`, 'USAGE');
  }
  if (parsed.values.help) {
    io.out(commandHelp(cmd));
    return EXIT_OK;
  }
  // A trailing '...' positional means "any number".
  const allowed = cmd.positionals?.includes('...')
    ? Number.POSITIVE_INFINITY
    : (cmd.positionals?.length ?? 0);
  if (parsed.positionals.length > allowed) {
    const extra = parsed.positionals[allowed];
    return fail(EXIT_USAGE, `unexpected argument '${extra}' (see sextant ${cmd.name} --help)`, 'USAGE');
  }
  const ctx: RunContext = {
    io,
    values: parsed.values as RunContext['values'],
    positionals: parsed.positionals,
    json: parsed.values.json === true,
    config: () =>
      loadConfig({
        env: io.env,
        flags: flagsFrom(parsed.values as RunContext['values'], cmd.settings),
        cwd: io.cwd,
      }),
  };
  try {
    return await cmd.run(ctx);
  } catch (err) {
    if (err instanceof UsageError)
      return fail(EXIT_USAGE, `${err.message} (see sextant ${cmd.name} --help)`, 'USAGE');
    if (err instanceof ConfigError) return fail(EXIT_USAGE, err.message, err.code);
    const code = (err as { code?: string }).code ?? 'FAILED';
    return fail(EXIT_FAILED, describeError(err), typeof code === 'string' ? code : 'FAILED');
  }
}

function defaultIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: processEnv(),
    cwd: process.cwd(),
  };
}
