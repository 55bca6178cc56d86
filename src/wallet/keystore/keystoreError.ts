import { AppError } from '../../internal/errors.js';

/** Why a keystore or vault was rejected. */
export type KeystoreErrorCode = 'KEYSTORE_BAD_PASSWORD' | 'KEYSTORE_MALFORMED' | 'KEYSTORE_UNSUPPORTED';

/** A rejected keystore/vault. `field` names the offending JSON field for `KEYSTORE_MALFORMED`. Never holds secrets. */
export class KeystoreError extends AppError {
  readonly code: KeystoreErrorCode;
  readonly status = 400;
  readonly title = 'Keystore rejected';
  readonly field: string | undefined;

  constructor(code: KeystoreErrorCode, detail: string, field?: string) {
    super(detail);
    this.code = code;
    this.field = field;
  }
}
