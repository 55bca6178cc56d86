import type { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import {
  AmbiguousSymbolError,
  AssetNotFoundError,
  ChainNotFoundError,
  ValidationError,
} from '../internal/errors.js';
import {
  defaultResolveAsset,
  parseClientMessage,
  parseSseQuery,
  type ResolveAsset,
  wsTextFrame,
} from './streamProtocol.js';

/** A resolver that knows symbols, one of them ambiguous. */
const registry: ResolveAsset = (s) => {
  const lower = s.toLowerCase();
  if (lower === 'btc' || lower === 'bitcoin') return 'bitcoin';
  if (lower === 'eth' || lower === 'ethereum') return 'ethereum';
  if (lower === 'uni') throw new AmbiguousSymbolError("'UNI' names several assets: uniswap, unicorn-token");
  throw new AssetNotFoundError(`unknown asset '${s}'`);
};

const parse = (m: unknown, resolve: ResolveAsset = defaultResolveAsset) =>
  parseClientMessage(typeof m === 'string' ? m : JSON.stringify(m), resolve, 100);

describe('parseClientMessage', () => {
  it('parses subscribe/unsubscribe/ping into subscription keys', () => {
    expect(
      parse({ type: 'subscribe', channel: 'prices', assets: ['bitcoin', 'ethereum', 'bitcoin'] }),
    ).toEqual({
      ok: true,
      command: {
        type: 'subscribe',
        channel: 'prices',
        assets: ['bitcoin', 'ethereum'],
        keys: ['p:bitcoin', 'p:ethereum'],
      },
    });
    expect(
      parse({ type: 'unsubscribe', channel: 'candles', assets: ['BTC'], interval: '1h', id: 7 }, registry),
    ).toEqual({
      ok: true,
      command: {
        type: 'unsubscribe',
        channel: 'candles',
        assets: ['bitcoin'],
        interval: '1h',
        keys: ['c:bitcoin|1h'],
        id: 7,
      },
    });
    expect(parse({ type: 'ping', id: 'a' })).toEqual({ ok: true, command: { type: 'ping', id: 'a' } });
  });

  it.each([
    ['{"type":', 'INVALID_JSON'],
    ['[]', 'VALIDATION_FAILED'],
    ['"ping"', 'VALIDATION_FAILED'],
    [{ type: 'subscribe', channel: 'trades', assets: ['bitcoin'] }, 'VALIDATION_FAILED'],
    [{ type: 'hello' }, 'VALIDATION_FAILED'],
    [{ channel: 'prices' }, 'VALIDATION_FAILED'],
    [{ type: 'subscribe', channel: 'candles', assets: ['bitcoin'] }, 'VALIDATION_FAILED'],
    [{ type: 'subscribe', channel: 'candles', assets: ['bitcoin'], interval: '2m' }, 'VALIDATION_FAILED'],
    [{ type: 'subscribe', channel: 'prices', assets: ['bitcoin'], interval: '1m' }, 'VALIDATION_FAILED'],
    [{ type: 'subscribe', channel: 'prices', assets: [] }, 'VALIDATION_FAILED'],
    [{ type: 'subscribe', channel: 'prices', assets: 'bitcoin' }, 'VALIDATION_FAILED'],
    [{ type: 'subscribe', channel: 'prices', assets: [42] }, 'VALIDATION_FAILED'],
    [{ type: 'subscribe', channel: 'prices', assets: ['BTC'] }, 'ASSET_NOT_FOUND'],
    [{ type: 'subscribe', channel: 'prices', assets: ['x'.repeat(65)] }, 'ASSET_NOT_FOUND'],
    [{ type: 'ping', id: { x: 1 } }, 'VALIDATION_FAILED'],
  ])('rejects %j with %s', (m, code) => {
    const r = parse(m);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message.length).toBeGreaterThan(0);
    }
  });

  it('passes on the resolver’s not-found and ambiguous errors, with the request id', () => {
    const r = parse({ type: 'subscribe', channel: 'prices', assets: ['eth', 'uni'], id: 'x1' }, registry);
    expect(r).toEqual({
      ok: false,
      error: { code: 'AMBIGUOUS_SYMBOL', message: expect.any(String), id: 'x1' },
    });
  });

  it('hides resolver bugs', () => {
    const r = parse({ type: 'subscribe', channel: 'prices', assets: ['bitcoin'] }, () => {
      throw new Error('db password is hunter2');
    });
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'could not resolve the asset' } });
  });

  it('caps the asset list', () => {
    const assets = Array.from({ length: 101 }, (_, i) => `a${i}`);
    const r = parse({ type: 'subscribe', channel: 'prices', assets });
    expect(r.ok).toBe(false);
  });
});

