import type { Redis } from 'ioredis';

/** Publish/subscribe between parts of one process, or across processes through Redis. */
export type Bus = {
  readonly kind: 'memory' | 'redis';
  publish(topic: string, message: unknown): void;
  /** Returns an unsubscribe function. */
  subscribe(topic: string, handler: (message: unknown) => void): () => void;
  close(): Promise<void>;
};

function createLocal() {
  const handlers = new Map<string, Set<(m: unknown) => void>>();
  return {
    handlers,
    deliver(topic: string, message: unknown) {
      for (const h of handlers.get(topic) ?? []) {
        try {
          h(message);
        } catch {
          // One failing subscriber must not stop delivery to the others.
        }
      }
    },
    add(topic: string, handler: (m: unknown) => void) {
      let set = handlers.get(topic);
      if (!set) {
        set = new Set();
        handlers.set(topic, set);
      }
      set.add(handler);
      return set.size === 1;
    },
    remove(topic: string, handler: (m: unknown) => void) {
      const set = handlers.get(topic);
      set?.delete(handler);
      if (set && set.size === 0) {
        handlers.delete(topic);
        return true;
      }
      return false;
    },
  };
}

/** The in-process bus (single server). */
export function createMemoryBus(): Bus {
  const local = createLocal();
  return {
    kind: 'memory',
    publish: (topic, message) => queueMicrotask(() => local.deliver(topic, message)),
    subscribe(topic, handler) {
      local.add(topic, handler);
      return () => local.remove(topic, handler);
    },
    async close() {
      local.handlers.clear();
    },
  };
}

/**
 * A bus over Redis pub/sub: every process sharing the Redis (and prefix) receives every message,
 * including the publisher itself. Messages are JSON.
 */
export function createRedisBus(publisher: Redis, prefix: string): Bus {
  // No ready check on the subscriber: ioredis's INFO check can race the SUBSCRIBE commands and
  // fail in subscriber mode, leaving the connection without its channels (seen ~1 start in 4).
  const subscriber = publisher.duplicate({ enableReadyCheck: false });
  subscriber.on('error', () => {});
  const local = createLocal();
  subscriber.on('message', (channel: string, raw: string) => {
    if (!channel.startsWith(prefix)) return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    local.deliver(channel.slice(prefix.length), message);
  });
  return {
    kind: 'redis',
    publish(topic, message) {
      publisher.publish(prefix + topic, JSON.stringify(message)).catch(() => {});
    },
    subscribe(topic, handler) {
      if (local.add(topic, handler)) subscriber.subscribe(prefix + topic).catch(() => {});
      return () => {
        if (local.remove(topic, handler)) subscriber.unsubscribe(prefix + topic).catch(() => {});
      };
    },
    async close() {
      local.handlers.clear();
      subscriber.disconnect();
    },
  };
}
