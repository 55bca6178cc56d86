import { createSextantClient } from '@sextant/sdk';

const sx = createSextantClient({
  baseUrl: process.env.SEXTANT_URL ?? 'http://127.0.0.1:8080',
  apiKey: process.env.SEXTANT_API_KEY,
});

// A WebSocket stream (`sx.stream({ transport: 'sse' })` for Server-Sent Events). When the
// connection drops it reconnects with backoff and subscribes again to everything it had.
const stream = sx.stream();
stream.on('reconnecting', ({ attempt, delayMs, reason }) =>
  console.error(`reconnecting #${attempt} in ${delayMs} ms: ${reason}`),
);
await stream.subscribe({ channel: 'prices', assets: ['bitcoin'] });

let received = 0;
for await (const message of stream) {
  if (message.type === 'price') console.log(message.data.asset, message.data.price);
  if (++received === 3) break;
}
await stream.close();
