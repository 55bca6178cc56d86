import { readFile, stat } from 'node:fs/promises';
import { KeystoreError } from './keystoreError.js';

/**
 * Reads a secret file as UTF-8, refusing files that group or others can read or write
 * (POSIX only; on Windows mode bits are not meaningful and the check is skipped).
 */
export async function readSecretFile(path: string): Promise<string> {
  const info = await stat(path);
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new KeystoreError(
      'KEYSTORE_UNSUPPORTED',
      'Secret file is accessible by group or others (expected mode 0600)',
      'mode',
    );
  }
  return readFile(path, 'utf8');
}
