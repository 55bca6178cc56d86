import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../../internal/logger.js';
import { decodeLogs, INDEXED_TOPICS } from '../derive/decodeLogs.js';
import type { NewHeadSource } from '../rpc/index.js';
import {
  type AllowanceRead,
  type BlockRow,
  type ChainBatch,
  type ChainStore,
  type Checkpoint,
  CheckpointConflictError,
  type ContractCreation,
  LeaseLostError,
  type NativeTransfer,
  type PreparedBatch,
  type TokenMeta,
} from '../store/chainStore.js';
import { readAllowance, tokenMetadata } from './tokenCalls.js';
import type { IndexerBlock, IndexerRpc } from './types.js';

export type ChainIndexerOptions = {
  chainId: number;
  rpc: IndexerRpc;
  store: ChainStore;
  logger: Logger;
  /** Blocks after which a block is final: reorgs deeper than this are reported as errors. */
  finality: number;
  /** First block to index when there is no checkpoint. */
  startBlock: bigint;
  /**
   * Read every block with its transactions (block table complete, native transfers, contract
   * creations by transactions). Off: only blocks that carry logs, and the unfinalized tail.
   */
  fullBlocks: boolean;
  /** Native transfers of these addresses (lowercase); '*' for all (full blocks only). */
  nativeAddresses?: ReadonlySet<string> | '*';
  /** Most blocks committed in one batch (default 2000). */
  maxBatchBlocks?: number;
  /**
   * A range that returned more logs than this is written in several batches, cut at block
   * boundaries (a block is never split), so that decoding one overlaps writing the other
   * (default 20,000).
   */
  maxBatchLogs?: number;
  /** Poll for new heads this often once caught up (default 1000 ms). */
  pollMs?: number;
  /**
   * New-head notifications that cut the poll short (`run()` opens them when first caught up and
   * closes them when it stops); the poll remains the fallback.
   */
  newHeads?: () => NewHeadSource | null;
  /** Parallel block reads (default 8). */
  concurrency?: number;
  now?: () => number;
  /**
   * Called after each batch committed, with the head it was read against (live pushes: whale
   * transfers). Awaited, so hooks see batches in order; a hook that throws is logged, never retried.
   */
  onCommit?: (batch: ChainBatch, head: bigint) => Promise<void>;
  /** Called after a reorg was rolled back to `ancestor` (removals of what was pushed). */
  onRollback?: (ancestor: bigint) => void;
  /** How long the chain's lease lasts without a write renewing it (default 30 s). */
  leaseMs?: number;
  /** This indexer's name as lease holder (default `host:pid:random`; a dead local pid's lease is taken over). */
  holder?: string;
  /** Called after each committed batch (progress bars, tests). */
  onProgress?: (p: { chainId: number; block: bigint; head: bigint; logs: number; blocks: number }) => void;
};

export type SyncResult =
  | { from: bigint; to: bigint; head: bigint; logs: number }
  | { reorg: bigint }
  /** Another process holds the chain's lease (or took it during this step): nothing was written. */
  | { standby: string }
  | null;

export type ChainIndexer = {
  /**
   * One step: take or renew the chain's lease (standby if another process holds it), then roll
   * back a reorg if the chain no longer has our checkpoint block, else index the next range up to
   * the head (committed per log chunk, each write fenced by the lease). Null when caught up.
   */
  syncOnce(): Promise<SyncResult>;
  /** Sync until caught up, then follow the head until `stop()`; holds the chain's lease. */
  run(): Promise<void>;
  /** Stop `run()` and give the lease up. */
  stop(): Promise<void>;
  /** Give the lease up now (after `syncOnce` steps), so another process can take over at once. */
  release(): Promise<void>;
  /** This indexer's lease holder name. */
  readonly holder: string;
};

/** Thrown (and logged as an error) when a reorg is deeper than the chain's finality depth. */
export class DeepReorgError extends Error {}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const LEASE_MS = 30_000;
/** Logs per written batch before a range is cut (see `maxBatchLogs`). */
const MAX_BATCH_LOGS = 20_000;

