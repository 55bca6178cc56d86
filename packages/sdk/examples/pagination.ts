import { createSextantClient } from '@sextant/sdk';

const sx = createSextantClient({ baseUrl: process.env.SEXTANT_URL ?? 'http://127.0.0.1:8080' });

// Every 1h bar of 1–3 January 2024, 24 per request: `items` follows `nextCursor` page by page
// and yields the rows of each page's `bars`. (`sx.pages(…)` yields whole pages instead.)
let count = 0;
let high = 0;
for await (const bar of sx.items('/v1/ohlcv', 'bars', {
  params: {
    query: {
      asset: 'bitcoin',
      interval: '1h',
      from: '2024-01-01T00:00:00Z',
      to: '2024-01-04T00:00:00Z',
      limit: 24,
    },
  },
})) {
  count++;
  high = Math.max(high, bar.high);
}
console.log(`${count} bars, highest ${high}`);
