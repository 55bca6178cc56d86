import { resolve } from 'node:path';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from './errors.js';

/**
 * The only reader of `process.env` and CLI flags. Every setting is declared once below with its
 * env name, flag, schema, default and description; `sextant serve --help` prints this table.
 * Precedence: CLI flag > environment variable > default.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type SettingSpec = {
  env: string;
  flag: string;
  schema: TSchema;
  default?: unknown;
  description: string;
  /** Never print the value (help, logs, status). */
  secret?: boolean;
};

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const PositiveInt = Type.Integer({ minimum: 1 });
const NonNegativeInt = Type.Integer({ minimum: 0 });

/** Every setting Sextant reads. Keys become fields of `Config`. */
export const SETTINGS = {
  port: {
    env: 'PORT',
    flag: 'port',
    schema: Port,
    default: 8080,
    description: 'HTTP port (0 = any free port)',
  },
  host: {
    env: 'HOST',
    flag: 'host',
    schema: Type.String({ minLength: 1 }),
    default: '127.0.0.1',
    description: 'Interface to bind (0.0.0.0 to expose on the network)',
  },
  dataDir: {
    env: 'SEXTANT_DATA_DIR',
    flag: 'data-dir',
    schema: Type.String({ minLength: 1 }),
    default: './.sextant',
    description: 'Directory for the embedded database (PGlite), lock file and admin socket',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: 'database-url',
    schema: Type.String({ pattern: '^postgres(ql)?://' }),
    description: 'PostgreSQL URL (postgres://user@host:5432/db); unset = embedded PGlite in the data dir',
    secret: true,
  },
  databaseSchema: {
    env: 'DATABASE_SCHEMA',
    flag: 'database-schema',
    schema: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
    default: 'public',
    description: 'PostgreSQL schema to use (created if missing)',
  },
  databasePoolSize: {
    env: 'DATABASE_POOL_SIZE',
    flag: 'database-pool-size',
    schema: Type.Integer({ minimum: 1, maximum: 200 }),
    default: 10,
    description: 'PostgreSQL connection pool size',
  },
  redisUrl: {
    env: 'REDIS_URL',
    flag: 'redis-url',
    schema: Type.String({ pattern: '^rediss?://' }),
    description:
      'Redis URL; when set, rate limits, quotas and key revocations are shared by every process using it',
    secret: true,
  },
  redisPrefix: {
    env: 'REDIS_PREFIX',
    flag: 'redis-prefix',
    schema: Type.String({ minLength: 1, maxLength: 64 }),
    default: 'sextant:',
    description: 'Prefix for every Redis key',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    schema: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l))),
    default: 'info',
    description: `Log level (${LOG_LEVELS.join(', ')})`,
  },
  accessLog: {
    env: 'ACCESS_LOG',
    flag: 'access-log',
    schema: Type.Boolean(),
    default: true,
    description: 'Write one JSON access-log line per request',
  },
  corsOrigins: {
    env: 'CORS_ORIGINS',
    flag: 'cors-origins',
    schema: Type.String(),
    default: '*',
    description: "Allowed CORS origins, comma-separated ('*' = any, '' = CORS off)",
  },
  bodyLimitBytes: {
    env: 'BODY_LIMIT_BYTES',
    flag: 'body-limit-bytes',
    schema: Type.Integer({ minimum: 1024, maximum: 104857600 }),
    default: 1048576,
    description: 'Maximum request body size in bytes (larger answers 413)',
  },
  requestTimeoutMs: {
    env: 'REQUEST_TIMEOUT_MS',
    flag: 'request-timeout-ms',
    schema: NonNegativeInt,
    default: 30000,
    description: 'Time allowed to receive a whole request (0 = no limit)',
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    schema: PositiveInt,
    default: 10000,
    description: 'How long a graceful shutdown waits for in-flight requests',
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    flag: 'trust-proxy',
    schema: Type.Boolean(),
    default: false,
    description: 'Trust X-Forwarded-For for the client IP (behind a load balancer)',
  },
  anonymousAccess: {
    env: 'ANONYMOUS_ACCESS',
    flag: 'anonymous-access',
    schema: Type.Boolean(),
    default: true,
    description: 'Allow requests without an API key on public read endpoints',
  },
  anonymousRpm: {
    env: 'ANONYMOUS_RPM',
    flag: 'anonymous-rpm',
    schema: PositiveInt,
    default: 30,
    description: 'Requests per minute per IP without an API key',
  },
  tierFreeRpm: {
    env: 'TIER_FREE_RPM',
    flag: 'tier-free-rpm',
    schema: PositiveInt,
    default: 60,
    description: "Requests per minute for a 'free' key",
  },
  tierFreeMonthlyQuota: {
    env: 'TIER_FREE_MONTHLY_QUOTA',
    flag: 'tier-free-monthly-quota',
    schema: NonNegativeInt,
    default: 100000,
    description: "Requests per calendar month (UTC) for a 'free' key (0 = unlimited)",
  },
  tierProRpm: {
    env: 'TIER_PRO_RPM',
    flag: 'tier-pro-rpm',
    schema: PositiveInt,
    default: 600,
    description: "Requests per minute for a 'pro' key",
  },
  tierProMonthlyQuota: {
    env: 'TIER_PRO_MONTHLY_QUOTA',
    flag: 'tier-pro-monthly-quota',
    schema: NonNegativeInt,
    default: 3000000,
    description: "Requests per month for a 'pro' key (0 = unlimited)",
  },
  tierEnterpriseRpm: {
    env: 'TIER_ENTERPRISE_RPM',
    flag: 'tier-enterprise-rpm',
    schema: PositiveInt,
    default: 6000,
    description: "Requests per minute for an 'enterprise' key",
  },
  tierEnterpriseMonthlyQuota: {
    env: 'TIER_ENTERPRISE_MONTHLY_QUOTA',
    flag: 'tier-enterprise-monthly-quota',
    schema: NonNegativeInt,
    default: 0,
    description: "Requests per month for an 'enterprise' key (0 = unlimited)",
  },
  metricsPort: {
    env: 'METRICS_PORT',
    flag: 'metrics-port',
    schema: Port,
    default: 0,
    description: 'Serve /metrics on this separate port instead of the API port (0 = API port)',
  },
  metricsToken: {
    env: 'METRICS_TOKEN',
    flag: 'metrics-token',
    schema: Type.String({ minLength: 16 }),
    description: 'When set, /metrics requires `Authorization: Bearer <token>`',
    secret: true,
  },
  marketSource: {
    env: 'MARKET_SOURCE',
    flag: 'market-source',
    schema: Type.Union([Type.Literal('auto'), Type.Literal('exchange'), Type.Literal('none')]),
    default: 'auto',
    description:
      "Live market data: 'exchange' (CCXT websockets), 'auto' (exchange when reachable, else serve what is stored), 'none'",
  },
  marketVenues: {
    env: 'MARKET_VENUES',
    flag: 'market-venues',
    schema: Type.String({ pattern: '^[a-z0-9]+(,[a-z0-9]+)*$' }),
    default: 'binance',
    description: 'CCXT venue ids to stream live, comma-separated (e.g. binance,coinbase,kraken)',
  },
  marketAssets: {
    env: 'MARKET_ASSETS',
    flag: 'market-assets',
    schema: Type.String({ pattern: '^[a-z0-9-]+(,[a-z0-9-]+)*$' }),
    default: 'bitcoin,ethereum,solana,binancecoin,ripple,cardano,dogecoin',
    description: 'Asset ids whose markets are streamed live on the configured venues',
  },
  replayDir: {
    env: 'REPLAY_DIR',
    flag: 'replay',
    schema: Type.String({ minLength: 1 }),
    description:
      'Offline demo: import this directory of CSV bars and play it as a live feed (instead of the exchange source)',
  },
  replaySpeed: {
    env: 'REPLAY_SPEED',
    flag: 'speed',
    schema: Type.Number({ exclusiveMinimum: 0, maximum: 100000000 }),
    default: 3600,
    description: 'Replay speed: market seconds per wall-clock second (3600 = one hour of bars per second)',
  },
  replayFrom: {
    env: 'REPLAY_FROM',
    flag: 'replay-from',
    schema: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}' }),
    description: 'Start the replay at this UTC date (default: 30 days before the end of the data)',
  },
  priceStaleAfterMs: {
    env: 'PRICE_STALE_AFTER_MS',
    flag: 'price-stale-after-ms',
    schema: PositiveInt,
    default: 300000,
    description: 'A price older than this is flagged `stale: true`',
  },
  priceOutlierPct: {
    env: 'PRICE_OUTLIER_PCT',
    flag: 'price-outlier-pct',
    schema: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
    default: 2,
    description: 'With 3+ venues, a venue this many percent away from the median is left out of the price',
  },
  siweDomains: {
    env: 'SIWE_DOMAINS',
    flag: 'siwe-domains',
    schema: Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$' }),
    default: 'localhost',
    description:
      'Sign-In with Ethereum: domains (RFC 3986 authority, e.g. app.example.com or localhost:5173) a SIWE message may name, comma-separated',
  },
  siweSessionTtlSeconds: {
    env: 'SIWE_SESSION_TTL_SECONDS',
    flag: 'siwe-session-ttl-seconds',
    schema: Type.Integer({ minimum: 60, maximum: 2592000 }),
    default: 86400,
    description: 'Lifetime of a Sign-In with Ethereum session token (60 s to 30 days)',
  },
  jobConcurrency: {
    env: 'JOB_CONCURRENCY',
    flag: 'job-concurrency',
    schema: Type.Integer({ minimum: 0, maximum: 64 }),
    default: 1,
    description: 'Background jobs (backtests) this process runs at once (0 = run none: an API-only replica)',
  },
  jobStaleMs: {
    env: 'JOB_STALE_MS',
    flag: 'job-stale-ms',
    schema: PositiveInt,
    default: 30000,
    description: 'A running job without a heartbeat for this long (its process died) is queued again',
  },
  webhookTimeoutMs: {
    env: 'WEBHOOK_TIMEOUT_MS',
    flag: 'webhook-timeout-ms',
    schema: PositiveInt,
    default: 10000,
    description: 'How long one webhook delivery may take before it counts as failed',
  },
  webhookMaxAttempts: {
    env: 'WEBHOOK_MAX_ATTEMPTS',
    flag: 'webhook-max-attempts',
    schema: Type.Integer({ minimum: 1, maximum: 20 }),
    default: 8,
    description: 'Delivery attempts (with exponential backoff) before a webhook delivery is marked failed',
  },
  webhookRetryBaseMs: {
    env: 'WEBHOOK_RETRY_BASE_MS',
    flag: 'webhook-retry-base-ms',
    schema: PositiveInt,
    default: 10000,
    description: 'First retry delay of a failed webhook delivery; each later one doubles (capped at 1 hour)',
  },
  webhookAllowPrivate: {
    env: 'WEBHOOK_ALLOW_PRIVATE',
    flag: 'webhook-allow-private',
    schema: Type.Boolean(),
    default: false,
    description: 'Allow webhook URLs on loopback and private networks (off: they are refused, against SSRF)',
  },
  chains: {
    env: 'CHAINS',
    flag: 'chains',
    schema: Type.String({ maxLength: 20_000 }),
    default: '',
    description:
      'EVM chains to index: `id=rpcUrl[,rpcUrl…]` separated by `;`, or a JSON array of {id, rpc, finality, startBlock, fullBlocks, nativeAddresses, requestsPerSecond, whaleMinUsd} (see docs/onchain.md)',
    secret: true,
  },
  chainIndexer: {
    env: 'CHAIN_INDEXER',
    flag: 'chain-indexer',
    schema: Type.Boolean(),
    default: true,
    description:
      '`serve` runs the indexer of each configured chain (one process per chain holds a lease; false on API-only replicas)',
  },
  chainLabelsFile: {
    env: 'CHAIN_LABELS_FILE',
    flag: 'chain-labels-file',
    schema: Type.String({ minLength: 1 }),
    description: 'JSON or CSV file of labelled addresses (e.g. exchange hot wallets) for exchange flows',
  },
  mcpTools: {
    env: 'MCP_TOOLS',
    flag: 'mcp-tools',
    schema: Type.String({ minLength: 1, maxLength: 2000, pattern: '^[a-z_]+(,[a-z_]+)*$' }),
    default: 'default',
    description:
      'MCP tools served at /mcp and by `sextant mcp`: a preset (default, market, onchain, operations, all) or a comma list of tool names and presets',
  },
  llmBaseUrl: {
    env: 'LLM_BASE_URL',
    flag: 'llm-base-url',
    schema: Type.String({ pattern: '^https?://', maxLength: 2000 }),
    description:
      'OpenAI-compatible chat API for the agent endpoint (OpenAI https://api.openai.com/v1, Ollama http://127.0.0.1:11434/v1, vLLM, llama.cpp); unset = agent off (503)',
    secret: true,
  },
  llmModel: {
    env: 'LLM_MODEL',
    flag: 'llm-model',
    schema: Type.String({ minLength: 1, maxLength: 200 }),
    description: 'Model name sent to the chat API (e.g. gpt-4o-mini, llama3.1)',
  },
  llmApiKey: {
    env: 'LLM_API_KEY',
    flag: 'llm-api-key',
    schema: Type.String({ minLength: 1, maxLength: 4000 }),
    description: 'Bearer key for the chat API (not needed by local servers)',
    secret: true,
  },
  agentMaxSteps: {
    env: 'AGENT_MAX_STEPS',
    flag: 'agent-max-steps',
    schema: Type.Integer({ minimum: 1, maximum: 20 }),
    default: 6,
    description: 'Model turns per agent question (each may call tools); the loop stops there',
  },
  agentMaxTokens: {
    env: 'AGENT_MAX_TOKENS',
    flag: 'agent-max-tokens',
    schema: Type.Integer({ minimum: 64, maximum: 200_000 }),
    default: 4000,
    description: 'Completion tokens per agent question, over all its model turns',
  },
  agentTimeoutMs: {
    env: 'AGENT_TIMEOUT_MS',
    flag: 'agent-timeout-ms',
    schema: PositiveInt,
    default: 60000,
    description: 'Time limit of one model call',
  },
} satisfies Record<string, SettingSpec>;

