/**
 * Sign-In with Ethereum (EIP-4361): build, strictly parse and verify messages, and make nonces.
 * Pure: the verifier's clock comes in as `now`; EIP-1271 checks go through an optional hook.
 * Nonce storage and replay protection belong to the caller.
 */
export { assertSiweMessage, type SiweMessage } from './assertSiweMessage.js';
export { createNonce } from './createNonce.js';
export { createSiweMessage } from './createSiweMessage.js';
export { InvalidSiweMessageError } from './errors.js';
export { parseSiweMessage } from './parseSiweMessage.js';
export { siweGrammar } from './siweGrammar.js';
export {
  type IsValidContractSignature,
  type SiweFailureReason,
  type SiweVerification,
  type VerifySiweOptions,
  verifySiweMessage,
} from './verifySiweMessage.js';
