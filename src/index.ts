/** Sextant's public library entry. */
export { type App, type BuildAppOptions, buildApp } from './api/app.js';
export { type RunningServer, startServer } from './api/server.js';
export { type Config, loadConfig } from './internal/config.js';
export * from './internal/errors.js';
export { OPERATIONS, type Operation } from './operations/index.js';
export { openServices, type Services } from './services/index.js';
