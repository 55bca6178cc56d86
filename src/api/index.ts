export { AdminCallError, type AdminMethod, adminSocketPathFor, callAdmin } from './admin.js';
export { type App, type BuildAppOptions, buildApp } from './app.js';
export { type RunningServer, type StartServerOptions, startServer } from './server.js';
