import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58, bech32, createBase58check } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { bytesToHex, type Hex, hexToBytes, keccak256, toRlp } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSiweMessage,
  deriveEvmAccount,
  deriveSolanaAccount,
  evmAddress,
  exportAccountXpub,
  generateSlip39Shares,
  mnemonicToSeed,
  type SiweMessage,
  signDigest,
  signMessage,
  signTransaction,
  signTypedData,
  splitMnemonic,
} from '../../src/wallet/index.js';
import { startTestServer, stopTestServer, type TestServer } from '../helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON
type Json = Record<string, any>;

// Test-only secrets. The last test checks that none of them ever leaves the server.
// Made only of words that never occur in API output or logs, so the final scan can look for each
// word on its own: a leak of a single word is caught, not only of the whole phrase. (None of them is
// a SLIP-39 word either, so shares printed on purpose cannot contain one.)
const MNEMONIC =
  'walnut zebra oyster pumpkin lobster giraffe kangaroo dolphin mango coconut broccoli hedgehog';
const PASSPHRASE = 'quokka-marmalade-7731';
const VECTOR_MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PRIVATE_KEY = hexToBytes(
  `0x${createHash('sha256').update('sextant wallet api test key').digest('hex')}`,
);
const PRIVATE_KEY_HEX = bytesToHex(PRIVATE_KEY);
const OTHER_KEY = hexToBytes(`0x${createHash('sha256').update('sextant other key').digest('hex')}`);
const ADDRESS = evmAddress(PRIVATE_KEY);
const SEED = mnemonicToSeed(MNEMONIC, { passphrase: PASSPHRASE });
const XPRV = HDKey.fromMasterSeed(SEED).privateExtendedKey;
const SX_SHARES = splitMnemonic(MNEMONIC, { threshold: 2, count: 3 });
const SX_SHARE = SX_SHARES[0]!;
const SLIP39_SHARE = generateSlip39Shares(PRIVATE_KEY.slice(0, 16), {
  groupThreshold: 1,
  groups: [[2, 3]],
  iterationExponent: 0,
})[0]![0]!;
const WIF = createBase58check(sha256).encode(Uint8Array.from([0x80, ...PRIVATE_KEY, 0x01]));

const DOMAIN = 'app.example.com';
const T0 = Date.UTC(2025, 6, 1, 12);
const MINUTE = 60_000;

const ZPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';

