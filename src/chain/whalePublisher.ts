import { createHash } from 'node:crypto';
import type { Bus } from '../bus/index.js';
import type { Queryable } from '../db/index.js';
import type { Logger } from '../internal/logger.js';
import {
  type TransferToValue,
  valueWhaleTransfers,
  type WhaleDeps,
  type WhaleTransfer,
} from './insights/whales.js';
import type { ChainBatch } from './store/chainStore.js';

/** Bus topic of live whale transfers (the stream's `whales` channel and `chain.whale_transfer` webhooks). */
export const CHAIN_WHALE_TOPIC = 'chain.whale_transfer';

/**
 * Only transfers this close to the head are pushed: a historical sync catching up over months of
 * blocks would otherwise flood every stream and webhook with old news. The REST endpoint
 * (`/v1/chains/{id}/whales`) lists them all.
 */
export const WHALE_PUSH_MIN_WINDOW_BLOCKS = 256;

/**
 * A whale transfer as pushed: the REST answer's fields, plus the chain, the block hash (a
 * transfer is identified by its block hash and log index: after a reorg the same position on the
 * new branch is another transfer) and `removed`: true when a reorg dropped a transfer pushed
 * before (the same fields, under a new event id).
 */
export type WhaleTransferEvent = WhaleTransfer & {
  /** Event id, the same in every process: `evt_…` (the webhook id). */
  id: string;
  chainId: number;
  blockHash: string;
  removed: boolean;
  /** Whether the block was already `finality` blocks deep when pushed (it cannot be removed then, short of a deep reorg). */
  final: boolean;
  /** When the indexer pushed it, ms. */
  pushedAt: number;
};

/** The event id of a whale transfer (or of its removal): stable across processes and restarts. */
export function whaleEventId(chainId: number, blockHash: string, logIndex: number, removed: boolean): string {
  const h = createHash('sha256')
    .update(`${chainId}|${blockHash}|${logIndex}${removed ? '|removed' : ''}`)
    .digest('hex');
  return `evt_${h.slice(0, 32)}`;
}

/** Shape check for a bus message (other processes publish on the same Redis topic). */
export function isWhaleTransferEvent(m: unknown): m is WhaleTransferEvent {
  if (typeof m !== 'object' || m === null) return false;
  const e = m as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.chainId === 'number' &&
    Number.isSafeInteger(e.chainId) &&
    typeof e.blockHash === 'string' &&
    typeof e.block === 'string' &&
    typeof e.logIndex === 'number' &&
    typeof e.token === 'string' &&
    typeof e.asset === 'string' &&
    typeof e.usd === 'number' &&
    typeof e.removed === 'boolean'
  );
}

export type WhalePublisherOptions = {
  chainId: number;
  db: Queryable;
  bus: Pick<Bus, 'publish'>;
  deps: WhaleDeps;
  /** Transfers worth at least this much (USD at block time) are pushed. */
  minUsd: number;
  finality: number;
  logger: Logger;
  now?: () => number;
};

/** The indexer's hooks that push whale transfers; see `createWhalePublisher`. */
export type WhalePublisher = {
  /** After a batch committed: value its ERC-20 transfers near the head, publish the large ones. */
  onCommit(batch: ChainBatch, head: bigint): Promise<void>;
  /** After a rollback to `ancestor`: publish a `removed` copy of every pushed transfer above it. */
  onRollback(ancestor: bigint): void;
  /** Pushed events still in the unfinalized window (tests). */
  readonly pending: number;
};

/**
 * Live whale transfers. After each committed batch, the ERC-20 transfers in blocks within
 * `max(256, 2·finality)` blocks of the head are valued at block time (the same valuation as the
 * REST endpoint) and those worth at least `minUsd` are published on `chain.whale_transfer`, in
 * chain order. Reorgs: transfers are pushed as soon as committed (not only once final), and each
 * pushed one is remembered while its block could still be reorganized; when a rollback removes
 * it, a copy with `removed: true` (and its own event id) is published. What a process pushed is
 * remembered in memory only: a transfer pushed before a restart and reorganized away after it
 * gets no `removed` event (consumers that need certainty wait for `final` or `finality` blocks).
 */
export function createWhalePublisher(o: WhalePublisherOptions): WhalePublisher {
  const now = o.now ?? Date.now;
  const finality = BigInt(o.finality);
  const window = BigInt(Math.max(WHALE_PUSH_MIN_WINDOW_BLOCKS, 2 * o.finality));
  const log = o.logger.child({ chainId: o.chainId });
  // Pushed events by block, while a reorg could still remove them.
  const pushed = new Map<bigint, WhaleTransferEvent[]>();

  return {
    async onCommit(batch, head) {
      const from = head - window;
      const transfers = batch.decoded.erc20Transfers.filter((t) => t.blockNumber >= from);
      if (transfers.length > 0) {
        const blocks = new Map(batch.blocks.map((b) => [b.number, b]));
        const candidates: TransferToValue[] = [];
        for (const t of transfers) {
          const b = blocks.get(t.blockNumber);
          if (!b) continue; // every block with logs has its header in the batch
          candidates.push({
            blockNumber: t.blockNumber,
            blockHash: b.hash,
            timestamp: Number(b.timestamp),
            logIndex: t.logIndex,
            txHash: t.txHash,
            token: t.token,
            from: t.from,
            to: t.to,
            value: t.value,
          });
        }
        candidates.sort((x, y) =>
          x.blockNumber === y.blockNumber ? x.logIndex - y.logIndex : x.blockNumber < y.blockNumber ? -1 : 1,
        );
        const whales = await valueWhaleTransfers(o.db, o.chainId, candidates, o.minUsd, o.deps);
        const at = now();
        for (const w of whales) {
          const block = BigInt(w.block);
          const e: WhaleTransferEvent = {
            id: whaleEventId(o.chainId, w.blockHash, w.logIndex, false),
            chainId: o.chainId,
            ...w,
            removed: false,
            final: block <= head - finality,
            pushedAt: at,
          };
          o.bus.publish(CHAIN_WHALE_TOPIC, e);
          if (block >= head - 2n * finality - 64n) {
            const list = pushed.get(block) ?? [];
            list.push(e);
            pushed.set(block, list);
          }
        }
        if (whales.length > 0) log.debug({ count: whales.length }, 'whale transfers pushed');
      }
      // Forget what is below the headers the indexer keeps: it cannot roll back further.
      const keepFrom = head - 2n * finality - 64n;
      for (const b of pushed.keys()) if (b < keepFrom) pushed.delete(b);
    },

    onRollback(ancestor) {
      const blocks = [...pushed.keys()].filter((b) => b > ancestor).sort((x, y) => (x < y ? -1 : 1));
      const at = now();
      for (const b of blocks) {
        for (const e of pushed.get(b)!)
          o.bus.publish(CHAIN_WHALE_TOPIC, {
            ...e,
            id: whaleEventId(e.chainId, e.blockHash, e.logIndex, true),
            removed: true,
            pushedAt: at,
          } satisfies WhaleTransferEvent);
        pushed.delete(b);
      }
    },

    get pending() {
      let n = 0;
      for (const l of pushed.values()) n += l.length;
      return n;
    },
  };
}
