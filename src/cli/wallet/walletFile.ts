import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type BitcoinNetwork,
  deriveAccounts,
  deriveAddressFromXpub,
  exportAccountXpub,
  mnemonicToSeed,
  validateMnemonic,
  type XpubAddressKind,
} from '../../wallet/keys/index.js';
import {
  decryptVault,
  encryptVault,
  KeystoreError,
  readSecretFile,
  type VaultAccount,
  type VaultFile,
  writeSecretFile,
} from '../../wallet/keystore/index.js';
import {
  ACCOUNT_CHAIN,
  type AddressChain,
  addressChainsOf,
  derivationPath,
  WALLET_CHAINS,
  type WalletChain,
} from './chains.js';
import { WalletCliError } from './walletCliError.js';

// BIP44's gap limit: wallets scan 20 unused addresses. Solana has no xpub, so these are stored.
const SOLANA_PUBLIC_ADDRESSES = 20;
const MAX_WALLET_FILE_BYTES = 1 << 20;
const WALLETS_DIR_MODE = 0o700;

/** Which account xpub a wallet file keeps in its public part. */
export type XpubKey = 'evm' | 'btc' | 'btc-testnet' | 'btc-taproot' | 'btc-taproot-testnet';

/**
 * A wallet on disk (JSON, mode 0600): the encrypted vault (mnemonic, optional BIP39 passphrase,
 * account list) and, beside it, public data so that `list`, `address` and `export-xpub` need no
 * password. The public part is not authenticated: `wallet address --verify` re-derives it.
 */
export type WalletFile = {
  type: 'sextant-wallet';
  version: 1;
  name: string;
  createdAt: string;
  chains: WalletChain[];
  public: {
    /** Account-level extended public keys (account 0). */
    xpubs: Partial<Record<XpubKey, string>>;
    /** Solana addresses 0..19 (ed25519 derivation is hardened only, so there is no xpub). */
    solana: string[];
  };
  vault: VaultFile;
};

/** A decrypted wallet. `mnemonic`, `passphrase` and `seed` are secret: never print or log them. */
export type OpenedWallet = {
  mnemonic: string;
  passphrase: string;
  seed: Uint8Array;
  accounts: VaultAccount[];
};

/** One public address row. */
export type AddressRow = {
  chain: AddressChain;
  network?: BitcoinNetwork;
  index: number;
  path: string;
  address: string;
};

/** Where the data directory is: `--data-dir`, then `SEXTANT_DATA_DIR`, then `./.sextant`. */
export type WalletLocation = { name: string; path: string };

export const xpubKey = (chain: Exclude<AddressChain, 'sol'>, network: BitcoinNetwork): XpubKey =>
  chain === 'evm' ? 'evm' : network === 'testnet' ? `${chain}-testnet` : chain;

const XPUB_KIND: Record<Exclude<AddressChain, 'sol'>, XpubAddressKind> = {
  evm: 'evm',
  btc: 'p2wpkh',
  'btc-taproot': 'p2tr',
};

/** The wallets directory of a data directory. */
export const walletsDir = (dataDirAbs: string): string => join(dataDirAbs, 'wallets');

/**
 * Builds a new wallet file from a mnemonic (validated and normalized here). Derives the public data,
 * then encrypts the secrets with scrypt + AES-256-GCM.
 */
export async function buildWalletFile(input: {
  name: string;
  mnemonic: string;
  passphrase: string;
  chains: readonly WalletChain[];
  password: string;
  scryptN?: number;
  now: Date;
}): Promise<{ file: WalletFile; accounts: AddressRow[] }> {
  const { normalized } = validateMnemonic(input.mnemonic);
  const seed = mnemonicToSeed(normalized, { passphrase: input.passphrase });
  try {
    const xpubs: Partial<Record<XpubKey, string>> = {};
    if (input.chains.includes('evm')) xpubs.evm = exportAccountXpub(seed, { chain: 'evm' });
    if (input.chains.includes('btc'))
      for (const network of ['mainnet', 'testnet'] as const) {
        xpubs[xpubKey('btc', network)] = exportAccountXpub(seed, { chain: 'bitcoin-segwit', network });
        xpubs[xpubKey('btc-taproot', network)] = exportAccountXpub(seed, {
          chain: 'bitcoin-taproot',
          network,
        });
      }
    const solana = input.chains.includes('sol')
      ? seedAddresses(seed, 'sol', 0, SOLANA_PUBLIC_ADDRESSES).map((r) => r.address)
      : [];
    const accounts = addressChainsOf(input.chains).flatMap((c) => seedAddresses(seed, c, 0, 1));
    const vaultAccounts: VaultAccount[] = accounts.map((a) => ({
      chain: ACCOUNT_CHAIN[a.chain],
      index: a.index,
      address: a.address,
    }));
    const vault = await encryptVault(
      {
        mnemonic: normalized,
        ...(input.passphrase ? { passphrase: input.passphrase } : {}),
        accounts: vaultAccounts,
      },
      input.password,
      input.scryptN === undefined ? {} : { scryptN: input.scryptN },
    );
    const file: WalletFile = {
      type: 'sextant-wallet',
      version: 1,
      name: input.name,
      createdAt: input.now.toISOString(),
      chains: WALLET_CHAINS.filter((c) => input.chains.includes(c)),
      public: { xpubs, solana },
      vault,
    };
    return { file, accounts };
  } finally {
    seed.fill(0);
  }
}