describe('wallet API', () => {
  let server: TestServer;
  let clock = T0;
  /** Every response body, for the no-echo check at the end. */
  const seen: string[] = [];
  const post = async (url: string, payload?: unknown) => {
    const r = await server.app.inject({
      method: 'POST',
      url,
      ...(payload === undefined
        ? {}
        : { payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }),
    });
    seen.push(r.body);
    return { status: r.statusCode, body: r.json() as Json, headers: r.headers };
  };

  beforeAll(async () => {
    server = await startTestServer(
      { ANONYMOUS_RPM: '100000', SIWE_DOMAINS: `${DOMAIN},localhost:5173`, SIWE_SESSION_TTL_SECONDS: '3600' },
      { now: () => clock },
    );
  });
  afterAll(() => stopTestServer(server));

  describe('POST /v1/wallet/address/validate', () => {
    const check = (chain: string, address: string, extra: object = {}) =>
      post('/v1/wallet/address/validate', { chain, address, ...extra });
    const VITALIK = '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045';

    it('EVM: checksummed, unchecksummed (lower and upper case) and wrong checksums', async () => {
      const ok = await check('evm', VITALIK);
      expect(ok.status).toBe(200);
      expect(ok.headers['cache-control']).toBe('no-store');
      expect(ok.body).toMatchObject({ valid: true, chain: 'evm', normalized: VITALIK, checksum: 'valid' });
      for (const v of [VITALIK.toLowerCase(), `0x${VITALIK.slice(2).toUpperCase()}`]) {
        const r = await check('evm', v);
        expect(r.body).toMatchObject({ valid: true, normalized: VITALIK, checksum: 'absent' });
        expect(r.body.detail).toContain(VITALIK);
        expect(r.body.reason).toBeUndefined();
      }
      // One letter's case flipped: the checksum no longer matches.
      const flipped = `${VITALIK.slice(0, 5)}${VITALIK[5]!.toUpperCase() === VITALIK[5] ? VITALIK[5]!.toLowerCase() : VITALIK[5]!.toUpperCase()}${VITALIK.slice(6)}`;
      expect(flipped.toLowerCase()).toBe(VITALIK.toLowerCase());
      const bad = await check('evm', flipped);
      expect(bad.status).toBe(200);
      expect(bad.body).toMatchObject({
        valid: false,
        reason: 'checksum mismatch',
        checksum: 'mismatch',
        expected: VITALIK,
      });
      expect(bad.body.normalized).toBeUndefined();
      expect((await check('evm', VITALIK.slice(0, 40))).body).toMatchObject({
        valid: false,
        reason: 'wrong length',
      });
      expect((await check('evm', VITALIK.slice(2))).body).toMatchObject({
        valid: false,
        reason: 'missing 0x prefix',
      });
      expect((await check('evm', `${VITALIK.slice(0, 41)}g`)).body).toMatchObject({
        valid: false,
        reason: 'malformed',
      });
      expect((await check('evm', ` ${VITALIK}`)).body).toMatchObject({ valid: false, reason: 'malformed' });
    });

    it('Bitcoin: bech32, bech32m, base58check, networks and precise failures', async () => {
      const p2wpkh = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
      expect((await check('bitcoin', p2wpkh)).body).toMatchObject({
        valid: true,
        type: 'p2wpkh',
        network: 'mainnet',
        normalized: p2wpkh,
      });
      expect((await check('bitcoin', p2wpkh.toUpperCase())).body).toMatchObject({
        valid: true,
        normalized: p2wpkh,
      });
      const p2tr = 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297';
      expect((await check('bitcoin', p2tr)).body).toMatchObject({ valid: true, type: 'p2tr' });
      expect((await check('bitcoin', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2')).body).toMatchObject({
        valid: true,
        type: 'p2pkh',
        network: 'mainnet',
      });
      expect((await check('bitcoin', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy')).body).toMatchObject({
        valid: true,
        type: 'p2sh',
      });
      const testnet = 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx';
      expect((await check('bitcoin', testnet)).body).toMatchObject({ valid: true, network: 'testnet' });
      expect((await check('bitcoin', testnet, { network: 'mainnet' })).body).toMatchObject({
        valid: false,
        reason: 'wrong network',
      });
      expect((await check('bitcoin', `${p2wpkh.slice(0, -1)}x`)).body).toMatchObject({
        valid: false,
        reason: 'bad checksum',
      });
      expect((await check('bitcoin', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3')).body).toMatchObject({
        valid: false,
        reason: 'bad checksum',
      });
      // A taproot program encoded with the v0 checksum (bech32 instead of bech32m).
      const trWords = [1, ...bech32.toWords(hexToBytes(`0x${'11'.repeat(32)}`))];
      const wrongVariant = bech32.encode('bc', trWords);
      expect((await check('bitcoin', wrongVariant)).body).toMatchObject({
        valid: false,
        reason: 'wrong checksum variant',
      });
      expect((await check('bitcoin', 'bc1qAr0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq')).body).toMatchObject({
        valid: false,
        reason: 'mixed case',
      });
    });

    it('Solana: base58 of 32 bytes, on or off the curve', async () => {
      const account = deriveSolanaAccount(SEED, 0);
      expect((await check('solana', account.address)).body).toMatchObject({
        valid: true,
        normalized: account.address,
        type: 'on-curve',
      });
      expect((await check('solana', base58.encode(new Uint8Array(31).fill(9)))).body).toMatchObject({
        valid: false,
        reason: 'wrong length',
      });
      expect((await check('solana', `0${account.address.slice(1)}`)).body).toMatchObject({
        valid: false,
        reason: 'malformed',
      });
    });

    it('malformed requests are 400 VALIDATION_FAILED', async () => {
      const unknown = await check('dogecoin', 'D8v…');
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(unknown.body.issues[0]).toMatchObject({ path: ['chain'], in: 'body' });
      // One issue for a bad enum value, not one per allowed value.
      expect(unknown.body.issues).toHaveLength(1);
      const missing = await post('/v1/wallet/address/validate', { chain: 'evm' });
      expect(missing.status).toBe(400);
      expect(missing.body.issues[0].path).toEqual(['address']);
      expect((await post('/v1/wallet/address/validate', ['evm'])).status).toBe(400);
      const empty = await server.app.inject({ method: 'POST', url: '/v1/wallet/address/validate' });
      expect(empty.statusCode).toBe(400);
      expect(empty.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('unknown fields without secrets are ignored', async () => {
      const r = await check('evm', VITALIK, { note: 'from the checkout page', n: 1 });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ valid: true, checksum: 'valid' });
    });
  });

  describe('POST /v1/wallet/xpub/addresses', () => {
    it('derives the BIP84 vector addresses from its zpub, receive and change', async () => {
      const r = await post('/v1/wallet/xpub/addresses', { xpub: ZPUB, count: 2 });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        kind: 'p2wpkh',
        network: 'mainnet',
        change: 0,
        addresses: [
          { index: 0, path: '0/0', address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu' },
          { index: 1, path: '0/1', address: 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g' },
        ],
      });
      const change = await post('/v1/wallet/xpub/addresses', { xpub: ZPUB, change: 1, count: 1 });
      expect(change.body.addresses[0]).toEqual({
        index: 0,
        path: '1/0',
        address: 'bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el',
      });
    });

    it('EVM and taproot account xpubs need a kind; EVM matches direct derivation', async () => {
      const seed = mnemonicToSeed(VECTOR_MNEMONIC);
      const xpub = exportAccountXpub(seed, { chain: 'evm' });
      const noKind = await post('/v1/wallet/xpub/addresses', { xpub });
      expect(noKind.status).toBe(400);
      expect(noKind.body.issues[0].path).toEqual(['kind']);
      const r = await post('/v1/wallet/xpub/addresses', { xpub, kind: 'evm', start: 3, count: 3 });
      expect(r.status).toBe(200);
      expect(r.body.network).toBeUndefined();
      expect(r.body.addresses.map((a: Json) => a.address)).toEqual(
        [3, 4, 5].map((i) => deriveEvmAccount(seed, i).address),
      );
      const tpub = exportAccountXpub(seed, { chain: 'bitcoin-taproot', network: 'testnet' });
      const tr = await post('/v1/wallet/xpub/addresses', { xpub: tpub, kind: 'p2tr', count: 1 });
      expect(tr.body).toMatchObject({ kind: 'p2tr', network: 'testnet' });
      expect(tr.body.addresses[0].address).toMatch(/^tb1p/);
    });

    it('change, start and count have defaults: receive addresses 0..19', async () => {
      const r = await post('/v1/wallet/xpub/addresses', { xpub: ZPUB });
      expect(r.status).toBe(200);
      expect(r.body.change).toBe(0);
      expect(r.body.addresses.map((a: Json) => a.index)).toEqual([...Array(20).keys()]);
      expect(r.body.addresses[1]).toEqual({
        index: 1,
        path: '0/1',
        address: 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g',
      });
    });

    it('bounds and malformed keys are 400', async () => {
      for (const [body, path] of [
        [{ xpub: ZPUB, count: 101 }, 'count'],
        [{ xpub: ZPUB, count: 0 }, 'count'],
        [{ xpub: ZPUB, change: 2 }, 'change'],
        [{ xpub: ZPUB, start: 2 ** 31 - 1, count: 2 }, 'count'],
        [{ xpub: ZPUB, kind: 'p2tr' }, 'kind'],
        [{ xpub: `${ZPUB.slice(0, -1)}1` }, 'xpub'],
        [{ xpub: `ypub${ZPUB.slice(4)}` }, 'xpub'],
      ] as const) {
        const r = await post('/v1/wallet/xpub/addresses', body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.body.code).toBe('VALIDATION_FAILED');
        expect(r.body.issues[0].path).toEqual([path]);
      }
    });
  });

  describe('POST /v1/wallet/verify/*', () => {
    it('personal_sign: valid, wrong signer, malformed signature, hex messages', async () => {
      const message = 'I own this address';
      const { signature, hash } = signMessage(message, PRIVATE_KEY);
      const ok = await post('/v1/wallet/verify/message', { address: ADDRESS, message, signature });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ valid: true, address: ADDRESS, recoveredAddress: ADDRESS, digest: hash });
      const lower = await post('/v1/wallet/verify/message', {
        address: ADDRESS.toLowerCase(),
        message,
        signature,
      });
      expect(lower.body.valid).toBe(true);
      const other = signMessage(message, OTHER_KEY).signature;
      const wrong = await post('/v1/wallet/verify/message', { address: ADDRESS, message, signature: other });
      expect(wrong.body).toMatchObject({ valid: false, recoveredAddress: evmAddress(OTHER_KEY) });
      expect(wrong.body.reason).toContain('not');
      const tampered = await post('/v1/wallet/verify/message', {
        address: ADDRESS,
        message: `${message}!`,
        signature,
      });
      expect(tampered.body.valid).toBe(false);
      const short = await post('/v1/wallet/verify/message', {
        address: ADDRESS,
        message,
        signature: '0x1234',
      });
      expect(short.body).toMatchObject({ valid: false, recoveredAddress: null });
      expect(short.body.reason).toMatch(/malformed signature/);
      // A 32-byte hash is a legitimate message (personal_sign of a digest).
      const digest = `0x${createHash('sha256').update('doc').digest('hex')}` as Hex;
      const signedHex = signMessage({ raw: digest }, PRIVATE_KEY).signature;
      const hex = await post('/v1/wallet/verify/message', {
        address: ADDRESS,
        message: digest,
        encoding: 'hex',
        signature: signedHex,
      });
      expect(hex.body.valid).toBe(true);
    });

    it('personal_sign: a wrong EIP-55 checksum or a non-hex signature is 400', async () => {
      const bad = `${ADDRESS.slice(0, 2)}${[...ADDRESS.slice(2)].map((c) => (/[a-f]/.test(c) ? c.toUpperCase() : /[A-F]/.test(c) ? c.toLowerCase() : c)).join('')}`;
      const r = await post('/v1/wallet/verify/message', { address: bad, message: 'x', signature: '0x00' });
      expect(r.status).toBe(400);
      expect(r.body.issues[0].path).toEqual(['address']);
      const nonHex = await post('/v1/wallet/verify/message', {
        address: ADDRESS,
        message: 'x',
        signature: 'zz',
      });
      expect(nonHex.status).toBe(400);
    });

    const typedData = {
      domain: {
        name: 'Vault',
        version: '1',
        chainId: 1,
        verifyingContract: '0x000000000000000000000000000000000000dEaD',
      },
      types: {
        Deposit: [
          { name: 'owner', type: 'address' },
          { name: 'shares', type: 'uint256' },
          { name: 'secret', type: 'bytes32' },
        ],
      },
      primaryType: 'Deposit',
      message: {
        owner: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf',
        shares: '1000000000000000000000',
        // A commit-reveal secret inside typed data is the user's signed data, not a key.
        secret: `0x${'42'.repeat(32)}`,
      },
    };

    it('EIP-712: valid (typed data may use `shares`, `secret`, bytes32), tampered, invalid types', async () => {
      const signed = signTypedData(typedData as never, PRIVATE_KEY);
      const ok = await post('/v1/wallet/verify/typed-data', {
        address: ADDRESS,
        typedData,
        signature: signed.signature,
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({
        valid: true,
        address: ADDRESS,
        recoveredAddress: ADDRESS,
        digest: signed.hash,
      });
      const tampered = await post('/v1/wallet/verify/typed-data', {
        address: ADDRESS,
        typedData: { ...typedData, message: { ...typedData.message, shares: '1' } },
        signature: signed.signature,
      });
      expect(tampered.body.valid).toBe(false);
      const invalid = await post('/v1/wallet/verify/typed-data', {
        address: ADDRESS,
        typedData: { ...typedData, message: { ...typedData.message, shares: '-1' } },
        signature: signed.signature,
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.issues[0].path).toEqual(['typedData']);
      const noPrimary = await post('/v1/wallet/verify/typed-data', {
        address: ADDRESS,
        typedData: { ...typedData, primaryType: 'Nope' },
        signature: signed.signature,
      });
      expect(noPrimary.status).toBe(400);
    });

    const siweFields = (over: Partial<SiweMessage> = {}): SiweMessage => ({
      domain: DOMAIN,
      address: ADDRESS as SiweMessage['address'],
      statement: 'Sign in to Sextant',
      uri: `https://${DOMAIN}/login`,
      version: '1',
      chainId: 1,
      nonce: 'abcdEFGH1234',
      issuedAt: new Date(T0).toISOString(),
      expirationTime: new Date(T0 + 10 * MINUTE).toISOString(),
      ...over,
    });

    it('SIWE (stateless): valid with parsed fields; expected values, time and signature checked', async () => {
      const message = createSiweMessage(siweFields());
      const { signature } = signMessage(message, PRIVATE_KEY);
      const ok = await post('/v1/wallet/verify/siwe', {
        message,
        signature,
        expected: { domain: DOMAIN, nonce: 'abcdEFGH1234', address: ADDRESS.toLowerCase() },
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ valid: true, signer: ADDRESS, fields: { domain: DOMAIN, chainId: 1 } });
      const domain = await post('/v1/wallet/verify/siwe', {
        message,
        signature,
        expected: { domain: 'evil.com' },
      });
      expect(domain.body).toMatchObject({
        valid: false,
        reason: 'domain_mismatch',
        fields: { domain: DOMAIN },
      });
      const late = await post('/v1/wallet/verify/siwe', {
        message,
        signature,
        time: new Date(T0 + 11 * MINUTE).toISOString(),
      });
      expect(late.body).toMatchObject({ valid: false, reason: 'expired' });
      const other = signMessage(message, OTHER_KEY).signature;
      expect((await post('/v1/wallet/verify/siwe', { message, signature: other })).body).toMatchObject({
        valid: false,
        reason: 'signature_mismatch',
      });
      const garbage = await post('/v1/wallet/verify/siwe', { message: 'hello', signature });
      expect(garbage.body).toMatchObject({ valid: false, reason: 'malformed_message', fields: null });
      // A hex nonce is legitimate in an expectation.
      const hexNonce = await post('/v1/wallet/verify/siwe', {
        message,
        signature,
        expected: { nonce: 'ab'.repeat(32) },
      });
      expect(hexNonce.body).toMatchObject({ valid: false, reason: 'nonce_mismatch' });
      expect((await post('/v1/wallet/verify/siwe', { message, signature, time: 'soon' })).status).toBe(400);
    });
  });

  describe('POST /v1/wallet/transaction/decode', () => {
    it('decodes EIP-1559 and legacy transactions with sender and hash', async () => {
      const to = '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045';
      const tx = signTransaction(
        {
          type: 'eip1559',
          chainId: 10,
          nonce: 7,
          gas: 60_000n,
          maxFeePerGas: 3n * 10n ** 9n,
          maxPriorityFeePerGas: 10n ** 8n,
          to,
          value: 123_456_789_000_000_000_000n,
          data: '0xa9059cbb0000',
        },
        PRIVATE_KEY,
      );
      const r = await post('/v1/wallet/transaction/decode', { raw: tx.raw });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        type: 'eip1559',
        chainId: 10,
        nonce: 7,
        to,
        value: '123456789000000000000',
        gas: '60000',
        maxFeePerGas: '3000000000',
        maxPriorityFeePerGas: '100000000',
        data: '0xa9059cbb0000',
        selector: '0xa9059cbb',
        accessList: [],
        from: ADDRESS,
        hash: tx.hash,
      });
      expect(r.body.gasPrice).toBeUndefined();
      const legacy = signTransaction(
        {
          type: 'legacy',
          chainId: 1,
          nonce: 0,
          gas: 21_000n,
          gasPrice: 10n ** 9n,
          to: null,
          value: 0n,
          data: '0x60',
        },
        PRIVATE_KEY,
      );
      const l = await post('/v1/wallet/transaction/decode', { raw: legacy.raw });
      expect(l.body).toMatchObject({
        type: 'legacy',
        chainId: 1,
        to: null,
        gasPrice: '1000000000',
        from: ADDRESS,
        selector: null,
      });
      expect(l.body.signature.v).toBe('38');
    });

    it('a typed transaction with chain id 0 (signed elsewhere; Sextant never signs one) is decoded', async () => {
      // EIP-2930: chainId 0, nonce 1, gasPrice 1 gwei, gas 21000, to, value 2, data 0x, no access list.
      const fields: Hex[] = ['0x', '0x01', '0x3b9aca00', '0x5208', `0x${'35'.repeat(20)}`, '0x02', '0x'];
      const unsigned = [...fields, []] as unknown as Hex[];
      const sig = signDigest(hexToBytes(keccak256(`0x01${toRlp(unsigned).slice(2)}`)), PRIVATE_KEY);
      const signed = [...unsigned, sig.yParity === 1 ? '0x01' : '0x', sig.r, sig.s] as Hex[];
      const raw = `0x01${toRlp(signed).slice(2)}`;
      const r = await post('/v1/wallet/transaction/decode', { raw });
      expect(r.status, r.body.detail).toBe(200);
      expect(r.body).toMatchObject({
        type: 'eip2930',
        chainId: 0,
        nonce: 1,
        gasPrice: '1000000000',
        from: ADDRESS,
      });
    });

    it('garbage is 400 naming the field', async () => {
      for (const raw of ['0x02', '0xdeadbeef', 'nothex']) {
        const r = await post('/v1/wallet/transaction/decode', { raw });
        expect(r.status, raw).toBe(400);
        expect(r.body.issues[0].path).toEqual(['raw']);
      }
    });
  });

  describe('body validation by the route schema', () => {
    it('names every offending field, nested ones by their path; defaulted fields may be left out', async () => {
      const missing = await post('/v1/wallet/verify/message', {});
      expect(missing.status).toBe(400);
      expect(missing.body.code).toBe('VALIDATION_FAILED');
      expect(missing.body.issues.map((i: Json) => i.path[0]).sort()).toEqual([
        'address',
        'message',
        'signature',
      ]);
      for (const issue of missing.body.issues) expect(issue.in).toBe('body');
      const nested = await post('/v1/wallet/verify/siwe', {
        message: 'x',
        signature: '0x00',
        expected: { chainId: -1 },
      });
      expect(nested.status).toBe(400);
      expect(nested.body.issues).toEqual([
        { path: ['expected', 'chainId'], message: 'must be >= 0', in: 'body' },
      ]);
      expect(nested.body.detail).toBe("body 'expected.chainId' must be >= 0");
      const typed = await post('/v1/wallet/verify/typed-data', {
        address: ADDRESS,
        typedData: { types: { A: { name: 'a', type: 'uint8' } }, primaryType: 'A', message: {} },
        signature: '0x00',
      });
      expect(typed.status).toBe(400);
      expect(typed.body.issues[0].path).toEqual(['typedData', 'types', 'A']);
    });

    it('a body nested too deeply to scan for secrets is refused', async () => {
      let deep: unknown = 'x';
      for (let i = 0; i < 70; i++) deep = [deep];
      const r = await post('/v1/wallet/address/validate', { chain: 'evm', address: deep });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: [], in: 'body' }] });
    });

    it('the nonce endpoint takes no body, but an empty one is fine', async () => {
      expect((await post('/v1/auth/siwe/nonce', {})).status).toBe(200);
    });
  });

  describe('secrets are refused on every endpoint, before validation', () => {
    const signed = signMessage('m', PRIVATE_KEY).signature;
    const endpoints: [string, Json][] = [
      ['/v1/wallet/address/validate', { chain: 'evm', address: ADDRESS }],
      ['/v1/wallet/xpub/addresses', { xpub: ZPUB }],
      ['/v1/wallet/verify/message', { address: ADDRESS, message: 'm', signature: signed }],
      [
        '/v1/wallet/verify/typed-data',
        {
          address: ADDRESS,
          typedData: { types: { A: [{ name: 'a', type: 'uint8' }] }, primaryType: 'A', message: { a: 1 } },
          signature: signed,
        },
      ],
      ['/v1/wallet/verify/siwe', { message: 'x', signature: signed }],
      ['/v1/wallet/transaction/decode', { raw: '0x02f8' }],
      ['/v1/auth/siwe/verify', { message: 'x', signature: signed }],
      ['/v1/auth/session', { token: 'sxs_x' }],
      ['/v1/auth/session/revoke', { token: 'sxs_x' }],
      ['/v1/auth/siwe/nonce', {}],
    ];
    const secrets: [string, Json][] = [
      ['privateKey field', { privateKey: PRIVATE_KEY_HEX }],
      ['private_key field', { private_key: 'anything' }],
      ['mnemonic field', { mnemonic: MNEMONIC }],
      ['seedPhrase field', { seedPhrase: 'x' }],
      ['password field', { password: 'hunter2' }],
      ['BIP39 passphrase field', { passphrase: PASSPHRASE }],
      ['mnemonic with its passphrase', { mnemonic: MNEMONIC, bip39Passphrase: PASSPHRASE }],
      ['shares field', { shares: [SX_SHARE] }],
      ['mnemonic value', { note: MNEMONIC }],
      ['mnemonic as a word list', { words: MNEMONIC.split(' ') }],
      ['xprv value', { backup: XPRV }],
      ['0x + 64 hex in an unknown field', { extra: PRIVATE_KEY_HEX }],
      ['sxshare value', { backup: SX_SHARE }],
      ['all the sxshares', { backup: SX_SHARES.join('\n') }],
      ['SLIP-39 share value', { backup: SLIP39_SHARE }],
      ['WIF value', { memo: WIF }],
      ['raw key bytes', { key: Array.from(PRIVATE_KEY) }],
    ];
    for (const [url, base] of endpoints) {
      it(`${url}`, async () => {
        for (const [name, secret] of secrets) {
          const r = await post(url, { ...base, ...secret });
          expect(r.status, `${url} ${name}`).toBe(400);
          expect(r.body.code, `${url} ${name}`).toBe('SECRET_REJECTED');
          expect(r.body.detail).toContain('never accepts private keys, mnemonics');
          expect(r.body.detail).toContain('sextant wallet');
          expect(r.body.issues[0].in).toBe('body');
          expect(r.body.secretKind).toBeTypeOf('string');
        }
      });
    }

    it('even when the body is otherwise invalid, or the secret sits in a known field', async () => {
      const cases: [string, unknown, (string | number)[]][] = [
        ['/v1/wallet/address/validate', { privateKey: PRIVATE_KEY_HEX }, ['privateKey']],
        ['/v1/wallet/address/validate', { chain: 'evm', address: PRIVATE_KEY_HEX }, ['address']],
        ['/v1/wallet/address/validate', { chain: 42, address: MNEMONIC }, ['address']],
        ['/v1/wallet/xpub/addresses', { xpub: XPRV }, ['xpub']],
        ['/v1/wallet/verify/message', { message: MNEMONIC }, ['message']],
        ['/v1/wallet/transaction/decode', { raw: PRIVATE_KEY_HEX }, ['raw']],
        ['/v1/wallet/transaction/decode', MNEMONIC, []],
        ['/v1/wallet/transaction/decode', [{ deep: [{ seed: 1 }] }], [0, 'deep', 0, 'seed']],
      ];
      for (const [url, body, path] of cases) {
        const r = await post(url, body);
        expect(r.status, JSON.stringify(path)).toBe(400);
        expect(r.body.code).toBe('SECRET_REJECTED');
        expect(r.body.issues[0].path).toEqual(path);
      }
    });
  });

  describe('Sign-In with Ethereum', () => {
    const newNonce = async () => {
      const r = await post('/v1/auth/siwe/nonce');
      expect(r.status).toBe(200);
      return r.body;
    };
    const signIn = (message: string, signature: string) =>
      post('/v1/auth/siwe/verify', { message, signature });
    const messageFor = (nonce: string, over: Partial<SiweMessage> = {}) =>
      createSiweMessage({
        domain: DOMAIN,
        address: ADDRESS as SiweMessage['address'],
        statement: 'Sign in to Sextant',
        uri: `https://${DOMAIN}`,
        version: '1',
        chainId: 1,
        nonce,
        issuedAt: new Date(clock).toISOString(),
        ...over,
      });

    it('nonce → sign → verify → session token; the token is stored only as a hash', async () => {
      clock = T0;
      expect(server.services.db.kind).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
      const n = await newNonce();
      expect(n.nonce).toMatch(/^[A-Za-z0-9]{17}$/);
      expect(n).toMatchObject({
        issuedAt: new Date(T0).toISOString(),
        expiresAt: new Date(T0 + 10 * MINUTE).toISOString(),
        suggested: { domain: DOMAIN, version: '1', nonce: n.nonce, expirationTime: n.expiresAt },
      });
      expect((await newNonce()).nonce).not.toBe(n.nonce);

      const message = messageFor(n.nonce, { chainId: 10, expirationTime: n.expiresAt });
      const { signature } = signMessage(message, PRIVATE_KEY);
      clock = T0 + MINUTE;
      const r = await signIn(message, signature);
      expect(r.status).toBe(200);
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.body).toMatchObject({
        address: ADDRESS,
        chainId: 10,
        domain: DOMAIN,
        expiresAt: new Date(T0 + MINUTE + 3_600_000).toISOString(),
      });
      const token: string = r.body.token;
      expect(token).toMatch(/^sxs_[A-Za-z0-9_-]{43}$/);

      const rows = await server.services.db.query<{ token_hash: string }>(
        'select token_hash from siwe_sessions',
      );
      expect(rows.map((x) => x.token_hash)).toContain(createHash('sha256').update(token).digest('hex'));
      const dump = JSON.stringify(await server.services.db.query('select * from siwe_sessions'));
      expect(dump).not.toContain(token.slice(4));

      const s = await post('/v1/auth/session', { token });
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ address: ADDRESS, chainId: 10, domain: DOMAIN });

      // Replay: the same signed message again.
      const replay = await signIn(message, signature);
      expect(replay.status).toBe(409);
      expect(replay.body.code).toBe('SIWE_NONCE_USED');

      // The session ends when revoked, and revoking is idempotent.
      expect((await post('/v1/auth/session/revoke', { token })).body).toEqual({ revoked: true });
      expect((await post('/v1/auth/session/revoke', { token })).body).toEqual({ revoked: false });
      const gone = await post('/v1/auth/session', { token });
      expect(gone.status).toBe(401);
      expect(gone.body.code).toBe('SESSION_INVALID');
    });

    it('two concurrent sign-ins with one message: exactly one wins', async () => {
      clock = T0;
      const n = await newNonce();
      const message = messageFor(n.nonce);
      const { signature } = signMessage(message, PRIVATE_KEY);
      const results = await Promise.all([
        signIn(message, signature),
        signIn(message, signature),
        signIn(message, signature),
      ]);
      expect(results.map((x) => x.status).sort()).toEqual([200, 409, 409]);
    });

    it('sessions expire after SIWE_SESSION_TTL_SECONDS', async () => {
      clock = T0;
      const n = await newNonce();
      const message = messageFor(n.nonce);
      const r = await signIn(message, signMessage(message, PRIVATE_KEY).signature);
      clock = T0 + 3_600_000 - 1;
      expect((await post('/v1/auth/session', { token: r.body.token })).status).toBe(200);
      clock = T0 + 3_600_000;
      expect((await post('/v1/auth/session', { token: r.body.token })).status).toBe(401);
      expect((await post('/v1/auth/session', { token: 'not-a-token' })).body.code).toBe('SESSION_INVALID');
    });

    it('wrong domain, bad signature, unknown and expired nonces are refused with clear codes', async () => {
      clock = T0;
      const n = await newNonce();

      const evil = messageFor(n.nonce, { domain: 'evil.example', uri: 'https://evil.example' });
      const wrongDomain = await signIn(evil, signMessage(evil, PRIVATE_KEY).signature);
      expect(wrongDomain.status).toBe(401);
      expect(wrongDomain.body).toMatchObject({ code: 'SIWE_VERIFICATION_FAILED', reason: 'domain_mismatch' });
      expect(wrongDomain.body.detail).toContain(DOMAIN);

      const message = messageFor(n.nonce);
      const badSig = await signIn(message, signMessage(message, OTHER_KEY).signature);
      expect(badSig.status).toBe(401);
      expect(badSig.body).toMatchObject({ code: 'SIWE_VERIFICATION_FAILED', reason: 'signature_mismatch' });
      const malformedSig = await signIn(message, '0x1234');
      expect(malformedSig.body).toMatchObject({
        code: 'SIWE_VERIFICATION_FAILED',
        reason: 'malformed_signature',
      });
      const garbage = await signIn('hello', signMessage('hello', PRIVATE_KEY).signature);
      expect(garbage.body).toMatchObject({ code: 'SIWE_VERIFICATION_FAILED', reason: 'malformed_message' });
      // Failed attempts do not burn the nonce: the right signature still signs in.
      const second = messageFor(n.nonce, { domain: 'localhost:5173', uri: 'http://localhost:5173' });
      expect((await signIn(second, signMessage(second, PRIVATE_KEY).signature)).status).toBe(200);

      const unknown = messageFor('NeverIssued12345');
      const u = await signIn(unknown, signMessage(unknown, PRIVATE_KEY).signature);
      expect(u.status).toBe(401);
      expect(u.body.code).toBe('SIWE_NONCE_UNKNOWN');

      const stale = await newNonce();
      clock = T0 + 10 * MINUTE; // the nonce's expiry instant: no longer valid
      const late = messageFor(stale.nonce);
      const e = await signIn(late, signMessage(late, PRIVATE_KEY).signature);
      expect(e.status).toBe(401);
      expect(e.body.code).toBe('SIWE_NONCE_EXPIRED');

      // The message's own Expiration Time is enforced too.
      clock = T0;
      const fresh = await newNonce();
      const expiring = messageFor(fresh.nonce, { expirationTime: new Date(T0 + MINUTE).toISOString() });
      clock = T0 + 2 * MINUTE;
      const ex = await signIn(expiring, signMessage(expiring, PRIVATE_KEY).signature);
      expect(ex.body).toMatchObject({ code: 'SIWE_VERIFICATION_FAILED', reason: 'expired' });
    });
  });

  it('the OpenAPI document lists the wallet and auth operations with examples', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
    for (const path of [
      '/v1/wallet/address/validate',
      '/v1/wallet/xpub/addresses',
      '/v1/wallet/verify/message',
      '/v1/wallet/verify/typed-data',
      '/v1/wallet/verify/siwe',
      '/v1/wallet/transaction/decode',
      '/v1/auth/siwe/nonce',
      '/v1/auth/siwe/verify',
      '/v1/auth/session',
      '/v1/auth/session/revoke',
    ]) {
      const op = doc.paths[path]?.post;
      expect(op, path).toBeDefined();
      expect(JSON.stringify(op.responses['200']), path).toMatch(/"examples?"/);
    }
    // No body: no request body in the document either.
    expect(doc.paths['/v1/auth/siwe/nonce'].post.requestBody).toBeUndefined();
  });

  // Fields a client must send, and fields it may send (those with a default among them).
  const BODIES: Record<string, { required: string[]; optional: string[] }> = {
    '/v1/wallet/address/validate': { required: ['address', 'chain'], optional: ['network'] },
    '/v1/wallet/xpub/addresses': { required: ['xpub'], optional: ['change', 'count', 'kind', 'start'] },
    '/v1/wallet/verify/message': { required: ['address', 'message', 'signature'], optional: ['encoding'] },
    '/v1/wallet/verify/typed-data': { required: ['address', 'signature', 'typedData'], optional: [] },
    '/v1/wallet/verify/siwe': { required: ['message', 'signature'], optional: ['expected', 'time'] },
    '/v1/wallet/transaction/decode': { required: ['raw'], optional: [] },
    '/v1/auth/siwe/verify': { required: ['message', 'signature'], optional: [] },
    '/v1/auth/session': { required: ['token'], optional: [] },
    '/v1/auth/session/revoke': { required: ['token'], optional: [] },
  };

  it('the OpenAPI document has typed request bodies for them, with examples and the secret rule', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
    for (const [path, fields] of Object.entries(BODIES)) {
      const body = doc.paths[path].post.requestBody;
      expect(body.required, path).toBe(true);
      expect(body.description, path).toContain('SECRET_REJECTED');
      const media = body.content['application/json'];
      expect(media.example ?? media.examples, path).toBeDefined();
      const schema = media.schema;
      expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
      expect([...(schema.required ?? [])].sort(), path).toEqual(fields.required);
      expect(Object.keys(schema.properties).sort(), path).toEqual(
        [...fields.required, ...fields.optional].sort(),
      );
      for (const [name, prop] of Object.entries(schema.properties as Record<string, Json>))
        expect(prop.type ?? prop.anyOf, `${path} ${name}`).toBeDefined();
    }
    const xpub = doc.paths['/v1/wallet/xpub/addresses'].post.requestBody.content['application/json'].schema;
    expect(xpub.properties.count).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(xpub.properties.kind).toMatchObject({ type: 'string', enum: ['p2wpkh', 'p2tr', 'evm'] });
    const validate =
      doc.paths['/v1/wallet/address/validate'].post.requestBody.content['application/json'].schema;
    expect(validate.properties.chain.enum).toEqual(['evm', 'bitcoin', 'solana']);
  });

  it('every documented request example passes the secret check and validation', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
    for (const path of Object.keys(BODIES)) {
      const media = doc.paths[path].post.requestBody.content['application/json'];
      const examples: unknown[] = media.example
        ? [media.example]
        : Object.values(media.examples as Record<string, { value: unknown }>).map((e) => e.value);
      for (const example of examples) {
        const r = await post(path, example);
        expect(r.status, `${path}: ${r.body.detail}`).not.toBe(400);
      }
    }
  });

  it('no secret ever appears in a response or a log line', async () => {
    const logs = server.logs.text;
    // The capture works: the requests above were access-logged.
    expect(logs).toContain('/v1/wallet/address/validate');
    expect(seen.length).toBeGreaterThan(150);
    const everything = `${seen.join('\n')}\n${logs}`;
    expect(leaks(everything)).toEqual([]);
  });

  it('the leak scan itself finds a single word, a share fragment or the passphrase', () => {
    expect(leaks('{"detail":"word 4 is Pumpkin"}')).toEqual(['mnemonic word "pumpkin"']);
    expect(leaks(`"x":"${SX_SHARE.slice(20, 40)}"`)).toContain('fragment of an sxshare');
    const slip = SLIP39_SHARE.split(' ');
    expect(leaks(`${slip[7]} ${slip[8]}`)).toContain('two consecutive words of a SLIP-39 share');
    expect(leaks(`passphrase=${PASSPHRASE}`)).toEqual(['BIP39 passphrase']);
    expect(leaks('zebras and pumpkins, 0xdolphin')).toEqual([]);
  });
});

