import { Redis } from 'ioredis';

const REDIS_CONNECT_TIMEOUT_MS = 5_000;
const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/**
 * Connect to Redis and wait until it answers. Commands fail fast (no offline queue growth) when
 * the connection drops; ioredis reconnects in the background.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
  });
  // Without a listener, a connection error event would crash the process.
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis: ${(err as Error).message}`, { cause: err });
  }
  return redis;
}
