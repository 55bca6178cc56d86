import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';
import { WIF } from '@scure/btc-signer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import bip32 from '../../../test/vectors/wallet/bip32.json' with { type: 'json' };
import bip84 from '../../../test/vectors/wallet/bip84.json' with { type: 'json' };
import bip86 from '../../../test/vectors/wallet/bip86.json' with { type: 'json' };
import { describeWithVectors, readVectors } from '../../../test/vectors/wallet/sharedVectors.js';
import slip10Ed from '../../../test/vectors/wallet/slip10-ed25519.json' with { type: 'json' };
import slip10Secp from '../../../test/vectors/wallet/slip10-secp256k1.json' with { type: 'json' };
import { deriveAccounts } from './deriveAccounts.js';
import { deriveAddressFromXpub } from './deriveAddressFromXpub.js';
import { deriveBitcoinAccount } from './deriveBitcoinAccount.js';
import { deriveEvmAccount } from './deriveEvmAccount.js';
import { evmAddress } from './evmAddress.js';
import { exportAccountXpub } from './exportAccountXpub.js';
import { KeyDerivationError } from './keyDerivationError.js';
import { mnemonicToSeed } from './mnemonicToSeed.js';
import { slip10Ed25519 } from './slip10Ed25519.js';

const ABANDON =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const seed = mnemonicToSeed(ABANDON);

describe('BIP32 test vectors 1-5 (through @scure/bip32)', () => {
  for (const v of bip32.valid) {
    it(`vector ${v.vector}: ${v.chains.length} chains`, () => {
      const root = HDKey.fromMasterSeed(hexToBytes(v.seed));
      for (const [path, xpub, xprv] of v.chains) {
        const node = root.derive(path!);
        expect(node.publicExtendedKey).toBe(xpub);
        expect(node.privateExtendedKey).toBe(xprv);
      }
    });
  }
  it(`vector 5: rejects the invalid extended keys`, () => {
    // The last two entries (zero parent fingerprint with non-zero depth) are not in every copy of the spec
    // and are legitimately accepted by @scure/bip32, so they are checked only for not crashing.
    const strict = bip32.invalid.slice(0, 16);
    for (const [key, why] of strict) {
      expect(() => HDKey.fromExtendedKey(key!), why).toThrow();
    }
  });
});

describe('SLIP-10 vectors', () => {
  it('secp256k1 (through @scure/bip32)', () => {
    let n = 0;
    for (const v of slip10Secp.vectors) {
      const root = HDKey.fromMasterSeed(hexToBytes(v.seed));
      for (const c of v.chains) {
        const node = root.derive(c.path);
        expect(bytesToHex(node.chainCode!), c.path).toBe(c.chainCode);
        expect(bytesToHex(node.privateKey!)).toBe(c.private);
        n++;
      }
    }
    expect(n).toBe(12);
  });
  it('ed25519 (slip10Ed25519)', () => {
    let n = 0;
    for (const v of slip10Ed.vectors) {
      for (const c of v.chains) {
        const node = slip10Ed25519(hexToBytes(v.seed), c.path);
        expect(bytesToHex(node.chainCode), c.path).toBe(c.chainCode);
        expect(bytesToHex(node.privateKey)).toBe(c.private);
        expect(`00${bytesToHex(node.publicKey)}`).toBe(c.public);
        n++;
      }
    }
    expect(n).toBe(12);
  });
  it('ed25519 refuses non-hardened steps', () => {
    expect(() => slip10Ed25519(seed, 'm/0')).toThrow(KeyDerivationError);
  });
});

