export { type CounterStore, createMemoryCounterStore, createRedisCounterStore } from './store.js';
