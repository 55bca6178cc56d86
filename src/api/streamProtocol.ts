import { AppError, AssetNotFoundError, ChainNotFoundError, ValidationError } from '../internal/errors.js';
import { INTERVALS, isInterval } from '../market/types.js';
import { candleKey, priceKey, signalKey, whaleKey } from './streamHub.js';

/**
 * The client side of the stream protocol, as pure functions: parsing WebSocket client messages
 * and the SSE query string into subscription keys. Transports live in `stream.ts`.
 *
 * Client → server (JSON text frames):
 *   {"type":"subscribe","channel":"prices","assets":["bitcoin","ethereum"]}
 *   {"type":"subscribe","channel":"candles","assets":["bitcoin"],"interval":"1m"}
 *   {"type":"subscribe","channel":"signals","assets":["bitcoin"]}
 *   {"type":"subscribe","channel":"whales","chains":[1,8453]}
 *   {"type":"unsubscribe", …same…}
 *   {"type":"ping"}
 * Any message may carry an `id` (string or integer), echoed in the reply.
 */

/** Turns an asset id or symbol into the canonical id; throws an `AppError` (404/409) if it cannot. */
export type ResolveAsset = (idOrSymbol: string) => string;

/** Asset ids the default resolver accepts (the registry's id format). */
export const ASSET_ID_RE = /^[a-z0-9-]{1,64}$/;
// Longest asset string looked at: longer ones are rejected without reaching the resolver.
const MAX_ASSET_ARG_LENGTH = 128;
const MAX_ID_LENGTH = 64;

/** The resolver used when the app has no asset registry: any well-formed id is accepted as is. */
export const defaultResolveAsset: ResolveAsset = (s) => {
  if (ASSET_ID_RE.test(s)) return s;
  throw new AssetNotFoundError(
    `unknown asset '${s.slice(0, 64)}': use an asset id such as 'bitcoin' (lowercase letters, digits, '-')`,
  );
};

/**
 * What a WebSocket subscription is to: aggregate prices, candles of one interval, new signals, or
 * the whale transfers of indexed chains.
 */
export type StreamChannel = 'prices' | 'candles' | 'signals' | 'whales';

/** Chain ids a stream may subscribe to (the configured chains); undefined: any positive id. */
export type KnownChains = ReadonlySet<number> | undefined;

// Largest chain id accepted (EIP-2294 bounds chain ids well below this).
const MAX_CHAIN_ID = 2 ** 53 - 1;

/** A client message after validation. */
export type ClientCommand =
  | { type: 'ping'; id?: string | number }
  | {
      type: 'subscribe' | 'unsubscribe';
      channel: StreamChannel;
      /** Canonical asset ids, de-duplicated, in request order (empty for `whales`). */
      assets: string[];
      /** Chain ids, de-duplicated, in request order (`whales` only). */
      chains?: number[];
      interval?: string;
      /** Subscription keys (see `priceKey`/`candleKey`). */
      keys: string[];
      id?: string | number;
    };

/** A protocol error to send back as `{"type":"error",…}`; the connection stays open. */
export type ProtocolError = { code: string; message: string; id?: string | number };

/** A parsed client message, or the error to answer it with. */
export type ParseResult = { ok: true; command: ClientCommand } | { ok: false; error: ProtocolError };

function fail(code: string, message: string, id?: string | number): ParseResult {
  return { ok: false, error: id === undefined ? { code, message } : { code, message, id } };
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  // A resolver bug must not leak internals to the client.
  return { code: 'INTERNAL', message: 'could not resolve the asset' };
}

/** Resolve one asset argument; throws `ValidationError` if malformed, or the resolver's error. */
function resolveOne(a: unknown, resolve: ResolveAsset, path: (string | number)[], inQuery: boolean): string {
  if (typeof a !== 'string' || a.length === 0 || a.length > MAX_ASSET_ARG_LENGTH) {
    const message = `must be a non-empty asset id of at most ${MAX_ASSET_ARG_LENGTH} characters`;
    throw new ValidationError(`${path.join('.')} ${message}`, {
      issues: [{ path, message, ...(inQuery ? { in: 'query' } : {}) }],
    });
  }
  return resolve(a);
}

