/**
 * The one place wallet tests find the shared official vectors (BIP39, SLIP-39, SIWE, ethers'
 * test cases), which are read at run time and never copied into the repository.
 *
 * Location: `SEXTANT_VECTORS_DIR` when set, else `../shared/vectors` beside the repository root.
 * When the folder (or a file a suite needs) is missing, the suite is skipped with a warning that
 * says where it looked, except under CI (`CI=true`), where it fails: a CI run that silently
 * skipped every official vector would look green while proving nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where the shared vectors are read from. */
export const VECTORS_DIR = process.env.SEXTANT_VECTORS_DIR
  ? resolve(process.env.SEXTANT_VECTORS_DIR)
  : join(REPO_ROOT, '..', 'shared', 'vectors');

/** True under CI (`CI=true` or `CI=1`): missing vectors fail instead of skipping. */
export const VECTORS_REQUIRED = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

/** Absolute path of a file under the vectors folder, e.g. `vectorPath('bip39/vectors.json')`. */
export const vectorPath = (file: string): string => join(VECTORS_DIR, file);

/** Parse a JSON vector file (gunzipped first when it ends in `.gz`). */
export function readVectors<T>(file: string): T {
  const bytes = readFileSync(vectorPath(file));
  return JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as T;
}

/** The files of `files` that are not present under the vectors folder. */
export const missingVectors = (files: readonly string[]): string[] =>
  files.filter((f) => !existsSync(vectorPath(f)));

/**
 * `describe(name, body)` when every file of `files` is present. Otherwise `body` is not run (it
 * would read the files): under CI the suite holds one failing test naming what is missing; elsewhere
 * it is skipped with a warning.
 */
export function describeWithVectors(name: string, files: readonly string[], body: () => void): void {
  const missing = missingVectors(files);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const why =
    `shared vectors missing under ${VECTORS_DIR}: ${missing.join(', ')} ` +
    '(set SEXTANT_VECTORS_DIR, or place shared/vectors beside the repository)';
  if (VECTORS_REQUIRED) {
    describe(name, () => {
      it('has its shared vectors (required when CI=true)', () => {
        throw new Error(why);
      });
    });
    return;
  }
  console.warn(`[vectors] ${name}: skipped, ${why}`);
  describe.skip(name, () => {
    it(`skipped: ${why}`, () => {});
  });
}
