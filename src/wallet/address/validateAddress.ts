import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58, bech32, bech32m, createBase58check } from '@scure/base';
import { Address as BtcAddress, NETWORK, TEST_NETWORK } from '@scure/btc-signer';
import { getAddress } from 'viem';
import type { BitcoinNetwork } from '../keys/index.js';

const b58check = createBase58check(sha256);

// BIP173: a bech32 address is at most 90 characters.
const BECH32_MAX_LENGTH = 90;
const BECH32_CHARSET = /^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/;
const BASE58_CHARSET = /^[1-9A-HJ-NP-Za-km-z]+$/;
/** Base58check version bytes of legacy Bitcoin addresses. */
const BASE58_VERSIONS: Record<number, { type: 'p2pkh' | 'p2sh'; network: BitcoinNetwork }> = {
  0: { type: 'p2pkh', network: 'mainnet' },
  5: { type: 'p2sh', network: 'mainnet' },
  111: { type: 'p2pkh', network: 'testnet' },
  196: { type: 'p2sh', network: 'testnet' },
};
const BTC_SIGNER_TYPES: Record<string, string> = {
  pkh: 'p2pkh',
  sh: 'p2sh',
  wpkh: 'p2wpkh',
  wsh: 'p2wsh',
  tr: 'p2tr',
};

/** Address families `validateAddress` knows. */
export type AddressChain = 'evm' | 'bitcoin' | 'solana';

/** The verdict on one address. Invalid addresses are an answer, not an error. */
export type AddressValidation = {
  valid: boolean;
  chain: AddressChain;
  /** Canonical form when valid: EIP-55 checksummed (EVM), lowercase bech32 (Bitcoin), as given (Solana). */
  normalized?: string;
  /**
   * Bitcoin: p2pkh, p2sh, p2wpkh, p2wsh, p2tr. Solana: `on-curve` (an ed25519 key: a wallet or
   * program id) or `off-curve` (a program-derived address, which has no private key).
   */
  type?: string;
  /** Bitcoin only. */
  network?: BitcoinNetwork;
  /** EVM only: EIP-55 checksum present and right, absent (all one case), or wrong. */
  checksum?: 'valid' | 'absent' | 'mismatch';
  /** EVM checksum mismatch: the correctly checksummed form of the same 40 hex digits. */
  expected?: string;
  /** Short reason when invalid, e.g. `checksum mismatch`, `bad checksum`, `wrong length`. */
  reason?: string;
  /** One sentence for people. */
  detail: string;
};

/** Options for `validateAddress`. */
export type ValidateAddressOptions = {
  /** Bitcoin: require this network (default: either). */
  network?: BitcoinNetwork;
};

/**
 * Check an address for a chain without any network access: EIP-55 for EVM (all-lowercase or
 * all-uppercase is valid but reported as unchecksummed), bech32/bech32m (p2wpkh, p2wsh, p2tr) and
 * base58check (p2pkh, p2sh) for Bitcoin mainnet/testnet, base58 32-byte keys for Solana.
 * @example validateAddress('evm', '0xd8da6bf26964af9d7eed9e03e53415d37aa96045').normalized // '0xd8dA…6045'
 */
export function validateAddress(
  chain: AddressChain,
  address: string,
  options: ValidateAddressOptions = {},
): AddressValidation {
  if (typeof address !== 'string' || address.length === 0)
    return invalid(chain, 'malformed', 'the address is empty');
  if (address.trim() !== address)
    return invalid(chain, 'malformed', 'the address has leading or trailing whitespace');
  switch (chain) {
    case 'evm':
      return validateEvm(address);
    case 'bitcoin':
      return validateBitcoin(address, options.network);
    case 'solana':
      return validateSolana(address);
  }
}

function invalid(
  chain: AddressChain,
  reason: string,
  detail: string,
  extra: Partial<AddressValidation> = {},
): AddressValidation {
  return { valid: false, chain, ...extra, reason, detail };
}

function validateEvm(address: string): AddressValidation {
  if (/^[0-9a-fA-F]{40}$/.test(address))
    return invalid('evm', 'missing 0x prefix', 'EVM addresses start with 0x followed by 40 hex digits');
  if (!/^0x/.test(address)) return invalid('evm', 'malformed', 'EVM addresses start with 0x');
  const body = address.slice(2);
  if (!/^[0-9a-fA-F]*$/.test(body))
    return invalid('evm', 'malformed', 'EVM addresses contain only hex digits after 0x');
  if (body.length !== 40)
    return invalid('evm', 'wrong length', `expected 40 hex digits after 0x, got ${body.length}`);
  const checksummed = getAddress(address);
  const lower = body.toLowerCase();
  const upper = body.toUpperCase();
  // Digits only: nothing to checksum, the address is already canonical.
  if (lower === upper || checksummed === address) {
    return {
      valid: true,
      chain: 'evm',
      normalized: checksummed,
      checksum: 'valid',
      detail: 'valid EIP-55 address',
    };
  }
  if (body === lower || body === upper) {
    return {
      valid: true,
      chain: 'evm',
      normalized: checksummed,
      checksum: 'absent',
      detail: `valid, but all ${body === lower ? 'lowercase' : 'uppercase'}: it carries no EIP-55 checksum, so a typo would go unnoticed; use the checksummed form ${checksummed}`,
    };
  }
  // Mixed case that does not match: one letter's case was changed, or any character mistyped. The
  // "expected" form checksums the digits as given, so after a typo it names a different address.
  return invalid(
    'evm',
    'checksum mismatch',
    `mixed-case address whose EIP-55 checksum is wrong: the checksummed form of these 40 hex digits is ${checksummed}, but a mistyped character would also cause this, so check the address against its source before using it`,
    { checksum: 'mismatch', expected: checksummed },
  );
}

