import { describe, expect, it } from 'vitest';
import type { Bar } from '../market/types.js';
import { createBarView, LookAheadError, runBacktest, type Strategy, type StrategyContext } from './index.js';

const DAY = 86_400_000;
const BARS: Bar[] = Array.from({ length: 30 }, (_, i) => ({
  openTime: i * DAY,
  open: 100 + i,
  high: 102 + i,
  low: 99 + i,
  close: 101 + i,
  volume: 10 + i,
}));

/** Run a strategy whose `probe` is called once at bar 10 (after 11 bars have closed). */
function probeAt10(probe: (ctx: StrategyContext) => void): void {
  const s: Strategy = {
    name: 'probe',
    warmup: 0,
    onBar(ctx) {
      if (ctx.index === 10) probe(ctx);
      return { target: 'long' };
    },
  };
  runBacktest({ bars: BARS, strategy: s, initialCash: 1000 });
}

describe('look-ahead is refused', () => {
  it('reading at or past length throws LookAheadError, through every accessor', () => {
    const attempts: [string, (ctx: StrategyContext) => unknown][] = [
      ['at(length)', (ctx) => ctx.bars.at(ctx.bars.length)],
      ['at(index + 5)', (ctx) => ctx.bars.at(ctx.index + 5)],
      ['at(Infinity)', (ctx) => ctx.bars.at(Number.POSITIVE_INFINITY)],
      ['bracket [length]', (ctx) => ctx.bars[ctx.bars.length]],
      ['bracket ["29"]', (ctx) => (ctx.bars as unknown as Record<string, unknown>)['29']],
      ['close(index + 1)', (ctx) => ctx.close(ctx.index + 1)],
      ['bars.open(length)', (ctx) => ctx.bars.open(ctx.bars.length)],
      ['bars.high(length)', (ctx) => ctx.bars.high(ctx.bars.length)],
      ['bars.low(length)', (ctx) => ctx.bars.low(ctx.bars.length)],
      ['bars.volume(length)', (ctx) => ctx.bars.volume(ctx.bars.length)],
      ['bars.time(length)', (ctx) => ctx.bars.time(ctx.bars.length)],
      ['bars.close(length)', (ctx) => ctx.bars.close(ctx.bars.length)],
    ];
    for (const [name, attempt] of attempts) {
      expect(() => probeAt10((ctx) => void attempt(ctx)), name).toThrow(LookAheadError);
    }
  });

  it('the error is a coded AppError with a clear message', () => {
    try {
      probeAt10((ctx) => ctx.bars.at(11));
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(LookAheadError);
      expect((e as LookAheadError).code).toBe('LOOK_AHEAD');
      expect((e as Error).message).toBe('strategy read bar 11 but only bars 0..10 have closed');
    }
  });

  it('negative indices count back from the current bar, never from the end of the data', () => {
    probeAt10((ctx) => {
      expect(ctx.bars.length).toBe(11);
      expect(ctx.bars.at(-1)).toBe(ctx.bar);
      expect(ctx.bars.at(-1).close).toBe(BARS[10]!.close);
      expect(ctx.close(-11)).toBe(BARS[0]!.close);
      expect(ctx.bars[-1 as number]?.close).toBe(BARS[10]!.close);
      expect(() => ctx.bars.at(-12)).toThrow(RangeError);
      expect(() => ctx.bars.at(Number.NaN)).toThrow(RangeError);
      expect(() => ctx.bars.at(ctx.bars.length - 0.5)).toThrow(RangeError);
      expect(() => ctx.bars.at('3' as unknown as number)).toThrow(TypeError);
      expect(() => ctx.closes(12)).toThrow(RangeError);
      expect([...ctx.closes()]).toEqual(BARS.slice(0, 11).map((b) => b.close));
      expect([...ctx.closes(3)]).toEqual(BARS.slice(8, 11).map((b) => b.close));
      expect([...ctx.bars].map((b) => b.openTime)).toEqual(BARS.slice(0, 11).map((b) => b.openTime));
    });
  });

  it('the view and the context are read-only', () => {
    probeAt10((ctx) => {
      const bars = ctx.bars as unknown as Record<string, unknown>;
      expect(() => {
        (ctx.bars as { length: number }).length = 999;
      }).toThrow(TypeError);
      expect(() => Object.defineProperty(ctx.bars, 'length', { value: 999 })).toThrow(TypeError);
      expect(() => {
        bars['11'] = BARS[11];
      }).toThrow(TypeError);
      expect(() => {
        bars.at = () => BARS[29];
      }).toThrow(TypeError);
      expect(() => delete bars.at).toThrow(TypeError);
      expect(() => Object.setPrototypeOf(ctx.bars, Array.prototype)).toThrow(TypeError);
      expect(() => {
        (ctx as { index: number }).index = 29;
      }).toThrow(TypeError);
      expect(() => {
        (ctx as { bars: unknown }).bars = BARS;
      }).toThrow(TypeError);
      expect(() => {
        (ctx.bar as Bar).close = 1;
      }).toThrow(TypeError);
      expect(() => {
        (ctx.bars.at(0) as Bar).open = 1;
      }).toThrow(TypeError);
      expect(() => {
        (ctx.position as { qty: number }).qty = 5;
      }).toThrow(TypeError);
      expect(ctx.bars.length).toBe(11);
    });
    // The caller's bars were never touched.
    expect(BARS[0]!.open).toBe(100);
  });

  it('nothing reachable from the context holds a bar that has not closed', () => {
    probeAt10((ctx) => {
      const seen = new Set<unknown>();
      const visit = (v: unknown, path: string): void => {
        if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) return;
        seen.add(v);
        if (Array.isArray(v)) expect(v.length, path).toBeLessThanOrEqual(11);
        if (typeof v === 'object' && 'openTime' in v)
          expect((v as Bar).openTime, path).toBeLessThanOrEqual(10 * DAY);
        // Probe the object through reflection, as a Proxy-aware strategy would.
        for (const key of Reflect.ownKeys(v)) {
          const d = Reflect.getOwnPropertyDescriptor(v, key);
          if (d && 'value' in d) visit(d.value, `${path}.${String(key)}`);
        }
        const proto = Reflect.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== Function.prototype && proto !== Array.prototype) {
          visit(proto, `${path}.__proto__`);
        }
      };
      visit(ctx, 'ctx');
      // Own keys are methods and length only; JSON shows no bar past the current one.
      expect(Reflect.ownKeys(ctx.bars).filter((k) => typeof ctx.bars[k as 'length'] !== 'function')).toEqual([
        'length',
      ]);
      expect(JSON.stringify(ctx)).not.toContain(String(BARS[11]!.openTime));
      expect(Object.keys(ctx.bars)).not.toContain('11');
      expect('11' in ctx.bars).toBe(false);
      // Wrapping the view in another Proxy only forwards to the same guarded accessors.
      const spy = new Proxy(ctx.bars, {});
      expect(() => spy.at(11)).toThrow(LookAheadError);
      expect(() => spy[11]).toThrow(LookAheadError);
      // Calling the accessors with a forged `this` changes nothing: they close over the view.
      expect(() => ctx.bars.at.call({ length: 999 }, 20)).toThrow(LookAheadError);
      expect(() => Reflect.apply(ctx.bars.close, [], [20])).toThrow(LookAheadError);
    });
  });

  it('a strategy that swallows the error still never gets future data', () => {
    const got: unknown[] = [];
    const s: Strategy = {
      name: 'sneaky',
      warmup: 0,
      onBar(ctx) {
        try {
          got.push(ctx.bars.at(ctx.bars.length));
        } catch {
          // refused
        }
        return null;
      },
    };
    runBacktest({ bars: BARS, strategy: s, initialCash: 1 });
    expect(got).toEqual([]);
  });

  it('a view made earlier does not grow later', () => {
    const views: StrategyContext['bars'][] = [];
    runBacktest({
      bars: BARS,
      strategy: {
        name: 'keeper',
        warmup: 0,
        onBar(ctx) {
          views.push(ctx.bars);
          return null;
        },
      },
      initialCash: 1,
    });
    expect(views[0]!.length).toBe(1);
    expect(() => views[0]!.at(1)).toThrow(LookAheadError);
    expect(views.at(-1)!.length).toBe(29);
  });

  it('createBarView bounds a view on its own', () => {
    const v = createBarView(
      BARS.map((b) => Object.freeze({ ...b })),
      3,
    );
    expect(v.length).toBe(3);
    expect(v[2]?.close).toBe(BARS[2]!.close);
    expect(() => v[3]).toThrow(LookAheadError);
  });
});
