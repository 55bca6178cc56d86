import { sha256 } from '@noble/hashes/sha2.js';
import { base58, createBase58check } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { describe, expect, it } from 'vitest';
import { AppError } from '../internal/errors.js';
import {
  exportAccountXpub,
  generateMnemonic,
  generateSlip39Shares,
  mnemonicToSeed,
  splitMnemonic,
} from '../wallet/index.js';
import { findSecret, isSecretFieldName, refuseSecrets, TooDeepError } from './secretGuard.js';

const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const KEY_HEX = Buffer.from(KEY).toString('hex');
const seed = mnemonicToSeed(MNEMONIC);

describe('findSecret', () => {
  it('finds every kind of secret, by value, anywhere', () => {
    const wif = createBase58check(sha256).encode(Uint8Array.from([0x80, ...KEY, 0x01]));
    const slip39 = generateSlip39Shares(KEY.slice(0, 16), {
      groupThreshold: 1,
      groups: [[2, 3]],
      iterationExponent: 0,
    })[0]![0]!;
    const cases: [unknown, string][] = [
      [{ note: MNEMONIC }, 'BIP39 mnemonic'],
      [{ note: generateMnemonic({ words: 24 }).toUpperCase() }, 'BIP39 mnemonic'],
      [{ note: `my words: 1. ${MNEMONIC.split(' ').join(' 2. ')} thanks` }, 'BIP39 mnemonic'],
      [{ list: MNEMONIC.split(' ') }, 'BIP39 mnemonic'],
      [MNEMONIC, 'BIP39 mnemonic'],
      [{ a: [{ b: HDKey.fromMasterSeed(seed).privateExtendedKey }] }, 'extended private key'],
      [
        { note: splitMnemonic(MNEMONIC, { threshold: 2, count: 3 })[0] },
        'Sextant recovery share (sxshare1…)',
      ],
      [{ note: slip39 }, 'SLIP-39 share'],
      [{ note: `key ${wif}` }, 'WIF private key'],
      [{ note: '-----BEGIN EC PRIVATE KEY-----\nMHQ…' }, 'PEM private key'],
      [{ extra: `0x${KEY_HEX}` }, 'private key (32-byte hex)'],
      [{ extra: KEY_HEX.toUpperCase() }, 'private key (32-byte hex)'],
      [{ extra: base58.encode(new Uint8Array(64).fill(7)) }, 'Solana secret key (64-byte base58)'],
      [{ extra: Array.from(KEY) }, 'private key bytes'],
      [{ [MNEMONIC]: true }, 'BIP39 mnemonic'],
    ];
    for (const [body, kind] of cases)
      expect(findSecret(body)?.kind, JSON.stringify(body).slice(0, 60)).toBe(kind);
  });

  it('names secret-looking keys, and reports where (never the value)', () => {
    for (const key of [
      'privateKey',
      'private_key',
      'PRIVATE-KEY',
      'secret',
      'clientSecret',
      'mnemonic',
      'seed',
      'seedPhrase',
      'masterSeed',
      'password',
      'passphrase',
      'xprv',
      'share',
      'shares',
      'slip39Shares',
      'recoveryPhrase',
      'wif',
      'pk',
      'keystore',
    ])
      expect(isSecretFieldName(key), key).toBe(true);
    for (const key of [
      'address',
      'message',
      'signature',
      'typedData',
      'raw',
      'xpub',
      'token',
      'nonce',
      'chainId',
      'expected',
      'hashes',
      'exceed',
    ])
      expect(isSecretFieldName(key), key).toBe(false);
    expect(findSecret({ a: { privateKey: 1 } })).toEqual({
      kind: 'secret field name',
      path: ['a', 'privateKey'],
    });
    // A key that is itself a secret is reported at its parent.
    expect(findSecret({ a: { [`0x${KEY_HEX}`]: 1 } })).toEqual({
      kind: 'private key (32-byte hex)',
      path: ['a'],
    });
  });

  it('leaves public data alone', () => {
    const xpub = exportAccountXpub(seed, { chain: 'bitcoin-segwit' });
    const body = {
      address: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf',
      xpub,
      signature: `0x${'ab'.repeat(65)}`,
      raw: `0x02${'cd'.repeat(120)}`,
      message: 'Sign in to the Sextant dashboard with your wallet to see alerts.',
      text: 'abandon ability able about above absent absorb abstract absurd abuse access', // 11 words
      token: 'sxs_Jq3vD0n8Yc1mB6tX2eR9wL4kF7hA5pZ0uQ3sG8iN1oV',
      solana: 'So11111111111111111111111111111111111111112',
      bytes: [1, 2, 3],
    };
    expect(findSecret(body)).toBeNull();
  });

  it('opaque fields may hold 32-byte hex and secret-like names, but not unambiguous secrets', () => {
    const typedData = {
      types: {
        Deposit: [
          { name: 'shares', type: 'uint256' },
          { name: 'secret', type: 'bytes32' },
        ],
      },
      message: { shares: '100', secret: `0x${KEY_HEX}`, salt: Array.from(KEY) },
    };
    const policy = { opaque: ['typedData', 'message', 'expected.nonce'] };
    expect(
      findSecret({ typedData, message: `0x${KEY_HEX}`, expected: { nonce: KEY_HEX } }, policy),
    ).toBeNull();
    // The same values outside the opaque fields are refused.
    expect(findSecret({ expected: { domain: KEY_HEX } }, policy)?.kind).toBe('private key (32-byte hex)');
    expect(findSecret({ typedDataX: typedData }, policy)?.kind).toBe('secret field name');
    expect(findSecret({ typedData: { message: { note: MNEMONIC } } }, policy)).toEqual({
      kind: 'BIP39 mnemonic',
      path: ['typedData', 'message', 'note'],
    });
  });

  it('refuses bodies it cannot scan completely', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(() => findSecret(deep)).toThrow(TooDeepError);
  });
});

