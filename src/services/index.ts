export { type OpenServicesOptions, openServices, type Services } from './services.js';