/** Addresses `from..from+count-1` of `chain`, derived from the seed (private keys are wiped at once). */
export function seedAddresses(
  seed: Uint8Array,
  chain: AddressChain,
  from: number,
  count: number,
  network: BitcoinNetwork = 'mainnet',
): AddressRow[] {
  return deriveAccounts(seed, { chain: ACCOUNT_CHAIN[chain], from, count, network }).map((a) => {
    a.privateKey.fill(0);
    return {
      chain,
      ...(chain === 'btc' || chain === 'btc-taproot' ? { network } : {}),
      index: a.index,
      path: a.path,
      address: a.address,
    };
  });
}

/** Address `index` from the file's public part, or `undefined` when it holds nothing for it. */
export function publicAddress(
  file: WalletFile,
  chain: AddressChain,
  index: number,
  network: BitcoinNetwork = 'mainnet',
): AddressRow | undefined {
  const row = (address: string): AddressRow => ({
    chain,
    ...(chain === 'btc' || chain === 'btc-taproot' ? { network } : {}),
    index,
    path: derivationPath(chain, index, network),
    address,
  });
  if (chain === 'sol') {
    const address = file.public.solana[index];
    return address === undefined ? undefined : row(address);
  }
  const xpub = file.public.xpubs[xpubKey(chain, network)];
  if (xpub === undefined) return undefined;
  return row(deriveAddressFromXpub(xpub, { index, kind: XPUB_KIND[chain] }));
}

/** Reads the public part of a wallet file (no password needed). */
export async function readWalletFile(path: string): Promise<WalletFile> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new WalletCliError(
        'WALLET_NOT_FOUND',
        `no wallet at ${path}: create one with \`sextant wallet create\` (or see \`sextant wallet list\`)`,
      );
    throw err;
  }
  if (size > MAX_WALLET_FILE_BYTES) throw invalid(path, 'it is too large');
  return parseWalletFile(await readFile(path, 'utf8'), path);
}

function invalid(path: string, why: string): WalletCliError {
  return new WalletCliError('WALLET_FILE_INVALID', `${path} is not a Sextant wallet file: ${why}`);
}

function parseWalletFile(text: string, path: string): WalletFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // JSON.parse quotes the input in its message: ours does not.
    throw invalid(path, 'it is not valid JSON');
  }
  const f = v as Partial<WalletFile> | null;
  if (typeof f !== 'object' || f === null || f.type !== 'sextant-wallet')
    throw invalid(path, 'type must be sextant-wallet');
  if (f.version !== 1) throw invalid(path, `version ${String(f.version)} is not supported`);
  if (!Array.isArray(f.chains) || !f.chains.every((c) => (WALLET_CHAINS as readonly string[]).includes(c)))
    throw invalid(path, 'chains must be a list of evm, btc, sol');
  const pub = f.public;
  if (
    typeof pub !== 'object' ||
    pub === null ||
    typeof pub.xpubs !== 'object' ||
    pub.xpubs === null ||
    !Object.values(pub.xpubs).every((x) => typeof x === 'string') ||
    !Array.isArray(pub.solana) ||
    !pub.solana.every((a) => typeof a === 'string')
  )
    throw invalid(path, 'public must be { xpubs, solana }');
  if (typeof f.vault !== 'object' || f.vault === null) throw invalid(path, 'vault is missing');
  return f as WalletFile;
}

/**
 * Decrypts a wallet. The file must be mode 0600 (as `writeSecretFile` leaves it). A wrong password is a
 * `KeystoreError` with code `KEYSTORE_BAD_PASSWORD`.
 */
export async function openWallet(
  path: string,
  password: string,
): Promise<{ file: WalletFile; wallet: OpenedWallet }> {
  await readWalletFile(path); // a clear "not found" / "not a wallet" before anything else
  let text: string;
  try {
    text = await readSecretFile(path);
  } catch (err) {
    if (err instanceof KeystoreError)
      throw new WalletCliError(
        'WALLET_FILE_INVALID',
        `${path} can be read by other users: run \`chmod 600 ${path}\` (and consider the wallet exposed if they could read it)`,
      );
    throw err;
  }
  const file = parseWalletFile(text, path);
  const contents = await decryptVault(file.vault, password);
  const passphrase = contents.passphrase ?? '';
  const seed = mnemonicToSeed(contents.mnemonic, { passphrase });
  return { file, wallet: { mnemonic: contents.mnemonic, passphrase, seed, accounts: contents.accounts } };
}

/** Writes a new wallet file (0600, atomic) and refuses to replace an existing one. */
export async function writeNewWalletFile(path: string, file: WalletFile): Promise<void> {
  if (await exists(path))
    throw new WalletCliError(
      'WALLET_EXISTS',
      `a wallet already exists at ${path}: choose another --name (wallet files are never overwritten)`,
    );
  await mkdir(dirname(path), { recursive: true, mode: WALLETS_DIR_MODE });
  await writeSecretFile(path, `${JSON.stringify(file, null, 2)}\n`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Wallet files in a wallets directory, by name; unreadable ones carry their error instead. */
export async function listWalletFiles(
  dir: string,
): Promise<
  ({ name: string; path: string; file: WalletFile } | { name: string; path: string; error: string })[]
> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out = [];
  // Temp files of an interrupted atomic write start with a dot.
  for (const entry of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const path = join(dir, entry);
    const name = basename(entry, '.json');
    try {
      out.push({ name, path, file: await readWalletFile(path) });
    } catch (err) {
      out.push({ name, path, error: (err as Error).message });
    }
  }
  return out;
}