describe('Bitcoin', () => {
  const s = mnemonicToSeed(bip84.mnemonic);
  it('BIP84 vectors', () => {
    expect(HDKey.fromMasterSeed(s, { private: 0x04b2430c, public: 0x04b24746 }).privateExtendedKey).toBe(
      bip84.rootpriv,
    );
    expect(exportAccountXpub(s, { chain: 'bitcoin-segwit' })).toBe(bip84.account0Xpub);
    const [first, second, change] = bip84.addresses;
    const a0 = deriveBitcoinAccount(s, 0);
    expect(a0.address).toBe(first!.address);
    expect(bytesToHex(a0.publicKey)).toBe(first!.pubkey);
    expect(WIF().encode(a0.privateKey)).toBe(first!.privkeyWif);
    expect(deriveBitcoinAccount(s, 1).address).toBe(second!.address);
    expect(deriveBitcoinAccount(s, 0, { change: 1 }).address).toBe(change!.address);
    expect(deriveAddressFromXpub(bip84.account0Xpub, { index: 1 })).toBe(second!.address);
    expect(deriveAddressFromXpub(bip84.account0Xpub, { index: 0, change: 1 })).toBe(change!.address);
  });
  it('BIP86 vectors', () => {
    expect(exportAccountXpub(s, { chain: 'bitcoin-taproot' })).toBe(bip86.account0Xpub);
    const [first, second, change] = bip86.addresses;
    const a0 = deriveBitcoinAccount(s, 0, { purpose: 86 });
    expect(bytesToHex(a0.publicKey)).toBe(first!.internalKey);
    expect(a0.address).toBe(first!.address);
    expect(deriveBitcoinAccount(s, 1, { purpose: 86 }).address).toBe(second!.address);
    expect(deriveBitcoinAccount(s, 0, { purpose: 86, change: 1 }).address).toBe(change!.address);
    expect(deriveAddressFromXpub(bip86.account0Xpub, { index: 1, kind: 'p2tr' })).toBe(second!.address);
    expect(() => deriveAddressFromXpub(bip86.account0Xpub, { index: 1 })).toThrow(KeyDerivationError);
  });
  it('testnet: tb1q / tb1p, vpub / tpub, watch-only matches', () => {
    const seg = deriveBitcoinAccount(s, 3, { network: 'testnet' });
    const tr = deriveBitcoinAccount(s, 3, { network: 'testnet', purpose: 86 });
    expect(seg.address).toMatch(/^tb1q/);
    expect(tr.address).toMatch(/^tb1p/);
    const vpub = exportAccountXpub(s, { chain: 'bitcoin-segwit', network: 'testnet' });
    const tpub = exportAccountXpub(s, { chain: 'bitcoin-taproot', network: 'testnet' });
    expect(vpub).toMatch(/^vpub/);
    expect(tpub).toMatch(/^tpub/);
    expect(deriveAddressFromXpub(vpub, { index: 3 })).toBe(seg.address);
    expect(deriveAddressFromXpub(tpub, { index: 3, kind: 'p2tr' })).toBe(tr.address);
  });
  it('rejects private extended keys for watch-only', () => {
    const xprv = HDKey.fromMasterSeed(s).privateExtendedKey;
    expect(() => deriveAddressFromXpub(xprv, { index: 0, kind: 'p2tr' })).toThrow(KeyDerivationError);
  });
});

describe('EVM', () => {
  it('MetaMask / ethers default address for the abandon mnemonic', () => {
    expect(deriveEvmAccount(seed, 0).address).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  });
  it('xpub watch-only equals derived addresses', () => {
    const xpub = exportAccountXpub(seed, { chain: 'evm' });
    for (const a of deriveAccounts(seed, { chain: 'evm', from: 0, count: 3 })) {
      expect(deriveAddressFromXpub(xpub, { index: a.index, kind: 'evm' })).toBe(a.address);
    }
  });
});

describeWithVectors('ethers accounts.json.gz', ['ethers/accounts.json.gz'], () => {
  it('private key -> checksummed address, every case', () => {
    const cases = readVectors<{ privateKey: string; address: string }[]>('ethers/accounts.json.gz');
    let n = 0;
    for (const c of cases) {
      expect(evmAddress(hexToBytes(c.privateKey.slice(2)))).toBe(c.address);
      n++;
    }
    expect(n).toBe(cases.length);
    expect(n).toBeGreaterThan(0);
  });
});

