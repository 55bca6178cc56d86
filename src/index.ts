/** Sextant's public library entry. */
export { type App, type BuildAppOptions, buildApp, type RunningServer, startServer } from './api/index.js';
export { type Config, loadConfig } from './internal/config.js';
export * from './internal/errors.js';
export { OPERATIONS, type Operation } from './operations/index.js';
export { openServices, type Services } from './services/index.js';
