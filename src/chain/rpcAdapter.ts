import { createPublicClient, fallback, type Hex, http, type PublicClient } from 'viem';
import type { ChainConfig } from '../internal/config.js';
import type { Logger } from '../internal/logger.js';
import type { IndexerBlock, IndexerRpc, LogChunk } from './indexer/types.js';

const INITIAL_SPAN = 2_000n;
const MAX_SPAN = 10_000n;
const SMALL_RESULT = 2_000;

/** Messages of "too many results / range too large" across node implementations and providers. */
const RANGE_ERRORS =
  /range|too many|limit exceeded|more than \d+ results|exceed|query timeout|response size|-32005|block range/i;

/** The host of an RPC URL, for logs and errors (URLs may carry API keys in path or query). */
export function rpcHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

export type ChainRpcHandle = IndexerRpc & { chainId(): Promise<number>; client: PublicClient };

/**
 * The indexer's view of a chain's JSON-RPC endpoints: viem clients with timeouts, retries,
 * batching and failover across the configured URLs, and `eth_getLogs` over adaptive ranges.
 */
export function createIndexerRpc(chain: ChainConfig, logger: Logger): ChainRpcHandle {
  const transports = chain.rpc.map((url) =>
    http(url, {
      batch: { batchSize: 100, wait: 5 },
      retryCount: 4,
      retryDelay: 250,
      timeout: 20_000,
    }),
  );
  const client = createPublicClient({
    transport: transports.length === 1 ? transports[0]! : fallback(transports, { rank: false }),
  }) as PublicClient;
  let span = INITIAL_SPAN;
  const log = logger.child({ chainId: chain.id, rpc: chain.rpc.map(rpcHost) });

  return {
    client,
    async chainId() {
      return client.getChainId();
    },
    async blockNumber() {
      return client.getBlockNumber({ cacheTime: 0 });
    },
    async getBlock(number, withTransactions) {
      let b: Awaited<ReturnType<PublicClient['getBlock']>>;
      try {
        b = await client.getBlock({ blockNumber: number, includeTransactions: withTransactions });
      } catch (err) {
        if (/not found|could not be found/i.test((err as Error).message)) return null;
        throw err;
      }
      if (!b || b.hash === null || b.number === null) return null;
      const out: IndexerBlock = {
        number: b.number,
        hash: b.hash.toLowerCase(),
        parentHash: b.parentHash.toLowerCase(),
        timestamp: b.timestamp,
        gasUsed: b.gasUsed,
        baseFeePerGas: b.baseFeePerGas ?? null,
        txCount: b.transactions.length,
      };
      if (withTransactions)
        out.transactions = (b.transactions as Exclude<(typeof b.transactions)[number], Hex>[]).map((t) => ({
          hash: t.hash.toLowerCase(),
          from: t.from.toLowerCase(),
          to: t.to ? t.to.toLowerCase() : null,
          value: t.value,
          transactionIndex: t.transactionIndex ?? 0,
        }));
      return out;
    },
    async *getLogs({ fromBlock, toBlock, topics }): AsyncIterable<LogChunk> {
      let a = fromBlock;
      while (a <= toBlock) {
        const z = a + span - 1n < toBlock ? a + span - 1n : toBlock;
        let raw: Awaited<ReturnType<PublicClient['request']>>;
        try {
          raw = (await client.request({
            method: 'eth_getLogs',
            params: [
              { fromBlock: `0x${a.toString(16)}`, toBlock: `0x${z.toString(16)}`, topics: [topics as Hex[]] },
            ],
          })) as unknown;
        } catch (err) {
          const msg = (err as Error).message ?? '';
          if (RANGE_ERRORS.test(msg) && z > a) {
            span = (z - a + 1n) / 2n || 1n;
            log.debug({ span: span.toString() }, 'eth_getLogs range too large: halving');
            continue;
          }
          throw err;
        }
        if (!Array.isArray(raw)) throw new Error('eth_getLogs answered something that is not a list');
        const logs = (raw as Record<string, unknown>[]).map((l) => {
          if (typeof l.blockNumber !== 'string' || typeof l.logIndex !== 'string' || !Array.isArray(l.topics))
            throw new Error('eth_getLogs answered a malformed log');
          return {
            address: String(l.address).toLowerCase(),
            topics: (l.topics as string[]).map((t) => t.toLowerCase()),
            data: String(l.data ?? '0x').toLowerCase(),
            blockNumber: BigInt(l.blockNumber),
            logIndex: Number(BigInt(l.logIndex)),
            transactionHash: String(l.transactionHash).toLowerCase(),
            blockHash: String(l.blockHash).toLowerCase(),
          };
        });
        // Removed logs (a reorg seen by the node) are not part of the chain.
        yield {
          fromBlock: a,
          toBlock: z,
          logs: logs.filter((_, i) => (raw as { removed?: boolean }[])[i]?.removed !== true),
        };
        if (logs.length < SMALL_RESULT && span < MAX_SPAN) span = (span * 3n) / 2n;
        a = z + 1n;
      }
    },
    async createdContract(txHash) {
      const r = await client.getTransactionReceipt({ hash: txHash as Hex });
      return r.contractAddress ? r.contractAddress.toLowerCase() : null;
    },
    async call(to, data, blockNumber) {
      const r = await client.call({ to: to as Hex, data: data as Hex, blockNumber });
      return r.data ?? '0x';
    },
  };
}
