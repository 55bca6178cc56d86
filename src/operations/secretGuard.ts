import { sha256 } from '@noble/hashes/sha2.js';
import { base58, createBase58check } from '@scure/base';
import { SecretRejectedError, ValidationError } from '../internal/errors.js';
import { MNEMONIC_WORDLISTS, SLIP39_WORDLIST } from '../wallet/index.js';

/**
 * Finds secrets (private keys, mnemonics, seeds, passwords, recovery shares) in a JSON request
 * body, so wallet endpoints can refuse them before anything else looks at the body.
 *
 * The rule, in three parts:
 * 1. Unambiguous values are refused anywhere in the body, object keys included: a run of 12+
 *    BIP39 English words (also as an array of words; list numbers like `1.` are skipped), a run
 *    of 20+ SLIP-39 words, an extended private key (xprv/tprv/yprv/zprv/uprv/vprv/Yprv/Zprv/
 *    Uprv/Vprv + base58), an `sxshare1…` share, a WIF private key (base58check-verified) and a
 *    PEM `PRIVATE KEY` block. None of these occurs by accident in an address, signature, typed
 *    data or transaction.
 * 2. Key names that say "secret" are refused: normalised (lowercase, letters and digits only)
 *    they contain privatekey, privkey, secret, mnemonic, seedphrase, recoveryphrase, passphrase,
 *    password, passwd, keystore, slip39 or an extended-private-key prefix (xprv…), end in seed or
 *    share(s), or are one of pk, sk, wif, priv, pwd.
 * 3. Values that are secrets only by shape are refused where a secret cannot be legitimate: a
 *    string of exactly 32 bytes of hex (`0x` optional: a secp256k1/ed25519 private key), a
 *    base58 string of 64 bytes (a Solana keypair), an array of 32 or 64 integers 0-255 (raw key
 *    bytes). Every field of the wallet endpoints that can hold such a value is an address, xpub,
 *    signature, raw transaction or token, which are never 32 or 64 bytes, and any unknown extra
 *    field is suspect.
 *
 * Rules 2 and 3 are skipped inside "opaque" fields, whose content is the user's own signed data:
 * a personal_sign message may be a 32-byte hash, EIP-712 typed data has bytes32 values and
 * arbitrary member names (ERC-4626 `shares`, a commit-reveal `secret`), a SIWE nonce may be hex.
 * Rule 1 still applies there.
 *
 * Operations use it through `refuseSecrets` (below) as their `inspectBody`: it runs before schema
 * validation, so it also sees the unknown fields that validation would drop.
 */

/** What kind of secret was found. */
export type SecretKind =
  | 'secret field name'
  | 'BIP39 mnemonic'
  | 'SLIP-39 share'
  | 'Sextant recovery share (sxshare1…)'
  | 'extended private key'
  | 'WIF private key'
  | 'PEM private key'
  | 'private key (32-byte hex)'
  | 'Solana secret key (64-byte base58)'
  | 'private key bytes';

/** Where the secret is (JSON path of the field, never the value) and what it looks like. */
export type SecretFinding = { kind: SecretKind; path: (string | number)[] };

/** Which parts of a body hold the user's own data (see rule 2 and 3 above). */
export type SecretScanPolicy = {
  /** Dotted paths of opaque fields, e.g. `message`, `typedData`, `expected.nonce`. */
  opaque?: readonly string[];
};

const BIP39_MIN_RUN_WORDS = 12;
const SLIP39_MIN_RUN_WORDS = 20;
const MAX_SCAN_DEPTH = 64;
const PATH_SEGMENT_MAX_CHARS = 64;

const BIP39_WORDS = new Set(MNEMONIC_WORDLISTS.english);
const SLIP39_WORDS = new Set(SLIP39_WORDLIST);
const b58check = createBase58check(sha256);

const B58 = '1-9A-HJ-NP-Za-km-z';
const EXTENDED_PRIVATE_KEY = new RegExp(`(?<![${B58}])(?:[xtyzuv]|[YZUV])prv[${B58}]{100,}`);
const SEXTANT_SHARE = /sxshare1[02-9ac-hj-np-z]{20,}/i;
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const WIF_CANDIDATE = new RegExp(`(?<![${B58}])[5KLc9][${B58}]{50,51}(?![${B58}])`, 'g');
const HEX_32_BYTES = /^(?:0x)?[0-9a-fA-F]{64}$/;
const BASE58_64_BYTES = new RegExp(`^[${B58}]{80,90}$`);
/** A list number between mnemonic words: `1.`, `12)`, `3:`. */
const LIST_NUMBER = /^\d{1,2}[.):]?$/;