type Settings = typeof SETTINGS;
type ValueOf<K extends keyof Settings> = Static<Settings[K]['schema']>;
type HasDefault<K extends keyof Settings> = Settings[K] extends { default: unknown } ? K : never;

/** One EVM chain to index, from `CHAINS`. */
export type ChainConfig = {
  id: number;
  rpc: readonly string[];
  /** Blocks after which a block is considered final (reorgs deeper are reported as errors). */
  finality: number;
  startBlock: number;
  /** Read every block with its transactions (native transfers, contract creations). */
  fullBlocks: boolean;
  /** Native transfers of these addresses ('*' = all; full blocks only). */
  nativeAddresses: readonly string[] | '*';
  /** Per RPC URL. */
  requestsPerSecond: number;
  /** ERC-20 transfers worth at least this (USD at block time) are pushed live (stream, webhooks). */
  whaleMinUsd: number;
};

const ChainSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    rpc: Type.Array(Type.String({ pattern: '^(https?|wss?)://' }), { minItems: 1, maxItems: 10 }),
    finality: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    startBlock: Type.Optional(Type.Integer({ minimum: 0 })),
    fullBlocks: Type.Optional(Type.Boolean()),
    nativeAddresses: Type.Optional(
      Type.Union([Type.Literal('*'), Type.Array(Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' }))]),
    ),
    requestsPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_000 })),
    whaleMinUsd: Type.Optional(Type.Number({ minimum: 1, maximum: 1e12 })),
  },
  { additionalProperties: false },
);

