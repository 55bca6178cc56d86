import { AppError } from '../../internal/errors.js';

/** Why a mnemonic was rejected. */
export type MnemonicErrorCode =
  | 'MNEMONIC_INVALID_WORD'
  | 'MNEMONIC_BAD_CHECKSUM'
  | 'MNEMONIC_BAD_LENGTH'
  | 'MNEMONIC_BAD_OPTIONS';

/**
 * A rejected BIP39 mnemonic. Security: the message may name one unknown word and its position,
 * never the rest of the phrase, and no `cause` from the underlying library is attached.
 */
export class MnemonicError extends AppError {
  readonly code: MnemonicErrorCode;
  readonly status = 400;
  readonly title = 'Invalid mnemonic';
  /** 1-based position of the unknown word, for `MNEMONIC_INVALID_WORD`. */
  readonly position: number | undefined;
  /** Close wordlist entries for the unknown word. */
  readonly suggestions: readonly string[];

  constructor(
    code: MnemonicErrorCode,
    detail: string,
    info: { position?: number; suggestions?: string[] } = {},
  ) {
    super(detail);
    this.code = code;
    this.position = info.position;
    this.suggestions = info.suggestions ?? [];
  }
}