/** What of the test secrets `text` contains (descriptions, never the secrets themselves). */
function leaks(text: string): string[] {
  const found: string[] = [];
  const lower = text.toLowerCase();
  // Every word of the phrase on its own, as a whole word (not inside base58 or a longer word).
  for (const word of MNEMONIC.split(' ')) {
    if (new RegExp(`(?<![a-z0-9])${word}(?![a-z0-9])`).test(lower)) found.push(`mnemonic word "${word}"`);
  }
  if (lower.includes(PASSPHRASE.toLowerCase())) found.push('BIP39 passphrase');
  if (lower.includes(PRIVATE_KEY_HEX.slice(2, 34))) found.push('private key hex');
  if (text.includes(XPRV.slice(4, 40))) found.push('xprv');
  if (text.includes(WIF.slice(1, 30))) found.push('WIF');
  // Shares: any 16 consecutive characters of an sxshare's data part, any two consecutive SLIP-39 words.
  for (const share of SX_SHARES) {
    const data = share.slice('sxshare1'.length);
    for (let i = 0; i + 16 <= data.length; i++) {
      if (lower.includes(data.slice(i, i + 16))) {
        found.push('fragment of an sxshare');
        break;
      }
    }
  }
  const words = SLIP39_SHARE.split(' ');
  for (let i = 0; i + 1 < words.length; i++) {
    if (new RegExp(`(?<![a-z])${words[i]}\\s+${words[i + 1]}(?![a-z])`).test(lower)) {
      found.push('two consecutive words of a SLIP-39 share');
      break;
    }
  }
  return found;
}
