import { AppError } from '../../internal/errors.js';

/** A Sign-In with Ethereum message (or its fields) does not follow the EIP-4361 ABNF. */
export class InvalidSiweMessageError extends AppError {
  readonly code = 'INVALID_SIWE_MESSAGE';
  readonly status = 400;
  readonly title = 'Invalid Sign-In with Ethereum message';
}