/**
 * Parse `CHAINS`: `1=https://a,https://b;31337=http://127.0.0.1:8545` or a JSON array. Throws
 * an Error whose message says what is wrong (never the URLs: they may hold API keys).
 */
export function parseChains(raw: string): ChainConfig[] {
  const text = raw.trim();
  if (text === '') return [];
  let items: unknown[];
  if (text.startsWith('[')) {
    try {
      items = JSON.parse(text) as unknown[];
    } catch {
      throw new Error('is not valid JSON');
    }
    if (!Array.isArray(items)) throw new Error('must be a JSON array');
  } else {
    items = text.split(';').map((part, i) => {
      const eq = part.indexOf('=');
      const id = Number(part.slice(0, eq).trim());
      if (eq <= 0) throw new Error(`entry ${i + 1} must be id=rpcUrl[,rpcUrl…]`);
      return {
        id,
        rpc: part
          .slice(eq + 1)
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean),
      };
    });
  }
  const seen = new Set<number>();
  return items.map((item, i) => {
    if (!Value.Check(ChainSchema, item)) {
      const first = [...Value.Errors(ChainSchema, item)][0];
      throw new Error(`entry ${i + 1}: ${first ? `${first.path || '(entry)'} ${first.message}` : 'invalid'}`);
    }
    if (seen.has(item.id)) throw new Error(`chain ${item.id} is listed twice`);
    // Requests go over HTTP; WebSocket URLs only carry new-head notifications.
    if (!item.rpc.some((u) => /^https?:\/\//.test(u)))
      throw new Error(
        `chain ${item.id}: rpc lists only WebSocket URLs: add an http(s) URL (ws:// and wss:// URLs are used next to it, for new-head notifications)`,
      );
    seen.add(item.id);
    return {
      id: item.id,
      rpc: item.rpc,
      finality: item.finality ?? 64,
      startBlock: item.startBlock ?? 0,
      fullBlocks: item.fullBlocks ?? false,
      nativeAddresses:
        item.nativeAddresses === '*' ? '*' : (item.nativeAddresses ?? []).map((a) => a.toLowerCase()),
      requestsPerSecond: item.requestsPerSecond ?? 25,
      whaleMinUsd: item.whaleMinUsd ?? 1_000_000,
    };
  });
}

export type Tier = 'free' | 'pro' | 'enterprise';
export const TIERS: readonly Tier[] = ['free', 'pro', 'enterprise'];
export type TierLimits = { rpm: number; monthlyQuota: number };

/** The parsed, frozen configuration handed down in `common`. */
export type Config = Readonly<
  { [K in keyof Settings as HasDefault<K>]: ValueOf<K> } & {
    [K in keyof Settings as K extends HasDefault<K> ? never : K]?: ValueOf<K>;
  } & {
    /** `dataDir` resolved to an absolute path. */
    dataDirAbs: string;
    storageKind: 'pglite' | 'postgres';
    tiers: Readonly<Record<Tier, TierLimits>>;
    /** `CHAINS` parsed. */
    chainList: readonly ChainConfig[];
    corsOriginList: readonly string[] | '*' | false;
  }
>;

export type SettingKey = keyof Settings;

/** Settings as a list, for help output. */
export function describeSettings(): {
  key: SettingKey;
  env: string;
  flag: string;
  default?: unknown;
  description: string;
}[] {
  return (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const s: SettingSpec = SETTINGS[key];
    return {
      key,
      env: s.env,
      flag: s.flag,
      ...(s.default !== undefined ? { default: s.default } : {}),
      description: s.description,
    };
  });
}

