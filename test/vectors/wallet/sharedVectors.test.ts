import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { missingVectors, VECTORS_DIR } from './sharedVectors.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const VITEST = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
// A small suite that needs one vector file: what happens to it when the folder is missing.
const PROBE = 'src/wallet/recovery/slip39.test.ts';
const empty = mkdtempSync(join(tmpdir(), 'sextant-no-vectors-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

function runProbe(env: Record<string, string | undefined>) {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const out = spawnSync(process.execPath, [VITEST, 'run', PROBE], {
    cwd: REPO_ROOT,
    env: childEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: out.status, output: `${out.stdout}\n${out.stderr}` };
}

describe('shared vectors location', () => {
  it('is SEXTANT_VECTORS_DIR, else ../shared/vectors beside the repository root (no fixed path)', () => {
    const expected = process.env.SEXTANT_VECTORS_DIR
      ? resolve(process.env.SEXTANT_VECTORS_DIR)
      : join(REPO_ROOT, '..', 'shared', 'vectors');
    expect(VECTORS_DIR).toBe(expected);
  });
  it('names what is missing', () => {
    expect(missingVectors(['no/such/file.json'])).toEqual(['no/such/file.json']);
  });
  it('CI=true and no vectors folder: the vector suite fails, saying where it looked', () => {
    const { status, output } = runProbe({ CI: 'true', SEXTANT_VECTORS_DIR: join(empty, 'absent') });
    expect(status).not.toBe(0);
    expect(output).toContain('shared vectors missing under');
    expect(output).toContain('slip39/vectors.json');
  }, 90_000);
  it('outside CI and no vectors folder: skipped with a clear message, the rest still runs', () => {
    const { status, output } = runProbe({ CI: undefined, SEXTANT_VECTORS_DIR: join(empty, 'absent') });
    expect(status).toBe(0);
    expect(output).toContain('[vectors] SLIP-39 vectors (slip39/vectors.json): skipped');
    expect(output).toMatch(/\d+ passed/);
    expect(output).toMatch(/\d+ skipped/);
  }, 90_000);
});
