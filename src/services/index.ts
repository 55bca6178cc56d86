export { createMarketResolver, type OpenServicesOptions, openServices, type Services } from './services.js';
