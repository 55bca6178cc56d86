/** Sign-In with Ethereum server side: nonce issuance, replay protection and sessions. */
export {
  createSiweStore,
  type IssuedNonce,
  type NonceRejection,
  SESSION_TOKEN_PATTERN,
  type SiweSession,
  type SiweStore,
  type SiweStoreOptions,
} from './siweStore.js';
