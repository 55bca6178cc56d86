import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as wallet from './index.js';
import * as keystore from './keystore/index.js';

const WALLET_DIR = dirname(fileURLToPath(import.meta.url));
const SRC_DIR = resolve(WALLET_DIR, '..');
/** Modules that do I/O (disk, network, processes) or belong to the server side. */
const FORBIDDEN =
  /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|dns|child_process|worker_threads|cluster)$|^(pg|ioredis|ccxt|ws|fastify)(\/|$)/;

/** Every module reachable from `entry` through relative imports, and the packages they import. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('sextant/wallet', () => {
  it('is pure: no module it loads does disk or network I/O', () => {
    const { files, packages } = importGraph(join(WALLET_DIR, 'index.ts'));
    expect([...packages].filter((p) => FORBIDDEN.test(p))).toEqual([]);
    // Outside the wallet folder it only reaches the error registry (a pure module).
    const outside = [...files].filter((f) => !f.startsWith(WALLET_DIR)).map((f) => relative(SRC_DIR, f));
    expect(outside).toEqual(['internal/errors.ts']);
    expect(files.size).toBeGreaterThan(50);
  });

  it('leaves the keystore file helpers out, and exposes the rest of each part', () => {
    expect('writeSecretFile' in wallet).toBe(false);
    expect('readSecretFile' in wallet).toBe(false);
    // Every other runtime export of the keystore part is here (catches a new one left out).
    const missing = Object.keys(keystore).filter(
      (k) => !['writeSecretFile', 'readSecretFile'].includes(k) && !(k in wallet),
    );
    expect(missing).toEqual([]);
    for (const name of [
      'validateAddress',
      'deriveAddressFromXpub',
      'encryptKeystore',
      'combineSlip39Shares',
      'decodeSignedTransaction',
      'verifyTypedDataSignature',
      'verifySiweMessage',
      'createNonce',
    ])
      expect(typeof (wallet as Record<string, unknown>)[name], name).toBe('function');
  });
});
