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
import { openServices, type Services } from '../services/index.js';

/** Where command output goes (tests capture it). */
export type CliIo = {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
};

type OptionSpec = { type: 'string' | 'boolean'; description: string; short?: string; multiple?: boolean };

type Command = {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Names of the positional arguments this command takes (none by default). */
  positionals?: readonly string[];
  /** Which settings (config keys) this command accepts as flags. */
  settings: readonly SettingKey[] | 'all';
  run(ctx: RunContext): Promise<number>;
};

type RunContext = {
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

const COMMANDS: readonly Command[] = [serve, migrateCmd, keysCreate, keysList, keysRevoke];

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
    ...COMMANDS.map((c) => `  ${c.name.padEnd(14)}${c.summary}`),
    '\nEvery command takes --help and --json. Examples:',
    '  sextant serve --port 8080',
    '  sextant keys create --name my-bot --tier pro',
    '  sextant keys list --json',
  ];
  return `${lines.join('\n')}\n`;
}

function findCommand(argv: string[]): { cmd: Command | undefined; rest: string[]; group?: string } {
  const [first, second] = argv;
  const two = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (two) return { cmd: two, rest: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === first);
  if (one) return { cmd: one, rest: argv.slice(1) };
  if (first && COMMANDS.some((c) => c.name.startsWith(`${first} `)))
    return { cmd: undefined, rest: argv.slice(1), group: first };
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
        io.out(`Commands:\n${subs.map((c) => `  ${c.name.padEnd(14)}${c.summary}`).join('\n')}\n`);
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
  const allowed = cmd.positionals?.length ?? 0;
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
