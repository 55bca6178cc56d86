import { AppError } from '../../internal/errors.js';

/** Why a derivation request was rejected. */
export type KeyDerivationErrorCode = 'KEY_BAD_PATH' | 'KEY_BAD_EXTENDED_KEY' | 'KEY_BAD_OPTIONS';

/** A rejected derivation request (bad path, index range, seed or extended key). Never holds key material. */
export class KeyDerivationError extends AppError {
  readonly code: KeyDerivationErrorCode;
  readonly status = 400;
  readonly title = 'Invalid key derivation request';

  constructor(code: KeyDerivationErrorCode, detail: string) {
    super(detail);
    this.code = code;
  }
}