const SECRET_NAME_PARTS = [
  'privatekey',
  'privkey',
  'secret',
  'mnemonic',
  'seedphrase',
  'recoveryphrase',
  'passphrase',
  'password',
  'passwd',
  'keystore',
  'slip39',
  'xprv',
  'tprv',
  'yprv',
  'zprv',
  'uprv',
  'vprv',
];
const SECRET_NAME_SUFFIXES = ['seed', 'share', 'shares'];
const SECRET_NAMES = new Set(['pk', 'sk', 'wif', 'priv', 'pwd']);

/** True when an object key names a secret (rule 2). */
export function isSecretFieldName(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (
    SECRET_NAMES.has(k) ||
    SECRET_NAME_PARTS.some((p) => k.includes(p)) ||
    SECRET_NAME_SUFFIXES.some((s) => k.endsWith(s))
  );
}

/** Longest runs of BIP39 and SLIP-39 words in a text (list numbers skipped, case ignored). */
function wordRuns(words: readonly string[]): { bip39: number; slip39: number } {
  let bip39 = 0;
  let slip39 = 0;
  let runB = 0;
  let runS = 0;
  for (const raw of words) {
    if (raw === '' || LIST_NUMBER.test(raw)) continue;
    const w = raw.toLowerCase().replace(/^[^a-z]+|[^a-z]+$/g, '');
    runB = BIP39_WORDS.has(w) ? runB + 1 : 0;
    runS = SLIP39_WORDS.has(w) ? runS + 1 : 0;
    if (runB > bip39) bip39 = runB;
    if (runS > slip39) slip39 = runS;
  }
  return { bip39, slip39 };
}

function mnemonicKind(words: readonly string[]): SecretKind | null {
  if (words.length < BIP39_MIN_RUN_WORDS) return null;
  const runs = wordRuns(words);
  if (runs.slip39 >= SLIP39_MIN_RUN_WORDS) return 'SLIP-39 share';
  if (runs.bip39 >= BIP39_MIN_RUN_WORDS) return 'BIP39 mnemonic';
  return null;
}

function isWif(candidate: string): boolean {
  try {
    const raw = b58check.decode(candidate);
    // Version 0x80 (mainnet) or 0xef (testnet), 32-byte key, optional 0x01 "compressed" flag.
    return (
      (raw[0] === 0x80 || raw[0] === 0xef) && (raw.length === 33 || (raw.length === 34 && raw[33] === 1))
    );
  } catch {
    return false;
  }
}

/** Rule 1: secrets recognisable anywhere. */
function unambiguousSecret(text: string): SecretKind | null {
  if (text.length < 20) return null;
  if (EXTENDED_PRIVATE_KEY.test(text)) return 'extended private key';
  if (SEXTANT_SHARE.test(text)) return 'Sextant recovery share (sxshare1…)';
  if (PEM_PRIVATE_KEY.test(text)) return 'PEM private key';
  for (const m of text.matchAll(WIF_CANDIDATE)) if (isWif(m[0])) return 'WIF private key';
  return mnemonicKind(text.split(/[\s,;]+/));
}

/** Rule 3: secrets by shape, outside opaque fields. */
function shapedSecret(text: string): SecretKind | null {
  const t = text.trim();
  if (HEX_32_BYTES.test(t)) return 'private key (32-byte hex)';
  if (BASE58_64_BYTES.test(t)) {
    try {
      if (base58.decode(t).length === 64) return 'Solana secret key (64-byte base58)';
    } catch {
      // Not base58 after all.
    }
  }
  return null;
}

function isByteArray(value: readonly unknown[]): boolean {
  return (
    (value.length === 32 || value.length === 64) &&
    value.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)
  );
}

function safeSegment(key: string | number): string | number {
  return typeof key === 'string' && key.length > PATH_SEGMENT_MAX_CHARS
    ? `${key.slice(0, PATH_SEGMENT_MAX_CHARS)}…`
    : key;
}

