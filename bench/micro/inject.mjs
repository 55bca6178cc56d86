// Per-request CPU cost of the API stack without the network: the same request through
// Fastify's inject() for (a) a bare Fastify route and (b) Sextant's authenticated, rate-limited,
// logged GET /v1/status. Usage: node bench/micro/inject.mjs [iterations]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { buildApp } from '../../dist/api/app.js';
import { loadConfig } from '../../dist/internal/config.js';
import { createLogger } from '../../dist/internal/logger.js';
import { openServices } from '../../dist/services/index.js';

const N = Number(process.argv[2] ?? 30000);
const sink = new Writable({ write: (_c, _e, cb) => cb() });

async function time(label, fn) {
  for (let i = 0; i < 2000; i++) await fn(); // warm up the JIT
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  const us = Number(process.hrtime.bigint() - t) / 1e3 / N;
  console.log(`${label.padEnd(28)} ${us.toFixed(2)} us/request`);
  return us;
}

const bare = Fastify();
bare.get('/v1/status', () => ({ name: 'sextant', version: '0.1.0', uptimeSeconds: 1 }));
await bare.ready();

const dir = mkdtempSync(join(tmpdir(), 'sextant-micro-'));
const config = loadConfig({
  env: {
    SEXTANT_DATA_DIR: dir,
    TIER_ENTERPRISE_RPM: '1000000000',
    ...(process.env.MICRO_ENV ? JSON.parse(process.env.MICRO_ENV) : {}),
  },
});
const services = await openServices(config, {
  logger: createLogger({ level: config.logLevel, destination: sink }),
});
const app = await buildApp(services);
const key = await services.keys.create({ name: 'micro', tier: 'enterprise' });
const headers = { 'x-api-key': key.secret };

const b = await time('bare fastify', () => bare.inject({ method: 'GET', url: '/v1/status' }));
const h = await time('sextant /healthz', () => app.inject({ method: 'GET', url: '/healthz' }));
const s = await time('sextant /v1/status (key)', () =>
  app.inject({ method: 'GET', url: '/v1/status', headers }),
);
console.log(`ratio status/bare: ${(s / b).toFixed(2)}  healthz/bare: ${(h / b).toFixed(2)}`);
await app.close();
await services.close();
rmSync(dir, { recursive: true, force: true });