/** What a step's pieces, written or not yet, tell the pieces after them. */
type StepCarry = {
  /** Newest allowance per `token|owner|spender` from events and reads of this step. */
  allowances: Map<string, bigint>;
  /** Tokens met in this step (their metadata is read once, by the first piece). */
  tokens: Set<string>;
};

/** Logs of blocks [fromBlock, toBlock], in chain order. */
type LogRange<L> = { fromBlock: bigint; toBlock: bigint; logs: readonly L[] };

/**
 * Cut a range of logs into pieces of at most `maxLogs` logs at block boundaries (a block with more
 * logs than that is a piece of its own). The pieces are contiguous and cover the range; the last
 * one ends at the range's last block.
 * @example splitChunk({ fromBlock: 1n, toBlock: 9n, logs }, 20_000)
 */
export function splitChunk<L extends { blockNumber: bigint }>(
  range: { fromBlock: bigint; toBlock: bigint; logs: readonly L[] },
  maxLogs: number,
): LogRange<L>[] {
  const { logs } = range;
  const out: LogRange<L>[] = [];
  let from = range.fromBlock;
  let start = 0;
  let i = 0;
  while (i < logs.length) {
    const block = logs[i]!.blockNumber;
    let end = i;
    while (end < logs.length && logs[end]!.blockNumber === block) end++;
    // This block would overflow the piece: the piece ends with the block before.
    if (end - start > maxLogs && i > start) {
      const last = logs[i - 1]!.blockNumber;
      out.push({ fromBlock: from, toBlock: last, logs: logs.slice(start, i) });
      from = last + 1n;
      start = i;
    }
    i = end;
  }
  out.push({ fromBlock: from, toBlock: range.toBlock, logs: start === 0 ? logs : logs.slice(start) });
  return out;
}

/** Whether a lease holder named `host:pid:…` is a process of this host that no longer runs. */
function deadLocalHolder(holder: string): boolean {
  const [host, pidText] = holder.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Iterate `source` one item ahead: the next item is being fetched while the caller works on this
 * one. Leaving the loop early waits for the fetch in flight (its error, if any, is dropped) and
 * closes the source.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  let done = false;
  try {
    for (;;) {
      const r = await next;
      if (r.done) {
        done = true;
        return;
      }
      next = it.next();
      // Awaited on the next turn of the loop; if the caller stops first, dropped below.
      next.catch(() => {});
      yield r.value;
    }
  } finally {
    if (!done) {
      await next.catch(() => {});
      await it.return?.();
    }
  }
}

/**
 * The EVM indexer of one chain. Historical and realtime sync are the same loop: logs over
 * adaptive ranges, the block headers they need (every header in the unfinalized tail, to check
 * parent hashes), decoded into transfers and approvals, and written with the checkpoint in one
 * transaction per chunk, so a SIGKILL at any point resumes from the last commit and converges to
 * the same database. Before each step the checkpoint block's hash is compared with the chain's:
 * on a mismatch the common ancestor is found among the stored headers and everything above it is
 * rolled back (balances included) before indexing the new branch.
 */
