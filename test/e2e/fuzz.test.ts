import { connect } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/internal/errors.js';
import { defineOperation, OPERATIONS } from '../../src/operations/index.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';

/**
 * Server-level fuzzing over real sockets: generated (fast-check, fixed seed) and hand-picked
 * malformed requests against every route and method. Invariants: never a 5xx, always an answer,
 * every 4xx a problem document, no stack trace / file path / file content in any answer, and the
 * process is still healthy afterwards.
 */

const FUZZ_SEED = 0x5e7a47;
const GENERATED_REQUESTS = 1_500;
const MIN_REQUESTS = 2_000;
const CONCURRENCY = 16;
const BODY_LIMIT_BYTES = 65_536;
// Node's default --max-http-header-size: above it the parser fails with HPE_HEADER_OVERFLOW (431).
const NODE_MAX_HEADER_BYTES = 16_384;
// Client-side bound on one exchange; the server's own request timeout (30 s) is far above it.
const EXCHANGE_TIMEOUT_MS = 10_000;
const KNOWN_ITEM_ID = 'known-item';

// ---------------------------------------------------------------------------------------------
// Test-only operations: a JSON body (so body parsing is fuzzed) and a path parameter.

const EchoBody = Type.Object({
  name: Type.String({ maxLength: 50 }),
  count: Type.Integer({ minimum: 0, maximum: 1000 }),
  tags: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })),
});

const echoOp = defineOperation({
  id: 'testEcho',
  method: 'POST',
  path: '/test/echo',
  summary: 'Echo (test only)',
  description: 'Answers its validated body.',
  tags: ['system'],
  body: EchoBody,
  response: EchoBody,
  auth: { anonymous: true, scope: 'read' },
  cache: 'no-store',
  handler: ({ body }) => body,
});

const itemOp = defineOperation({
  id: 'testGetItem',
  method: 'GET',
  path: '/test/items/{id}',
  summary: 'Item by id (test only)',
  description: `Answers 200 for \`${KNOWN_ITEM_ID}\`, a NOT_FOUND problem otherwise.`,
  tags: ['system'],
  params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
  response: Type.Object({ id: Type.String() }),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 60, visibility: 'public' },
  handler: ({ params }) => {
    // The detail does not echo the id: the leak check below must not trip on reflected input.
    if (params.id !== KNOWN_ITEM_ID) throw new NotFoundError('no item with this id');
    return { id: params.id };
  },
});

// ---------------------------------------------------------------------------------------------
// A raw HTTP/1.1 client: one request per connection, bytes exactly as given (so malformed framing,
// invalid bytes and oversized heads reach the server's parser, which fetch/node:http would refuse).

type FuzzRequest = {
  /** Category, for the summary. */
  kind: string;
  method: string;
  /** Request-target, sent as-is (utf8 for strings). */
  target: string | Buffer;
  headers?: [name: string, value: string | Buffer][];
  body?: string | Buffer;
  /** Whole request bytes, bypassing the builder (framing attacks). */
  raw?: string | Buffer;
  omitHost?: boolean;
  omitContentLength?: boolean;
  /** Send FIN right after the request (a truncated body then fails in the parser, not on a timer). */
  halfClose?: boolean;
  /** The connection may close without an answer (CONNECT has no handler in node:http). */
  mayDrop?: boolean;
  expectStatus?: number;
  expectCode?: string;
};

type FuzzResponse = { status: number; headers: Record<string, string>; body: string };
type FuzzResult = { req: FuzzRequest; res: FuzzResponse | undefined; error?: string };

/** Latin-1 when every character fits a byte (header obs-text), UTF-8 otherwise. */
function toBytes(s: string | Buffer): Buffer {
  if (Buffer.isBuffer(s)) return s;
  const latin1 = Buffer.from(s, 'latin1');
  return latin1.toString('latin1') === s ? latin1 : Buffer.from(s, 'utf8');
}

function serialize(r: FuzzRequest, host: string): Buffer {
  if (r.raw !== undefined) return toBytes(r.raw);
  const body =
    r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  const headers = [...(r.headers ?? [])];
  const names = new Set(headers.map(([n]) => n.toLowerCase()));
  if (!r.omitHost && !names.has('host')) headers.unshift(['Host', host]);
  if (
    body !== undefined &&
    !r.omitContentLength &&
    !names.has('content-length') &&
    !names.has('transfer-encoding')
  )
    headers.push(['Content-Length', String(body.length)]);
  if (!names.has('connection')) headers.push(['Connection', 'close']);
  const head = [
    Buffer.concat([Buffer.from(`${r.method} `), toBytes(r.target), Buffer.from(' HTTP/1.1\r\n')]),
    ...headers.map(([n, v]) => Buffer.concat([Buffer.from(`${n}: `), toBytes(v), Buffer.from('\r\n')])),
    Buffer.from('\r\n'),
  ];
  return Buffer.concat(body ? [...head, body] : head);
}

function dechunk(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = Number.parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size <= 0) break;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parseResponse(buf: Buffer): FuzzResponse | undefined {
  let rest = buf;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const lines = rest.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!m) return undefined;
    const status = Number(m[1]);
    rest = rest.subarray(end + 4);
    if (status < 200) continue; // 100 Continue precedes the real answer
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    let body = rest;
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(rest);
    else if (headers['content-length'] !== undefined)
      body = rest.subarray(0, Number(headers['content-length']));
    try {
      const enc = headers['content-encoding'];
      if (enc === 'gzip') body = gunzipSync(body);
      else if (enc === 'br') body = brotliDecompressSync(body);
      else if (enc === 'deflate') body = inflateSync(body);
    } catch {
      // HEAD answers and truncated bodies do not decompress; the raw bytes are checked instead.
    }
    return { status, headers, body: body.toString('utf8') };
  }
}

function exchange(port: number, host: string, r: FuzzRequest): Promise<FuzzResult> {
  const bytes = serialize(r, `${host}:${port}`);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const socket = connect(port, host, () => {
      socket.write(bytes);
      if (r.halfClose) socket.end();
    });
    const timer = setTimeout(() => {
      error = 'timeout';
      socket.destroy();
    }, EXCHANGE_TIMEOUT_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    // EPIPE/ECONNRESET are expected when the server answers early (413, 431) and closes while we
    // still write: what was received before 'close' is still parsed.
    socket.on('error', (e) => {
      error ??= e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const res = parseResponse(Buffer.concat(chunks));
      resolve(res ? { req: r, res } : { req: r, res: undefined, error: error ?? 'closed without an answer' });
    });
  });
}

async function runPool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Route discovery: the server's own route tree and OpenAPI document.

type RouteInfo = { template: string; methods: Set<string> };

/** Parse `app.printRoutes({ commonPrefix: false })` into full route templates. */
function routesFromTree(tree: string): RouteInfo[] {
  const out: RouteInfo[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const parent = stack[depth - 1] ?? '';
    // find-my-way prints a wildcard child of `/docs` as `*`: the route is `/docs/*`.
    const full =
      m[2]!.startsWith('*') && parent && !parent.endsWith('/') ? `${parent}/${m[2]}` : parent + m[2]!;
    stack[depth] = full;
    stack.length = depth + 1;
    if (m[3]) out.push({ template: full, methods: new Set(m[3].split(',').map((s) => s.trim())) });
  }
  return out;
}

