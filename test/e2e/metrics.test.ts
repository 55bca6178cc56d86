import { describe, expect, it } from 'vitest';
import { startTestServer, stopTestServer } from '../helpers.js';

describe('/metrics protection', () => {
  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-0123456789';
    const s = await startTestServer({ METRICS_TOKEN: token });
    try {
      const anon = await fetch(`${s.url}/metrics`);
      expect(anon.status).toBe(401);
      expect(anon.headers.get('content-type')).toContain('application/problem+json');
      const ok = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('http_request_duration_seconds');
    } finally {
      await stopTestServer(s);
    }
  });

  it('serves metrics only on METRICS_PORT when set', async () => {
    // METRICS_PORT=0 means "the API port"; pick a free port for the separate listener.
    const net = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const t = await startTestServer({ METRICS_PORT: String(port) });
    try {
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
      expect(t.metricsUrl).toBe(`http://127.0.0.1:${port}/metrics`);
      const res = await fetch(t.metricsUrl);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('http_requests_in_flight');
    } finally {
      await stopTestServer(t);
    }
  });
});