function validateBitcoin(address: string, want: BitcoinNetwork | undefined): AddressValidation {
  const result = /^(bc|tb)1/i.test(address) ? decodeSegwit(address) : decodeBase58(address);
  if (!result.valid || want === undefined || result.network === want) return result;
  return invalid('bitcoin', 'wrong network', `this is a ${result.network} address; expected ${want}`, {
    network: result.network!,
    type: result.type!,
  });
}

function decodeSegwit(address: string): AddressValidation {
  const lower = address.toLowerCase();
  if (address !== lower && address !== address.toUpperCase())
    return invalid('bitcoin', 'mixed case', 'bech32 addresses are all lowercase or all uppercase (BIP173)');
  const network: BitcoinNetwork = lower.startsWith('bc1') ? 'mainnet' : 'testnet';
  if (lower.length > BECH32_MAX_LENGTH)
    return invalid('bitcoin', 'wrong length', 'bech32 addresses are at most 90 characters');
  if (!BECH32_CHARSET.test(lower.slice(3)))
    return invalid(
      'bitcoin',
      'invalid characters',
      'bech32 uses only the 32 characters of its charset (no 1, b, i, o after the prefix)',
    );
  try {
    const decoded = BtcAddress(network === 'mainnet' ? NETWORK : TEST_NETWORK).decode(lower);
    const type = BTC_SIGNER_TYPES[decoded.type];
    if (!type)
      return invalid('bitcoin', 'unsupported type', `witness program type ${decoded.type} is not supported`);
    return {
      valid: true,
      chain: 'bitcoin',
      normalized: lower,
      type,
      network,
      detail: `valid ${network} ${type} address`,
    };
  } catch {
    // Tell a bad checksum from a checksum of the wrong variant (BIP350) and a bad program.
    const as32 = bech32.decodeUnsafe(lower, BECH32_MAX_LENGTH);
    const as32m = bech32m.decodeUnsafe(lower, BECH32_MAX_LENGTH);
    if (!as32 && !as32m)
      return invalid(
        'bitcoin',
        'bad checksum',
        'the bech32 checksum does not match: a character is mistyped or missing',
      );
    const version = (as32 ?? as32m)!.words[0];
    if (as32 && version !== 0)
      return invalid(
        'bitcoin',
        'wrong checksum variant',
        `witness v${version} addresses (taproot) use bech32m (BIP350), not bech32`,
      );
    if (as32m && version === 0)
      return invalid(
        'bitcoin',
        'wrong checksum variant',
        'witness v0 addresses (p2wpkh, p2wsh) use bech32 (BIP173), not bech32m',
      );
    return invalid(
      'bitcoin',
      'invalid witness program',
      `not a valid witness v${version} program (wrong length or version)`,
    );
  }
}

function decodeBase58(address: string): AddressValidation {
  if (!BASE58_CHARSET.test(address))
    return invalid('bitcoin', 'malformed', 'not a bech32 (bc1…/tb1…) or base58 (1…, 3…, m…, n…, 2…) address');
  let raw: Uint8Array;
  try {
    raw = b58check.decode(address);
  } catch {
    return invalid(
      'bitcoin',
      'bad checksum',
      'the base58check checksum does not match: a character is mistyped or missing',
    );
  }
  const known = BASE58_VERSIONS[raw[0]!];
  if (raw.length !== 21 || !known)
    return invalid(
      'bitcoin',
      'unknown version',
      'a base58check string, but not a Bitcoin p2pkh or p2sh address (another coin?)',
    );
  return {
    valid: true,
    chain: 'bitcoin',
    normalized: address,
    type: known.type,
    network: known.network,
    detail: `valid ${known.network} ${known.type} address`,
  };
}

function validateSolana(address: string): AddressValidation {
  if (!BASE58_CHARSET.test(address))
    return invalid('solana', 'malformed', 'Solana addresses are base58 (no 0, O, I or l)');
  const bytes = base58.decode(address);
  if (bytes.length !== 32)
    return invalid('solana', 'wrong length', `Solana addresses encode 32 bytes, this one ${bytes.length}`);
  let onCurve = true;
  try {
    ed25519.Point.fromBytes(bytes);
  } catch {
    onCurve = false;
  }
  return {
    valid: true,
    chain: 'solana',
    normalized: address,
    type: onCurve ? 'on-curve' : 'off-curve',
    detail: onCurve
      ? 'valid Solana address (an ed25519 public key)'
      : 'valid Solana address off the ed25519 curve: a program-derived address (PDA), which no private key controls',
  };
}
