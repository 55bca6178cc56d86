import type { Strategy } from './types.js';
import { invalid } from './validate.js';

/**
 * Buy at the first opportunity (the open after the first bar) and hold to the end.
 * @example runBacktest({ bars, strategy: buyAndHold(), initialCash: 1000 })
 */
export function buyAndHold(): Strategy {
  return { name: 'buy-and-hold', warmup: 0, onBar: () => ({ target: 'long' }) };
}

/**
 * Moving-average cross as a state: long while the `fast`-bar simple moving average of closes is
 * above the `slow` one, short while below (flat in long-only mode), flat when equal. Each SMA
 * is summed afresh from the view at every bar (no running sum, so no drift).
 * @example smaCross({ fast: 20, slow: 50 })
 */
export function smaCross(options: { fast: number; slow: number }): Strategy {
  const { fast, slow } = options;
  if (!(Number.isSafeInteger(fast) && Number.isSafeInteger(slow) && fast >= 1 && fast < slow)) {
    invalid(`smaCross needs integers 1 <= fast < slow, got fast ${fast}, slow ${slow}`, ['fast']);
  }
  return {
    name: `sma-cross-${fast}-${slow}`,
    warmup: slow,
    onBar(ctx) {
      const sma = (period: number): number => {
        let s = 0;
        for (let k = 1; k <= period; k++) s += ctx.close(-k);
        return s / period;
      };
      const f = sma(fast);
      const s = sma(slow);
      return { target: f > s ? 'long' : f < s ? 'short' : 'flat' };
    },
  };
}
