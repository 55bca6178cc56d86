export { type Bus, createMemoryBus, createRedisBus } from './bus.js';
