// Baseline server for bench/http/run.mjs: a bare Fastify 5 app with a single
// `GET /v1/status` route that returns a fixed JSON object (the body Sextant's
// /v1/status actually returned, captured by run.mjs), logger off, no plugins,
// no auth, no rate limit, no response schema (plain JSON.stringify).
//
// Usage: node bench/http/bare-fastify.mjs --port 3000 [--host 127.0.0.1] [--body body.json]

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    body: { type: 'string' },
  },
});

const body = values.body
  ? JSON.parse(readFileSync(values.body, 'utf8'))
  : { status: 'ok', service: 'sextant', version: '0.0.0' };

const app = Fastify({ logger: false });

app.get('/v1/status', async () => body);

const shutdown = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

await app.listen({ port: Number(values.port), host: values.host });
process.stdout.write(`bare-fastify listening on http://${values.host}:${values.port}\n`);
