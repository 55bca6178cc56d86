/**
 * On-chain insights: query functions over the indexer's tables (holders, activity, wallets,
 * approvals, contract ages, labelled flows, whale transfers). Each takes the database and a chain
 * id, answers in exact decimal strings and carries the checkpoint it is grounded on (`asOf`).
 */
export { type ActivityOptions, type DailyActivity, dailyActivity } from './activity.js';
export { type AsOf, chainAsOf, firstBlockAtOrAfter } from './chainAsOf.js';
export { type ContractAge, type ContractLookup, contractAge } from './contracts.js';
export { type FlowTotals, type LabelFlows, labelFlows } from './flows.js';
export { formatAmount, normalizeAddress, type TokenInfo, UNLIMITED_ALLOWANCE } from './format.js';
export {
  type Amount,
  type BlockRef,
  DISTRIBUTION_BUCKETS,
  giniFromSums,
  type HolderHistory,
  holderHistory,
  type TokenSummary,
  type TopHolders,
  type TopHoldersOptions,
  tokenSummary,
  topHolders,
} from './holders.js';
export {
  countHolderTotals,
  createHolderTotalsCache,
  type HolderTotals,
  type HolderTotalsCache,
} from './holderTotals.js';
export {
  type AddressLabel,
  type AddressLabels,
  labelledAddresses,
  labelNames,
  loadAddressLabels,
  parseAddressLabels,
} from './labels.js';
export {
  type WalletApproval,
  type WalletApprovals,
  type WalletOverview,
  type WalletTransfer,
  type WalletTransfers,
  type WalletTransfersOptions,
  walletApprovals,
  walletOverview,
  walletTransfers,
} from './wallet.js';
export {
  type PriceBar,
  type TokenAsset,
  type TransferToValue,
  type UsdPrice,
  type UsdPriceSource,
  usdPriceAt,
  valueTransferUsd,
  valueWhaleTransfers,
  type WhaleDeps,
  type WhaleOptions,
  type WhaleTransfer,
  type WhaleTransfers,
  whaleTransfers,
} from './whales.js';
