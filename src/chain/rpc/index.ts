/**
 * EVM JSON-RPC access for the on-chain indexer: `createChainRpc` (typed, validated methods over
 * retrying, batching, rate-limited, failing-over HTTP), `getLogsAdaptive` (eth_getLogs in chunks
 * the endpoint accepts), `RpcError` and `redactRpcUrl`.
 */
export { RANGE_TOO_LARGE_MESSAGES } from './classifyRpcError.js';
export {
  createChainRpc,
  RPC_DEFAULT_BATCH,
  RPC_DEFAULT_MAX_RETRIES,
  RPC_DEFAULT_TIMEOUT_MS,
} from './createChainRpc.js';
export {
  type AdaptiveLogChunk,
  type AdaptiveLogState,
  type GetLogsAdaptiveOptions,
  getLogsAdaptive,
  LOGS_DEFAULT_MAX_SPAN,
} from './getLogsAdaptive.js';
export { RpcError, type RpcErrorKind } from './RpcError.js';
export { redactRpcUrl } from './redactRpcUrl.js';
export type {
  BlockTag,
  ChainRpc,
  ChainRpcOptions,
  FeeHistory,
  LogFilter,
  RpcAnomaly,
  RpcBlock,
  RpcClock,
  RpcLog,
  RpcLogger,
  RpcReceipt,
  RpcTransaction,
} from './types.js';
export { type NewHeadSource, watchNewHeads } from './watchNewHeads.js';