export function createChainIndexer(o: ChainIndexerOptions): ChainIndexer {
  const { chainId, rpc, store } = o;
  const now = o.now ?? Date.now;
  const maxBatch = BigInt(o.maxBatchBlocks ?? 2000);
  const maxBatchLogs = Math.max(1, o.maxBatchLogs ?? MAX_BATCH_LOGS);
  const concurrency = o.concurrency ?? 8;
  const finality = BigInt(o.finality);
  const me = o.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = o.leaseMs ?? LEASE_MS;
  const fence = (previous: Checkpoint | null) => ({ holder: me, leaseMs, previous });
  const log = o.logger.child({ chainId });
  let stopping = false;
  let running: Promise<void> | null = null;
  let wakeStopped!: () => void;
  const stopped = new Promise<void>((r) => {
    wakeStopped = r;
  });
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      void stopped.then(() => clearTimeout(t));
    });
  let lastHead = -1n;

  async function findAncestor(from: bigint, head: bigint): Promise<bigint> {
    // Stored headers reach back at least `finality` blocks below the head they were read at.
    const low = from - 2n * finality - 64n;
    const stored = await store.blocks(chainId, low < 0n ? 0n : low, from);
    const byNumber = new Map(stored.map((b) => [b.number, b.hash]));
    for (let n = from; n >= 0n && n >= low; n--) {
      const ours = byNumber.get(n);
      if (ours === undefined) {
        // Not stored: a block we only passed through while it was already final.
        if (n < head - finality) return n;
        continue;
      }
      const theirs = await rpc.getBlock(n, false);
      if (theirs && theirs.hash === ours) return n;
    }
    throw new DeepReorgError(
      `chain ${chainId}: no common ancestor within ${from - low} blocks below ${from}`,
    );
  }

  /** Roll back from our block `at` (which the chain no longer has) to the common ancestor. */
  async function handleReorg(at: bigint, head: bigint): Promise<bigint> {
    const ancestor = await findAncestor(at, head);
    const depth = at - ancestor;
    if (depth > finality)
      log.error(
        { ancestor: ancestor.toString(), depth: depth.toString(), finality: o.finality },
        'reorg deeper than the finality depth: data thought final was rolled back',
      );
    else
      log.warn({ ancestor: ancestor.toString(), depth: depth.toString() }, 'chain reorganized: rolling back');
    await store.rollback(chainId, ancestor, now(), fence(null));
    try {
      o.onRollback?.(ancestor);
    } catch (err) {
      log.warn({ err }, 'rollback hook failed');
    }
    return ancestor;
  }

  async function readBlocks(numbers: readonly bigint[], full: boolean): Promise<Map<bigint, IndexerBlock>> {
    const blocks = await mapLimit(numbers, concurrency, async (n) => {
      const b = await rpc.getBlock(n, full);
      if (!b) throw new Error(`chain ${chainId}: the node has no block ${n} below its head`);
      return b;
    });
    return new Map(blocks.map((b) => [b.number, b]));
  }

  /** Take or renew the lease; the holder's name when another live process has it. */
  async function acquire(): Promise<string | null> {
    const t = now();
    if (await store.lease(chainId, me, t, leaseMs)) return null;
    const other = await store.leaseHolder(chainId);
    // A SIGKILLed process on this host: no need to wait for its lease to expire.
    if (
      other &&
      deadLocalHolder(other.holder) &&
      (await store.takeLease(chainId, other.holder, me, t, leaseMs))
    ) {
      log.info({ previous: other.holder }, 'took over the lease of a process that is gone');
      return null;
    }
    return other?.holder ?? 'unknown';
  }

  async function syncOnce(): Promise<SyncResult> {
    const holder = await acquire();
    if (holder !== null) return { standby: holder };
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof LeaseLostError || err instanceof CheckpointConflictError)) throw err;
      // Another process took the chain over mid-step: this step's write was refused whole.
      log.warn({ err: err.message }, 'lost the chain to another indexer: standing by');
      return { standby: (await store.leaseHolder(chainId))?.holder ?? 'unknown' };
    }
  }

  async function step(): Promise<SyncResult> {
    const head = await rpc.blockNumber();
    if (head < lastHead)
      log.warn({ head: head.toString(), previous: lastHead.toString() }, 'node head went backwards');
    lastHead = head;
    const stored = await store.checkpoint(chainId);
    const cp = stored ?? { block: o.startBlock - 1n, hash: null };
    // What the checkpoint is before each batch's compare-and-set.
    let expected: Checkpoint | null = stored;
    if (cp.hash !== null) {
      const b = await rpc.getBlock(cp.block, false);
      if (!b || b.hash !== cp.hash) {
        if (!b && head < cp.block) return null; // a node behind us: wait, never delete on its word
        return { reorg: await handleReorg(cp.block, head) };
      }
    }
    if (head <= cp.block) return null;
    const to = cp.block + maxBatch < head ? cp.block + maxBatch : head;
    const unfinalizedFrom = head - finality + 1n;
    let prev: { number: bigint; hash: string | null } = { number: cp.block, hash: cp.hash };
    let logsSeen = 0;
    // Writes are pipelined: piece k is laid out (decoded, allowances read, rows prepared) while
    // piece k-1 is being written; each write starts only once the previous one has committed, so
    // the checkpoint still moves batch by batch. What the uncommitted pieces of this step
    // contribute to later ones (allowances, tokens seen) is carried in memory.
    const carry: StepCarry = { allowances: new Map(), tokens: new Set() };
    let inflight: Promise<void> | null = null;
    const settle = async () => {
      const w = inflight;
      inflight = null;
      if (w) await w;
    };
    try {
      // One chunk ahead: the node serves the next range while this one is written.
      for await (const chunk of readAhead(
        rpc.getLogs({ fromBlock: cp.block + 1n, toBlock: to, topics: INDEXED_TOPICS }),
      )) {
        if (stopping) break;
        const pieces = splitChunk(chunk, maxBatchLogs);
        // The headers this chunk needs: blocks with logs, each piece's last block, and every block
        // of the unfinalized tail (to check parent hashes) or of the chunk (full-block mode).
        const need = new Set<bigint>(chunk.logs.map((l) => l.blockNumber));
        for (const p of pieces) need.add(p.toBlock);
        for (let n = chunk.fromBlock; n <= chunk.toBlock; n++)
          if (o.fullBlocks || n >= unfinalizedFrom) need.add(n);
        const numbers = [...need].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const blocks = await readBlocks(numbers, o.fullBlocks);
        // Parent-hash chain over consecutive headers, starting from the checkpoint's.
        for (const n of numbers) {
          const b = blocks.get(n)!;
          if (n === prev.number + 1n && prev.hash !== null && b.parentHash !== prev.hash) {
            await settle();
            return { reorg: await handleReorg(prev.number, head) };
          }
          prev = { number: n, hash: b.hash };
        }
        // Logs from a branch that has since been replaced: read again next step.
        if (
          chunk.logs.some((l) => l.blockHash !== undefined && l.blockHash !== blocks.get(l.blockNumber)?.hash)
        ) {
          log.warn(
            { from: chunk.fromBlock.toString() },
            'logs and headers disagree (reorg in flight): retrying',
          );
          await settle();
          return { reorg: cp.block };
        }
        for (const piece of pieces) {
          if (stopping) break;
          const decoded = decodeLogs(piece.logs);
          if (decoded.malformed > 0)
            log.debug({ malformed: decoded.malformed }, 'logs with a non-standard shape skipped');
          const inPiece = numbers.filter((n) => n >= piece.fromBlock && n <= piece.toBlock);
          const inPieceBlocks = new Map(inPiece.map((n) => [n, blocks.get(n)!]));
          const batch: ChainBatch = {
            blocks: inPiece.map((n) => headerRow(blocks.get(n)!)),
            decoded,
            allowanceReads: await allowanceReads(decoded, carry),
            nativeTransfers: o.fullBlocks ? nativeTransfers(inPieceBlocks) : [],
            contracts: o.fullBlocks ? await contractCreations(inPieceBlocks) : [],
            tokens: await newTokens(decoded, carry),
            checkpoint: { block: piece.toBlock, hash: blocks.get(piece.toBlock)!.hash },
          };
          const prepared = store.prepare(chainId, batch);
          await settle();
          const previous = expected;
          expected = batch.checkpoint;
          const w: Promise<void> = write(prepared, previous, head, piece.logs.length, inPiece.length);
          // Awaited by the next piece or at the end; until then a failure must not go unhandled.
          w.catch(() => {});
          inflight = w;
          logsSeen += piece.logs.length;
        }
      }
      await settle();
    } finally {
      // Leaving early (an error, a reorg found): the write in flight finishes or fails first.
      if (inflight) await (inflight as Promise<void>).catch(() => {});
    }
    // Without full blocks only the unfinalized tail (and blocks that carry data) need headers;
    // with them the block table is complete, as documented (gas, times of any block).
    const keepFrom = head - 2n * finality - 64n;
    if (!o.fullBlocks && keepFrom > 0n) await store.pruneBlocks(chainId, keepFrom);
    return { from: cp.block + 1n, to, head, logs: logsSeen };
  }

  /** Write one prepared piece, then run the commit hooks (in order: pieces are written one at a time). */
  async function write(
    prepared: PreparedBatch,
    previous: Checkpoint | null,
    head: bigint,
    logs: number,
    blockCount: number,
  ): Promise<void> {
    const { batch } = prepared;
    await store.apply(chainId, prepared, now(), fence(previous));
    if (o.onCommit) await o.onCommit(batch, head).catch((err) => log.warn({ err }, 'commit hook failed'));
    o.onProgress?.({ chainId, block: batch.checkpoint.block, head, logs, blocks: blockCount });
  }

  function headerRow(b: IndexerBlock): BlockRow {
    return {
      number: b.number,
      hash: b.hash,
      parentHash: b.parentHash,
      timestamp: b.timestamp,
      gasUsed: b.gasUsed,
      baseFee: b.baseFeePerGas,
      txCount: b.txCount,
    };
  }

  function nativeTransfers(blocks: Map<bigint, IndexerBlock>): NativeTransfer[] {
    const out: NativeTransfer[] = [];
    const wanted = o.nativeAddresses ?? new Set<string>();
    for (const b of blocks.values())
      for (const t of b.transactions ?? []) {
        if (t.value === 0n || t.to === null) continue;
        if (wanted !== '*' && !wanted.has(t.from) && !wanted.has(t.to)) continue;
        out.push({
          blockNumber: b.number,
          txIndex: t.transactionIndex,
          txHash: t.hash,
          from: t.from,
          to: t.to,
          value: t.value,
        });
      }
    return out;
  }

  async function contractCreations(blocks: Map<bigint, IndexerBlock>): Promise<ContractCreation[]> {
    const creations = [...blocks.values()].flatMap((b) =>
      (b.transactions ?? []).filter((t) => t.to === null).map((t) => ({ b, t })),
    );
    const out = await mapLimit(creations, concurrency, async ({ b, t }): Promise<ContractCreation | null> => {
      const address = await rpc.createdContract(t.hash);
      return address
        ? { address, blockNumber: b.number, createdAt: b.timestamp, txHash: t.hash, creator: t.from }
        : null;
    });
    return out.filter((c): c is ContractCreation => c !== null);
  }

  async function newTokens(decoded: ReturnType<typeof decodeLogs>, carry: StepCarry): Promise<TokenMeta[]> {
    const first = new Map<string, { standard: TokenMeta['standard']; block: bigint }>();
    const see = (token: string, standard: TokenMeta['standard'], block: bigint) => {
      if (!first.has(token)) first.set(token, { standard, block });
    };
    for (const t of decoded.erc20Transfers) see(t.token, 'erc20', t.blockNumber);
    for (const a of decoded.erc20Approvals) see(a.token, 'erc20', a.blockNumber);
    for (const n of decoded.nftTransfers) see(n.token, n.standard, n.blockNumber);
    // Tokens met by this step's earlier pieces are known even before those are written.
    const unseen = [...first.keys()].filter((a) => !carry.tokens.has(a));
    const known = await store.knownTokens(chainId, unseen);
    const fresh = [...first].filter(([a]) => !known.has(a) && !carry.tokens.has(a));
    for (const a of first.keys()) carry.tokens.add(a);
    return mapLimit(fresh, concurrency, async ([address, { standard, block }]) => ({
      address,
      standard,
      firstBlock: block,
      ...(await tokenMetadata(rpc, address, block)),
    }));
  }

  /**
   * ERC-20s need not log allowance spending (OpenZeppelin 5 does not). At the end of every block
   * in which an owner sent a token, the allowance of each spender known by then is read back at
   * that block, and recorded when it differs from the newest snapshot. Per block, not per chunk:
   * the rows do not depend on how the range was cut, so any resumed or re-run index is identical.
   */
  async function allowanceReads(
    decoded: ReturnType<typeof decodeLogs>,
    carry: StepCarry,
  ): Promise<AllowanceRead[]> {
    const key = (token: string, owner: string, spender: string) => `${token}|${owner}|${spender}`;
    // Events in chain order; what this piece approves is known to the pieces after it, written
    // or not yet.
    const events = [...decoded.erc20Approvals].sort((x, y) =>
      x.blockNumber === y.blockNumber ? x.logIndex - y.logIndex : x.blockNumber < y.blockNumber ? -1 : 1,
    );
    const remember = () => {
      for (const a of events) carry.allowances.set(key(a.token, a.owner, a.spender), a.value);
    };
    const transfers = decoded.erc20Transfers;
    if (transfers.length === 0) {
      remember();
      return [];
    }
    const owners = [...new Set(transfers.map((t) => t.from))];
    const tokens = [...new Set(transfers.map((t) => t.token))];
    // The newest value per (token|owner|spender), as known before this piece: written, then
    // carried from this step's pieces not yet written (newer)…
    const current = new Map<string, bigint>();
    for (const p of await store.approvalsOf(chainId, owners, tokens))
      current.set(key(p.token, p.owner, p.spender), p.value);
    for (const [k, v] of carry.allowances) current.set(k, v);
    if (current.size === 0 && events.length === 0) return [];
    // (token|owner) → blocks in which the owner sent that token.
    const spends = new Map<string, Set<bigint>>();
    for (const t of transfers) {
      const k = `${t.token}|${t.from}`;
      if (!spends.has(k)) spends.set(k, new Set());
      spends.get(k)!.add(t.blockNumber);
    }
    // …then events and reads in chain order, block by block.
    const blocks = [...new Set([...spends.values()].flatMap((b) => [...b]))].sort((x, y) =>
      x < y ? -1 : x > y ? 1 : 0,
    );
    const out: AllowanceRead[] = [];
    let e = 0;
    for (const block of blocks) {
      while (e < events.length && events[e]!.blockNumber <= block) {
        const a = events[e++]!;
        current.set(key(a.token, a.owner, a.spender), a.value);
      }
      const due = [...current.keys()]
        .filter((k) => {
          const [token, owner] = k.split('|');
          return spends.get(`${token}|${owner}`)?.has(block) === true;
        })
        .sort();
      const reads = await mapLimit(due, concurrency, async (k) => {
        const [token, owner, spender] = k.split('|') as [string, string, string];
        return { k, token, owner, spender, value: await readAllowance(rpc, token, owner, spender, block) };
      });
      for (const r of reads) {
        if (r.value === null || r.value === current.get(r.k)) continue;
        current.set(r.k, r.value);
        out.push({ token: r.token, owner: r.owner, spender: r.spender, blockNumber: block, value: r.value });
      }
    }
    // Events after the last block with a spend are newer than every read; then everything known
    // at the end of this piece is what the next piece starts from.
    for (; e < events.length; e++) {
      const a = events[e]!;
      current.set(key(a.token, a.owner, a.spender), a.value);
    }
    for (const [k, v] of current) carry.allowances.set(k, v);
    return out;
  }

  return {
    syncOnce,
    async run() {
      running = (async () => {
        let standingBy = false;
        let heads: NewHeadSource | null | undefined;
        const idle = (ms: number) => {
          heads ??= o.newHeads?.() ?? null;
          return Promise.race([heads ? heads.wait(ms) : sleep(ms), stopped]);
        };
        while (!stopping) {
          try {
            const r = await syncOnce();
            if (r !== null && 'standby' in r) {
              if (!standingBy)
                log.info({ holder: r.standby }, 'another process indexes this chain: standing by');
              standingBy = true;
              await Promise.race([sleep(leaseMs / 3), stopped]);
              continue;
            }
            standingBy = false;
            // Caught up: wait for the next head (notified, or polled).
            if (r === null) await idle(o.pollMs ?? 1000);
          } catch (err) {
            log.error({ err }, 'indexer step failed: retrying');
            await Promise.race([sleep(o.pollMs ?? 1000), stopped]);
          }
        }
        heads?.close();
        await store.release(chainId, me).catch(() => {});
      })();
      await running;
    },
    async stop() {
      stopping = true;
      // Cut a poll or standby wait short.
      wakeStopped();
      await running;
    },
    async release() {
      await store.release(chainId, me);
    },
    holder: me,
  };
}