/** Resolve and de-duplicate asset arguments, keeping their order. */
function resolveAssets(
  raw: readonly unknown[],
  resolve: ResolveAsset,
  where: string,
  inQuery: boolean,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const id = resolveOne(raw[i], resolve, [where, i], inQuery);
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

/** Check one chain id argument; throws `ValidationError` (400) or `ChainNotFoundError` (404). */
function chainOne(v: unknown, known: KnownChains, path: (string | number)[], inQuery: boolean): number {
  const n = typeof v === 'string' && /^\d{1,16}$/.test(v.trim()) ? Number(v.trim()) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_CHAIN_ID) {
    const message = 'must be a chain id (a positive integer)';
    throw new ValidationError(`${path.join('.')} ${message}`, {
      issues: [{ path, message, ...(inQuery ? { in: 'query' } : {}) }],
    });
  }
  if (known && !known.has(n))
    throw new ChainNotFoundError(
      `chain ${n} is not indexed here${known.size > 0 ? ` (indexed: ${[...known].join(', ')})` : ' (no chain is configured)'}`,
    );
  return n;
}

/** Check and de-duplicate chain id arguments, keeping their order. */
function chainList(raw: readonly unknown[], known: KnownChains, where: string, inQuery: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const id = chainOne(raw[i], known, [where, i], inQuery);
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/**
 * Parse one WebSocket text message. Never throws: anything wrong becomes a `ProtocolError`.
 * @example parseClientMessage('{"type":"ping"}', defaultResolveAsset, 100) // { ok: true, command: { type: 'ping' } }
 */
export function parseClientMessage(
  text: string,
  resolve: ResolveAsset,
  maxAssets: number,
  knownChains?: KnownChains,
): ParseResult {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return fail('INVALID_JSON', 'message is not valid JSON');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return fail('VALIDATION_FAILED', 'message must be a JSON object with a "type"');
  }
  const m = msg as Record<string, unknown>;
  let id: string | number | undefined;
  if (m.id !== undefined) {
    if (
      (typeof m.id === 'string' && m.id.length <= MAX_ID_LENGTH) ||
      (typeof m.id === 'number' && Number.isSafeInteger(m.id))
    ) {
      id = m.id;
    } else {
      return fail('VALIDATION_FAILED', '"id" must be a string of at most 64 characters or an integer');
    }
  }
  if (m.type === 'ping')
    return { ok: true, command: id === undefined ? { type: 'ping' } : { type: 'ping', id } };
  if (m.type !== 'subscribe' && m.type !== 'unsubscribe') {
    return fail(
      'VALIDATION_FAILED',
      `unknown message type ${typeof m.type === 'string' ? `'${m.type.slice(0, 32)}'` : '(missing)'}: expected subscribe, unsubscribe or ping`,
      id,
    );
  }
  if (
    m.channel !== 'prices' &&
    m.channel !== 'candles' &&
    m.channel !== 'signals' &&
    m.channel !== 'whales'
  ) {
    return fail(
      'VALIDATION_FAILED',
      `unknown channel ${typeof m.channel === 'string' ? `'${m.channel.slice(0, 32)}'` : '(missing)'}: expected prices, candles, signals or whales`,
      id,
    );
  }
  const channel: StreamChannel = m.channel;
  if (channel === 'whales') {
    if (m.interval !== undefined || m.assets !== undefined)
      return fail('VALIDATION_FAILED', '"whales" takes "chains" (chain ids), not "assets" or "interval"', id);
    if (!Array.isArray(m.chains) || m.chains.length === 0)
      return fail('VALIDATION_FAILED', '"chains" must be a non-empty array of chain ids, e.g. [1]', id);
    if (m.chains.length > maxAssets)
      return fail('VALIDATION_FAILED', `"chains" may list at most ${maxAssets} chains`, id);
    let chains: number[];
    try {
      chains = chainList(m.chains, knownChains, 'chains', false);
    } catch (err) {
      const e = errorOf(err);
      return fail(e.code, e.message, id);
    }
    return {
      ok: true,
      command: {
        type: m.type,
        channel,
        assets: [],
        chains,
        keys: chains.map(whaleKey),
        ...(id === undefined ? {} : { id }),
      },
    };
  } else if (m.chains !== undefined) {
    return fail('VALIDATION_FAILED', '"chains" applies to the whales channel only', id);
  }
  let interval: string | undefined;
  if (channel === 'candles') {
    if (typeof m.interval !== 'string' || !isInterval(m.interval)) {
      return fail('VALIDATION_FAILED', `"interval" must be one of ${INTERVALS.join(', ')} for candles`, id);
    }
    interval = m.interval;
  } else if (m.interval !== undefined) {
    return fail('VALIDATION_FAILED', '"interval" applies to the candles channel only', id);
  }
  if (!Array.isArray(m.assets) || m.assets.length === 0) {
    return fail('VALIDATION_FAILED', '"assets" must be a non-empty array of asset ids', id);
  }
  if (m.assets.length > maxAssets) {
    return fail('VALIDATION_FAILED', `"assets" may list at most ${maxAssets} assets`, id);
  }
  let assets: string[];
  try {
    assets = resolveAssets(m.assets, resolve, 'assets', false);
  } catch (err) {
    const e = errorOf(err);
    return fail(e.code, e.message, id);
  }
  const keys = assets.map((a) =>
    channel === 'signals' ? signalKey(a) : interval === undefined ? priceKey(a) : candleKey(a, interval),
  );
  return {
    ok: true,
    command: {
      type: m.type,
      channel,
      assets,
      ...(interval === undefined ? {} : { interval }),
      keys,
      ...(id === undefined ? {} : { id }),
    },
  };
}

