import { createHash } from 'node:crypto';
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationStatus } from '../db/index.js';
import { AppError, BadRequestError, InternalError, NotFoundError } from '../internal/errors.js';
import { ImportRejectedError, importMarketFiles, isInterval } from '../market/index.js';
import { createMarketResolver, type Services } from '../services/index.js';

/**
 * The local admin channel: while a server holds an embedded (PGlite) data directory, CLI
 * commands such as `sextant keys create` reach its storage through this Unix socket instead of
 * opening the files a second time. The socket is mode 0600 and never listens on the network.
 */

export type AdminMethod = 'keys.create' | 'keys.list' | 'keys.revoke' | 'migrations.status' | 'market.import';

const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;
const ADMIN_TIMEOUT_MS = 10_000;
const UNIX_SOCKET_PATH_MAX = 100; // sun_path is 108 bytes on Linux, 104 on macOS.

/** Where the admin socket of a data dir lives (a short temp path if the dir path is too long). */
export function adminSocketPathFor(dataDirAbs: string): string {
  const inDir = join(dataDirAbs, 'admin.sock');
  if (inDir.length <= UNIX_SOCKET_PATH_MAX) return inDir;
  const h = createHash('sha256').update(dataDirAbs).digest('hex').slice(0, 16);
  return join(tmpdir(), `sextant-${h}.sock`);
}

async function dispatch(
  services: Services,
  onRevoked: (id: string) => void,
  method: string,
  params: Record<string, unknown>,
): Promise<unknown> {
  switch (method as AdminMethod) {
    case 'keys.create':
      return services.keys.create({
        name: params.name as string,
        tier: params.tier as 'free',
        ...(params.scopes !== undefined ? { scopes: params.scopes as string[] } : {}),
      });
    case 'keys.list':
      return services.keys.list({ includeRevoked: params.includeRevoked === true });
    case 'keys.revoke': {
      if (typeof params.id !== 'string') throw new BadRequestError('id is required');
      const key = await services.keys.revoke(params.id);
      onRevoked(key.id);
      return key;
    }
    case 'migrations.status':
      return migrationStatus(services.db);
    case 'market.import': {
      const paths = params.paths;
      if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string'))
        throw new BadRequestError('paths must be a list of file or directory paths');
      try {
        return await importMarketFiles(
          { db: services.db, resolveMarket: createMarketResolver(services.assets) },
          paths as string[],
          {
            ...(typeof params.venue === 'string' ? { venue: params.venue } : {}),
            ...(typeof params.symbol === 'string' ? { symbol: params.symbol } : {}),
            ...(typeof params.interval === 'string' && isInterval(params.interval)
              ? { interval: params.interval }
              : {}),
          },
        );
      } catch (err) {
        if (err instanceof ImportRejectedError)
          throw new BadRequestError(err.message, { extra: { issues: err.issues } });
        throw err;
      }
    }
    default:
      throw new NotFoundError(`unknown admin method ${JSON.stringify(method)}`);
  }
}

/** Start the admin channel on a Unix socket. */
export async function startAdminServer(
  services: Services,
  socketPath: string,
  onRevoked: (id: string) => void,
): Promise<{ path: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > ADMIN_BODY_LIMIT_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', async () => {
      let status = 200;
      let body: unknown;
      try {
        const msg = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
          method?: string;
          params?: Record<string, unknown>;
        };
        body = { result: await dispatch(services, onRevoked, String(msg.method), msg.params ?? {}) };
      } catch (err) {
        const e =
          err instanceof AppError
            ? err
            : err instanceof SyntaxError
              ? new BadRequestError('malformed admin request')
              : new InternalError((err as Error).message);
        status = e.status;
        body = { error: { code: e.code, status: e.status, message: e.message } };
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  // We hold the data-dir lock, so a socket file left here is from a dead process.
  try {
    unlinkSync(socketPath);
  } catch {}
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        try {
          unlinkSync(socketPath);
        } catch {}
      }),
  };
}

/** Error answered by the admin channel, carrying the server's code and status. */
export class AdminCallError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AdminCallError';
  }
}

/** Call a running server's admin channel. */
export function callAdmin<T>(
  socketPath: string,
  method: AdminMethod,
  params: Record<string, unknown> = {},
  timeoutMs: number = ADMIN_TIMEOUT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        socketPath,
        path: '/',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              result?: T;
              error?: { code: string; status: number; message: string };
            };
            if (body.error)
              reject(new AdminCallError(body.error.message, body.error.code, body.error.status));
            else resolve(body.result as T);
          } catch {
            reject(new Error('the running server sent an unreadable admin reply'));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('the running server did not answer on its admin channel')));
    req.on('error', reject);
    req.end(JSON.stringify({ method, params }));
  });
}
