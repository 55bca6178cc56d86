import { cancelBacktest, createBacktest, getBacktest, listBacktests } from './backtests.js';
import { getLabelFlows, listWhaleTransfers } from './chainFlowOps.js';
import { getChainActivity, getTokenHolderHistory, getTokenHolders, getTokenInfo } from './chainTokenOps.js';
import { getContract, getWallet, listWalletApprovals, listWalletTransfers } from './chainWalletOps.js';
import { getAsset } from './getAsset.js';
import { getChainGas } from './getChainGas.js';
import { getGrades } from './getGrades.js';
import { getIndicators } from './getIndicators.js';
import { getLatestSignals } from './getLatestSignals.js';
import { getOhlcv } from './getOhlcv.js';
import { getPrices } from './getPrices.js';
import { getSignalPerformance } from './getSignalPerformance.js';
import { getSignals, listStrategies } from './getSignals.js';
import { getStatus } from './getStatus.js';
import { getUsage } from './getUsage.js';
import { listAssets } from './listAssets.js';
import { listMarkets } from './listMarkets.js';
import type { Operation } from './operation.js';
import { getCorrelation, getLevels, getMarketRegime, getQuant } from './quantOps.js';
import { createSiweNonce, getSession, revokeSession, signInWithEthereum } from './siweAuthOps.js';
import { decodeTransaction, deriveXpubAddresses, validateAddress } from './walletOps.js';
import { verifyMessage, verifySiwe, verifyTypedData } from './walletVerifyOps.js';
import {
  createWebhook,
  deleteWebhook,
  listWebhookDeliveries,
  listWebhooks,
  pingWebhook,
} from './webhooks.js';

export {
  type AuthInfo,
  type AuthPolicy,
  type CachePolicy,
  defineOperation,
  type HttpMethod,
  type Operation,
  type OperationContext,
  type OperationDef,
  RequestContext,
  routePath,
} from './operation.js';

/** Every operation the API serves. New domains append theirs. */
export const OPERATIONS: readonly Operation[] = [
  getStatus,
  getUsage,
  listAssets,
  getAsset,
  getPrices,
  getOhlcv,
  listMarkets,
  getIndicators,
  getSignals,
  getLatestSignals,
  listStrategies,
  getSignalPerformance,
  getQuant,
  getCorrelation,
  getLevels,
  getMarketRegime,
  getGrades,
  createBacktest,
  listBacktests,
  getBacktest,
  cancelBacktest,
  createWebhook,
  listWebhooks,
  deleteWebhook,
  listWebhookDeliveries,
  pingWebhook,
  getChainGas,
  validateAddress,
  deriveXpubAddresses,
  verifyMessage,
  verifyTypedData,
  verifySiwe,
  decodeTransaction,
  createSiweNonce,
  signInWithEthereum,
  getSession,
  revokeSession,
  getTokenHolders,
  getTokenInfo,
  getTokenHolderHistory,
  getChainActivity,
  getWallet,
  listWalletTransfers,
  listWalletApprovals,
  getContract,
  getLabelFlows,
  listWhaleTransfers,
];
