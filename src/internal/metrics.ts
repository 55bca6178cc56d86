import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one server instance (its own registry: tests run several per process). */
export type Metrics = {
  registry: Registry;
  /** Observe one finished HTTP request. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  inFlight: Gauge;
  rateLimited: Counter<'reason'>;
};

// Buckets in seconds: sub-millisecond resolution for a fast API, up to 10 s for slow backfills.
const HTTP_DURATION_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_DURATION_BUCKETS_S,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being served',
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'http_requests_rate_limited_total',
    help: 'Requests refused by a rate limit or quota',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Label-set lookups hash the labels on every call; keep one child per (method, route, status).
  const children = new Map<string, ReturnType<typeof duration.labels>>();
  return {
    registry,
    inFlight,
    rateLimited,
    observeRequest(method, route, status, seconds) {
      const k = `${method} ${status} ${route}`;
      let child = children.get(k);
      if (child === undefined) {
        child = duration.labels(method, route, String(status));
        children.set(k, child);
      }
      child.observe(seconds);
    },
  };
}