describe('refuseSecrets', () => {
  /** What `inspect(body)` threw, as the problem fields the client sees. */
  const thrown = (inspect: (body: unknown) => void, body: unknown) => {
    try {
      inspect(body);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return {
        code: err.code,
        status: err.status,
        detail: err.message,
        issues: err.issues,
        extra: err.extra,
      };
    }
    return null;
  };

  it('lets public data and missing bodies through', () => {
    const inspect = refuseSecrets();
    for (const body of [
      undefined,
      null,
      {},
      [],
      'hello',
      { address: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf' },
    ])
      expect(thrown(inspect, body), JSON.stringify(body)).toBeNull();
  });

  it('refuses with 400 SECRET_REJECTED naming the field and the kind, never the value', () => {
    const inspect = refuseSecrets();
    for (const [body, path, kind] of [
      [{ note: MNEMONIC }, ['note'], 'BIP39 mnemonic'],
      [{ a: [{ extra: `0x${KEY_HEX}` }] }, ['a', 0, 'extra'], 'private key (32-byte hex)'],
      [{ privateKey: 'x' }, ['privateKey'], 'secret field name'],
      [MNEMONIC, [], 'BIP39 mnemonic'],
    ] as const) {
      const e = thrown(inspect, body);
      expect(e).toMatchObject({ code: 'SECRET_REJECTED', status: 400, extra: { secretKind: kind } });
      expect(e?.issues).toEqual([{ path, message: expect.any(String), in: 'body' }]);
      expect(e?.detail).toContain('never accepts private keys, mnemonics');
      const shown = JSON.stringify(e);
      expect(shown).not.toContain(KEY_HEX);
      expect(shown).not.toContain(MNEMONIC.split(' ').slice(0, 3).join(' '));
    }
    expect(thrown(inspect, MNEMONIC)?.detail).toMatch(/^the body looks like a BIP39 mnemonic\./);
    expect(thrown(inspect, { privateKey: 'x' })?.detail).toMatch(
      /^body 'privateKey' is named like a secret\./,
    );
  });

  it('follows its scan policy: opaque fields may hold 32-byte hex', () => {
    const body = { message: `0x${KEY_HEX}` };
    expect(thrown(refuseSecrets({ opaque: ['message'] }), body)).toBeNull();
    expect(thrown(refuseSecrets(), body)?.code).toBe('SECRET_REJECTED');
  });

  it('refuses a body too deep to scan as a validation failure', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(thrown(refuseSecrets(), deep)).toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
      issues: [{ path: [], message: 'nests too deeply', in: 'body' }],
    });
  });
});
