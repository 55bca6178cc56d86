import { createHash, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type ChatClient, registerAgentRoutes } from '../agent/index.js';
import { latestMigration } from '../db/index.js';
import {
  BadRequestError,
  ERROR_CODES,
  ExpectationFailedError,
  MethodNotAllowedError,
  RouteNotFoundError,
  ShuttingDownError,
  UnauthorizedError,
} from '../internal/errors.js';
import { createAccessLogWriter } from '../internal/logger.js';
import { registerMcpRoutes } from '../mcp/http.js';
import { type AuthInfo, OPERATIONS, type Operation, RequestContext, routePath } from '../operations/index.js';
import { createInputValidators, nonFiniteError, relaxDefaults } from '../operations/validation.js';
import type { Services } from '../services/index.js';
import { type Authenticator, type AuthResult, createAuthenticator } from './auth.js';
import { createCors, DOCS_PREFIX, SECURITY_HEADERS } from './headers.js';
import { registerJobEvents } from './jobEvents.js';
import { PROBLEM_CONTENT_TYPE, type Problem, ProblemSchema, toAppError, toProblem } from './problem.js';
import { registerStreams, type StreamOptions } from './stream.js'; // live streams

export type BuildAppOptions = {
  /** Operations to serve (default: all). Tests add their own. */
  operations?: readonly Operation[];
  /** Clock for handlers and limits (tests). */
  now?: () => number;
  /** Live-stream limits and asset resolution (see stream.ts). */
  streams?: StreamOptions;
  /** The agent's model (tests); default: LLM_BASE_URL / LLM_MODEL. */
  chat?: ChatClient;
};

export type App = FastifyInstance & { authenticator: Authenticator };

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_PARAM_LENGTH = 200;

declare module 'fastify' {
  interface FastifyRequest {
    /** Id of the API key that made the request (for logs and usage). */
    keyId?: string;
    /** Who called; set by the operation's auth hook. */
    auth?: AuthInfo;
    /** The operation's route template (`/v1/assets/:id`), for metrics and the access log. */
    routeTemplate?: string;
  }
}

