import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithVectors, readVectors } from '../../../test/vectors/wallet/sharedVectors.js';
import { decryptKeystore } from './decryptKeystore.js';
import { decryptVault } from './decryptVault.js';
import { encryptKeystore } from './encryptKeystore.js';
import { encryptVault } from './encryptVault.js';
import { KeystoreError } from './keystoreError.js';
import { readSecretFile } from './readSecretFile.js';
import { writeSecretFile } from './writeSecretFile.js';

const LOW_N = 1 << 4; // tests only: keeps scrypt fast
const KEY = hexToBytes('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

async function rejects(p: Promise<unknown>): Promise<KeystoreError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KeystoreError) return err;
    throw err;
  }
  throw new Error('expected a KeystoreError');
}

describeWithVectors('ethers wallets.json.gz', ['ethers/wallets.json.gz'], () => {
  type W = { name: string; type: string; address: string; password: string; content: string };
  const all = readVectors<W[]>('ethers/wallets.json.gz');
  const keystores = all.filter((w) => w.type === 'keystore');
  // Crowdsale (2014 presale) wallets are a different format and are not supported: skipped on purpose.
  it(`decrypts all ${keystores.length} keystore wallets (skips ${all.length - keystores.length} crowdsale)`, async () => {
    expect(keystores.length).toBeGreaterThan(0);
    for (const w of keystores) {
      const { address } = await decryptKeystore(w.content, hexToBytes(w.password.slice(2)));
      expect(address, w.name).toBe(w.address);
    }
  }, 120_000);
  it('wrong password → KEYSTORE_BAD_PASSWORD', async () => {
    const w = keystores.find((k) => JSON.parse(k.content).crypto?.kdfparams?.n <= 1 << 18) ?? keystores[0]!;
    expect((await rejects(decryptKeystore(w.content, 'definitely wrong'))).code).toBe(
      'KEYSTORE_BAD_PASSWORD',
    );
  }, 60_000);
});

describe('keystore round trip', () => {
  it('ethers can read what we write (scrypt) and we read ethers', async () => {
    const { Wallet, encryptKeystoreJsonSync } = await import('ethers');
    const ours = await encryptKeystore(KEY, 'pässwörd', { scryptN: LOW_N });
    const w = await Wallet.fromEncryptedJson(JSON.stringify(ours), 'pässwörd');
    expect(w.privateKey).toBe('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
    const theirs = encryptKeystoreJsonSync({ address: w.address, privateKey: w.privateKey }, 'x', {
      scrypt: { N: LOW_N },
    });
    expect((await decryptKeystore(theirs, 'x')).address).toBe(w.address);
  });
  it('property: decrypt(encrypt(k)) = k for scrypt and pbkdf2', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => k.some((b) => b !== 0) && k[0]! < 0xff),
        fc.string(),
        fc.constantFrom('scrypt' as const, 'pbkdf2' as const),
        async (key, password, kdf) => {
          const ks = await encryptKeystore(key, password, { kdf, scryptN: LOW_N, pbkdf2Rounds: 10 });
          const out = await decryptKeystore(JSON.stringify(ks), password);
          expect(out.privateKey).toEqual(key);
        },
      ),
      { numRuns: 25 },
    );
  });
  it('names malformed fields', async () => {
    const ks = await encryptKeystore(KEY, 'pw', { scryptN: LOW_N });
    const bad = { ...ks, crypto: { ...ks.crypto, mac: 'zz' } };
    const err = await rejects(decryptKeystore(bad, 'pw'));
    expect([err.code, err.field]).toEqual(['KEYSTORE_MALFORMED', 'crypto.mac']);
    expect((await rejects(decryptKeystore('{nope', 'pw'))).code).toBe('KEYSTORE_MALFORMED');
    const noSalt = JSON.parse(JSON.stringify(ks));
    delete noSalt.crypto.kdfparams.salt;
    expect((await rejects(decryptKeystore(noSalt, 'pw'))).field).toBe('crypto.kdfparams.salt');
    expect((await rejects(decryptKeystore(ks, 'wrong'))).code).toBe('KEYSTORE_BAD_PASSWORD');
  });
});

describe('vault', () => {
  const contents = {
    mnemonic: ABANDON,
    accounts: [
      {
        chain: 'evm' as const,
        index: 0,
        address: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94',
        label: 'main',
      },
    ],
  };
  it('round-trips, detects wrong password and header tampering', async () => {
    const vault = await encryptVault(contents, 'pw', { scryptN: LOW_N });
    expect(JSON.stringify(vault)).not.toContain('abandon');
    expect(await decryptVault(JSON.stringify(vault), 'pw')).toEqual(contents);
    expect((await rejects(decryptVault(vault, 'nope'))).code).toBe('KEYSTORE_BAD_PASSWORD');
    const tampered = { ...vault, kdf: { ...vault.kdf, r: 1 } };
    expect((await rejects(decryptVault(tampered, 'pw'))).code).toBe('KEYSTORE_BAD_PASSWORD');
    expect((await rejects(decryptVault({ ...vault, tag: 'ab' }, 'pw'))).field).toBe('tag');
  });

  it('keeps a BIP39 passphrase inside the ciphertext, and leaves an empty one out', async () => {
    const withPassphrase = { ...contents, passphrase: 'correct horse' };
    const vault = await encryptVault(withPassphrase, 'pw', { scryptN: LOW_N });
    expect(JSON.stringify(vault)).not.toContain('horse');
    expect(await decryptVault(vault, 'pw')).toEqual(withPassphrase);
    const empty = await encryptVault({ ...contents, passphrase: '' }, 'pw', { scryptN: LOW_N });
    expect(await decryptVault(empty, 'pw')).toEqual(contents);
  });
});

describe('secret files', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  it('writes 0600 atomically, overwrites, leaves no temp files, refuses loose modes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sextant-secret-'));
    const path = join(dir, 'vault.json');
    await writeSecretFile(path, 'one');
    await writeSecretFile(path, 'two');
    expect(await readSecretFile(path)).toBe('two');
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['vault.json']);
    const loose = join(dir, 'loose.json');
    await writeFile(loose, 'x', { mode: 0o644 });
    if (process.platform !== 'win32')
      await expect(readSecretFile(loose)).rejects.toBeInstanceOf(KeystoreError);
  });
});
