import { getStatus } from './getStatus.js';
import { getUsage } from './getUsage.js';
import type { Operation } from './operation.js';

export {
  type AuthInfo,
  type AuthPolicy,
  type CachePolicy,
  defineOperation,
  type HttpMethod,
  type Operation,
  type OperationContext,
  type OperationDef,
  routePath,
} from './operation.js';

/** Every operation the API serves. New domains append theirs. */
export const OPERATIONS: readonly Operation[] = [getStatus, getUsage];
