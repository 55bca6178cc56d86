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

/** Throws `KEY_BAD_PATH` unless `index` is a non-hardened BIP32 child index (an integer in [0, 2^31)). */
export function assertChildIndex(index: number, path: string): void {
  if (!Number.isInteger(index) || index < 0 || index > 0x7fffffff) {
    throw new KeyDerivationError('KEY_BAD_PATH', `Index must be an integer in [0, 2^31): ${path}`);
  }
}

/** Throws `KEY_BAD_OPTIONS` unless `seed` is 16 to 64 bytes (BIP32 and SLIP-10 bounds). */
export function assertSeed(seed: unknown): asserts seed is Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length < 16 || seed.length > 64) {
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'Seed must be 16 to 64 bytes');
  }
}
