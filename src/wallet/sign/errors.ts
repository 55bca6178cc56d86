import { AppError } from '../../internal/errors.js';

/**
 * Errors of the signing toolkit. Every `detail` is safe to show: none of them ever carries
 * key material, and errors thrown while a key is in scope are raised without a `cause`
 * (a library error could echo its arguments).
 */

/** The private key is not 32 bytes or not in [1, n-1] for the curve. */
export class InvalidPrivateKeyError extends AppError {
  readonly code = 'INVALID_PRIVATE_KEY';
  readonly status = 400;
  readonly title = 'Invalid private key';
}

/** A chain id is missing where required, not a positive safe integer, or does not match. */
export class InvalidChainIdError extends AppError {
  readonly code = 'INVALID_CHAIN_ID';
  readonly status = 400;
  readonly title = 'Invalid chain id';
}

/** An address is malformed or its EIP-55 mixed-case checksum is wrong. */
export class InvalidAddressError extends AppError {
  readonly code = 'INVALID_ADDRESS';
  readonly status = 400;
  readonly title = 'Invalid address';
}

/** A transaction request misses a field or has a malformed / out-of-range one. */
export class InvalidTransactionError extends AppError {
  readonly code = 'INVALID_TRANSACTION';
  readonly status = 400;
  readonly title = 'Invalid transaction';
}

/** A signature (or signed transaction) is malformed or cannot be recovered. */
export class InvalidSignatureError extends AppError {
  readonly code = 'INVALID_SIGNATURE';
  readonly status = 400;
  readonly title = 'Invalid signature';
}

/** EIP-712 typed data does not match its types (unknown type, bad value, missing field). */
export class InvalidTypedDataError extends AppError {
  readonly code = 'INVALID_TYPED_DATA';
  readonly status = 400;
  readonly title = 'Invalid typed data';
}

/** A PSBT cannot be parsed, has inputs the key does not own, or cannot be finalized. */
export class InvalidPsbtError extends AppError {
  readonly code = 'INVALID_PSBT';
  readonly status = 400;
  readonly title = 'Invalid PSBT';
}

/** A PSBT input spends an output that is not locked to the given key. */
export class PsbtInputNotOwnedError extends AppError {
  readonly code = 'PSBT_INPUT_NOT_OWNED';
  readonly status = 400;
  readonly title = 'PSBT input not owned by key';
}

/** A Solana message or transaction is malformed or the signer is not its fee payer. */
export class InvalidSolanaTransactionError extends AppError {
  readonly code = 'INVALID_SOLANA_TRANSACTION';
  readonly status = 400;
  readonly title = 'Invalid Solana transaction';
}
