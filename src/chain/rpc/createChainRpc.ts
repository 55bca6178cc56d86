import type { Hex } from 'viem';
import { ConfigError } from '../../internal/errors.js';
import { createRpcTransport } from './createRpcTransport.js';
import { decodeBlock } from './decodeBlock.js';
import { decodeFeeHistory } from './decodeFeeHistory.js';
import { decodeLogs } from './decodeLog.js';
import { hexData, quantity, smallQuantity } from './decodePrimitives.js';
import { decodeReceipt } from './decodeReceipt.js';
import { redactRpcUrl } from './redactRpcUrl.js';
import type { BlockTag, ChainRpc, ChainRpcOptions, LogFilter, RpcAnomaly, RpcClock } from './types.js';

export const RPC_DEFAULT_TIMEOUT_MS = 15_000;
export const RPC_DEFAULT_MAX_RETRIES = 5;
export const RPC_DEFAULT_BATCH = { maxSize: 50, waitMs: 0 } as const;
/** eth_feeHistory serves at most this many blocks per call (geth's and most providers' cap). */
const FEE_HISTORY_MAX_BLOCKS = 1024;

const realClock: RpcClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A block number or tag as a JSON-RPC parameter. */
function blockParam(block: bigint | BlockTag): string {
  if (typeof block === 'string') return block;
  if (block < 0n) throw new RangeError(`block number must be >= 0 (got ${block})`);
  return `0x${block.toString(16)}`;
}

/**
 * Create the JSON-RPC access to one EVM chain over one or more http(s) URLs (in order of
 * preference). See `ChainRpc` for the methods and `types.ts` for the value conventions
 * (bigint quantities, lowercase hex). Throws a `ConfigError` for an empty or non-http(s) URL list.
 * @example
 * const rpc = createChainRpc({ chainId: chain.id, urls: chain.rpc, requestsPerSecond: chain.requestsPerSecond, logger });
 * rpc.onAnomaly((a) => logger.warn(a, 'rpc anomaly'));
 * const head = await rpc.blockNumber();
 * const block = await rpc.getBlock(head, { includeTransactions: true });
 */
export function createChainRpc(options: ChainRpcOptions): ChainRpc {
  const { chainId, logger } = options;
  if (options.urls.length === 0) throw new ConfigError(`chain ${chainId}: no RPC URL`);
  for (const url of options.urls) {
    const label = redactRpcUrl(url);
    if (!/^https?:\/\//i.test(url) || label === '(invalid url)')
      throw new ConfigError(
        `chain ${chainId}: RPC URL ${label} is not an http(s) URL (WebSocket URLs are not supported here)`,
      );
  }
  const timeoutMs = options.timeoutMs ?? RPC_DEFAULT_TIMEOUT_MS;
  const maxRetries = options.maxRetries ?? RPC_DEFAULT_MAX_RETRIES;
  const batch = options.batch === undefined ? RPC_DEFAULT_BATCH : options.batch;
  if (!(timeoutMs > 0)) throw new ConfigError(`chain ${chainId}: timeoutMs must be > 0`);
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0))
    throw new ConfigError(`chain ${chainId}: maxRetries must be an integer >= 0`);
  if (batch !== false && !(Number.isInteger(batch.maxSize) && batch.maxSize >= 1 && batch.waitMs >= 0))
    throw new ConfigError(`chain ${chainId}: batch needs an integer maxSize >= 1 and waitMs >= 0`);

  const transport = createRpcTransport({
    chainId,
    urls: options.urls,
    timeoutMs,
    maxRetries,
    requestsPerSecond: options.requestsPerSecond,
    batch,
    logger,
    clock: options.clock ?? realClock,
    random: options.random ?? Math.random,
  });
  const listeners = new Set<(anomaly: RpcAnomaly) => void>();
  let highestBlock: bigint | undefined;

  function report(anomaly: RpcAnomaly): void {
    // Block numbers as strings: not every log serializer takes bigints.
    const fields = Object.fromEntries(
      Object.entries(anomaly).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]),
    );
    logger?.warn(fields, `rpc anomaly: ${anomaly.type}`);
    for (const listener of listeners) {
      try {
        listener(anomaly);
      } catch {
        // A listener's bug must not turn a good answer into a failed call.
      }
    }
  }

  async function send<T>(
    method: string,
    params: readonly unknown[],
    decode: (raw: unknown) => T,
  ): Promise<T> {
    return (await transport.send(method, params, decode)).value;
  }

  const rpc: ChainRpc = {
    chainId,
    endpoints: transport.endpoints,

    async chainIdOf() {
      const { value, rpc: from } = await transport.send('eth_chainId', [], (r) =>
        smallQuantity(r, 'chainId'),
      );
      if (value !== chainId) report({ type: 'chain-id-mismatch', chainId, actual: value, rpc: from });
      return value;
    },

    async blockNumber() {
      const { value, rpc: from } = await transport.send('eth_blockNumber', [], (r) =>
        quantity(r, 'blockNumber'),
      );
      // Compare with the highest answer so far, across endpoints: the indexer cares about the chain.
      if (highestBlock !== undefined && value < highestBlock)
        report({ type: 'head-regressed', chainId, previous: highestBlock, current: value, rpc: from });
      else highestBlock = value;
      return value;
    },

    getBlock: (async (block: bigint | BlockTag, opts?: { includeTransactions?: boolean }) => {
      const full = opts?.includeTransactions === true;
      const expected = typeof block === 'bigint' ? block : undefined;
      return send('eth_getBlockByNumber', [blockParam(block), full], (r) => decodeBlock(r, full, expected));
    }) as ChainRpc['getBlock'],

    async getLogs(filter: LogFilter) {
      const params: Record<string, unknown> = {
        fromBlock: blockParam(filter.fromBlock),
        toBlock: blockParam(filter.toBlock),
      };
      if (filter.address !== undefined) params.address = filter.address;
      if (filter.topics !== undefined) params.topics = filter.topics;
      const from = typeof filter.fromBlock === 'bigint' ? filter.fromBlock : undefined;
      const to = typeof filter.toBlock === 'bigint' ? filter.toBlock : undefined;
      return send('eth_getLogs', [params], (r) => decodeLogs(r, from, to));
    },

    async getTransactionReceipt(hash: Hex) {
      return send('eth_getTransactionReceipt', [hash], (r) => decodeReceipt(r, hash));
    },

    async call(request) {
      const tx: Record<string, string> = { to: request.to, data: request.data };
      if (request.from !== undefined) tx.from = request.from;
      return send('eth_call', [tx, blockParam(request.blockNumber ?? 'latest')], (r) => hexData(r, 'result'));
    },

    async feeHistory(blockCount, newestBlock, percentiles) {
      if (!Number.isInteger(blockCount) || blockCount < 1 || blockCount > FEE_HISTORY_MAX_BLOCKS)
        throw new RangeError(
          `blockCount must be an integer in [1, ${FEE_HISTORY_MAX_BLOCKS}] (got ${blockCount})`,
        );
      percentiles.forEach((p, i) => {
        if (!(p >= 0 && p <= 100) || (i > 0 && p < percentiles[i - 1]!))
          throw new RangeError('percentiles must be ascending numbers in [0, 100]');
      });
      return send(
        'eth_feeHistory',
        [`0x${blockCount.toString(16)}`, blockParam(newestBlock), [...percentiles]],
        (r) => decodeFeeHistory(r, percentiles.length),
      );
    },

    async request(method, params = []) {
      return send(method, params, (r) => r);
    },

    onAnomaly(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return rpc;
}
