export { type Caip19, formatCaip19, parseCaip19 } from './caip19.js';
export { type CreateAssetRegistryOptions, createAssetRegistry, toCandidate } from './createAssetRegistry.js';
export { type MarketSymbolParts, parseMarketSymbol } from './marketSymbol.js';
export type {
  Asset,
  AssetCandidate,
  AssetContract,
  AssetPage,
  AssetRegistry,
  AssetSource,
  ListAssetsOptions,
} from './types.js';
