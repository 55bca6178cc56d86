import type { RawLog } from '../derive/decodeLogs.js';

/** A transaction as the indexer needs it (full blocks only). */
export type IndexerTx = {
  hash: string;
  from: string;
  /** null for a contract creation. */
  to: string | null;
  value: bigint;
  transactionIndex: number;
};

export type IndexerBlock = {
  number: bigint;
  hash: string;
  parentHash: string;
  /** Seconds. */
  timestamp: bigint;
  gasUsed: bigint;
  baseFeePerGas: bigint | null;
  txCount: number;
  /** Present when asked for full transactions. */
  transactions?: IndexerTx[];
};

/** One chunk of `eth_getLogs` results over [fromBlock, toBlock]. */
export type LogChunk = { fromBlock: bigint; toBlock: bigint; logs: (RawLog & { blockHash?: string })[] };

/**
 * What the indexer asks of a chain's JSON-RPC endpoint(s). `src/chain/rpc` implements it over
 * HTTP with retries, batching, rate limits and failover; tests may pass anything that does.
 */
export type IndexerRpc = {
  blockNumber(): Promise<bigint>;
  /** null when the node does not have the block (yet). */
  getBlock(number: bigint, withTransactions: boolean): Promise<IndexerBlock | null>;
  /** Logs with any of `topics` in position 0, in chunks the endpoint can answer (adaptive). */
  getLogs(range: { fromBlock: bigint; toBlock: bigint; topics: readonly string[] }): AsyncIterable<LogChunk>;
  /** The address a contract-creation transaction created (from its receipt), or null. */
  createdContract(txHash: string): Promise<string | null>;
  /** `eth_call` at a block; returns the hex result, throws on revert. */
  call(to: string, data: string, blockNumber: bigint): Promise<string>;
};
