import type { Hex } from 'viem';

/**
 * Conventions of every decoded value: quantities are `bigint` (indexes, `type` and chain ids that
 * always fit are `number`), and hashes, addresses and data are lowercase hex. Addresses are NOT
 * checksummed: compare and store them lowercase; use viem's `getAddress` for display.
 */

/** A block tag. `pending` is left out on purpose: pending blocks have no hash or number. */
export type BlockTag = 'latest' | 'safe' | 'finalized' | 'earliest';

/** A transaction as found in a full block. */
export type RpcTransaction = {
  hash: Hex;
  from: Hex;
  /** null for a contract creation. */
  to: Hex | null;
  /** Wei. */
  value: bigint;
  input: Hex;
  /** EIP-2718 type (0 legacy, 1 access list, 2 EIP-1559, 3 blob, 4 set-code); 0 when the node omits it. */
  type: number;
  nonce: bigint;
  /** Position in the block. */
  transactionIndex: number;
};

/** A block; `transactions` are hashes, or full transactions when asked with `includeTransactions`. */
export type RpcBlock<T extends Hex | RpcTransaction = Hex> = {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  /** Unix seconds. */
  timestamp: bigint;
  gasUsed: bigint;
  gasLimit: bigint;
  /** null before London (EIP-1559). */
  baseFeePerGas: bigint | null;
  transactions: T[];
};

/** One log of `eth_getLogs` or of a receipt. */
export type RpcLog = {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: number;
  logIndex: number;
  /** true when the node reports the log as removed by a reorg (filters; eth_getLogs rarely). */
  removed: boolean;
};

/** A transaction receipt. */
export type RpcReceipt = {
  transactionHash: Hex;
  blockHash: Hex;
  blockNumber: bigint;
  transactionIndex: number;
  from: Hex;
  to: Hex | null;
  /** The created contract's address for a contract creation, else null. */
  contractAddress: Hex | null;
  /** null for pre-Byzantium receipts, which carry a state root instead of a status. */
  status: 'success' | 'reverted' | null;
  gasUsed: bigint;
  /** null when the node omits it (pre-London nodes). */
  effectiveGasPrice: bigint | null;
  logs: RpcLog[];
};

/** `eth_feeHistory`, decoded. */
export type FeeHistory = {
  oldestBlock: bigint;
  /** One per block plus the next block's base fee (length = gasUsedRatio.length + 1). */
  baseFeePerGas: bigint[];
  gasUsedRatio: number[];
  /** Per block, the priority fee at each requested percentile; null when no percentiles were asked. */
  reward: bigint[][] | null;
};

/** A log filter over a block range. `topics[i]` is one topic, any of several, or null (any). */
export type LogFilter = {
  fromBlock: bigint | BlockTag;
  toBlock: bigint | BlockTag;
  address?: Hex | readonly Hex[];
  topics?: readonly (Hex | readonly Hex[] | null)[];
};

/**
 * Something odd a node said that is not an error but that the indexer should know about:
 * - `head-regressed`: `blockNumber()` answered lower than an earlier answer (a lagging node
 *   behind a load balancer, a failover to a node that is behind, or a node resyncing);
 * - `chain-id-mismatch`: `chainIdOf()` answered another chain than the one configured.
 * `rpc` is the answering endpoint, redacted.
 */
export type RpcAnomaly =
  | { type: 'head-regressed'; chainId: number; previous: bigint; current: bigint; rpc: string }
  | { type: 'chain-id-mismatch'; chainId: number; actual: number; rpc: string };

/** The part of a pino logger this layer uses. */
export type RpcLogger = {
  warn(obj: Record<string, unknown>, msg: string): void;
  debug(obj: Record<string, unknown>, msg: string): void;
};

/** Time source and waiting, injectable so tests control backoff, cooldowns and rate limits. */
export type RpcClock = {
  /** ms since any fixed origin. */
  now(): number;
  sleep(ms: number): Promise<void>;
};

export type ChainRpcOptions = {
  chainId: number;
  /** http(s) URLs in order of preference: the first healthy one gets the traffic. */
  urls: readonly string[];
  /** Per HTTP request, including reading the body. Default 15 s. */
  timeoutMs?: number;
  /** Retries after the first attempt (timeouts, network errors, 429, 5xx, rate-limit errors). Default 5. */
  maxRetries?: number;
  /** Per URL, counting each call of a batch. Default: no limit. */
  requestsPerSecond?: number;
  /**
   * Concurrent calls made within `waitMs` of each other go out as one JSON-RPC batch of at most
   * `maxSize` calls. Default `{ maxSize: 50, waitMs: 0 }` (calls made in the same tick); `false`
   * sends every call alone. An endpoint that rejects batches gets single calls from then on.
   */
  batch?: { maxSize: number; waitMs: number } | false;
  logger?: RpcLogger;
  /** For tests: defaults to `Date.now` and `setTimeout`. */
  clock?: RpcClock;
  /** For tests: the jitter source, uniform in [0, 1). Default `Math.random`. */
  random?: () => number;
};

/**
 * One chain's JSON-RPC access: typed, validated methods over retrying, batching, rate-limited,
 * failing-over HTTP. Every failure is an `RpcError`.
 */
export type ChainRpc = {
  readonly chainId: number;
  /** The endpoints, redacted (safe to log or show). */
  readonly endpoints: readonly string[];
  /** `eth_chainId` of whichever endpoint answers; a mismatch with `chainId` is also reported as an anomaly. */
  chainIdOf(): Promise<number>;
  /** `eth_blockNumber`; an answer lower than an earlier one is returned and reported as an anomaly. */
  blockNumber(): Promise<bigint>;
  /** `eth_getBlockByNumber`; null when the node does not have the block (yet). */
  getBlock(
    block: bigint | BlockTag,
    options?: { includeTransactions?: false },
  ): Promise<RpcBlock<Hex> | null>;
  getBlock(
    block: bigint | BlockTag,
    options: { includeTransactions: true },
  ): Promise<RpcBlock<RpcTransaction> | null>;
  getBlock(
    block: bigint | BlockTag,
    options?: { includeTransactions?: boolean },
  ): Promise<RpcBlock<Hex> | RpcBlock<RpcTransaction> | null>;
  /** One `eth_getLogs` call over the whole range (see `getLogsAdaptive` for large ranges). */
  getLogs(filter: LogFilter): Promise<RpcLog[]>;
  /** null when the transaction is unknown or not mined yet. */
  getTransactionReceipt(hash: Hex): Promise<RpcReceipt | null>;
  /** `eth_call`; a revert is an `RpcError` of kind `rpc` (with the revert data in `rpcData`). Default block: latest. */
  call(request: { to: Hex; data: Hex; from?: Hex; blockNumber?: bigint | BlockTag }): Promise<Hex>;
  /** `eth_feeHistory` over `blockCount` blocks (1..1024) ending at `newestBlock`; percentiles ascending in [0, 100]. */
  feeHistory(
    blockCount: number,
    newestBlock: bigint | BlockTag,
    percentiles: readonly number[],
  ): Promise<FeeHistory>;
  /** Any method, undecoded; params must be JSON (quantities as hex strings). */
  request(method: string, params?: readonly unknown[]): Promise<unknown>;
  /** Be told about anomalies (see `RpcAnomaly`); returns the unsubscribe function. */
  onAnomaly(listener: (anomaly: RpcAnomaly) => void): () => void;
};