describe('Solana', () => {
  it('matches Phantom / Solflare for the abandon mnemonic', () => {
    const [a0] = deriveAccounts(seed, { chain: 'solana', from: 0, count: 1 });
    expect(a0!.path).toBe("m/44'/501'/0'/0'");
    expect(a0!.address).toBe('HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk');
  });
});

describe('deriveAccounts', () => {
  it('derives a contiguous range and validates options', () => {
    const got = deriveAccounts(seed, { chain: 'bitcoin-taproot', from: 5, count: 3 });
    expect(got.map((a) => a.index)).toEqual([5, 6, 7]);
    expect(() => deriveAccounts(seed, { chain: 'evm', from: -1, count: 1 })).toThrow(KeyDerivationError);
    expect(() => deriveAccounts(seed, { chain: 'evm', count: 100_000 })).toThrow(KeyDerivationError);
  });
  it('property: account i of a range equals the single derivation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (i) => {
        const [a] = deriveAccounts(seed, { chain: 'evm', from: i, count: 1 });
        expect(a!.address).toBe(deriveEvmAccount(seed, i).address);
      }),
      { numRuns: 10 },
    );
  });
  it('a range (parent derived once) equals the single derivation for every chain, keys included', () => {
    const single = {
      evm: (i: number) => deriveEvmAccount(seed, i, { account: 2 }),
      'bitcoin-segwit': (i: number) => deriveBitcoinAccount(seed, i, { account: 2, network: 'testnet' }),
      'bitcoin-taproot': (i: number) =>
        deriveBitcoinAccount(seed, i, { purpose: 86, account: 2, network: 'testnet' }),
    } as const;
    for (const chain of ['evm', 'bitcoin-segwit', 'bitcoin-taproot'] as const) {
      const range = deriveAccounts(seed, { chain, from: 7, count: 4, account: 2, network: 'testnet' });
      expect(range.map((a) => a.index)).toEqual([7, 8, 9, 10]);
      for (const a of range) {
        const one = single[chain](a.index);
        expect(a.path, chain).toBe(one.path);
        expect(a.address, chain).toBe(one.address);
        expect(bytesToHex(a.publicKey)).toBe(bytesToHex(one.publicKey));
        expect(bytesToHex(a.privateKey)).toBe(bytesToHex(one.privateKey));
      }
    }
  });
  it('the EVM address from the public key equals the one from the private key', () => {
    for (const a of deriveAccounts(seed, { chain: 'evm', from: 0, count: 3 })) {
      expect(evmAddress(a.privateKey)).toBe(a.address);
    }
  });
  it('rejects a bad account, index or seed with a KeyDerivationError', () => {
    expect(() => deriveAccounts(seed, { chain: 'evm', count: 1, account: -1 })).toThrow(KeyDerivationError);
    expect(() => deriveAccounts(seed, { chain: 'bitcoin-segwit', count: 1, account: 2 ** 31 })).toThrow(
      KeyDerivationError,
    );
    expect(() => deriveEvmAccount(seed, -1)).toThrow(KeyDerivationError);
    expect(() => deriveBitcoinAccount(seed, 1.5)).toThrow(KeyDerivationError);
    expect(() => deriveAccounts(new Uint8Array(8), { chain: 'evm', count: 1 })).toThrow(KeyDerivationError);
  });
});

describe('Solana account discovery', () => {
  it('deriveAccounts (parent derived once) equals deriveSolanaAccount per index', async () => {
    const { deriveAccounts, deriveSolanaAccount, mnemonicToSeed } = await import('./index.js');
    const seed = mnemonicToSeed('test test test test test test test test test test test junk');
    const batch = deriveAccounts(seed, { chain: 'solana', from: 3, count: 5 });
    expect(batch.map((a) => a.index)).toEqual([3, 4, 5, 6, 7]);
    for (const a of batch) {
      const one = deriveSolanaAccount(seed, a.index);
      expect(a.address).toBe(one.address);
      expect(bytesToHex(a.privateKey)).toBe(bytesToHex(one.privateKey));
      expect(a.path).toBe(one.path);
    }
  });
});
