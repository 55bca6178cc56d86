import { KeyDerivationError } from './keyDerivationError.js';

const HARDENED_OFFSET = 0x80000000;

/** Parses `m/44'/60'/0'/0/1` (or `h`/`H` hardened markers) into child indices, hardened ones offset by 2^31. */
export function parsePath(path: string): number[] {
  const parts = path.trim().split('/');
  if (parts[0] !== 'm') throw new KeyDerivationError('KEY_BAD_PATH', `Path must start with "m": ${path}`);
  return parts.slice(1).map((part) => {
    const match = /^(\d+)(['hH]?)$/.exec(part);
    const n = match ? Number(match[1]) : Number.NaN;
    if (!match || !Number.isSafeInteger(n) || n >= HARDENED_OFFSET) {
      throw new KeyDerivationError('KEY_BAD_PATH', `Bad path segment "${part}" in ${path}`);
    }
    return match[2] ? n + HARDENED_OFFSET : n;
  });
}
