/**
 * The on-chain side: log decoding (pure), the chain store (transfers, approvals, balances,
 * checkpoints, reorg rollback) and the per-chain indexer.
 */

export {
  type ConfiguredIndexerOptions,
  createConfiguredIndexer,
  whaleDepsOf,
} from './configuredIndexer.js';
export {
  balanceDeltas,
  type DecodedLogs,
  decodeLogs,
  type Erc20Approval,
  type Erc20Transfer,
  holderDeltas,
  INDEXED_TOPICS,
  type NftTransfer,
  type RawLog,
  TOPICS,
  ZERO_ADDRESS,
} from './derive/decodeLogs.js';
export {
  type ChainIndexer,
  type ChainIndexerOptions,
  createChainIndexer,
  DeepReorgError,
  readAhead,
  type SyncResult,
} from './indexer/chainIndexer.js';
export type { IndexerBlock, IndexerRpc, IndexerTx, LogChunk } from './indexer/types.js';
export {
  type AllowanceRead,
  type BlockRow,
  type ChainBatch,
  type ChainStore,
  type Checkpoint,
  CheckpointConflictError,
  type ContractCreation,
  createChainStore,
  LeaseLostError,
  type NativeTransfer,
  type TokenMeta,
  type WriteFence,
} from './store/chainStore.js';
export {
  CHAIN_WHALE_TOPIC,
  createWhalePublisher,
  isWhaleTransferEvent,
  WHALE_PUSH_MIN_WINDOW_BLOCKS,
  type WhalePublisher,
  type WhalePublisherOptions,
  type WhaleTransferEvent,
  whaleEventId,
} from './whalePublisher.js';