describe('parseClientMessage: whales', () => {
  const known = new Set([1, 31337]);
  const whales = (m: Record<string, unknown>) =>
    parseClientMessage(JSON.stringify({ type: 'subscribe', channel: 'whales', ...m }), registry, 100, known);

  it('subscribes to configured chains by id', () => {
    expect(whales({ chains: [1, 31337, 1], id: 3 })).toEqual({
      ok: true,
      command: {
        type: 'subscribe',
        channel: 'whales',
        assets: [],
        chains: [1, 31337],
        keys: ['w:1', 'w:31337'],
        id: 3,
      },
    });
  });

  it.each([
    [{ chains: [10] }, 'CHAIN_NOT_FOUND'],
    [{ chains: [] }, 'VALIDATION_FAILED'],
    [{ chains: ['x'] }, 'VALIDATION_FAILED'],
    [{ chains: [1.5] }, 'VALIDATION_FAILED'],
    [{ chains: [-1] }, 'VALIDATION_FAILED'],
    [{ assets: ['bitcoin'] }, 'VALIDATION_FAILED'],
    [{ chains: [1], interval: '1m' }, 'VALIDATION_FAILED'],
  ])('rejects %j with %s', (m, code) => {
    const r = whales(m);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });

  it('refuses chains on the other channels', () => {
    const r = parse({ type: 'subscribe', channel: 'prices', assets: ['bitcoin'], chains: [1] });
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });
});

describe('parseSseQuery', () => {
  it('parses prices and candles lists (also repeated parameters)', () => {
    expect(
      parseSseQuery(
        { prices: 'BTC, eth', candles: ['btc:1m,ethereum:1h', 'bitcoin:1m'], signals: 'eth' },
        registry,
        100,
      ),
    ).toEqual({
      prices: ['bitcoin', 'ethereum'],
      candles: [
        { asset: 'bitcoin', interval: '1m' },
        { asset: 'ethereum', interval: '1h' },
      ],
      signals: ['ethereum'],
      whales: [],
      keys: ['p:bitcoin', 'p:ethereum', 'c:bitcoin|1m', 'c:ethereum|1h', 's:ethereum'],
    });
  });

  it('parses whales as configured chain ids', () => {
    expect(parseSseQuery({ whales: '1, 8453,1' }, registry, 100, new Set([1, 8453]))).toMatchObject({
      whales: [1, 8453],
      keys: ['w:1', 'w:8453'],
    });
    expect(() => parseSseQuery({ whales: '10' }, registry, 100, new Set([1]))).toThrow(ChainNotFoundError);
    expect(() => parseSseQuery({ whales: 'mainnet' }, registry, 100, new Set([1]))).toThrow(ValidationError);
    expect(() => parseSseQuery({ whales: '0' }, registry, 100)).toThrow(ValidationError);
  });

  it.each([
    [{}, ValidationError],
    [{ prices: ',' }, ValidationError],
    [{ candles: 'bitcoin' }, ValidationError],
    [{ candles: 'bitcoin:2m' }, ValidationError],
    [{ candles: ':1m' }, ValidationError],
    [{ prices: 'Bitcoin!' }, AssetNotFoundError],
    [{ prices: 'a,b,c' }, ValidationError], // over the limit of 2 below
    [{ prices: 'a', signals: 'b,c' }, ValidationError],
    [{ signals: 'Bitcoin!' }, AssetNotFoundError],
  ])('rejects %j', (q, E) => {
    expect(() => parseSseQuery(q, defaultResolveAsset, 2)).toThrow(E);
  });

  it('names the offending item', () => {
    try {
      parseSseQuery({ candles: 'bitcoin:1m,ethereum:7m' }, defaultResolveAsset, 10);
      expect.unreachable();
    } catch (err) {
      expect((err as ValidationError).issues?.[0]).toEqual({
        path: ['candles', 1],
        message: 'must be asset:interval',
        in: 'query',
      });
    }
  });
});

// ws's frame parser (exported at runtime, not in @types/ws): the reference our frames must satisfy.
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean }) => Writable;
};

describe('wsTextFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])('is a frame ws reads back (%i bytes)', (n) => {
    // Multi-byte characters: the length field counts bytes, not characters.
    const text = 'é€'.repeat(Math.floor(n / 5)) + 'x'.repeat(n % 5);
    const received: string[] = [];
    const r = new Receiver({ isServer: false });
    r.on('message', (data: Buffer, isBinary: boolean) => {
      expect(isBinary).toBe(false);
      received.push(data.toString('utf8'));
    });
    r.write(wsTextFrame(text));
    expect(received).toEqual([text]);
  });
});
