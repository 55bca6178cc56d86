import type { HubUpdate } from './streamHub.js';

/** A connection's queue of updates not yet handed to its transport. */
export type Outbox = {
  /** Queue an update of `bytes` bytes (written this event-loop turn). */
  push(u: HubUpdate, bytes: number): void;
  /** Hand everything queued to the transport now (before a control message, say). */
  flush(): void;
  /** Drop everything queued (the connection is being closed as too slow). */
  clear(): void;
  /** Backlog as the hub should judge it (see createOutbox). */
  bufferedBytes(): number;
  /** Bytes queued and not yet handed to the transport. */
  readonly queuedBytes: number;
};

/**
 * One write per connection per event-loop turn: updates queue here and are written together
 * when the turn ends (`schedule`, a shared setImmediate), or as soon as `highWaterBytes` are
 * queued. When updates arrive in bursts (a Redis read, a lagging loop) a client then costs one
 * syscall per turn instead of one per update, so the cost drops exactly when load peaks.
 *
 * Congestion is judged on what earlier turns left unsent: within a turn the hub sees the
 * transport's backlog as it was when the turn's first update arrived, so a burst that the
 * consumer had no chance to read yet (the process was busy sending it) is not mistaken for a
 * slow consumer. A burst past `maxBufferedBytes` in one turn still counts, keeping memory bounded.
 */
export function createOutbox(
  transportBuffered: () => number,
  write: (batch: HubUpdate[]) => void,
  schedule: (endTurn: () => void) => void,
  limits: { highWaterBytes: number; maxBufferedBytes: number },
): Outbox {
  let queue: HubUpdate[] = [];
  let queuedBytes = 0;
  let inTurn = false;
  let turnBacklog = 0;
  let turnBytes = 0;
  const flush = (): void => {
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    queuedBytes = 0;
    write(batch);
  };
  const endTurn = (): void => {
    flush();
    inTurn = false;
    turnBytes = 0;
  };
  return {
    push(u, bytes) {
      if (!inTurn) {
        inTurn = true;
        turnBacklog = transportBuffered();
        schedule(endTurn);
      }
      queue.push(u);
      queuedBytes += bytes;
      turnBytes += bytes;
      if (queuedBytes >= limits.highWaterBytes) flush();
    },
    flush,
    clear() {
      queue = [];
      queuedBytes = 0;
    },
    bufferedBytes() {
      if (!inTurn) return transportBuffered();
      return turnBacklog + (turnBytes >= limits.maxBufferedBytes ? turnBytes : 0);
    },
    get queuedBytes() {
      return queuedBytes;
    },
  };
}
