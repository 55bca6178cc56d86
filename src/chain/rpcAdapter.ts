import type { Hex } from 'viem';
import type { ChainConfig } from '../internal/config.js';
import type { Logger } from '../internal/logger.js';
import type { IndexerBlock, IndexerRpc, LogChunk } from './indexer/types.js';
import {
  type ChainRpc,
  type ChainRpcOptions,
  createChainRpc,
  getLogsAdaptive,
  type NewHeadSource,
  type RpcBlock,
  type RpcTransaction,
  watchNewHeads,
} from './rpc/index.js';

/** The host of an RPC URL, for logs and errors (URLs may carry API keys in path or query). */
export function rpcHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

/** A chain's RPC as the indexer and the operations use it. */
export type ChainRpcHandle = IndexerRpc & {
  chainId(): Promise<number>;
  /** The full client (fee history, raw requests). */
  rpc: ChainRpc;
  /**
   * New-head notifications over the chain's ws:// / wss:// URLs, opened on first call and kept;
   * null when the chain lists none (the indexer then only polls).
   */
  heads(): NewHeadSource | null;
  /** Close the new-heads socket, if one was opened. */
  close(): void;
};

// The first eth_getLogs asks for a few blocks, not thousands: on a busy chain a 2,000-block
// answer is millions of logs (refused, or hundreds of MB of JSON). Cheap answers grow the span by
// half (2,000 blocks in ~12 calls, once per process) and heavy ones shrink it: it settles where
// answers hold 2,500–10,000 logs (see getLogsAdaptive).
const INITIAL_LOG_SPAN = 16n;

function toIndexerBlock(b: RpcBlock<Hex> | RpcBlock<RpcTransaction>, full: boolean): IndexerBlock {
  const out: IndexerBlock = {
    number: b.number,
    hash: b.hash,
    parentHash: b.parentHash,
    timestamp: b.timestamp,
    gasUsed: b.gasUsed,
    baseFeePerGas: b.baseFeePerGas,
    txCount: b.transactions.length,
  };
  if (full)
    out.transactions = (b.transactions as RpcTransaction[]).map((t) => ({
      hash: t.hash,
      from: t.from,
      to: t.to,
      value: t.value,
      transactionIndex: t.transactionIndex,
    }));
  return out;
}

/**
 * The indexer's view of a configured chain over `src/chain/rpc` (timeouts, retries with
 * backoff, batching, per-URL rate limits, failover, validated answers, redacted URLs):
 * `eth_getLogs` in adaptive ranges that remember their span between calls.
 */
export function createIndexerRpc(
  chain: ChainConfig,
  logger: Logger,
  /** Transport settings (tests: short timeouts). */
  rpcOptions: Partial<Pick<ChainRpcOptions, 'timeoutMs' | 'maxRetries' | 'batch'>> = {},
): ChainRpcHandle {
  const log = logger.child({ chainId: chain.id });
  const rpc = createChainRpc({
    chainId: chain.id,
    // Requests go over HTTP; WebSocket URLs only carry new-head notifications (config guarantees an http one).
    urls: chain.rpc.filter((u) => /^https?:\/\//.test(u)),
    requestsPerSecond: chain.requestsPerSecond,
    logger: { warn: (o, m) => log.warn(o, m), debug: (o, m) => log.debug(o, m) },
    ...rpcOptions,
  });
  const logState = { span: INITIAL_LOG_SPAN };
  const wsUrls = chain.rpc.filter((u) => /^wss?:\/\//.test(u));
  let heads: NewHeadSource | null = null;

  return {
    rpc,
    heads() {
      if (heads === null && wsUrls.length > 0)
        heads = watchNewHeads(wsUrls, { warn: (o, m) => log.warn(o, m), debug: (o, m) => log.debug(o, m) });
      return heads;
    },
    close() {
      heads?.close();
    },
    chainId: () => rpc.chainIdOf(),
    blockNumber: () => rpc.blockNumber(),
    async getBlock(number, withTransactions) {
      const b = withTransactions
        ? await rpc.getBlock(number, { includeTransactions: true })
        : await rpc.getBlock(number);
      return b ? toIndexerBlock(b, withTransactions) : null;
    },
    async *getLogs({ fromBlock, toBlock, topics }): AsyncIterable<LogChunk> {
      for await (const chunk of getLogsAdaptive(
        rpc,
        { fromBlock, toBlock, topics: [topics as Hex[]] },
        logState,
      )) {
        yield {
          fromBlock: chunk.fromBlock,
          toBlock: chunk.toBlock,
          // Removed logs (a reorg seen by the node) are not part of the chain.
          logs: chunk.logs
            .filter((l) => !l.removed)
            .map((l) => ({
              address: l.address,
              topics: l.topics,
              data: l.data,
              blockNumber: l.blockNumber,
              logIndex: l.logIndex,
              transactionHash: l.transactionHash,
              blockHash: l.blockHash,
            })),
        };
      }
    },
    async createdContract(txHash) {
      const r = await rpc.getTransactionReceipt(txHash as Hex);
      return r?.contractAddress ?? null;
    },
    call: (to, data, blockNumber) => rpc.call({ to: to as Hex, data: data as Hex, blockNumber }),
  };
}
