import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type RunningServer, type StartServerOptions, startServer } from '../src/api/server.js';
import { type Config, loadConfig } from '../src/internal/config.js';
import { createLogger } from '../src/internal/logger.js';
import { seedPgliteDataDir } from './pgliteTemplate.js';

/** Real PostgreSQL / Redis when CI sets their URLs; embedded defaults otherwise. */
export const DATABASE_URL = process.env.DATABASE_URL || undefined;
export const REDIS_URL = process.env.REDIS_URL || undefined;

/** Captures log lines written by a logger (for redaction and access-log assertions). */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
    cb();
  }
  get text() {
    return this.lines.join('\n');
  }
  json(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export type TestEnv = {
  config: Config;
  /** Drop the Postgres schema / remove the temp dir. */
  cleanup(): Promise<void>;
};

/**
 * A fresh, isolated storage target: a temp PGlite dir, or a new schema in the CI Postgres, plus a
 * private Redis key prefix when Redis is available and `redis` is requested.
 */
export function testEnv(
  overrides: Record<string, string> = {},
  options: { redis?: boolean; postgres?: boolean; schema?: string; prefix?: string } = {},
): TestEnv {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-test-'));
  const usePg = (options.postgres ?? true) && DATABASE_URL !== undefined;
  const schema = options.schema ?? `t_${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = {
    SEXTANT_DATA_DIR: dir,
    PORT: '0',
    LOG_LEVEL: 'info',
    // Tests never reach exchanges: live data comes from replays or the bus.
    MARKET_SOURCE: 'none',
    ...(usePg ? { DATABASE_URL: DATABASE_URL!, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '4' } : {}),
    ...(options.redis && REDIS_URL
      ? { REDIS_URL, REDIS_PREFIX: options.prefix ?? `sxt-test-${randomBytes(6).toString('hex')}:` }
      : {}),
    ...overrides,
  };
  const config = loadConfig({ env });
  if (config.storageKind === 'pglite') seedPgliteDataDir(config.dataDirAbs);
  return {
    config,
    async cleanup() {
      if (usePg && !options.schema) await dropSchema(schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Real market data shared beside the project (never committed); tests skip without it. */
export const SHARED_DATA = join(fileURLToPath(new URL('../', import.meta.url)), '..', 'shared', 'data');
export const HAVE_SHARED_DATA = existsSync(SHARED_DATA);

export async function dropSchema(schema: string): Promise<void> {
  if (!DATABASE_URL) return;
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    await c.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await c.end();
  }
}

export type TestServer = RunningServer & { logs: LogCapture; env: TestEnv };

/** Start a real server on a free port with captured logs. */
export async function startTestServer(
  overrides: Record<string, string> = {},
  options: StartServerOptions & { redis?: boolean; env?: TestEnv } = {},
): Promise<TestServer> {
  const env = options.env ?? testEnv(overrides, { redis: options.redis ?? false });
  const logs = new LogCapture();
  const logger = createLogger({ level: env.config.logLevel, destination: logs });
  const server = await startServer(env.config, { ...options, logger });
  return Object.assign(server, { logs, env });
}

/** Stop a test server and clean its storage. */
export async function stopTestServer(server: TestServer | undefined): Promise<void> {
  if (!server) return;
  await server.close('test');
  if (!server.env) return;
  await server.env.cleanup();
}
