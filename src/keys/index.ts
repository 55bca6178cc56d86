export {
  type ApiKey,
  type ApiKeyStore,
  type CreatedApiKey,
  type CreateKeyInput,
  createApiKeyStore,
  DEFAULT_SCOPES,
  hashSecret,
  looksLikeSecret,
  SCOPES,
  type Scope,
  validateCreateKeyInput,
} from './apiKeys.js';
export { createUsageTracker, type UsageDay, type UsageTracker, utcDay } from './usage.js';
