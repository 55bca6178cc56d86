import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

const SECRET_FIELDS = [
  'apiKey',
  'secret',
  'password',
  'passphrase',
  'mnemonic',
  'privateKey',
  'seed',
  'token',
  'authorization',
  'databaseUrl',
  'redisUrl',
  'metricsToken',
];

/**
 * Field paths whose values never reach a log line, whatever logs them: the secret field names at
 * the top level and up to three objects deep, plus request headers carrying credentials.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
];

// Query parameters that may carry credentials (also `name[]=` forms): values masked in logged URLs.
const SECRET_QUERY_RE =
  /([?&](?:(?:x-)?api[_-]?key|key|token|secret|password|passphrase|mnemonic|seed|private[_-]?key|access[_-]?token|auth|authorization|bearer)(?:\[[^\]=&]*\]|%5B[^=&]*%5D)?=)[^&#]*/gi;
// A Sextant API key anywhere in a URL (path segment, unexpected parameter name).
const API_KEY_RE = /sxt_[A-Za-z0-9_-]{32}/g;

/** Mask credential-looking values in a URL before it is logged. */
export function redactUrl(url: string): string {
  let out = url.includes('sxt_') ? url.replace(API_KEY_RE, '[Redacted]') : url;
  if (out.includes('=')) out = out.replace(SECRET_QUERY_RE, '$1[Redacted]');
  return out;
}

/** Mask user:password in a connection URL (postgres://u:p@h/db → postgres://u:***@h/db). */
export function redactConnectionUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

const LOG_FLUSH_INTERVAL_MS = 1000;

export type LoggerOptions = {
  level: string;
  /** Defaults to an asynchronous, buffered stdout writer (flushed on shutdown). */
  destination?: DestinationStream;
};

/**
 * Create the process logger: JSON lines, secrets redacted.
 * @example createLogger({ level: 'info' }).info({ port }, 'listening')
 */
export function createLogger(options: LoggerOptions): Logger {
  let destination = options.destination;
  if (!destination) {
    // Buffered async writes: a synchronous write(2) per access-log line costs ~30% throughput.
    // A timer flushes the buffer so quiet servers still show their lines within a second.
    const boom = pino.destination({ dest: 1, sync: false, minLength: 4096 });
    const timer = setInterval(() => {
      try {
        boom.flush();
      } catch {}
    }, LOG_FLUSH_INTERVAL_MS);
    timer.unref();
    destination = boom;
  }
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Flush buffered log lines (call before exit). */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // A closed destination cannot be flushed; nothing left to lose.
  }
}
