import { basename, join, resolve } from 'node:path';
import { SETTINGS } from '../../internal/config.js';
import type { Command, OptionSpec, RunContext } from '../main.js';
import { refuseSecretArguments } from './refuseSecretArguments.js';
import { createSecretInput, type SecretInput } from './secretInput.js';
import { type WalletLocation, walletsDir } from './walletFile.js';

const WALLET_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DEFAULT_WALLET_NAME = 'default';

/** What the wallet commands take from the CLI core. */
export type WalletDeps = {
  /** An error the CLI reports as bad usage (exit 2). */
  usageError(message: string): Error;
  table(rows: string[][]): string;
};

/** The run context of a wallet command: the CLI's, plus secret input and the dependencies. */
export type WalletContext = RunContext & { secrets: SecretInput; deps: WalletDeps };

/** A wallet command as declared in this folder. */
export type WalletCommandSpec = {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  positionals?: readonly string[];
  freeTextPositional?: boolean;
  run(ctx: WalletContext): Promise<number>;
};

/**
 * A CLI command from a wallet command spec: takes only `--data-dir` (never opens storage or takes its
 * lock), refuses secrets on the command line, and gives `run` a secret reader closed when it returns.
 */
export function walletCommand(deps: WalletDeps, spec: WalletCommandSpec): Command {
  const rules = {
    name: spec.name,
    options: spec.options,
    ...(spec.positionals ? { positionals: spec.positionals } : {}),
    ...(spec.freeTextPositional ? { freeTextPositional: true } : {}),
  };
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    options: spec.options,
    ...(spec.positionals ? { positionals: spec.positionals } : {}),
    settings: ['dataDir'],
    checkArgs: (args) => refuseSecretArguments(args, rules),
    async run(ctx) {
      const secrets = createSecretInput({ values: ctx.values, usageError: deps.usageError });
      try {
        return await spec.run({ ...ctx, secrets, deps });
      } finally {
        secrets.close();
      }
    },
  };
}

/** `--name` / `--file`: which wallet a command works on. */
export const WALLET_OPTIONS: Record<string, OptionSpec> = {
  name: {
    type: 'string',
    description: `Wallet name: <data-dir>/wallets/NAME.json (default ${DEFAULT_WALLET_NAME})`,
  },
  file: { type: 'string', description: 'Wallet file path, instead of --name' },
};

/** `--password-fd` for commands that open a wallet. */
export const PASSWORD_FD_OPTION: Record<string, OptionSpec> = {
  'password-fd': {
    type: 'string',
    description: 'Read the password from this file descriptor (first line) instead of a prompt',
  },
};

/** A string flag, or `undefined`. */
export function stringFlag(ctx: WalletContext, flag: string): string | undefined {
  const v = ctx.values[flag];
  return typeof v === 'string' ? v : undefined;
}

/** An integer flag within bounds, or its default. */
export function intFlag(
  ctx: WalletContext,
  flag: string,
  bounds: { min: number; max: number; def: number },
): number {
  const raw = stringFlag(ctx, flag);
  if (raw === undefined) return bounds.def;
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < bounds.min || n > bounds.max)
    throw ctx.deps.usageError(`--${flag} must be an integer from ${bounds.min} to ${bounds.max}`);
  return n;
}

/** The data directory: `--data-dir`, then `SEXTANT_DATA_DIR`, then `./.sextant` (as for every command). */
export function dataDirOf(ctx: WalletContext): string {
  const spec = SETTINGS.dataDir;
  const dir = stringFlag(ctx, spec.flag) || ctx.io.env[spec.env] || spec.default;
  return resolve(ctx.io.cwd, dir);
}

/** The wallet file `--file` names, or `<data-dir>/wallets/<--name>.json`. */
export function walletLocation(ctx: WalletContext): WalletLocation {
  const file = stringFlag(ctx, 'file');
  const name = stringFlag(ctx, 'name');
  if (file !== undefined && name !== undefined) throw ctx.deps.usageError('give --name or --file, not both');
  if (file !== undefined) {
    const path = resolve(ctx.io.cwd, file);
    return { name: basename(path, '.json'), path };
  }
  const chosen = name ?? DEFAULT_WALLET_NAME;
  if (!WALLET_NAME_RE.test(chosen))
    throw ctx.deps.usageError('--name must be 1-64 letters, digits, dots, dashes or underscores');
  return { name: chosen, path: join(walletsDir(dataDirOf(ctx)), `${chosen}.json`) };
}

/** Prints a value as indented JSON (bigints as decimal strings). */
export function printJson(ctx: WalletContext, value: unknown): void {
  ctx.io.out(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}
