import type { Db } from '../db/index.js';
import { alignTime } from './candles.js';
import type { MarketResolver } from './importer.js';
import { barsToColumns, type CandleStore, writeBars } from './store.js';
import { INTERVAL_MS, type Interval, type MarketRef, type MarketSource } from './types.js';

export type GapFillResult = {
  market: MarketRef;
  interval: Interval;
  /** Ranges asked from the source. */
  gaps: { from: number; to: number }[];
  fetched: number;
  inserted: number;
};

/**
 * Find what is missing of one market's bars in [from, to) — holes between stored bars, the
 * stretch after the newest stored bar, or everything when nothing is stored — and fetch exactly
 * those ranges from the source. Writes are idempotent, so running it twice is harmless.
 */
export async function fillGaps(
  deps: { db: Db; store: CandleStore; source: MarketSource; resolveMarket: MarketResolver },
  market: MarketRef,
  interval: Interval,
  range: { from: number; to: number },
  options: { signal?: AbortSignal; now?: number; onBatch?(bars: number): void } = {},
): Promise<GapFillResult> {
  const step = INTERVAL_MS[interval];
  const m = deps.resolveMarket(market.venue, market.symbol);
  if (!m) throw new Error(`unknown market ${market.symbol} on ${market.venue}`);
  const key = { ...market, interval };
  const now = options.now ?? Date.now();
  // Only closed bars can be complete: stop at the open bar.
  const end = Math.min(range.to, alignTime(now, interval));
  const from = alignTime(range.from, interval);
  const gaps: { from: number; to: number }[] = [];
  if (from < end) {
    const first = (await deps.store.bars(key, { from, to: end }, 1))[0];
    const last = await deps.store.latest(key, end - 1);
    if (!first || !last || last.openTime < from) gaps.push({ from, to: end });
    else {
      if (first.openTime > from) gaps.push({ from, to: first.openTime });
      for (const g of await deps.store.gaps(key, { from, to: end })) gaps.push({ from: g.from, to: g.to });
      if (last.openTime + step < end) gaps.push({ from: last.openTime + step, to: end });
    }
  }
  let fetched = 0;
  let inserted = 0;
  for (const g of gaps) {
    for await (const batch of deps.source.fetchBars(
      market,
      interval,
      g,
      options.signal ? { signal: options.signal } : {},
    )) {
      fetched += batch.length;
      const w = await deps.db.transaction((tx) =>
        writeBars(tx, { ...key, assetId: m.assetId, quote: m.quote }, barsToColumns(batch), now),
      );
      inserted += w.inserted;
      options.onBatch?.(batch.length);
    }
  }
  return { market, interval, gaps, fetched, inserted };
}