function coerce(raw: string, schema: TSchema): unknown {
  const t = schema.type as string | undefined;
  if (t === 'integer' || t === 'number') {
    // Strict: reject '8080abc', '', '1e3' for integers; TypeBox then checks the range.
    if (!/^-?\d+(\.\d+)?$/.test(raw.trim())) return raw;
    return Number(raw.trim());
  }
  if (t === 'boolean') {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    return raw;
  }
  return raw;
}

function expected(schema: TSchema): string {
  const t = schema.type as string | undefined;
  if (schema.anyOf)
    return `one of ${(schema.anyOf as TSchema[]).map((s) => JSON.stringify(s.const)).join(', ')}`;
  const parts: string[] = [];
  if (t === 'integer') parts.push('an integer');
  else if (t === 'number') parts.push('a number');
  else if (t === 'boolean') parts.push('true or false');
  else parts.push('a string');
  if (schema.minimum !== undefined) parts.push(`>= ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`<= ${schema.maximum}`);
  if (schema.minLength !== undefined && schema.minLength > 1)
    parts.push(`at least ${schema.minLength} characters`);
  if (schema.pattern !== undefined) parts.push(`matching ${schema.pattern}`);
  return parts.join(' ');
}

export type ConfigSources = {
  env?: Record<string, string | undefined>;
  /** Flag values keyed by setting key (camelCase) or flag name (kebab-case). */
  flags?: Record<string, string | boolean | undefined>;
  cwd?: string;
};

/**
 * Parse settings once from flags, env and defaults. Throws `ConfigError` naming every bad
 * variable and what was expected.
 * @example loadConfig({ env: process.env, flags: { port: '9000' } })
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const flags = sources.flags ?? {};
  const out: Record<string, unknown> = {};
  const issues: { name: string; message: string }[] = [];

  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const spec: SettingSpec = SETTINGS[key];
    const flagVal = flags[key] ?? flags[spec.flag];
    const envVal = env[spec.env];
    let raw: unknown;
    let name: string;
    if (flagVal !== undefined) {
      raw = typeof flagVal === 'boolean' ? flagVal : coerce(flagVal, spec.schema);
      name = `--${spec.flag}`;
    } else if (envVal !== undefined && envVal !== '') {
      raw = coerce(envVal, spec.schema);
      name = spec.env;
    } else {
      if (spec.default !== undefined) out[key] = spec.default;
      continue;
    }
    if (!Value.Check(spec.schema, raw)) {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
      issues.push({ name, message: `${name}=${shown} is invalid: expected ${expected(spec.schema)}` });
      continue;
    }
    out[key] = raw;
  }
  let chainList: ChainConfig[] = [];
  if (typeof out.chains === 'string') {
    try {
      chainList = parseChains(out.chains);
    } catch (err) {
      issues.push({ name: 'CHAINS', message: `CHAINS is invalid: ${(err as Error).message}` });
    }
  }
  if (issues.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  ${issues.map((i) => i.message).join('\n  ')}`, issues);
  }

  const dataDirAbs = resolve(sources.cwd ?? process.cwd(), out.dataDir as string);
  const cors = (out.corsOrigins as string).trim();
  const config = {
    ...out,
    dataDirAbs,
    storageKind: out.databaseUrl ? 'postgres' : 'pglite',
    chainList: Object.freeze(chainList),
    tiers: Object.freeze({
      free: { rpm: out.tierFreeRpm as number, monthlyQuota: out.tierFreeMonthlyQuota as number },
      pro: { rpm: out.tierProRpm as number, monthlyQuota: out.tierProMonthlyQuota as number },
      enterprise: {
        rpm: out.tierEnterpriseRpm as number,
        monthlyQuota: out.tierEnterpriseMonthlyQuota as number,
      },
    }),
    corsOriginList:
      cors === '*'
        ? '*'
        : cors === ''
          ? false
          : cors
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
  };
  return Object.freeze(config) as unknown as Config;
}

/** The environment of this process; the one place `process.env` is read. */
export function processEnv(): Record<string, string | undefined> {
  return process.env;
}
