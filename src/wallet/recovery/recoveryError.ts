import { AppError } from '../../internal/errors.js';

/** Why a share or share set was rejected. */
export type RecoveryErrorCode =
  | 'SHARE_INVALID_WORD'
  | 'SHARE_BAD_LENGTH'
  | 'SHARE_BAD_CHECKSUM'
  | 'SHARE_BAD_PADDING'
  | 'SHARE_MISMATCH'
  | 'SHARE_DUPLICATE_INDEX'
  | 'SHARE_INSUFFICIENT'
  | 'SHARE_TOO_MANY'
  | 'SHARE_BAD_DIGEST'
  | 'SHARE_BAD_OPTIONS';

/**
 * A rejected share set. Security: messages name at most one unknown word or a share's public prefix
 * (identifier words), never share values or the secret.
 */
export class RecoveryError extends AppError {
  readonly code: RecoveryErrorCode;
  readonly status = 400;
  readonly title = 'Invalid recovery shares';

  constructor(code: RecoveryErrorCode, detail: string) {
    super(detail);
    this.code = code;
  }
}
