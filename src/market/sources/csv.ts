import { readFile } from 'node:fs/promises';
import { type MarketHints, type ParsedOhlcv, parseMarketFile } from '../csv/parseMarketFile.js';
import { expandPaths } from '../importer.js';
import { columnsToBars } from '../store.js';
import type { Bar, Interval, MarketRef, MarketSource } from '../types.js';

const CSV_BATCH_BARS = 5000;

/**
 * CSV files as a (historical-only) market source: the same parsing and validation as `sextant
 * import`, read on first use. There is no live feed: `watch` throws.
 */
export function createCsvSource(paths: readonly string[], hints: MarketHints = {}): MarketSource {
  let loaded: Promise<ParsedOhlcv[]> | null = null;
  const load = () => {
    loaded ??= (async () => {
      const out: ParsedOhlcv[] = [];
      for (const f of await expandPaths(paths)) {
        const p = parseMarketFile(await readFile(f, 'utf8'), f, hints);
        if (p.kind === 'ohlcv') out.push(p);
      }
      return out;
    })();
    return loaded;
  };
  return {
    name: 'csv',
    get venues() {
      return [];
    },
    async *fetchBars(market: MarketRef, interval: Interval, range, options = {}) {
      const files = (await load()).filter(
        (f) => f.venue === market.venue && f.symbol === market.symbol && f.interval === interval,
      );
      const seen = new Map<number, Bar>();
      for (const f of files)
        for (const b of columnsToBars(f))
          if (b.openTime >= range.from && b.openTime < range.to) seen.set(b.openTime, b);
      const bars = [...seen.values()].sort((a, b) => a.openTime - b.openTime);
      for (let i = 0; i < bars.length; i += CSV_BATCH_BARS) {
        if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
        yield bars.slice(i, i + CSV_BATCH_BARS);
      }
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    },
    watch() {
      throw new Error('the csv source has no live feed: use a replay (sextant serve --replay DIR)');
    },
    async close() {},
  };
}
