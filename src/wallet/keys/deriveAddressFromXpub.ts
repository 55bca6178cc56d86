import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { NETWORK, p2tr, p2wpkh, TEST_NETWORK } from '@scure/btc-signer';
import { BITCOIN_VERSIONS } from './bitcoinVersions.js';
import { evmAddress } from './evmAddress.js';
import { KeyDerivationError } from './keyDerivationError.js';

const b58check = createBase58check(sha256);

/** What an account xpub encodes addresses as. zpub/vpub imply segwit; xpub/tpub need `kind`. */
export type XpubAddressKind = 'p2wpkh' | 'p2tr' | 'evm';

/**
 * A watch-only receive (change 0) or change (1) address `…/{change}/{index}` below an account xpub/zpub/tpub/vpub.
 * @example deriveAddressFromXpub(zpub, { index: 0 }) // 'bc1q…'
 */
export function deriveAddressFromXpub(
  xpub: string,
  options: { index: number; change?: 0 | 1; kind?: XpubAddressKind },
): string {
  return deriveAddressesFromXpub(xpub, { ...options, start: options.index, count: 1 })[0]!;
}

/**
 * `count` consecutive watch-only addresses from `start`: the key is parsed and the change
 * level derived once, so a range costs one child derivation per address.
 * @example deriveAddressesFromXpub(zpub, { start: 0, count: 20 }) // ['bc1q…', …]
 */
export function deriveAddressesFromXpub(
  xpub: string,
  options: { start: number; count: number; change?: 0 | 1; kind?: XpubAddressKind },
): string[] {
  let version: number;
  try {
    const raw = b58check.decode(xpub);
    version = new DataView(raw.buffer, raw.byteOffset).getUint32(0, false);
  } catch {
    throw new KeyDerivationError('KEY_BAD_EXTENDED_KEY', 'Not a base58check extended public key');
  }
  const known = [
    { v: BITCOIN_VERSIONS[84].mainnet, kind: 'p2wpkh', testnet: false },
    { v: BITCOIN_VERSIONS[84].testnet, kind: 'p2wpkh', testnet: true },
    { v: BITCOIN_VERSIONS[86].mainnet, kind: undefined, testnet: false },
    { v: BITCOIN_VERSIONS[86].testnet, kind: undefined, testnet: true },
  ].find((k) => k.v.public === version);
  if (!known) {
    throw new KeyDerivationError(
      'KEY_BAD_EXTENDED_KEY',
      'Expected an xpub, tpub, zpub or vpub (public, not private)',
    );
  }
  const kind = options.kind ?? known.kind;
  if (kind === undefined)
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'An xpub/tpub needs kind: p2tr, p2wpkh or evm');
  if (known.kind === 'p2wpkh' && kind !== 'p2wpkh') {
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'A zpub/vpub encodes native segwit (p2wpkh) addresses');
  }
  const { start, count } = options;
  if (
    !Number.isInteger(start) ||
    start < 0 ||
    !Number.isInteger(count) ||
    count < 1 ||
    start + count - 1 > 0x7fffffff
  ) {
    throw new KeyDerivationError('KEY_BAD_OPTIONS', 'indexes must be integers in [0, 2^31)');
  }
  let branch: HDKey;
  try {
    branch = HDKey.fromExtendedKey(xpub, known.v).deriveChild(options.change ?? 0);
  } catch {
    throw new KeyDerivationError('KEY_BAD_EXTENDED_KEY', 'Invalid extended public key');
  }
  const net = known.testnet ? TEST_NETWORK : NETWORK;
  const out: string[] = [];
  for (let i = start; i < start + count; i++) {
    const pub = branch.deriveChild(i).publicKey!;
    if (kind === 'p2wpkh') out.push(p2wpkh(pub, net).address!);
    else if (kind === 'p2tr') out.push(p2tr(pub.slice(1), undefined, net).address!);
    else out.push(evmAddress(pub));
  }
  return out;
}
