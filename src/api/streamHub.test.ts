import { describe, expect, it } from 'vitest';
import type { CandleUpdate, PriceQuote } from '../market/events.js';
import { candleKey, createStreamHub, type HubUpdate, priceKey, type StreamSink } from './streamHub.js';

/** A sink whose "transport" holds `buffered` bytes; `stuck` makes every send add to it. */
class FakeSink implements StreamSink {
  buffered = 0;
  stuck = false;
  sent: HubUpdate[] = [];
  slow: string[] = [];
  bufferedBytes() {
    return this.buffered;
  }
  send(u: HubUpdate) {
    this.sent.push(u);
    if (this.stuck) this.buffered += u.json.length;
  }
  closeSlow(detail: string) {
    this.slow.push(detail);
  }
  /** The data of what was sent, parsed. */
  data<T>(): T[] {
    return this.sent.map((u) => (JSON.parse(u.json) as { data: T }).data);
  }
}

function quote(asset: string, price: number): PriceQuote {
  return {
    asset,
    price,
    quote: 'USD',
    asOf: '2026-01-01T00:00:00.000Z',
    stale: false,
    deviationBps: 0,
    change24hPct: null,
    volume24h: null,
    venues: [],
  };
}

function candle(
  asset: string,
  openTime: number,
  close: number,
  final = false,
  venue = 'binance',
): CandleUpdate {
  return {
    asset,
    venue,
    symbol: 'BTC/USDT',
    interval: '1m',
    bar: { openTime, open: close, high: close, low: close, close, volume: 1 },
    final,
  };
}

function setup(opts: Partial<Parameters<typeof createStreamHub>[0]> = {}) {
  const clock = { t: 0 };
  const hub = createStreamHub({
    now: () => clock.t,
    sendHighWaterBytes: 1000,
    maxBufferedBytes: 100_000,
    maxPendingKeys: 10,
    slowConsumerTimeoutMs: 500,
    maxSubscriptionsPerConnection: 5,
    ...opts,
  });
  return { hub, clock };
}

