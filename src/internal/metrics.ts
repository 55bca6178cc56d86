import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of one server instance (its own registry: tests run several per process). */
export type Metrics = {
  registry: Registry;
  /** Observe one finished HTTP request. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** A request started / ended (the in-flight gauge reads the difference when scraped). */
  requestStarted(): void;
  requestEnded(): void;
  rateLimited: Counter<'reason'>;
  /** The whole exposition (Prometheus text format). */
  text(): Promise<string>;
  contentType: string;
};

// Buckets in seconds: sub-millisecond resolution for a fast API, up to 10 s for slow backfills.
const HTTP_DURATION_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const HTTP_DURATION_NAME = 'http_request_duration_seconds';

type Series = { labels: string; counts: Float64Array; sum: number; count: number };

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The request-duration histogram, kept outside prom-client: its observe path hashes the label
 * set on every call and cost ~4 µs per request on the benchmark; this one is an array update.
 */
function createDurationHistogram() {
  // route → status → method → series
  const series = new Map<string, Map<number, Map<string, Series>>>();
  const all: Series[] = [];
  return {
    observe(method: string, route: string, status: number, seconds: number) {
      let byStatus = series.get(route);
      if (byStatus === undefined) {
        byStatus = new Map();
        series.set(route, byStatus);
      }
      let byMethod = byStatus.get(status);
      if (byMethod === undefined) {
        byMethod = new Map();
        byStatus.set(status, byMethod);
      }
      let s = byMethod.get(method);
      if (s === undefined) {
        s = {
          labels: `method="${escapeLabel(method)}",route="${escapeLabel(route)}",status_code="${status}"`,
          counts: new Float64Array(HTTP_DURATION_BUCKETS_S.length),
          sum: 0,
          count: 0,
        };
        byMethod.set(method, s);
        all.push(s);
      }
      // Non-cumulative bucket counts; cumulated when exposed.
      let i = 0;
      while (i < HTTP_DURATION_BUCKETS_S.length && seconds > HTTP_DURATION_BUCKETS_S[i]!) i++;
      if (i < HTTP_DURATION_BUCKETS_S.length) s.counts[i]! += 1;
      s.sum += seconds;
      s.count += 1;
    },
    text(): string {
      const lines = [
        `# HELP ${HTTP_DURATION_NAME} HTTP request duration by method, route template and status`,
        `# TYPE ${HTTP_DURATION_NAME} histogram`,
      ];
      for (const s of all) {
        let cum = 0;
        for (let i = 0; i < HTTP_DURATION_BUCKETS_S.length; i++) {
          cum += s.counts[i]!;
          lines.push(`${HTTP_DURATION_NAME}_bucket{le="${HTTP_DURATION_BUCKETS_S[i]}",${s.labels}} ${cum}`);
        }
        lines.push(`${HTTP_DURATION_NAME}_bucket{le="+Inf",${s.labels}} ${s.count}`);
        lines.push(`${HTTP_DURATION_NAME}_sum{${s.labels}} ${s.sum}`);
        lines.push(`${HTTP_DURATION_NAME}_count{${s.labels}} ${s.count}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = createDurationHistogram();
  let inFlight = 0;
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being served',
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });
  const rateLimited = new Counter({
    name: 'http_requests_rate_limited_total',
    help: 'Requests refused by a rate limit or quota',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return {
    registry,
    requestStarted() {
      inFlight++;
    },
    requestEnded() {
      inFlight--;
    },
    rateLimited,
    observeRequest: duration.observe,
    contentType: registry.contentType,
    async text() {
      return `${await registry.metrics()}\n${duration.text()}`;
    },
  };
}
