/** Why a wallet command failed at run time (bad usage goes through the CLI's usage error instead). */
export type WalletCliErrorCode =
  | 'WALLET_NOT_FOUND'
  | 'WALLET_EXISTS'
  | 'WALLET_FILE_INVALID'
  | 'WALLET_MISMATCH'
  | 'SECRET_INPUT_FAILED'
  | 'SECRET_MISMATCH'
  | 'INPUT_INVALID'
  | 'CANCELLED';

/**
 * A failed wallet command. Security: the message is printed as is, so it must never hold a
 * secret; callers describe secrets by name ("the password"), never by value.
 */
export class WalletCliError extends Error {
  readonly code: WalletCliErrorCode;

  constructor(code: WalletCliErrorCode, message: string) {
    super(message);
    this.name = 'WalletCliError';
    this.code = code;
  }
}