describe('stream hub fan-out', () => {
  it('delivers every update, in publish order, to each subscriber of its key only', () => {
    const { hub } = setup();
    const a = new FakeSink();
    const b = new FakeSink();
    hub.connect(a).subscribe([priceKey('bitcoin')]);
    hub.connect(b).subscribe([priceKey('bitcoin'), priceKey('ethereum')]);
    for (let i = 1; i <= 100; i++) {
      hub.publishPrice(quote('bitcoin', i));
      hub.publishPrice(quote('ethereum', -i));
      hub.publishPrice(quote('solana', 0));
    }
    expect(a.data<PriceQuote>().map((q) => q.price)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(b.sent).toHaveLength(200);
    expect(
      b
        .data<PriceQuote>()
        .filter((q) => q.asset === 'ethereum')
        .map((q) => q.price),
    ).toEqual(Array.from({ length: 100 }, (_, i) => -(i + 1)));
    expect(hub.stats.delivered).toBe(300);
    expect(hub.stats.published).toBe(300);
  });

  it('serializes each update once and shares it between connections', () => {
    const { hub } = setup();
    const a = new FakeSink();
    const b = new FakeSink();
    hub.connect(a).subscribe([priceKey('bitcoin')]);
    hub.connect(b).subscribe([priceKey('bitcoin')]);
    hub.publishPrice(quote('bitcoin', 1));
    expect(a.sent[0]).toBe(b.sent[0]);
    expect(JSON.parse(a.sent[0]!.json)).toEqual({ type: 'price', data: quote('bitcoin', 1) });
    expect(JSON.parse(a.sent[0]!.dataJson)).toEqual(quote('bitcoin', 1));
  });

  it('routes candles by asset and interval, from every venue', () => {
    const { hub } = setup();
    const s = new FakeSink();
    hub.connect(s).subscribe([candleKey('bitcoin', '1m')]);
    hub.publishCandle(candle('bitcoin', 0, 1, false, 'binance'));
    hub.publishCandle(candle('bitcoin', 0, 2, false, 'kraken'));
    hub.publishCandle({ ...candle('bitcoin', 0, 3), interval: '5m' });
    hub.publishCandle(candle('ethereum', 0, 4));
    expect(s.data<CandleUpdate>().map((c) => [c.venue, c.bar.close])).toEqual([
      ['binance', 1],
      ['kraken', 2],
    ]);
  });

  it('drops malformed bus messages without throwing', () => {
    const { hub } = setup();
    const s = new FakeSink();
    hub.connect(s).subscribe([priceKey('bitcoin'), candleKey('bitcoin', '1m')]);
    expect(hub.publishPrice(null)).toBe(-1);
    expect(hub.publishPrice({ price: 1 })).toBe(-1);
    expect(hub.publishPrice('bitcoin')).toBe(-1);
    expect(hub.publishCandle({ ...candle('bitcoin', 0, 1), interval: '2m' })).toBe(-1);
    expect(hub.publishCandle({ ...candle('bitcoin', 0, 1), bar: { openTime: 'x' } })).toBe(-1);
    expect(s.sent).toHaveLength(0);
    expect(hub.stats.invalid).toBe(5);
  });

  it('unsubscribe stops delivery; close detaches everything', () => {
    const { hub } = setup();
    const s = new FakeSink();
    const c = hub.connect(s);
    c.subscribe([priceKey('bitcoin'), priceKey('ethereum')]);
    hub.publishPrice(quote('bitcoin', 1));
    c.unsubscribe([priceKey('bitcoin'), priceKey('never-subscribed')]);
    hub.publishPrice(quote('bitcoin', 2));
    hub.publishPrice(quote('ethereum', 3));
    expect(s.data<PriceQuote>().map((q) => q.price)).toEqual([1, 3]);
    expect(hub.stats.subscriptions).toBe(1);
    c.close();
    c.close();
    hub.publishPrice(quote('ethereum', 4));
    expect(s.sent).toHaveLength(2);
    expect(hub.stats).toMatchObject({ connections: 0, subscriptions: 0 });
  });

  it('enforces the per-connection subscription limit, all or nothing', () => {
    const { hub } = setup({ maxSubscriptionsPerConnection: 3 });
    const c = hub.connect(new FakeSink());
    expect(c.subscribe([priceKey('a'), priceKey('b')])).toEqual({ ok: true, added: 2 });
    // Re-subscribing held keys costs nothing.
    expect(c.subscribe([priceKey('a'), priceKey('b'), priceKey('c')])).toEqual({ ok: true, added: 1 });
    expect(c.subscribe([priceKey('d')])).toEqual({ ok: false, limit: 3 });
    expect(c.subscribe([priceKey('a'), priceKey('a')])).toEqual({ ok: true, added: 0 });
    expect([...c.subscriptions]).toEqual([priceKey('a'), priceKey('b'), priceKey('c')]);
  });
});

describe('stream hub conflation for a slow consumer', () => {
  it('conflates to the latest price per asset while congested, then flushes in order on drain', () => {
    const { hub } = setup();
    const slow = new FakeSink();
    const fast = new FakeSink();
    const c = hub.connect(slow);
    c.subscribe([priceKey('bitcoin'), priceKey('ethereum')]);
    hub.connect(fast).subscribe([priceKey('bitcoin'), priceKey('ethereum')]);

    hub.publishPrice(quote('bitcoin', 1));
    slow.buffered = 5000; // the transport fell behind
    hub.publishPrice(quote('bitcoin', 2));
    hub.publishPrice(quote('ethereum', 10));
    hub.publishPrice(quote('bitcoin', 3));
    hub.publishPrice(quote('ethereum', 11));
    expect(c.congested).toBe(true);
    expect(c.pendingCount).toBe(2);
    expect(hub.congestedCount).toBe(1);
    // The fast connection is unaffected.
    expect(fast.sent).toHaveLength(5);

    hub.sweep(); // still behind: nothing flushed
    expect(slow.sent).toHaveLength(1);
    slow.buffered = 0;
    hub.sweep();
    expect(slow.data<PriceQuote>().map((q) => `${q.asset}:${q.price}`)).toEqual([
      'bitcoin:1',
      'bitcoin:3',
      'ethereum:11',
    ]);
    expect(c.congested).toBe(false);
    expect(hub.congestedCount).toBe(0);
    expect(hub.stats.conflated).toBe(2);

    // Back to direct delivery.
    hub.publishPrice(quote('bitcoin', 4));
    expect(slow.data<PriceQuote>().at(-1)?.price).toBe(4);
  });

  it('never lets an update overtake an older pending one of the same key', () => {
    const { hub } = setup();
    const s = new FakeSink();
    hub.connect(s).subscribe([priceKey('bitcoin')]);
    s.buffered = 5000;
    hub.publishPrice(quote('bitcoin', 1));
    s.buffered = 0; // drained, but no sweep yet: new updates still queue behind the pending one
    hub.publishPrice(quote('bitcoin', 2));
    hub.sweep();
    hub.publishPrice(quote('bitcoin', 3));
    expect(s.data<PriceQuote>().map((q) => q.price)).toEqual([2, 3]);
  });

  it('keeps each candle bar (final included) and the latest update of each bar', () => {
    const { hub } = setup();
    const s = new FakeSink();
    hub.connect(s).subscribe([candleKey('bitcoin', '1m')]);
    s.buffered = 5000;
    hub.publishCandle(candle('bitcoin', 0, 1));
    hub.publishCandle(candle('bitcoin', 0, 2));
    hub.publishCandle(candle('bitcoin', 0, 3, true)); // bar 0 closes
    hub.publishCandle(candle('bitcoin', 60_000, 4)); // bar 1 opens: must not replace bar 0
    hub.publishCandle(candle('bitcoin', 0, 99, false)); // a late non-final update of bar 0
    hub.publishCandle(candle('bitcoin', 60_000, 5));
    hub.publishCandle(candle('bitcoin', 0, 7, false, 'kraken')); // another venue: its own key
    s.buffered = 0;
    hub.sweep();
    expect(s.data<CandleUpdate>().map((c) => [c.venue, c.bar.openTime, c.bar.close, c.final])).toEqual([
      ['binance', 0, 3, true],
      ['binance', 60_000, 5, false],
      ['kraken', 0, 7, false],
    ]);
  });

  it('flushes only while the transport stays under the high-water mark', () => {
    const { hub } = setup({ sendHighWaterBytes: 400, maxPendingKeys: 100 });
    const s = new FakeSink();
    const c = hub.connect(s);
    const assets = Array.from({ length: 5 }, (_, i) => `asset-${i}`);
    c.subscribe(assets.map(priceKey));
    s.buffered = 5000;
    for (const a of assets) hub.publishPrice(quote(a, 1));
    s.buffered = 0;
    s.stuck = true; // each send adds ~200 bytes
    hub.sweep();
    expect(s.sent.length).toBeGreaterThan(0);
    expect(s.sent.length).toBeLessThan(5);
    expect(c.congested).toBe(true);
    s.buffered = 0;
    hub.sweep();
    expect(s.data<PriceQuote>().map((q) => q.asset)).toEqual(assets);
    expect(c.congested).toBe(false);
  });

  it('unsubscribing drops that key’s pending updates', () => {
    const { hub } = setup();
    const s = new FakeSink();
    const c = hub.connect(s);
    c.subscribe([priceKey('bitcoin'), priceKey('ethereum')]);
    s.buffered = 5000;
    hub.publishPrice(quote('bitcoin', 1));
    hub.publishPrice(quote('ethereum', 2));
    c.unsubscribe([priceKey('bitcoin')]);
    s.buffered = 0;
    hub.sweep();
    expect(s.data<PriceQuote>().map((q) => q.asset)).toEqual(['ethereum']);
  });
});

describe('stream hub bounds', () => {
  it('closes a connection with more pending keys than allowed, at once', () => {
    const { hub } = setup({ maxPendingKeys: 3 });
    const s = new FakeSink();
    const other = new FakeSink();
    const assets = ['a', 'b', 'c', 'd', 'e'];
    hub.connect(s).subscribe(assets.map(priceKey));
    hub.connect(other).subscribe(assets.map(priceKey));
    s.buffered = 5000;
    for (const a of assets) hub.publishPrice(quote(a, 1));
    expect(s.slow).toHaveLength(1);
    expect(s.slow[0]).toMatch(/more than 3 updates pending/);
    expect(hub.stats).toMatchObject({ slowClosed: 1, connections: 1, congested: 0 });
    // Dropped from the hub: nothing more is sent or queued for it.
    hub.publishPrice(quote('a', 2));
    expect(s.sent).toHaveLength(0);
    expect(other.sent).toHaveLength(6);
  });

  it('closes a connection whose buffer stays above the high-water mark for too long', () => {
    const { hub, clock } = setup({ slowConsumerTimeoutMs: 500 });
    const s = new FakeSink();
    hub.connect(s).subscribe([priceKey('bitcoin')]);
    s.buffered = 5000;
    hub.publishPrice(quote('bitcoin', 1));
    clock.t = 499;
    hub.sweep();
    expect(s.slow).toHaveLength(0);
    clock.t = 500;
    hub.sweep();
    expect(s.slow).toHaveLength(1);
    expect(hub.congestedCount).toBe(0);
  });

  it('restarts the timeout when the buffer dips below the mark', () => {
    const { hub, clock } = setup({ slowConsumerTimeoutMs: 500, maxPendingKeys: 100 });
    const s = new FakeSink();
    hub.connect(s).subscribe([priceKey('a'), priceKey('b')]);
    s.buffered = 5000;
    hub.publishPrice(quote('a', 1));
    hub.publishPrice(quote('b', 1));
    clock.t = 400;
    s.buffered = 0;
    s.stuck = true;
    s.buffered = 900; // one send (~200 B) puts it over again
    hub.sweep();
    expect(s.sent).toHaveLength(1);
    clock.t = 800; // 400 ms since it was last under the mark: not yet
    hub.sweep();
    clock.t = 850;
    hub.sweep();
    expect(s.slow).toHaveLength(0);
    clock.t = 1300;
    hub.sweep();
    expect(s.slow).toHaveLength(1);
  });

  it('closes a connection past the hard byte bound on the next sweep', () => {
    const { hub } = setup({ maxBufferedBytes: 10_000 });
    const s = new FakeSink();
    hub.connect(s).subscribe([priceKey('bitcoin')]);
    s.buffered = 5000;
    hub.publishPrice(quote('bitcoin', 1));
    s.buffered = 10_000;
    hub.sweep();
    expect(s.slow[0]).toMatch(/10000 bytes/);
  });

  it('keeps a conflated backlog bounded whatever the publish volume', () => {
    const { hub } = setup({ maxPendingKeys: 50 });
    const s = new FakeSink();
    const c = hub.connect(s);
    c.subscribe([priceKey('bitcoin'), candleKey('bitcoin', '1m')]);
    s.buffered = 5000;
    for (let i = 0; i < 10_000; i++) {
      hub.publishPrice(quote('bitcoin', i));
      hub.publishCandle(candle('bitcoin', 0, i));
    }
    expect(c.pendingCount).toBe(2);
    expect(s.slow).toHaveLength(0);
    expect(hub.stats.conflated).toBe(19_998);
  });

  it('rejects nonsensical options', () => {
    expect(() => createStreamHub({ now: () => 0, maxPendingKeys: 0 })).toThrow(/maxPendingKeys/);
    expect(() => createStreamHub({ now: () => 0, sendHighWaterBytes: Number.NaN })).toThrow(
      /sendHighWaterBytes/,
    );
  });
});
