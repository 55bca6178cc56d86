import type { Bus } from '../bus/index.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Shutdown } from './shutdown.js';

/** The dependency bag every service factory receives (after ponder's `common`). */
export type Common = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  bus: Bus;
  shutdown: Shutdown;
  /** Process start (ms since epoch), for uptime. */
  startedAt: number;
  /** `startedAt` as an ISO string. */
  startedAtIso: string;
  version: string;
};

/** How fresh one dataset is; domains register a probe and `/v1/status` lists them. */
export type FreshnessProbe = () => { dataset: string; lastUpdatedAt: string | null; stale: boolean };