/** Compile a Fastify route pattern into a matcher (for telling 405 from 404). */
function patternToRegExp(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((seg) => {
      if (seg === '*') return '.*';
      if (seg.startsWith(':')) return '[^/]+';
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

function sendProblem(reply: FastifyReply, problem: Problem, headers?: Record<string, string>): FastifyReply {
  if (headers) reply.headers(headers);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

function weakEtag(payload: string | Buffer): string {
  return `W/"${createHash('sha1').update(payload).digest('base64url')}"`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.slice(2);
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === etag || v === bare || `W/${v}` === etag;
  });
}

function createValidatorCompiler() {
  const validators = createInputValidators();
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    validators.compile(schema, httpPart === 'body' ? 'body' : 'query');
}

/**
 * Build the HTTP API: operations from the registry, OpenAPI + docs, health, metrics, problem
 * documents for every error, request ids, access log, CORS, security headers, compression.
 */
export async function buildApp(services: Services, options: BuildAppOptions = {}): Promise<App> {
  const { config, logger, metrics } = services.common;
  const operations = options.operations ?? OPERATIONS;
  const now = options.now ?? Date.now;
  const clock = { now };

  const app = Fastify({
    // Fastify's own logger is off: it would build a child logger per request and write two lines.
    // We write one access-log line per request (onResponse) and log errors with the request id.
    logger: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    trustProxy: config.trustProxy,
    // New requests during shutdown get a SHUTTING_DOWN problem document (see onRequest below).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // Host is checked in onRequest so that its absence gets a problem document, not Node's bare 400.
    http: { requireHostHeader: false },
    // Malformed percent-encoding and over-long path parameters: problem documents too.
    frameworkErrors: (error, request, reply) => {
      const appError = toAppError(error);
      return sendProblem(reply, toProblem(appError, request.id), appError.headers);
    },
    // Malformed HTTP (oversized headers, bad framing) never reaches Fastify's routing: answer it
    // here with a problem document instead of Node's bare status line.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const status =
        err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const code = status === 431 ? 'HEADERS_TOO_LARGE' : status === 408 ? 'REQUEST_TIMEOUT' : 'BAD_REQUEST';
      const body = JSON.stringify({
        type: `urn:sextant:error:${code}`,
        title:
          status === 431 ? 'Request headers too large' : status === 408 ? 'Request timeout' : 'Bad request',
        status,
        detail: status === 431 ? 'request headers exceed the server limit' : 'malformed HTTP request',
        code,
        requestId: randomUUID(),
        retryable: status === 408,
      });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
          `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  }) as unknown as App;

  app.setValidatorCompiler(createValidatorCompiler());

  // JSON only: a text/plain body is a 415, not a string handed to a handler.
  app.removeContentTypeParser('text/plain');

  // Every route, for telling "wrong method" (405) from "no such path" (404).
  const routeTable: { re: RegExp; methods: Set<string> }[] = [];
  app.addHook('onRoute', (route) => {
    // CORS answers OPTIONS on every path through a wildcard route: not a real route.
    if (route.url === '*' || route.url === '/*') return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const re = patternToRegExp(route.url);
    const existing = routeTable.find((r) => r.re.source === re.source);
    if (existing) for (const m of methods) existing.methods.add(m);
    else routeTable.push({ re, methods: new Set(methods) });
  });

  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  const cors = createCors(config.corsOriginList);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (request.url.startsWith(DOCS_PREFIX)) {
      reply.header('x-content-type-options', 'nosniff');
    } else {
      reply.headers(SECURITY_HEADERS);
    }
    cors.apply(request, reply);
    metrics.requestStarted();
    // 'close' fires however the exchange ends, including when the HTTP parser aborts mid-body
    // and no onResponse hook runs.
    // `on`, not `once`: the response emits 'close' once and is then dropped, and `once` would
    // allocate a wrapper per request.
    reply.raw.on('close', metrics.requestEnded);
    if (request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor >= 1 && !request.headers.host) {
      return done(new BadRequestError('HTTP/1.1 requests need a Host header'));
    }
    if (closing) {
      reply.header('connection', 'close');
      return done(
        new ShuttingDownError('the server is shutting down: retry on another instance', {
          headers: { 'retry-after': '1' },
        }),
      );
    }
    done();
  });

  const accessLog = config.accessLog ? createAccessLogWriter(logger) : null;
  app.addHook('onResponse', (request, reply, done) => {
    // Operations set routeTemplate in their own hook: Fastify's routeOptions getter builds a
    // twelve-field object on every call, so it is only used for the few other routes.
    const route = request.routeTemplate ?? request.routeOptions.url ?? '(unmatched)';
    // elapsedTime is a getter that reads the clock: read it once.
    const elapsedMs = reply.elapsedTime;
    const seconds = elapsedMs / 1000;
    metrics.observeRequest(request.method, route, reply.statusCode, seconds);
    accessLog?.({
      reqId: request.id,
      method: request.method,
      url: request.url,
      route,
      status: reply.statusCode,
      ms: Math.round(elapsedMs * 100) / 100,
      ip: request.ip,
      key: request.keyId,
    });
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) {
      logger.error({ err: error, reqId: request.id }, 'request failed');
    }
    return sendProblem(reply, toProblem(appError, request.id), appError.headers);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = new Set<string>();
    for (const r of routeTable) if (r.re.test(path)) for (const m of r.methods) allowed.add(m);
    if (allowed.size > 0 && !allowed.has(request.method)) {
      const allow = [...allowed].sort().join(', ');
      const err = new MethodNotAllowedError(
        `${request.method} is not allowed on this path; allowed: ${allow}`,
      );
      return sendProblem(reply, toProblem(err, request.id), { allow });
    }
    return sendProblem(
      reply,
      toProblem(new RouteNotFoundError(`no route for ${request.method} ${path.slice(0, 200)}`), request.id),
    );
  });

  // Any OPTIONS (CORS preflight or not) is answered 204; CORS headers only for allowed origins.
  app.options('*', { schema: { hide: true } }, (request, reply) => cors.preflight(request, reply));
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip', 'deflate'] });

  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Sextant API',
        version: services.common.version,
        description: [
          'Real-time prices, trading signals and on-chain insights from one API.',
          '',
          '**Authentication**: send your key as `x-api-key: sxt_…` or `Authorization: Bearer sxt_…`. Public read endpoints also work without a key at a low per-IP limit.',
          '',
          '**Rate limits**: every limited response carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds); a `429` adds `Retry-After`.',
          '',
          `**Errors** are RFC 9457 problem documents (\`application/problem+json\`) with a stable \`code\`: ${ERROR_CODES.map((e) => `\`${e.code}\` (${e.status})`).join(', ')}.`,
        ].join('\n'),
        license: { name: 'MIT', identifier: 'MIT' },
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'Sextant API key (sxt_…)' },
          bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' },
        },
      },
      tags: [
        { name: 'system', description: 'Health, readiness and server status' },
        { name: 'account', description: 'Your API key and its usage' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: true } });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  app.get(
    '/healthz',
    {
      compress: false,
      decompress: false,
      schema: {
        tags: ['system'],
        summary: 'Liveness',
        description: 'Answers 200 while the process runs. Does not check dependencies (see /readyz).',
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string', const: 'ok' } },
            required: ['status'],
          },
        },
      },
    },
    (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return { status: 'ok' };
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness',
        description:
          'Answers 200 when the database answers, all migrations are applied and Redis (when configured) answers; 503 otherwise, with the failing check named.',
      },
    },
    async (_req, reply) => {
      const checks: Record<string, { ok: boolean; detail?: string; ms?: number }> = {};
      const t0 = performance.now();
      try {
        await services.db.ping();
        checks.database = { ok: true, ms: Math.round(performance.now() - t0) };
      } catch (err) {
        checks.database = { ok: false, detail: `database unreachable: ${(err as Error).message}` };
      }
      if (checks.database.ok) {
        try {
          const rows = await services.db.query<{ v: number | null }>(
            'select max(version) as v from schema_migrations',
          );
          const current = rows[0]?.v ?? 0;
          const latest = latestMigration();
          checks.migrations =
            current >= latest
              ? { ok: true }
              : { ok: false, detail: `schema at ${current}, expected ${latest}` };
        } catch {
          checks.migrations = { ok: false, detail: 'migrations table missing' };
        }
      }
      if (services.redis) {
        const t1 = performance.now();
        try {
          await services.redis.ping();
          checks.redis = { ok: true, ms: Math.round(performance.now() - t1) };
        } catch (err) {
          checks.redis = { ok: false, detail: `redis unreachable: ${(err as Error).message}` };
        }
      }
      const ok = Object.values(checks).every((c) => c.ok) && !services.common.shutdown.isShuttingDown;
      reply.code(ok ? 200 : 503).header('cache-control', 'no-store');
      return { status: ok ? 'ready' : 'not_ready', checks };
    },
  );

  if (config.metricsPort === 0) {
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (config.metricsToken && request.headers.authorization !== `Bearer ${config.metricsToken}`) {
        throw new UnauthorizedError('metrics need Authorization: Bearer <METRICS_TOKEN>');
      }
      reply.type(services.common.metrics.contentType).header('cache-control', 'no-store');
      return services.common.metrics.text();
    });
  }

  const authenticator = createAuthenticator(services);
  app.decorate('authenticator', authenticator);
  app.addHook('onClose', () => authenticator.close());

  for (const op of operations) registerOperation(app, services, authenticator, op, clock);

  // ---- MCP over Streamable HTTP (/mcp) and the agent (POST /v1/agent/chat): tools from the same
  // registry, the same keys, scopes and limits.
  const authenticateFor = async (request: FastifyRequest, policy: Operation['auth']) => {
    const r = authenticator.authenticate(request.headers, request.ip, policy, now());
    const { auth, limit } = r instanceof Promise ? await r : r;
    if (auth.type === 'key') request.keyId = auth.key.id;
    return {
      auth,
      headers: {
        'ratelimit-limit': limit.limit,
        'ratelimit-remaining': limit.remaining,
        'ratelimit-reset': limit.resetSeconds,
      },
    };
  };
  registerMcpRoutes(app, { services, now, authenticate: authenticateFor });
  registerAgentRoutes(app, {
    services,
    now,
    authenticate: authenticateFor,
    ...(options.chat ? { chat: options.chat } : {}),
  });

  // ---- live streams (WS /v1/stream, SSE /v1/stream/sse): everything else is in stream.ts.
  // Stream subscriptions name assets as the REST API does (id, symbol or CAIP-19), and an
  // unknown one is refused with ASSET_NOT_FOUND instead of being accepted and never updated.
  await registerStreams(app, services, {
    now,
    resolveAsset: (ref) => services.assets.resolve(ref).id,
    ...options.streams,
    authenticator,
  });

  // ---- backtest job progress (SSE): jobEvents.ts.
  registerJobEvents(app, services, authenticator, now);

  // `Expect: <anything but 100-continue>`: a problem document instead of Node's bodiless 417.
  app.server.on('checkExpectation', (req, res) => {
    const body = JSON.stringify(
      toProblem(
        new ExpectationFailedError(`Expect: ${String(req.headers.expect).slice(0, 100)} is not supported`),
        randomUUID(),
      ),
    );
    res.writeHead(417, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  });

  await app.ready();
  return app;
}

/** Record who called and send the rate-limit headers. */
function applyAuth(request: FastifyRequest, reply: FastifyReply, { auth, limit }: AuthResult): void {
  if (auth.type === 'key') request.keyId = auth.key.id;
  request.auth = auth;
  reply.header('ratelimit-limit', limit.limit);
  reply.header('ratelimit-remaining', limit.remaining);
  reply.header('ratelimit-reset', limit.resetSeconds);
}

function registerOperation(
  app: FastifyInstance,
  services: Services,
  authenticator: Authenticator,
  op: Operation,
  clock: { now: () => number },
): void {
  const security: Record<string, string[]>[] = op.auth.anonymous
    ? [{}, { apiKey: [] }, { bearer: [] }]
    : [{ apiKey: [] }, { bearer: [] }];
  const problemRef = { $ref: 'Problem#' };
  const cacheControl =
    op.cache === 'no-store' ? 'no-store' : `${op.cache.visibility}, max-age=${op.cache.maxAgeSeconds}`;
  const cacheable = op.method === 'GET' && op.cache !== 'no-store';

  const url = routePath(op);
  app.route({
    method: op.method,
    url,
    ...(op.compress === false ? { compress: false } : {}),
    // Only bodies can be compressed: skip the decompression hook on body-less operations.
    ...(op.body ? {} : { decompress: false }),
    schema: {
      operationId: op.id,
      summary: op.summary,
      description: `${op.description}\n\n**Auth**: ${op.auth.anonymous ? 'optional (anonymous allowed at a low per-IP limit)' : 'API key required'}${op.auth.scope ? `; scope \`${op.auth.scope}\`` : ''}.`,
      tags: op.tags,
      security,
      ...(op.params ? { params: relaxDefaults(op.params) } : {}),
      ...(op.query ? { querystring: relaxDefaults(op.query) } : {}),
      ...(op.body ? { body: relaxDefaults(op.body) } : {}),
      response: {
        [op.successStatus ?? 200]: { ...op.response, description: op.response.description ?? op.summary },
        '4xx': {
          description: 'Client error (problem document)',
          content: { 'application/problem+json': { schema: problemRef } },
        },
        '5xx': {
          description: 'Server error (problem document)',
          content: { 'application/problem+json': { schema: problemRef } },
        },
      },
    },
    onRequest: (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
      request.routeTemplate = url;
      let result: ReturnType<Authenticator['authenticate']>;
      try {
        result = authenticator.authenticate(request.headers, request.ip, op.auth, clock.now());
      } catch (err) {
        return done(err as Error);
      }
      if (result instanceof Promise) {
        result.then((r) => {
          applyAuth(request, reply, r);
          done();
        }, done);
      } else {
        applyAuth(request, reply, result);
        done();
      }
    },
    // preValidation runs after body parsing and before Ajv: the inspection sees the body as sent,
    // even one the schema refuses, before removeAdditional/useDefaults/coerceTypes change it.
    ...(op.inspectBody
      ? {
          preValidation: (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
            try {
              op.inspectBody?.(request.body);
            } catch (err) {
              return done(err as Error);
            }
            done();
          },
        }
      : {}),
    ...(op.query || op.params || op.body
      ? {
          preHandler: (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
            const err = nonFiniteError([
              ['query', request.query],
              ['path', request.params],
              ['body', request.body],
            ]);
            if (err) return done(err);
            done();
          },
        }
      : {}),
    ...(cacheable
      ? {
          onSend: (
            request: FastifyRequest,
            reply: FastifyReply,
            payload: unknown,
            done: (err: null, p?: unknown) => void,
          ) => {
            if (reply.statusCode !== 200 || (typeof payload !== 'string' && !Buffer.isBuffer(payload)))
              return done(null, payload);
            const etag = weakEtag(payload);
            reply.header('etag', etag);
            if (etagMatches(request.headers['if-none-match'], etag)) {
              reply.code(304);
              return done(null, '');
            }
            done(null, payload);
          },
        }
      : {}),
    // Not async: a handler that answers synchronously skips a promise and a microtask.
    handler: (request, reply) => {
      reply.header('cache-control', cacheControl);
      if (op.successStatus !== undefined) reply.code(op.successStatus);
      return op.handler(
        { params: request.params, query: request.query, body: request.body },
        new RequestContext(services, request.auth!, request.id, clock.now()),
      );
    },
  });
}
