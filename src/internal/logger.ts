import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names whose values never reach a log line, at any depth up to REDACT_MAX_DEPTH, compared
 * case-insensitively with '-' and '_' ignored (`x-api-key`, `api_key`, `apiKey` all match).
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'apikey',
  'xapikey',
  'secret',
  'password',
  'passphrase',
  'mnemonic',
  'privatekey',
  'seed',
  'token',
  'accesstoken',
  'authorization',
  'cookie',
  'setcookie',
  'databaseurl',
  'redisurl',
  'metricstoken',
]);
const REDACT_MAX_DEPTH = 6;
const CENSOR = '[Redacted]';

function isSecretField(key: string): boolean {
  return SECRET_FIELDS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * A copy of `value` with secret fields censored (the input is never mutated; objects without
 * secrets are returned as they are). A key walk instead of pino's path-based redaction: with
 * wildcard paths at several depths, that cost ~80 µs per log line; this costs well under 1 µs
 * on a flat access-log line.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > REDACT_MAX_DEPTH) return value;
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (value instanceof Error) {
    // Keep it an Error (pino's serializer needs that) but censor secret own properties.
    let copy: Error | undefined;
    for (const k of Object.keys(value)) {
      const v = (value as unknown as Record<string, unknown>)[k];
      const r = isSecretField(k) ? CENSOR : redactSecrets(v, depth + 1);
      if (r !== v) {
        copy ??= Object.create(
          Object.getPrototypeOf(value),
          Object.getOwnPropertyDescriptors(value),
        ) as Error;
        (copy as unknown as Record<string, unknown>)[k] = r;
      }
    }
    return (copy ?? value) as T;
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = redactSecrets(value[i], depth + 1);
      if (v !== value[i]) {
        out ??= value.slice();
        out[i] = v;
      }
    }
    return (out ?? value) as T;
  }
  let out: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  for (const k in obj) {
    const v = obj[k];
    const r = isSecretField(k) ? (v === undefined ? v : CENSOR) : redactSecrets(v, depth + 1);
    if (r !== v) {
      out ??= { ...obj };
      out[k] = r;
    }
  }
  return (out ?? value) as T;
}

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
// Lines are written in chunks of this size: one write(2) per ~25 access-log lines under load (sonic-boom caps it below its 16 KiB maxWrite).
const LOG_BUFFER_BYTES = 8 * 1024;

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
    // Buffered synchronous writes (pino's default is synchronous too): lines collect into 8 KiB
    // chunks written from this thread. Asynchronous writes go through libuv's thread pool, which
    // measured slower and noisier when the server shares its core. A timer flushes the buffer so
    // a quiet server still shows its lines within a second.
    const boom = pino.destination({ dest: 1, sync: true, minLength: LOG_BUFFER_BYTES });
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
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Bindings too: a child logger's fields (e.g. logger.child({ mnemonic })) are redacted once.
        bindings: (bindings) => redactSecrets(bindings),
        log: (obj) => redactSecrets(obj),
      },
    },
    destination,
  );
}

/** The fields of one access-log line. */
export type AccessLogEntry = {
  reqId: string;
  method: string;
  url: string;
  route: string;
  status: number;
  ms: number;
  ip: string;
  /** API key id (never the secret). */
  key: string | undefined;
};

/**
 * A writer of access-log lines: the same JSON shape and destination as the logger's own lines
 * (level, time, pid, reqId, msg 'request'), built directly as a string. Every field is either
 * controlled by us or passed through JSON.stringify, and the URL is redacted first, so the
 * generic redaction walk is not needed; this keeps the per-request cost near 1 µs.
 * Returns null when the logger's level drops info lines.
 */
export function createAccessLogWriter(logger: Logger): ((entry: AccessLogEntry) => void) | null {
  if (!logger.isLevelEnabled('info')) return null;
  const stream = (logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym];
  if (!stream) return null;
  const head = '{"level":"info","time":"';
  const pid = `","pid":${process.pid},"reqId":`;
  // Many lines share a millisecond under load: format the time once per millisecond.
  let lastMs = 0;
  let lastIso = '';
  // Under load most lines repeat the previous line's URL and client address: quote them once.
  let lastUrl = '';
  let lastUrlJson = '""';
  let lastIp = '';
  let lastIpJson = '""';
  return (e) => {
    if (e.url !== lastUrl) {
      lastUrl = e.url;
      lastUrlJson = JSON.stringify(redactUrl(e.url));
    }
    if (e.ip !== lastIp) {
      lastIp = e.ip;
      lastIpJson = JSON.stringify(e.ip);
    }
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    stream.write(
      // reqId (validated charset or a UUID), method (HTTP token) and route (our own templates)
      // need no escaping; the URL and the client address go through JSON.stringify.
      `${head}${lastIso}${pid}"${e.reqId}","method":"${e.method}","url":${lastUrlJson},"route":"${e.route}","status":${e.status},"ms":${e.ms},"ip":${lastIpJson}${e.key === undefined ? '' : `,"key":${JSON.stringify(e.key)}`},"msg":"request"}\n`,
    );
  };
}

/** Flush buffered log lines (call before exit). */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // A closed destination cannot be flushed; nothing left to lose.
  }
}
