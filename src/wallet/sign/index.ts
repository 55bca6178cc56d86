/**
 * Wallet signing: EVM transactions (legacy, EIP-155, EIP-2930, EIP-1559), EIP-191 messages and
 * EIP-712 typed data; decode and recover signed transactions; Bitcoin PSBTs (p2wpkh, p2tr key
 * path); Solana messages and transactions. Pure: keys come in as 32-byte `Uint8Array`s and
 * never appear in errors.
 */
export { assertPrivateKey, type PrivateKeyCurve } from './assertPrivateKey.js';
export { checksumAddress } from './checksumAddress.js';
export { type DecodedTransaction, decodeSignedTransaction } from './decodeSignedTransaction.js';
export {
  InvalidAddressError,
  InvalidChainIdError,
  InvalidPrivateKeyError,
  InvalidPsbtError,
  InvalidSignatureError,
  InvalidSolanaTransactionError,
  InvalidTransactionError,
  InvalidTypedDataError,
  PsbtInputNotOwnedError,
} from './errors.js';
export { hashTypedData, type TypedDataInput } from './hashTypedData.js';
export {
  type EvmTransaction,
  type EvmTransactionRequest,
  normalizeTransaction,
  type Quantity,
} from './normalizeTransaction.js';
export { parseSignature, type SignatureInput } from './parseSignature.js';
export { recoverDigestAddress } from './recoverDigestAddress.js';
export { recoverMessageSigner } from './recoverMessageSigner.js';
export { recoverTypedDataSigner } from './recoverTypedDataSigner.js';
export { serializeSignature } from './serializeSignature.js';
export { type EcdsaSignature, signDigest } from './signDigest.js';
export { type SignedMessage, signMessage } from './signMessage.js';
export { type PsbtInputKind, type SignedPsbt, signPsbt } from './signPsbt.js';
export { type SolanaSignature, signSolanaMessage } from './signSolanaMessage.js';
export { type SignedSolanaTransaction, signSolanaTransaction } from './signSolanaTransaction.js';
export { type SignedTransaction, signTransaction } from './signTransaction.js';
export { type SignedTypedData, signTypedData } from './signTypedData.js';
export { verifyMessageSignature } from './verifyMessageSignature.js';
export { verifySolanaSignature } from './verifySolanaSignature.js';
export { verifyTypedDataSignature } from './verifyTypedDataSignature.js';