/** A body nested deeper than this is refused outright (it cannot be scanned completely). */
export class TooDeepError extends Error {}

/**
 * The first secret in a parsed JSON body, or null. Throws `TooDeepError` when the body nests
 * more than 64 levels. Never returns or logs the secret itself.
 * @example findSecret({ address: '0x…', mnemonic: '…' }) // { kind: 'secret field name', path: ['mnemonic'] }
 */
export function findSecret(body: unknown, policy: SecretScanPolicy = {}): SecretFinding | null {
  const opaque = policy.opaque ?? [];
  const isOpaque = (path: readonly (string | number)[]) => {
    const dotted = path.join('.');
    return opaque.some((o) => dotted === o || dotted.startsWith(`${o}.`));
  };

  const visit = (value: unknown, path: (string | number)[], inOpaque: boolean): SecretFinding | null => {
    if (path.length > MAX_SCAN_DEPTH) throw new TooDeepError('body nests too deeply');
    const found = (kind: SecretKind): SecretFinding => ({ kind, path: path.map(safeSegment) });
    if (typeof value === 'string') {
      const kind = unambiguousSecret(value) ?? (inOpaque ? null : shapedSecret(value));
      return kind ? found(kind) : null;
    }
    if (value === null || typeof value !== 'object') return null;
    if (Array.isArray(value)) {
      if (!inOpaque && isByteArray(value)) return found('private key bytes');
      // A mnemonic sent as an array of words.
      if (value.length >= BIP39_MIN_RUN_WORDS && value.every((w) => typeof w === 'string')) {
        const kind = mnemonicKind(value as string[]);
        if (kind) return found(kind);
      }
      for (let i = 0; i < value.length; i++) {
        const childPath = [...path, i];
        const f = visit(value[i], childPath, inOpaque || isOpaque(childPath));
        if (f) return f;
      }
      return null;
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, key];
      const childOpaque = inOpaque || isOpaque(childPath);
      // A key that is itself a secret is reported at its parent, so the path never repeats it.
      const keyKind = unambiguousSecret(key) ?? (childOpaque ? null : shapedSecret(key));
      if (keyKind) return found(keyKind);
      if (!inOpaque && isSecretFieldName(key))
        return { kind: 'secret field name', path: childPath.map(safeSegment) };
      const f = visit(child, childPath, childOpaque);
      if (f) return f;
    }
    return null;
  };
  return visit(body, [], false);
}

const SECRET_DETAIL =
  'Sextant never accepts private keys, mnemonics, seeds, passwords or recovery shares over its API. ' +
  'Sign locally instead, with the `sextant wallet` CLI or the `sextant/wallet` library, and send only ' +
  'the signature, signed transaction or public data (address, xpub). If the secret is real and this ' +
  'request crossed a network you do not control, treat it as exposed and move the funds.';

/**
 * An operation's `inspectBody` that refuses any body holding a secret with `SecretRejectedError`
 * (400 `SECRET_REJECTED`), naming the field and the kind of secret, never the value. It runs
 * before schema validation, so even a body the schema would refuse gets this answer. A body
 * nested too deeply to scan is a `ValidationError`.
 * @example defineOperation({ ..., body: Body, inspectBody: refuseSecrets({ opaque: ['message'] }) })
 */
export function refuseSecrets(policy: SecretScanPolicy = {}): (body: unknown) => void {
  return (body) => {
    let finding: SecretFinding | null;
    try {
      finding = findSecret(body, policy);
    } catch (err) {
      if (err instanceof TooDeepError)
        throw new ValidationError(`body nests more than ${MAX_SCAN_DEPTH} levels deep`, {
          issues: [{ path: [], message: 'nests too deeply', in: 'body' }],
        });
      throw err;
    }
    if (!finding) return;
    const where = finding.path.length ? `body '${finding.path.join('.')}'` : 'the body';
    const what =
      finding.kind === 'secret field name'
        ? 'is named like a secret'
        : `looks like ${/^[aeiou]/i.test(finding.kind) ? 'an' : 'a'} ${finding.kind}`;
    throw new SecretRejectedError(`${where} ${what}. ${SECRET_DETAIL}`, {
      issues: [{ path: finding.path, message: what, in: 'body' }],
      extra: { secretKind: finding.kind },
    });
  };
}
