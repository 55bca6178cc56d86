import { createSextantClient, SextantApiError } from '@sextant/sdk';

const sx = createSextantClient({
  baseUrl: process.env.SEXTANT_URL ?? 'http://127.0.0.1:8080',
  // Optional: without a key, public endpoints answer at the anonymous per-IP limit.
  apiKey: process.env.SEXTANT_API_KEY,
  // 429 and 503 answers are retried (honouring Retry-After) up to 3 times.
  retries: 3,
});

// Typed paths, parameters and answers: `interval` only takes '1m' … '1d', `bars` is typed.
const ohlcv = await sx.get('/v1/ohlcv', {
  params: { query: { asset: 'bitcoin', interval: '1h', from: '2024-01-01T00:00:00Z', limit: 3 } },
});
for (const bar of ohlcv.bars) console.log(bar.time, bar.close);

// A non-2xx answer throws SextantApiError with the problem document's fields.
try {
  await sx.get('/v1/assets/{id}', { params: { path: { id: 'no-such-coin' } } });
} catch (err) {
  if (!(err instanceof SextantApiError)) throw err;
  console.log(err.status, err.code, err.detail);
}