function mergeRoutes(...lists: RouteInfo[][]): RouteInfo[] {
  const byTemplate = new Map<string, RouteInfo>();
  for (const r of lists.flat()) {
    // The root '*' is the CORS preflight catch-all, not a route of its own.
    if (r.template === '*' || r.template === '/*') continue;
    const t = r.template.replace(/\{([^}]+)\}/g, ':$1');
    const existing = byTemplate.get(t);
    if (existing) for (const m of r.methods) existing.methods.add(m);
    else byTemplate.set(t, { template: t, methods: new Set(r.methods) });
  }
  return [...byTemplate.values()].sort((a, b) => a.template.localeCompare(b.template));
}

/** Substitute `:param` and a trailing wildcard with `segment` (already encoded). */
function fillTemplate(template: string, segment: string): string {
  const filled = template.replace(/:[A-Za-z0-9_]+/g, segment);
  if (!filled.endsWith('*')) return filled;
  const base = filled.slice(0, -1);
  return `${base.endsWith('/') ? base : `${base}/`}${segment}`;
}

// ---------------------------------------------------------------------------------------------
// Inputs.

const UNRESERVED_RE = /^[A-Za-z0-9\-._~]$/;

/** Percent-encode every byte outside RFC 3986 unreserved (and `keep`); lone surrogates become U+FFFD. */
function pct(s: string, keep = ''): string {
  let out = '';
  for (const ch of s) {
    if (UNRESERVED_RE.test(ch) || keep.includes(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const EXOTIC_METHODS = ['TRACE', 'PROPFIND', 'SEARCH', 'PURGE', 'LOCK', 'MKCOL', 'REPORT', 'QUERY'] as const;

/** Path segments as they go on the wire (already encoded, or deliberately not). */
const NASTY_SEGMENTS = [
  '..',
  '../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%2e%2e',
  '..%252f..%252fetc%252fpasswd',
  '....//....//etc/passwd',
  '..\\..\\windows\\win.ini',
  '%5c..%5c..%5cpackage.json',
  '../../../package.json',
  '%00',
  'a%00b',
  '%0d%0aSet-Cookie:%20x=1',
  '%ED%A0%80', // a UTF-16 surrogate encoded as UTF-8 (CESU): invalid UTF-8
  '%F0%9F%98%80', // 😀
  '%FF%FE',
  '%C0%AF', // overlong '/'
  '%E2%80%AE', // right-to-left override
  '%ZZ',
  '%',
  '%%',
  '%2',
  '%u0041',
  ';jsessionid=1',
  '%3B',
  '%2F',
  '%3F%23',
  'a'.repeat(64),
  'a'.repeat(65),
  'b'.repeat(200),
  'c'.repeat(201), // over the router's maxParamLength (200)
  'd'.repeat(4000),
  '__proto__',
  'constructor',
  'prototype',
  '%7B%7B7*7%7D%7D',
  '$%7Bjndi:ldap:%2F%2Fx%7D',
  '*',
  '~',
  '.',
  '',
];

const NASTY_NUMBERS = [
  '1e309',
  '-1e309',
  '-0',
  '0',
  '-1',
  '1.5',
  '1.0',
  '9007199254740993',
  '9'.repeat(100),
  '1'.repeat(100),
  '0x10',
  '0b1',
  '1e3',
  '1E-400',
  'Infinity',
  '-Infinity',
  'NaN',
  '367',
  '366',
  '1',
  '00001',
  '+1',
  ' 1',
  '1 ',
  '١', // Arabic-Indic one
  '１', // full-width one
  'true',
  'null',
  '[]',
  '{}',
];

const NASTY_STRINGS = [
  '../../etc/passwd',
  '\u0000',
  '\ud800',
  '\udfff',
  '\udc00\ud800',
  '😀',
  '𝕊𝔢𝔵𝔱𝔞𝔫𝔱',
  'ü',
  'e\u0301',
  '\u202e',
  '\ufeff',
  '\uffff',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe, literally
  '${jndi:ldap://x}',
  '{{7*7}}',
  '%s%n%x',
  '__proto__',
  'constructor',
  ' ',
  '',
  'x'.repeat(51),
  'x'.repeat(10_000),
];

const PROTO_BODIES = [
  '{"__proto__":{"isAdmin":true}}',
  '{"name":"a","count":1,"__proto__":{"count":5}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"name":"a","count":1,"constructor":{"prototype":{"x":1}}}',
  '{"name":"a","count":1,"tags":[{"__proto__":{"x":1}}]}',
  '{"\\u005f_proto__":{"x":1}}',
  '[{"__proto__":{}}]',
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json;;;',
  'application/json; charset="utf-8"; foo',
  'application/jsonx',
  'application/vnd.api+json',
  'application/problem+json',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
  '*/*',
  '',
  ';',
  'json',
];

const HEADER_NAMES = [
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-version',
  'if-none-match',
  'if-modified-since',
  'x-request-id',
  'origin',
  'access-control-request-method',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-real-ip',
  'forwarded',
  'range',
  'cookie',
  'user-agent',
  'referer',
  'x-http-method-override',
  'content-encoding',
  'te',
  'upgrade',
];

/** `days` values Ajv's coercion turns into an integer in 1..366 (accepted as-is). */
const QUERY_DAYS_ACCEPTED = new Set(['366', '1', '1.0', '00001', '+1', ' 1', '1 ', '0x10', '0b1']);

function deep(open: string, close: string, levels: number, inner = '0'): string {
  return open.repeat(levels) + inner + close.repeat(levels);
}

// ---------------------------------------------------------------------------------------------
// Checks.

const LEAK_PATTERNS: RegExp[] = [
  new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
  /\/work\//,
  /node_modules/,
  /file:\/\//,
  /\bat [^\s"]+ \(?[^\s"()]+\.[cm]?[jt]s:\d+/, // "at fn (/x/y.js:1:2)"
  /\bat [^\s"()]+\.[cm]?[jt]s:\d+/, // "at /x/y.js:1:2"
  /\b(?:TypeError|RangeError|ReferenceError|SyntaxError): /,
  /Maximum call stack/,
];
const FILE_CONTENT_PATTERNS: RegExp[] = [/root:.?:0:0:/, /"devDependencies"/, /\[extensions\]/];

type Failure = { kind: string; why: string; request: string; status: number | string };

function describeRequest(r: FuzzRequest): string {
  const target = r.raw !== undefined ? toBytes(r.raw) : toBytes(r.target);
  const text = target
    .subarray(0, 120)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return r.raw !== undefined ? `[${r.kind}] raw ${JSON.stringify(text)}` : `[${r.kind}] ${r.method} ${text}`;
}

// ---------------------------------------------------------------------------------------------

let server: TestServer;
let port: number;
let host: string;
let keySecret: string;
let revokedSecret: string;
let routes: RouteInfo[] = [];
let results: FuzzResult[] = [];
let elapsedMs = 0;

const failures = {
  noAnswer: [] as Failure[],
  serverError: [] as Failure[],
  notProblem: [] as Failure[],
  leak: [] as Failure[],
  expectation: [] as Failure[],
};

function record(list: Failure[], r: FuzzResult, why: string): void {
  list.push({
    kind: r.req.kind,
    why,
    request: describeRequest(r.req),
    status: r.res?.status ?? r.error ?? '?',
  });
}

function check(r: FuzzResult): void {
  const { req, res } = r;
  if (!res) {
    if (!req.mayDrop) record(failures.noAnswer, r, r.error ?? 'no answer');
    return;
  }
  if (res.status >= 500) record(failures.serverError, r, res.body.slice(0, 200));
  if (req.expectStatus !== undefined && res.status !== req.expectStatus)
    record(failures.expectation, r, `expected ${req.expectStatus}, got ${res.status}`);

  let problem: Record<string, unknown> | undefined;
  if (res.status >= 400) {
    const type = res.headers['content-type'] ?? '';
    if (!type.startsWith('application/problem+json')) {
      record(failures.notProblem, r, `content-type ${JSON.stringify(type)}: ${res.body.slice(0, 120)}`);
    } else if (req.method !== 'HEAD') {
      try {
        problem = JSON.parse(res.body) as Record<string, unknown>;
      } catch {
        record(failures.notProblem, r, `unparseable problem body: ${res.body.slice(0, 120)}`);
      }
      if (problem) {
        const bad = [
          typeof problem.code === 'string' && problem.code.length > 0 ? '' : 'code',
          typeof problem.requestId === 'string' && problem.requestId.length > 0 ? '' : 'requestId',
          problem.status === res.status ? '' : 'status',
          typeof problem.type === 'string' ? '' : 'type',
          typeof problem.title === 'string' ? '' : 'title',
          typeof problem.detail === 'string' ? '' : 'detail',
          typeof problem.retryable === 'boolean' ? '' : 'retryable',
          res.headers['x-request-id'] === undefined || res.headers['x-request-id'] === problem.requestId
            ? ''
            : 'x-request-id header',
        ].filter(Boolean);
        if (bad.length)
          record(failures.notProblem, r, `bad fields ${bad.join(', ')}: ${res.body.slice(0, 160)}`);
      }
    }
  }
  if (req.expectCode !== undefined && problem?.code !== req.expectCode)
    record(failures.expectation, r, `expected code ${req.expectCode}, got ${String(problem?.code)}`);

  // Static assets (the docs bundle is minified JS) and the echo operation reflect arbitrary text:
  // only error answers and our own JSON documents are held to the leak check.
  const type = res.headers['content-type'] ?? '';
  const ownJson = /json/.test(type) && !/^\/v1\/test\/echo/.test(toBytes(req.target).toString('latin1'));
  if (res.status >= 300 || ownJson) {
    // Reflected input is not a leak: a 404 detail names the path it was asked for.
    const sent = serialize(req, 'h').toString('utf8');
    for (const re of LEAK_PATTERNS) {
      const m = re.exec(res.body);
      if (m && !sent.includes(m[0])) record(failures.leak, r, `matches ${re}: …${m[0]}…`);
    }
  }
  for (const re of FILE_CONTENT_PATTERNS)
    if (re.test(res.body)) record(failures.leak, r, `file content ${re} in answer`);
}

function groupFailures(list: Failure[]): string {
  const groups = new Map<string, Failure[]>();
  for (const f of list) {
    const key = `${f.status} ${f.why.slice(0, 60)}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.entries()]
    .map(([key, fs]) => `${fs.length}× ${key}\n    e.g. ${fs[0]!.request}: ${fs[0]!.why.slice(0, 200)}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// The corpus.

function buildHandCases(): FuzzRequest[] {
  const cases: FuzzRequest[] = [];
  const key: [string, string] = ['x-api-key', keySecret];
  const json: [string, string] = ['Content-Type', 'application/json'];
  const echo = '/v1/test/echo';

  // Every route × every method, with plausible inputs (405/404/401 paths, CORS, HEAD).
  for (const route of routes) {
    const target = fillTemplate(route.template, route.template.includes(':') ? KNOWN_ITEM_ID : 'index.html');
    for (const method of [...METHODS, ...EXOTIC_METHODS]) {
      const withBody = !['GET', 'HEAD'].includes(method);
      cases.push({
        kind: 'route×method',
        method,
        target,
        headers: withBody ? [key, json] : [key],
        ...(withBody ? { body: '{"name":"a","count":1}' } : {}),
      });
    }
    cases.push({
      kind: 'cors-preflight',
      method: 'OPTIONS',
      target,
      headers: [
        ['Origin', 'https://evil.example'],
        ['Access-Control-Request-Method', 'DELETE'],
        ['Access-Control-Request-Headers', 'x-api-key, x-evil'],
      ],
    });
  }

  // Query strings.
  for (const n of NASTY_NUMBERS) {
    cases.push({
      kind: 'query-number',
      method: 'GET',
      target: `/v1/usage?days=${pct(n)}`,
      headers: [key],
      // Ajv's query coercion is lenient ('1.0', '0x10', ' 1' pass as integers); the rest must be 400s.
      ...(QUERY_DAYS_ACCEPTED.has(n) ? {} : { expectStatus: 400, expectCode: 'VALIDATION_FAILED' }),
    });
    cases.push({ kind: 'query-number', method: 'GET', target: `/v1/status?days=${pct(n)}` });
  }
  for (const s of NASTY_STRINGS) {
    cases.push({
      kind: 'query-string',
      method: 'GET',
      target: `/v1/usage?days=${pct(s)}`,
      headers: [key],
      expectStatus: 400,
    });
    cases.push({ kind: 'query-string', method: 'GET', target: `/v1/status?q=${pct(s)}&${pct(s)}=1` });
  }
  const queries = [
    'days=1&days=2',
    'days=1&days=1',
    'days[]=1',
    'days[0]=1',
    'days=%ZZ',
    'days=%',
    'days=%00',
    'days=%ED%A0%80',
    'days',
    'days=',
    '=1',
    '&&&&',
    '?',
    '#frag',
    'days=1;days=2',
    '__proto__[days]=1',
    '__proto__=1',
    'constructor[prototype][days]=1',
    'constructor=1',
    'days=1&__proto__=x&constructor=y&prototype=z&hasOwnProperty=1&toString=1',
    `days=${'9'.repeat(10_000)}`,
    Array.from({ length: 1_000 }, (_, i) => `p${i}=${i}`).join('&'),
    Array.from({ length: 1_500 }, () => 'days=1').join('&'),
    `x=${'%'.repeat(3_000)}`,
  ];
  for (const q of queries) {
    cases.push({ kind: 'query-shape', method: 'GET', target: `/v1/usage?${q}`, headers: [key] });
    cases.push({ kind: 'query-shape', method: 'GET', target: `/v1/status?${q}` });
    cases.push({ kind: 'query-shape', method: 'GET', target: `/v1/test/items/${KNOWN_ITEM_ID}?${q}` });
  }

  // Paths: traversal, encodings, lengths, on parameterised, static and unknown routes.
  for (const seg of NASTY_SEGMENTS) {
    for (const prefix of ['/v1/test/items/', '/docs/static/', '/v1/', '/', '/healthz/']) {
      cases.push({ kind: 'path', method: 'GET', target: `${prefix}${seg}` });
    }
  }
  const unknown = [
    '/v2/status',
    '/v1',
    '/v1/',
    '/V1/STATUS',
    '//v1//status',
    '/v1/status/',
    '/v1/status//',
    '/v1/status/extra',
    '/v1/./status',
    '/v1/status/..',
    '/v1/x/../status',
    '/./healthz',
    '/.env',
    '/.git/config',
    '/admin',
    '/favicon.ico',
    '/robots.txt',
    '/docs/static/../../../../etc/passwd',
    '/docs/static/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/docs/static/..%2f..%2f..%2fpackage.json',
    '/docs/%2e%2e/openapi.json',
    '/openapi.json/..',
    '/metrics?name[]=x',
    `/${'a/'.repeat(2_000)}`,
    `/v1/${'x'.repeat(10_000)}`,
    '*',
    'http://evil.example/v1/status',
    'https://evil.example:443/healthz',
    '//evil.example/healthz',
    'healthz',
    '/healthz\\..\\',
  ];
  for (const target of unknown) cases.push({ kind: 'path-unknown', method: 'GET', target });
  cases.push({ kind: 'path', method: 'GET', target: `/v1/test/items/${'c'.repeat(201)}` });
  cases.push({ kind: 'path', method: 'GET', target: `/v1/test/items/${KNOWN_ITEM_ID}`, expectStatus: 200 });
  cases.push({
    kind: 'path',
    method: 'GET',
    target: '/v1/test/items/other',
    expectStatus: 404,
    expectCode: 'NOT_FOUND',
  });
  cases.push({ kind: 'path', method: 'GET', target: `/v1/test/items/${'a'.repeat(65)}`, expectStatus: 400 });
  cases.push({
    kind: 'path',
    method: 'GET',
    target: '/no/such/route',
    expectStatus: 404,
    expectCode: 'ROUTE_NOT_FOUND',
  });
  cases.push({
    kind: 'path',
    method: 'POST',
    target: '/v1/status',
    headers: [json],
    body: '{}',
    expectStatus: 405,
    expectCode: 'METHOD_NOT_ALLOWED',
  });
  cases.push({ kind: 'path', method: 'GET', target: '/v1/status/../../etc/passwd' });

  // JSON bodies on the echo operation.
  const bodies: [string, string | Buffer, number?, string?][] = [
    ['valid', '{"name":"a","count":1,"tags":["x"]}', 200],
    ['valid-unicode', '{"name":"😀\\ud800ü\\u0000","count":0}', 200],
    ['empty', '', 400, 'INVALID_JSON'],
    ['whitespace', '   ', 400, 'INVALID_JSON'],
    ['truncated', '{"name":"a","count":', 400, 'INVALID_JSON'],
    ['brace', '{', 400, 'INVALID_JSON'],
    ['trailing', '{"name":"a","count":1} x', 400, 'INVALID_JSON'],
    ['comment', '{"name":"a", /* c */ "count":1}', 400, 'INVALID_JSON'],
    ['single-quotes', "{'name':'a','count':1}", 400, 'INVALID_JSON'],
    ['NaN', '{"name":"a","count":NaN}', 400, 'INVALID_JSON'],
    ['Infinity', '{"name":"a","count":Infinity}', 400, 'INVALID_JSON'],
    ['bom', '\ufeff{"name":"a","count":1}'],
    ['null', 'null', 400],
    ['number', '42', 400],
    ['string', '"str"', 400],
    ['array', '[]', 400],
    ['array-of-objects', '[{"name":"a","count":1}]', 400],
    ['wrong-types', '{"name":1,"count":"x","tags":"y"}', 400, 'VALIDATION_FAILED'],
    ['name-object', '{"name":{"a":1},"count":1}', 400, 'VALIDATION_FAILED'],
    ['name-too-long', JSON.stringify({ name: 'x'.repeat(51), count: 1 }), 400, 'VALIDATION_FAILED'],
    ['name-huge', JSON.stringify({ name: 'x'.repeat(60_000), count: 1 }), 400, 'VALIDATION_FAILED'],
    ['too-many-tags', JSON.stringify({ name: 'a', count: 1, tags: Array(11).fill('t') }), 400],
    ['tags-huge', JSON.stringify({ name: 'a', count: 1, tags: Array(10_000).fill('t') }), 400],
    ['tags-nested', '{"name":"a","count":1,"tags":[[["x"]]]}', 400],
    ['duplicate-keys', '{"name":"a","count":1,"count":2000}', 400],
    ['extra-props', '{"name":"a","count":1,"extra":{"deep":[1,2,3]},"isAdmin":true}'],
    ['missing-all', '{}', 400, 'VALIDATION_FAILED'],
    ['lone-surrogate-raw', Buffer.from('{"name":"\xed\xa0\x80","count":1}', 'latin1')],
    ['invalid-utf8', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d])],
    ['nul-bytes', Buffer.from('{"name":"a\0","count":1}\0\0', 'latin1')],
    ['binary', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) & 0xff))],
    ['utf16le', Buffer.from('{"name":"a","count":1}', 'utf16le')],
    ['deep-array-10k', deep('[', ']', 10_000), 400],
    ['deep-object-10k', deep('{"a":', '}', 10_000), 400],
    ['deep-array-32k', deep('[', ']', 32_000), 400],
    ['deep-in-tags', `{"name":"a","count":1,"tags":${deep('[', ']', 20_000)}}`, 400],
    ['deep-in-extra', `{"name":"a","count":1,"x":${deep('{"a":', '}', 6_000)}}`],
    ['deep-with-proto', `{"name":"a","count":1,"x":${deep('{"a":', '}', 5_000, '{"__proto__":{"y":1}}')}}`],
    ['wide-object', `{${Array.from({ length: 4_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`, 400],
    ['long-number', `{"name":"a","count":${'9'.repeat(60_000)}}`, 400],
    ['at-limit', `{"name":"a","count":1,"pad":"${'x'.repeat(BODY_LIMIT_BYTES - 35)}"}`],
    [
      'over-limit',
      `{"name":"a","count":1,"pad":"${'x'.repeat(BODY_LIMIT_BYTES)}"}`,
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['way-over-limit', `[${'1,'.repeat(BODY_LIMIT_BYTES)}1]`, 413, 'PAYLOAD_TOO_LARGE'],
  ];
  for (const n of NASTY_NUMBERS) bodies.push([`count=${n}`, `{"name":"a","count":${n}}`]);
  for (const n of NASTY_NUMBERS) bodies.push([`name=${n}`, `{"name":${n},"count":1}`]);
  for (const s of NASTY_STRINGS)
    bodies.push([`string=${s.slice(0, 8)}`, JSON.stringify({ name: s, count: 1 })]);
  for (const b of PROTO_BODIES) bodies.push(['proto', b, 400]);
  for (const [label, body, status, code] of bodies) {
    cases.push({
      kind: `body:${label}`,
      method: 'POST',
      target: echo,
      headers: [json],
      body,
      ...(status === undefined ? {} : { expectStatus: status }),
      ...(code === undefined ? {} : { expectCode: code }),
    });
  }

  // Content types.
  const validBody = '{"name":"a","count":1}';
  for (const ct of CONTENT_TYPES) {
    cases.push({
      kind: 'content-type',
      method: 'POST',
      target: echo,
      headers: [['Content-Type', ct]],
      body: validBody,
    });
    cases.push({
      kind: 'content-type',
      method: 'PUT',
      target: echo,
      headers: [['Content-Type', ct]],
      body: validBody,
    });
  }
  cases.push({
    kind: 'content-type',
    method: 'POST',
    target: echo,
    headers: [['Content-Type', 'text/plain']],
    body: validBody,
    expectStatus: 415,
    expectCode: 'UNSUPPORTED_MEDIA_TYPE',
  });
  cases.push({
    kind: 'content-type',
    method: 'POST',
    target: echo,
    headers: [['Content-Type', 'application/x-www-form-urlencoded']],
    body: 'name=a&count=1',
    expectStatus: 415,
  });
  cases.push({ kind: 'content-type', method: 'POST', target: echo, body: validBody });
  cases.push({
    kind: 'content-type',
    method: 'POST',
    target: echo,
    headers: [['Content-Type', `application/json; ${'x=y; '.repeat(2_000)}`]],
    body: validBody,
  });
  cases.push({
    kind: 'content-type',
    method: 'POST',
    target: echo,
    headers: [json, ['Content-Encoding', 'gzip']],
    body: validBody,
  });

  // Credentials and other headers.
  const credentials: [string, string][] = [
    ['x-api-key', keySecret],
    ['x-api-key', revokedSecret],
    ['x-api-key', `sxt_${'A'.repeat(32)}`],
    ['x-api-key', `${keySecret} `],
    ['x-api-key', keySecret.toUpperCase()],
    ['x-api-key', keySecret.slice(0, -1)],
    ['x-api-key', `${keySecret}x`],
    ['x-api-key', 'sxt_'],
    ['x-api-key', ' '],
    ['x-api-key', 'x'.repeat(8_000)],
    ['x-api-key', 'ü\xff\xfe'],
    ['authorization', `Bearer ${keySecret}`],
    ['authorization', `bearer ${keySecret}`],
    ['authorization', `BEARER    ${keySecret}`],
    ['authorization', `Bearer ${revokedSecret}`],
    ['authorization', 'Bearer '],
    ['authorization', 'Bearer'],
    ['authorization', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['authorization', `Bearer ${'y'.repeat(8_000)}`],
    ['authorization', 'Bearer \xff\xfe'],
  ];
  for (const [name, value] of credentials) {
    cases.push({ kind: 'credential', method: 'GET', target: '/v1/usage?days=3', headers: [[name, value]] });
    cases.push({ kind: 'credential', method: 'GET', target: '/v1/status', headers: [[name, value]] });
  }
  cases.push({
    kind: 'credential',
    method: 'GET',
    target: '/v1/usage',
    expectStatus: 401,
    expectCode: 'UNAUTHORIZED',
  });
  cases.push({
    kind: 'credential',
    method: 'GET',
    target: '/v1/usage',
    headers: [['x-api-key', revokedSecret]],
    expectStatus: 401,
    expectCode: 'API_KEY_REVOKED',
  });
  cases.push({
    kind: 'credential',
    method: 'GET',
    target: '/v1/usage',
    headers: [['x-api-key', `sxt_${'A'.repeat(32)}`]],
    expectStatus: 401,
    expectCode: 'INVALID_API_KEY',
  });
  cases.push({
    kind: 'credential',
    method: 'GET',
    target: '/v1/usage',
    headers: [
      ['x-api-key', keySecret],
      ['x-api-key', keySecret],
    ],
  });
  cases.push({
    kind: 'credential',
    method: 'GET',
    target: '/v1/usage',
    headers: [
      ['authorization', `Bearer ${keySecret}`],
      ['authorization', `Bearer ${keySecret}`],
    ],
  });
  const headerValues = [
    '*',
    'W/"x"',
    '"',
    'W/',
    ',,,',
    'x'.repeat(8_000),
    '\xff\xfe\xfd',
    'gzip;q=NaN, br;q=-1',
    'identity;q=0, *;q=0',
    'br;q=1.5',
    '*/*;q=0',
    'text/html',
    '../../etc/passwd',
    'null',
    '1.2.3.4, ::1, garbage, 999.999.999.999',
    'bytes=0-0,-1',
    'a=b; __proto__=c',
    'websocket',
    'h2c',
    'trailers',
  ];
  for (const name of HEADER_NAMES)
    for (const value of headerValues)
      cases.push({ kind: 'header', method: 'GET', target: '/v1/usage', headers: [key, [name, value]] });
  for (const id of ['', 'x'.repeat(129), 'a b', '../..', 'ü', '<script>', 'ok-id_1.2:3'])
    cases.push({ kind: 'request-id', method: 'GET', target: '/v1/status', headers: [['x-request-id', id]] });

  // Oversized heads: Node's parser answers 431 through the app's clientErrorHandler.
  const big = 'a'.repeat(NODE_MAX_HEADER_BYTES + 4_000);
  const oversized: FuzzRequest[] = [
    { kind: 'oversized', method: 'GET', target: '/v1/status', headers: [['X-Big', big]] },
    { kind: 'oversized', method: 'GET', target: '/v1/usage', headers: [['x-api-key', big]] },
    { kind: 'oversized', method: 'GET', target: '/v1/status', headers: [['Cookie', big]] },
    {
      kind: 'oversized',
      method: 'GET',
      target: '/v1/status',
      headers: Array.from({ length: 1_200 }, (_, i): [string, string] => [`x-h${i}`, 'vvvvvvvvvv']),
    },
    { kind: 'oversized', method: 'GET', target: `/v1/status?q=${big}` },
    { kind: 'oversized', method: 'GET', target: `/${big}` },
    { kind: 'oversized', method: 'POST', target: echo, headers: [json, ['X-Big', big]], body: validBody },
  ];
  for (const c of oversized) cases.push({ ...c, expectStatus: 431, expectCode: 'HEADERS_TOO_LARGE' });
  cases.push({
    kind: 'oversized',
    method: 'GET',
    target: `/v1/status?q=${'a'.repeat(NODE_MAX_HEADER_BYTES - 1_000)}`,
    expectStatus: 200,
  });

  // Bodies over the limit in every framing.
  cases.push({
    kind: 'body-limit',
    method: 'POST',
    target: echo,
    headers: [json, ['Content-Length', '1000000000']],
    body: validBody,
    expectStatus: 413,
  });
  const chunk = `{"pad":"${'x'.repeat(8_000)}"`;
  cases.push({
    kind: 'body-limit',
    method: 'POST',
    target: echo,
    headers: [json, ['Transfer-Encoding', 'chunked']],
    body: `${Array.from({ length: 10 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('')}0\r\n\r\n`,
    expectStatus: 413,
  });
  cases.push({
    kind: 'body-limit',
    method: 'POST',
    target: echo,
    headers: [json, ['Transfer-Encoding', 'chunked']],
    body: `${validBody.length.toString(16)}\r\n${validBody}\r\n0\r\n\r\n`,
    expectStatus: 200,
  });

  // Malformed framing, sent as raw bytes.
  const hostLine = `Host: ${host}:${port}`;
  const raw = (label: string, bytes: string | Buffer, extra: Partial<FuzzRequest> = {}): void => {
    cases.push({ kind: `framing:${label}`, method: 'RAW', target: '', raw: bytes, ...extra });
  };
  raw('lowercase-method', `get /v1/status HTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n\r\n`, {
    expectStatus: 400,
  });
  raw('unknown-method', `FOO /v1/status HTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n\r\n`, {
    expectStatus: 400,
  });
  raw('connect', `CONNECT evil.example:443 HTTP/1.1\r\n${hostLine}\r\n\r\n`, { mayDrop: true });
  raw('http09', 'GET /healthz\r\n\r\n');
  raw('http10', 'GET /v1/status HTTP/1.0\r\n\r\n');
  raw('http2-preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  raw('http-version', `GET /v1/status HTTP/9.9\r\n${hostLine}\r\nConnection: close\r\n\r\n`);
  raw('tls-hello', Buffer.from('16030100a5010000a10303', 'hex'), { halfClose: true });
  raw('garbage', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff)), {
    halfClose: true,
  });
  // Empty lines before a request line are skipped (RFC 9112 §2.2): no request, so no answer.
  raw('empty-line', '\r\n\r\n\r\n', { halfClose: true, mayDrop: true });
  raw('bare-lf', `GET /v1/status HTTP/1.1\n${hostLine}\nConnection: close\n\n`);
  raw('tabs', `GET\t/v1/status\tHTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n\r\n`);
  raw('spaces', `GET  /v1/status  HTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n\r\n`);
  raw('space-in-target', `GET /v1/st atus HTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n\r\n`);
  raw(
    'raw-utf8-target',
    Buffer.concat([
      Buffer.from('GET /v1/test/items/'),
      Buffer.from('ü😀', 'utf8'),
      Buffer.from(` HTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n\r\n`),
    ]),
  );
  raw(
    'invalid-utf8-target',
    Buffer.concat([
      Buffer.from('GET /v1/test/items/'),
      Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]),
      Buffer.from(` HTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n\r\n`),
    ]),
  );
  raw('nul-in-target', `GET /v1/status\0 HTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n\r\n`);
  raw('no-colon', `GET /v1/status HTTP/1.1\r\n${hostLine}\r\nNoColonHere\r\nConnection: close\r\n\r\n`);
  raw('space-before-colon', `GET /v1/status HTTP/1.1\r\n${hostLine}\r\nX-A : b\r\nConnection: close\r\n\r\n`);
  raw('bad-header-name', `GET /v1/status HTTP/1.1\r\n${hostLine}\r\nX(A): b\r\nConnection: close\r\n\r\n`);
  raw('nul-in-header', `GET /v1/status HTTP/1.1\r\n${hostLine}\r\nX-A: b\0c\r\nConnection: close\r\n\r\n`);
  raw('cr-in-header', `GET /v1/status HTTP/1.1\r\n${hostLine}\r\nX-A: b\rc\r\nConnection: close\r\n\r\n`);
  raw(
    'obs-fold',
    `GET /v1/status HTTP/1.1\r\n${hostLine}\r\nX-A: b\r\n  folded\r\nConnection: close\r\n\r\n`,
  );
  raw(
    'header-injection',
    `GET /v1/status HTTP/1.1\r\n${hostLine}\r\nx-request-id: a\r\n\r\nGET /x HTTP/1.1\r\n\r\n`,
  );
  raw(
    'two-hosts',
    `GET /v1/status HTTP/1.1\r\n${hostLine}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
  );
  raw('empty-host', 'GET /v1/status HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n');
  raw('weird-host', 'GET /v1/status HTTP/1.1\r\nHost: ../../etc\xff\r\nConnection: close\r\n\r\n');
  const post = (headers: string, body: string) =>
    `POST ${echo} HTTP/1.1\r\n${hostLine}\r\nContent-Type: application/json\r\n${headers}Connection: close\r\n\r\n${body}`;
  raw('cl-and-te', post('Content-Length: 3\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'), {
    expectStatus: 400,
  });
  raw('two-cl', post('Content-Length: 22\r\nContent-Length: 5\r\n', validBody), { expectStatus: 400 });
  raw('cl-negative', post('Content-Length: -1\r\n', validBody), { expectStatus: 400 });
  raw('cl-text', post('Content-Length: abc\r\n', validBody), { expectStatus: 400 });
  raw('cl-hex', post('Content-Length: 0x16\r\n', validBody), { expectStatus: 400 });
  raw('cl-huge', post(`Content-Length: ${'9'.repeat(30)}\r\n`, validBody), { halfClose: true });
  raw('cl-short-body', post('Content-Length: 100\r\n', validBody), { halfClose: true });
  raw('cl-long-body', post('Content-Length: 5\r\n', validBody));
  raw('te-bad-size', post('Transfer-Encoding: chunked\r\n', 'zz\r\nabc\r\n0\r\n\r\n'), { expectStatus: 400 });
  raw('te-huge-size', post('Transfer-Encoding: chunked\r\n', 'ffffffffffffffffff\r\nabc\r\n0\r\n\r\n'), {
    halfClose: true,
  });
  raw('te-no-end', post('Transfer-Encoding: chunked\r\n', '5\r\nabcde\r\n'), { halfClose: true });
  raw('te-gzip', post('Transfer-Encoding: gzip\r\n', validBody), { halfClose: true });
  raw('te-chunked-gzip', post('Transfer-Encoding: gzip, chunked\r\n', `0\r\n\r\n`));
  raw(
    'te-extension',
    post('Transfer-Encoding: chunked\r\n', `16;${'x'.repeat(20_000)}\r\n${validBody}\r\n0\r\n\r\n`),
  );
  raw('expect-continue', post(`Expect: 100-continue\r\nContent-Length: ${validBody.length}\r\n`, validBody), {
    expectStatus: 200,
  });
  raw('expect-other', post(`Expect: teapot\r\nContent-Length: ${validBody.length}\r\n`, validBody));
  raw(
    'pipelined-garbage',
    `GET /healthz HTTP/1.1\r\n${hostLine}\r\n\r\nGARBAGE\r\n\r\nGET /v1/status HTTP/1.1\r\n${hostLine}\r\nConnection: close\r\n\r\n`,
  );
  cases.push({
    kind: 'framing:no-host',
    method: 'GET',
    target: '/v1/status',
    omitHost: true,
  });
  cases.push({
    kind: 'framing:no-content-length',
    method: 'POST',
    target: echo,
    headers: [json],
    body: validBody,
    omitContentLength: true,
    halfClose: true,
  });
  return cases;
}

function buildGeneratedCases(): FuzzRequest[] {
  const templates = [
    ...routes.map((r) => r.template),
    '/',
    '/v1/:x',
    '/v1/test/:x',
    '/v1/status/:x',
    '/v1/test/items/:x/:x',
    '/docs/static/:x',
    '/:x',
    '/:x/:x/:x',
  ];
  const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
  const anyChar = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: loneSurrogate },
    {
      weight: 2,
      arbitrary: fc.constantFrom('/', '.', '%', '\\', '?', '#', '&', '=', ';', '+', ' ', '\0', '"'),
    },
  );
  const text = (maxLength: number) => fc.string({ unit: anyChar, maxLength });
  const segment = fc.oneof(
    { weight: 4, arbitrary: text(40).map((s) => pct(s)) },
    { weight: 2, arbitrary: text(20).map((s) => pct(s, './%')) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_SEGMENTS) },
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,70}$/) },
    { weight: 1, arbitrary: fc.constant(KNOWN_ITEM_ID) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: 'grapheme', minLength: 150, maxLength: 260 }).map((s) => pct(s)),
    },
  );
  const queryKey = fc.oneof(
    fc.constantFrom('days', 'days[]', 'days[0]', '__proto__', 'constructor', 'api_key', 'token', 'q', ''),
    text(12).map((s) => pct(s)),
  );
  const queryValue = fc.oneof(
    fc.constantFrom(...NASTY_NUMBERS).map((s) => pct(s)),
    fc.constantFrom(...NASTY_STRINGS).map((s) => pct(s)),
    fc.integer({ min: -10, max: 400 }).map(String),
    text(30).map((s) => pct(s, '%&=')),
  );
  const query = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 6 });
  const headerValue = fc.string({
    unit: fc
      .oneof(
        { weight: 9, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
        { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
      )
      .map((c) => String.fromCharCode(c)),
    maxLength: 60,
  });
  const header = fc.oneof(
    fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue),
    fc.tuple(
      fc
        .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
        .filter((n) => !['host', 'content-length', 'transfer-encoding', 'connection', 'expect'].includes(n)),
      headerValue,
    ),
  );
  const credential = fc.oneof(
    fc.constant<[string, string]>(['x-api-key', keySecret]),
    fc.constant<[string, string]>(['authorization', `Bearer ${keySecret}`]),
    fc.constant<[string, string]>(['x-api-key', revokedSecret]),
    fc.stringMatching(/^sxt_[A-Za-z0-9_-]{32}$/).map((s): [string, string] => ['x-api-key', s]),
    headerValue.map((s): [string, string] => ['x-api-key', s]),
    headerValue.map((s): [string, string] => ['authorization', `Bearer ${s}`]),
  );
  const jsonish = fc.oneof(
    text(60),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(text(20), { maxLength: 14 }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const body = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record({ name: jsonish, count: jsonish, tags: jsonish, extra: jsonish }, { requiredKeys: [] })
        .map((o) => JSON.stringify(o)),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(text(60), fc.integer({ min: -5, max: 1005 }), fc.array(text(15), { maxLength: 12 }))
        .map(([name, count, tags]) => JSON.stringify({ name, count, tags })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(text(10), fc.constantFrom(...NASTY_NUMBERS))
        .map(([name, n]) => `{"name":${JSON.stringify(name)},"count":${n}}`),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat()).map(([v, cut]) => {
        const s = JSON.stringify(v) ?? '';
        return s.slice(0, cut % (s.length + 1));
      }),
    },
    { weight: 1, arbitrary: text(80) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTO_BODIES) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3_000 }).map((n) => deep('[', ']', n)) },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: headerValue },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const request = fc.record({
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...METHODS) },
      { weight: 1, arbitrary: fc.constantFrom(...EXOTIC_METHODS) },
    ),
    template: fc.constantFrom(...templates),
    segment,
    suffix: fc.oneof(
      { weight: 5, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('/', '//', '/.', '/..', '/%2e%2e', '%00', ';x', '/x') },
    ),
    query: fc.option(query, { freq: 2 }),
    headers: fc.array(header, { maxLength: 4 }),
    credential: fc.option(credential, { freq: 2 }),
    body: fc.option(body, { freq: 3 }),
    contentType,
  });

  return fc.sample(request, { seed: FUZZ_SEED, numRuns: GENERATED_REQUESTS }).map((g) => {
    // Send two bodies in three to the echo operation (the one that parses them), the rest anywhere.
    const toEcho = g.body !== null && g.segment.length % 3 !== 0;
    let target = toEcho ? '/v1/test/echo' : fillTemplate(g.template, g.segment) + g.suffix;
    if (!target.startsWith('/')) target = `/${target}`;
    if (g.query) target += `?${g.query.map(([k, v]) => `${k}=${v}`).join('&')}`;
    const headers: [string, string][] = [...g.headers];
    if (g.credential) headers.push(g.credential);
    if (g.body !== null && g.contentType !== undefined) headers.push(['Content-Type', g.contentType]);
    return {
      kind: toEcho ? 'generated-body' : 'generated',
      method: toEcho ? 'POST' : g.method,
      target,
      headers,
      ...(g.body === null ? {} : { body: g.body }),
    };
  });
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  server = await startTestServer(
    {
      ANONYMOUS_RPM: '1000000',
      TIER_FREE_RPM: '1000000',
      TIER_FREE_MONTHLY_QUOTA: '0',
      BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
    },
    { operations: [...OPERATIONS, echoOp, itemOp] },
  );
  const url = new URL(server.url);
  port = Number(url.port);
  host = url.hostname;
  keySecret = (await server.services.keys.create({ name: 'fuzz', tier: 'free', scopes: ['read', 'usage'] }))
    .secret;
  const revoked = await server.services.keys.create({ name: 'fuzz-revoked', tier: 'free' });
  await server.services.keys.revoke(revoked.id);
  revokedSecret = revoked.secret;

  const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const fromOpenApi: RouteInfo[] = Object.entries(openapi.paths).map(([path, ops]) => ({
    template: path,
    methods: new Set(Object.keys(ops).map((m) => m.toUpperCase())),
  }));
  routes = mergeRoutes(routesFromTree(server.app.printRoutes({ commonPrefix: false })), fromOpenApi);

  const corpus = [...buildHandCases(), ...buildGeneratedCases()];
  const t0 = performance.now();
  results = await runPool(corpus, CONCURRENCY, (r) => exchange(port, host, r));
  elapsedMs = performance.now() - t0;
  for (const r of results) check(r);

  const byStatus = new Map<string, number>();
  const byKind = new Map<string, number>();
  for (const r of results) {
    const s = r.res ? String(r.res.status) : `none (${r.error})`;
    byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
    const k = r.req.kind.split(':')[0]!;
    byKind.set(k, (byKind.get(k) ?? 0) + 1);
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  console.log(
    [
      `fuzz: ${results.length} requests in ${(elapsedMs / 1000).toFixed(1)} s (concurrency ${CONCURRENCY}, seed ${FUZZ_SEED})`,
      `routes: ${routes.map((r) => `${r.template} [${[...r.methods].join(',')}]`).join('  ')}`,
      `by status: ${sorted(byStatus)
        .map(([s, n]) => `${s}=${n}`)
        .join('  ')}`,
      `by kind: ${sorted(byKind)
        .map(([s, n]) => `${s}=${n}`)
        .join('  ')}`,
      ...Object.entries(failures).map(([k, v]) => `${k} failures: ${v.length}`),
    ].join('\n'),
  );
}, 180_000);

afterAll(async () => {
  await stopTestServer(server);
});

describe('fuzz: malformed requests over real sockets', () => {
  it('sends at least 2,000 requests across every route and method', () => {
    expect(results.length).toBeGreaterThanOrEqual(MIN_REQUESTS);
    const templates = routes.map((r) => r.template);
    for (const expected of [
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs',
      '/v1/status',
      '/v1/usage',
      '/v1/test/echo',
      '/v1/test/items/:id',
    ])
      expect(templates).toContain(expected);
    // Every route was hit with every common method (the route×method matrix).
    for (const route of routes) {
      const target = fillTemplate(
        route.template,
        route.template.includes(':') ? KNOWN_ITEM_ID : 'index.html',
      );
      const methods = new Set(
        results
          .filter((r) => r.req.kind === 'route×method' && r.req.target === target)
          .map((r) => r.req.method),
      );
      for (const m of METHODS) expect(methods, `${m} ${target}`).toContain(m);
    }
  });

  it('answers every request, never with a 5xx', () => {
    expect(groupFailures(failures.serverError)).toBe('');
    expect(groupFailures(failures.noAnswer)).toBe('');
    // A 5xx is logged as 'request failed' at error level: none may exist.
    const errors = server.logs.json().filter((l) => l.level === 'error' || l.level === 'fatal');
    expect(errors.map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '').slice(0, 200)}`)).toEqual([]);
  });

  it('never leaks a stack trace, file path or file content', () => {
    // The patterns do recognise a real stack trace of this process (so this check can fail).
    const stack = new RangeError('x').stack ?? '';
    expect(LEAK_PATTERNS.filter((re) => re.test(stack)).length).toBeGreaterThanOrEqual(2);
    expect(groupFailures(failures.leak)).toBe('');
  });

  it('answers every 4xx with a problem document carrying code and requestId', () => {
    expect(groupFailures(failures.notProblem)).toBe('');
  });

  it('answers hand-picked cases with the expected status and code', () => {
    expect(groupFailures(failures.expectation)).toBe('');
  });

  it('is still healthy afterwards and serves valid requests', async () => {
    for (const path of ['/healthz', '/readyz', '/v1/status']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
    }
    const usage = await fetch(`${server.url}/v1/usage?days=7`, { headers: { 'x-api-key': keySecret } });
    expect(usage.status).toBe(200);
    expect(((await usage.json()) as { daily: unknown[] }).daily).toHaveLength(7);
    const echoed = await fetch(`${server.url}/v1/test/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'still ok 😀', count: 7, tags: ['a'] }),
    });
    expect(echoed.status).toBe(200);
    expect(await echoed.json()).toEqual({ name: 'still ok 😀', count: 7, tags: ['a'] });
  });

  it('returns the in-flight gauge to zero once every exchange is over', async () => {
    await expect.poll(inFlight, { timeout: 3_000 }).toBe(0);
  });
});

/** Current value of the `http_requests_in_flight` gauge. */
async function inFlight(): Promise<number> {
  const text = await server.services.common.metrics.text();
  return Number(/^http_requests_in_flight (\S+)/m.exec(text)?.[1] ?? NaN);
}

/** One exchange on a fresh connection. */
async function send(r: Omit<FuzzRequest, 'kind'>): Promise<FuzzResponse> {
  const { res, error } = await exchange(port, host, { kind: 'regression', ...r });
  if (!res) throw new Error(`no answer: ${error}`);
  return res;
}

function problemOf(res: FuzzResponse): Record<string, unknown> {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return JSON.parse(res.body) as Record<string, unknown>;
}

// Single cases the fuzzer found, kept as focused regressions (they name the gap directly).
describe('fuzz findings', () => {
  it('rejects a non-finite query integer (days=Infinity, 1e309) with a 400, not a 500', async () => {
    for (const days of ['Infinity', '-Infinity', '1e309']) {
      const res = await send({
        method: 'GET',
        target: `/v1/usage?days=${days}`,
        headers: [['x-api-key', keySecret]],
      });
      expect(res.status, days).toBe(400);
      expect(problemOf(res).code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers a malformed percent-encoding in the path with a problem document', async () => {
    for (const target of ['/v1/%ZZ', '/v1/test/items/%ED%A0%80', '/v1/test/items/%C0%AF']) {
      const res = await send({ method: 'GET', target });
      expect(res.status, target).toBe(400);
      expect(problemOf(res)).toMatchObject({
        status: 400,
        code: expect.any(String),
        requestId: expect.any(String),
      });
    }
  });

  it('answers an over-long path parameter with a problem document', async () => {
    const res = await send({ method: 'GET', target: `/v1/test/items/${'c'.repeat(201)}` });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(problemOf(res)).toMatchObject({ status: res.status, code: expect.any(String) });
  });

  it('answers OPTIONS without CORS preflight headers with a problem document or 204', async () => {
    const res = await send({ method: 'OPTIONS', target: '/v1/status' });
    if (res.status !== 204) expect(problemOf(res)).toMatchObject({ status: res.status });
  });

  it('answers a request without Host and an unsupported Expect with problem documents', async () => {
    const noHost = await send({ method: 'GET', target: '/v1/status', omitHost: true });
    expect(noHost.status).toBe(400);
    expect(problemOf(noHost).code).toEqual(expect.any(String));
    const expect417 = await send({
      method: 'POST',
      target: '/v1/test/echo',
      headers: [
        ['Content-Type', 'application/json'],
        ['Expect', 'teapot'],
      ],
      body: '{"name":"a","count":1}',
    });
    expect(expect417.status).toBe(417);
    expect(problemOf(expect417).code).toEqual(expect.any(String));
  });

  it('does not leave a request counted in flight when its body is malformed mid-stream', async () => {
    const before = await inFlight();
    const res = await send({
      method: 'POST',
      target: '/v1/test/echo',
      headers: [
        ['Content-Type', 'application/json'],
        ['Transfer-Encoding', 'chunked'],
      ],
      body: 'zz\r\nabc\r\n0\r\n\r\n',
    });
    expect(res.status).toBe(400);
    await expect.poll(inFlight, { timeout: 3_000 }).toBe(before);
  });
});