/** What an SSE request subscribes to. */
export type SseSubscription = {
  prices: string[];
  signals: string[];
  candles: { asset: string; interval: string }[];
  /** Chain ids whose whale transfers to receive. */
  whales: number[];
  keys: string[];
};

function listParam(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  const parts = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') {
      throw new ValidationError(`query '${name}' must be a comma-separated list`, {
        issues: [{ path: [name], message: 'must be a comma-separated list', in: 'query' }],
      });
    }
    for (const s of p.split(',')) {
      const t = s.trim();
      if (t !== '') out.push(t);
    }
  }
  return out;
}

/**
 * Parse `?prices=bitcoin,ethereum&candles=bitcoin:1m,ethereum:1h`. Throws `ValidationError` (400)
 * or the resolver's error (404/409), so the client gets a problem document before the stream starts.
 */
export function parseSseQuery(
  query: Record<string, unknown>,
  resolve: ResolveAsset,
  maxSubscriptions: number,
  knownChains?: KnownChains,
): SseSubscription {
  const rawPrices = listParam(query.prices, 'prices');
  const rawCandles = listParam(query.candles, 'candles');
  const rawSignals = listParam(query.signals, 'signals');
  const rawWhales = listParam(query.whales, 'whales');
  if (
    rawPrices.length === 0 &&
    rawCandles.length === 0 &&
    rawSignals.length === 0 &&
    rawWhales.length === 0
  ) {
    throw new ValidationError(
      'subscribe to something: ?prices=bitcoin,ethereum, ?candles=bitcoin:1m, ?signals=bitcoin and/or ?whales=1',
      {
        issues: [
          { path: ['prices'], message: 'prices, candles, signals or whales is required', in: 'query' },
        ],
      },
    );
  }
  if (rawPrices.length + rawCandles.length + rawSignals.length + rawWhales.length > maxSubscriptions) {
    throw new ValidationError(`at most ${maxSubscriptions} subscriptions per stream`, {
      issues: [
        { path: ['prices'], message: `at most ${maxSubscriptions} subscriptions in all`, in: 'query' },
      ],
    });
  }
  const prices = resolveAssets(rawPrices, resolve, 'prices', true);
  const signals = resolveAssets(rawSignals, resolve, 'signals', true);
  const whales = chainList(rawWhales, knownChains, 'whales', true);
  const candles: { asset: string; interval: string }[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < rawCandles.length; i++) {
    const item = rawCandles[i]!;
    const colon = item.lastIndexOf(':');
    const interval = colon < 0 ? '' : item.slice(colon + 1);
    if (colon <= 0 || !isInterval(interval)) {
      throw new ValidationError(
        `query 'candles' item '${item.slice(0, 80)}' must be asset:interval with interval one of ${INTERVALS.join(', ')}`,
        { issues: [{ path: ['candles', i], message: 'must be asset:interval', in: 'query' }] },
      );
    }
    const asset = resolveOne(item.slice(0, colon), resolve, ['candles', i], true);
    const key = candleKey(asset, interval);
    if (seen.has(key)) continue;
    seen.add(key);
    candles.push({ asset, interval });
  }
  const keys = [
    ...prices.map(priceKey),
    ...candles.map((c) => candleKey(c.asset, c.interval)),
    ...signals.map(signalKey),
    ...whales.map(whaleKey),
  ];
  return { prices, candles, signals, whales, keys };
}

/**
 * A complete, unmasked WebSocket text frame (RFC 6455 §5.2) carrying `text`: what a server
 * sends. Built once per update and written to every subscriber as is.
 */
export function wsTextFrame(text: string): Buffer {
  const len = Buffer.byteLength(text);
  const header = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + len);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (header === 2) {
    frame[1] = len;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  frame.write(text, header, 'utf8');
  return frame;
}
