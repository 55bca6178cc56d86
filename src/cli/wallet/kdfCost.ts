/** Set to 1 to make new vaults and keystores cheap to open: for tests only, never for real keys. */
export const INSECURE_KDF_ENV = 'SEXTANT_WALLET_INSECURE_FAST_KDF';

// scrypt N = 2^10 (1 MiB) and 1,000 PBKDF2 rounds: milliseconds, i.e. trivially brute-forced.
const INSECURE_SCRYPT_N = 1 << 10;
const INSECURE_PBKDF2_ROUNDS = 1000;

/** KDF options for new vaults and keystores: the library defaults unless the test switch is set. */
export type KdfCost = { insecure: boolean; scryptN?: number; pbkdf2Rounds?: number };

/**
 * The KDF cost to encrypt with. Files record their own parameters, so opening never depends on this.
 * @example encryptVault(contents, password, { ...kdfCost(io.env, warn) })
 */
export function kdfCost(env: Record<string, string | undefined>, warn: (text: string) => void): KdfCost {
  if (env[INSECURE_KDF_ENV] !== '1') return { insecure: false };
  warn(
    `warning: ${INSECURE_KDF_ENV}=1: encrypting with weak key-derivation parameters (tests only; do not use for real funds)\n`,
  );
  return { insecure: true, scryptN: INSECURE_SCRYPT_N, pbkdf2Rounds: INSECURE_PBKDF2_ROUNDS };
}
