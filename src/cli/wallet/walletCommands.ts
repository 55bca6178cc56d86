import {
  type BitcoinNetwork,
  exportAccountXpub,
  generateMnemonic,
  validateMnemonic,
} from '../../wallet/keys/index.js';
import type { Command, OptionSpec } from '../main.js';
import {
  ADDRESS_CHAINS,
  type AddressChain,
  addressChainsOf,
  isBitcoin,
  WALLET_CHAINS,
  type WalletChain,
} from './chains.js';
import { kdfCost } from './kdfCost.js';
import { WalletCliError } from './walletCliError.js';
import {
  dataDirOf,
  intFlag,
  PASSWORD_FD_OPTION,
  printJson,
  stringFlag,
  WALLET_OPTIONS,
  type WalletContext,
  type WalletDeps,
  walletCommand,
  walletLocation,
} from './walletCommand.js';
import {
  type AddressRow,
  buildWalletFile,
  listWalletFiles,
  openWallet,
  publicAddress,
  readWalletFile,
  seedAddresses,
  type WalletFile,
  type WalletLocation,
  walletsDir,
  writeNewWalletFile,
  xpubKey,
} from './walletFile.js';

const MNEMONIC_WORD_COUNTS = [12, 15, 18, 21, 24] as const;
const DEFAULT_WORDS = 24;
const WEAK_PASSWORD_CHARS = 12;
const MAX_ADDRESSES_PER_RUN = 1000;
const MAX_INDEX = 0x7fffffff;

/** Options of the commands that write a new wallet (create, import, recover). */
export const NEW_WALLET_OPTIONS: Record<string, OptionSpec> = {
  ...WALLET_OPTIONS,
  chains: {
    type: 'string',
    description: `Chains to keep public addresses/xpubs for: ${WALLET_CHAINS.join(',')} (default all)`,
  },
  passphrase: {
    type: 'boolean',
    description: 'Also set a BIP39 passphrase ("25th word"), asked for like the password',
  },
  'passphrase-fd': {
    type: 'string',
    description: 'Read the BIP39 passphrase from this file descriptor (implies --passphrase)',
  },
  'password-fd': {
    type: 'string',
    description: 'Read the new wallet password from this file descriptor (first line) instead of a prompt',
  },
};

const SHOW_MNEMONIC_OPTION: Record<string, OptionSpec> = {
  'show-mnemonic': {
    type: 'boolean',
    description: 'Print the recovery phrase (to write it down); a warning goes to stderr',
  },
};

const NEW_WALLET_NOTES = `
Secrets are never read from arguments. On a terminal they are asked for without echo; otherwise
pass each on a file descriptor (first line), e.g. --password-fd 3 3<password.txt. When several
--…-fd flags name the same descriptor, they read successive lines in this order: mnemonic (or
shares), BIP39 passphrase, password.`;

function parseChains(ctx: WalletContext): WalletChain[] {
  const raw = stringFlag(ctx, 'chains');
  if (raw === undefined) return [...WALLET_CHAINS];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((c) => !(WALLET_CHAINS as readonly string[]).includes(c));
  if (bad !== undefined || list.length === 0)
    throw ctx.deps.usageError(`--chains takes a comma-separated list of ${WALLET_CHAINS.join(', ')}`);
  return WALLET_CHAINS.filter((c) => list.includes(c));
}

/** Refuses early (before any prompt) when the target wallet file exists. */
export async function assertNewWallet(location: WalletLocation): Promise<void> {
  const taken = await readWalletFile(location.path).then(
    () => true,
    (err) => !(err instanceof WalletCliError && err.code === 'WALLET_NOT_FOUND'),
  );
  if (taken)
    throw new WalletCliError(
      'WALLET_EXISTS',
      `a wallet already exists at ${location.path}: choose another --name (wallet files are never overwritten)`,
    );
}

/** Reads the new password (twice at a prompt) and rejects an empty one. */
export async function readNewPassword(ctx: WalletContext, what = 'new wallet password'): Promise<string> {
  const password = await ctx.secrets.read({ fdFlag: 'password-fd', what, confirm: true });
  if (password === '') throw new WalletCliError('INPUT_INVALID', `the ${what} is empty`);
  if ([...password].length < WEAK_PASSWORD_CHARS)
    ctx.io.err(
      `warning: the password is shorter than ${WEAK_PASSWORD_CHARS} characters; the encrypted file is only as strong as its password\n`,
    );
  return password;
}

/**
 * Encrypts `mnemonic` into a new wallet file and prints its first addresses. Shared by create, import
 * and recover. Reads the BIP39 passphrase (when asked for) and then the new password.
 */
export async function saveNewWallet(
  ctx: WalletContext,
  input: { location: WalletLocation; mnemonic: string; verb: string; wordCount: number },
): Promise<number> {
  const chains = parseChains(ctx);
  const wantsPassphrase = ctx.values.passphrase === true || stringFlag(ctx, 'passphrase-fd') !== undefined;
  let passphrase = '';
  if (wantsPassphrase) {
    passphrase = await ctx.secrets.read({ fdFlag: 'passphrase-fd', what: 'BIP39 passphrase', confirm: true });
    if (passphrase === '')
      throw new WalletCliError(
        'INPUT_INVALID',
        'the BIP39 passphrase is empty (leave out --passphrase for none)',
      );
  }
  const password = await readNewPassword(ctx);
  const cost = kdfCost(ctx.io.env, ctx.io.err);
  const { file, accounts } = await buildWalletFile({
    name: input.location.name,
    mnemonic: input.mnemonic,
    passphrase,
    chains,
    password,
    ...(cost.scryptN === undefined ? {} : { scryptN: cost.scryptN }),
    now: new Date(),
  });
  await writeNewWalletFile(input.location.path, file);
  const show = ctx.values['show-mnemonic'] === true;
  if (show)
    ctx.io.err(
      'WARNING: printing the recovery phrase (--show-mnemonic). Anyone who sees it controls the funds: write it on paper, clear the terminal, never store it in a file, photo or password-less note.\n',
    );
  if (ctx.json) {
    printJson(ctx, {
      name: input.location.name,
      file: input.location.path,
      words: input.wordCount,
      chains,
      passphrase: wantsPassphrase,
      accounts,
      ...(show ? { mnemonic: input.mnemonic } : {}),
    });
    return 0;
  }
  ctx.io.out(
    `${input.verb} wallet '${input.location.name}' at ${input.location.path} (${input.wordCount}-word recovery phrase${wantsPassphrase ? ' + BIP39 passphrase' : ''}; encrypted with scrypt + AES-256-GCM, mode 0600)\n\n`,
  );
  ctx.io.out(addressTable(ctx, accounts));
  if (show) ctx.io.out(`\nRecovery phrase (write it down, in order):\n\n  ${input.mnemonic}\n`);
  ctx.io.out(
    `\nBack it up: \`sextant wallet split${input.location.name === 'default' ? '' : ` --name ${input.location.name}`} --threshold 2 --shares 3 --out DIR\` makes SLIP-39 or Shamir shares of the recovery phrase (--show-shares prints them instead)${wantsPassphrase ? ' (the BIP39 passphrase is not in them: back it up separately)' : ''}. The file alone is useless without its password, and the password alone is useless without the file.\n`,
  );
  return 0;
}

function addressTable(ctx: WalletContext, rows: readonly AddressRow[]): string {
  return ctx.deps.table([
    ['CHAIN', 'INDEX', 'PATH', 'ADDRESS'],
    ...rows.map((r) => [
      r.network === 'testnet' ? `${r.chain} (testnet)` : r.chain,
      String(r.index),
      r.path,
      r.address,
    ]),
  ]);
}

/** Opens a wallet, asking for its password. */
export async function unlockWallet(ctx: WalletContext, location: WalletLocation) {
  await readWalletFile(location.path); // "no such wallet" before asking for a password
  const password = await ctx.secrets.read({
    fdFlag: 'password-fd',
    what: `password of wallet '${location.name}'`,
  });
  return openWallet(location.path, password);
}

function createCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet create',
    summary: 'Create a wallet: a new BIP39 recovery phrase, encrypted in a 0600 file',
    usage: `sextant wallet create [--name NAME | --file PATH] [--words 12|15|18|21|24] [--chains evm,btc,sol] [--passphrase] [--password-fd N] [--show-mnemonic] [--json]
${NEW_WALLET_NOTES}`,
    options: {
      ...NEW_WALLET_OPTIONS,
      words: {
        type: 'string',
        description: `Recovery phrase length: 12, 15, 18, 21 or 24 (default ${DEFAULT_WORDS})`,
      },
      ...SHOW_MNEMONIC_OPTION,
    },
    async run(ctx) {
      const words = intFlag(ctx, 'words', { min: 12, max: 24, def: DEFAULT_WORDS });
      if (!(MNEMONIC_WORD_COUNTS as readonly number[]).includes(words))
        throw ctx.deps.usageError('--words must be 12, 15, 18, 21 or 24');
      parseChains(ctx);
      const location = walletLocation(ctx);
      await assertNewWallet(location);
      const mnemonic = generateMnemonic({ words: words as (typeof MNEMONIC_WORD_COUNTS)[number] });
      return saveNewWallet(ctx, { location, mnemonic, verb: 'Created', wordCount: words });
    },
  });
}

function importCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet import',
    summary: 'Import a BIP39 recovery phrase (read from a prompt or --mnemonic-fd) into an encrypted wallet',
    usage: `sextant wallet import [--name NAME | --file PATH] [--mnemonic-fd N] [--chains evm,btc,sol] [--passphrase] [--password-fd N] [--json]
${NEW_WALLET_NOTES}`,
    options: {
      ...NEW_WALLET_OPTIONS,
      'mnemonic-fd': {
        type: 'string',
        description: 'Read the recovery phrase from this file descriptor (one line) instead of a prompt',
      },
    },
    async run(ctx) {
      parseChains(ctx);
      const location = walletLocation(ctx);
      await assertNewWallet(location);
      const phrase = await ctx.secrets.read({ fdFlag: 'mnemonic-fd', what: 'recovery phrase' });
      // MnemonicError names the first unknown word, its position and close matches: never the phrase.
      const valid = validateMnemonic(phrase);
      return saveNewWallet(ctx, {
        location,
        mnemonic: valid.normalized,
        verb: 'Imported',
        wordCount: valid.wordCount,
      });
    },
  });
}

function listCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet list',
    summary: 'List wallets in the data directory with their first public addresses (no password needed)',
    usage: 'sextant wallet list [--data-dir DIR] [--json]',
    options: {},
    async run(ctx) {
      const dir = walletsDir(dataDirOf(ctx));
      const entries = await listWalletFiles(dir);
      const rows = entries.map((e) => {
        if ('error' in e) return { name: e.name, file: e.path, error: e.error };
        const addresses: Partial<Record<AddressChain, string>> = {};
        for (const chain of addressChainsOf(e.file.chains)) {
          const a = publicAddress(e.file, chain, 0);
          if (a) addresses[chain] = a.address;
        }
        return { name: e.name, file: e.path, createdAt: e.file.createdAt, chains: e.file.chains, addresses };
      });
      if (ctx.json) {
        printJson(ctx, rows);
        return 0;
      }
      if (rows.length === 0) {
        ctx.io.out(`no wallets in ${dir}: create one with \`sextant wallet create\`\n`);
        return 0;
      }
      const table: string[][] = [['NAME', 'CHAIN', 'ADDRESS (INDEX 0)', 'CREATED']];
      for (const r of rows) {
        if ('error' in r) {
          table.push([r.name, '-', `(unreadable: ${r.error})`, '-']);
          continue;
        }
        const chains = Object.entries(r.addresses);
        if (chains.length === 0) table.push([r.name, '-', '-', r.createdAt]);
        chains.forEach(([chain, address], i) => {
          table.push([i === 0 ? r.name : '', chain, address, i === 0 ? r.createdAt : '']);
        });
      }
      ctx.io.out(ctx.deps.table(table));
      return 0;
    },
  });
}

function parseAddressChain(ctx: WalletContext, allowed: readonly AddressChain[]): AddressChain | undefined {
  const raw = stringFlag(ctx, 'chain');
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw ctx.deps.usageError(`--chain must be one of ${allowed.join(', ')}`);
  return raw as AddressChain;
}

function addressCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet address',
    summary: 'Show addresses by index range (account discovery) from the public xpubs; no password needed',
    usage: `sextant wallet address [--name NAME | --file PATH] [--chain evm|btc|btc-taproot|sol] [--index 0] [--count 1] [--testnet] [--verify] [--json]

Addresses come from the xpubs kept in the wallet file, so no password is needed, except for
Solana beyond index 19 and chains the wallet was created without. --verify re-derives every
address from the encrypted recovery phrase (asks for the password) and fails if the public
data in the file was altered.`,
    options: {
      ...WALLET_OPTIONS,
      chain: {
        type: 'string',
        description: `${ADDRESS_CHAINS.join(', ')} (default: every chain of the wallet)`,
      },
      index: { type: 'string', description: 'First address index (default 0)' },
      count: {
        type: 'string',
        description: `How many consecutive addresses (default 1, at most ${MAX_ADDRESSES_PER_RUN})`,
      },
      testnet: { type: 'boolean', description: 'Bitcoin testnet addresses (tb1…) for btc and btc-taproot' },
      verify: {
        type: 'boolean',
        description: 'Re-derive from the encrypted recovery phrase and compare (asks for the password)',
      },
      ...PASSWORD_FD_OPTION,
    },
    async run(ctx) {
      const only = parseAddressChain(ctx, ADDRESS_CHAINS);
      const index = intFlag(ctx, 'index', { min: 0, max: MAX_INDEX, def: 0 });
      const count = intFlag(ctx, 'count', { min: 1, max: MAX_ADDRESSES_PER_RUN, def: 1 });
      if (index + count - 1 > MAX_INDEX) throw ctx.deps.usageError('--index + --count must stay below 2^31');
      const testnet = ctx.values.testnet === true;
      if (testnet && only !== undefined && !isBitcoin(only))
        throw ctx.deps.usageError('--testnet applies to --chain btc and btc-taproot only');
      const network: BitcoinNetwork = testnet ? 'testnet' : 'mainnet';
      const location = walletLocation(ctx);
      const file = await readWalletFile(location.path);
      let chains = only ? [only] : addressChainsOf(file.chains);
      if (testnet) chains = chains.filter(isBitcoin);
      const wanted = chains.flatMap((chain) =>
        Array.from({ length: count }, (_, i) => ({ chain, index: index + i })),
      );
      const fromPublic = wanted.map((w) => publicAddress(file, w.chain, w.index, network));
      let rows: AddressRow[];
      if (ctx.values.verify === true || fromPublic.some((r) => r === undefined)) {
        const { wallet } = await unlockWallet(ctx, location);
        try {
          rows = chains.flatMap((chain) => seedAddresses(wallet.seed, chain, index, count, network));
        } finally {
          wallet.seed.fill(0);
        }
        const altered = fromPublic.some((p, i) => p !== undefined && p.address !== rows[i]?.address);
        if (altered)
          throw new WalletCliError(
            'WALLET_MISMATCH',
            `the public addresses stored in ${location.path} do not match its encrypted recovery phrase: the file was modified; do not use addresses shown by \`wallet list\` for it`,
          );
      } else rows = fromPublic as AddressRow[];
      if (ctx.json)
        printJson(ctx, {
          wallet: location.name,
          file: location.path,
          verified: ctx.values.verify === true,
          addresses: rows,
        });
      else {
        ctx.io.out(addressTable(ctx, rows));
        if (ctx.values.verify === true)
          ctx.io.out('verified: every address matches the encrypted recovery phrase\n');
      }
      return 0;
    },
  });
}

const XPUB_CHAINS = ['evm', 'btc', 'btc-taproot'] as const satisfies readonly AddressChain[];

function accountPath(chain: (typeof XPUB_CHAINS)[number], network: BitcoinNetwork): string {
  const coin = network === 'mainnet' ? 0 : 1;
  return chain === 'evm' ? "m/44'/60'/0'" : `m/${chain === 'btc' ? 84 : 86}'/${coin}'/0'`;
}

function exportXpubCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet export-xpub',
    summary: 'Print an account xpub/zpub for a watch-only wallet (public: reveals addresses, not keys)',
    usage: `sextant wallet export-xpub [--name NAME | --file PATH] [--chain btc|btc-taproot|evm] [--testnet] [--json]

btc gives the BIP84 zpub (vpub on testnet) that Sparrow, Electrum and BlueWallet import as a
watch-only native-segwit wallet; btc-taproot the BIP86 xpub (tpub); evm the xpub at m/44'/60'/0'.
Solana (ed25519) has no extended public keys: use \`wallet address --chain sol --count N\`.
Anyone with an xpub can see every address and balance of the account: share it accordingly.`,
    options: {
      ...WALLET_OPTIONS,
      chain: { type: 'string', description: 'btc (default), btc-taproot or evm' },
      testnet: { type: 'boolean', description: 'Bitcoin testnet (vpub/tpub)' },
      ...PASSWORD_FD_OPTION,
    },
    async run(ctx) {
      if (stringFlag(ctx, 'chain') === 'sol')
        throw ctx.deps.usageError(
          'Solana (ed25519, SLIP-10) has no extended public keys: list addresses with `sextant wallet address --chain sol --count N`',
        );
      const chain = (parseAddressChain(ctx, XPUB_CHAINS) ?? 'btc') as (typeof XPUB_CHAINS)[number];
      const testnet = ctx.values.testnet === true;
      if (testnet && chain === 'evm')
        throw ctx.deps.usageError('--testnet applies to btc and btc-taproot only');
      const network: BitcoinNetwork = testnet ? 'testnet' : 'mainnet';
      const location = walletLocation(ctx);
      const file: WalletFile = await readWalletFile(location.path);
      let xpub = file.public.xpubs[xpubKey(chain, network)];
      if (xpub === undefined) {
        // Created without this chain: derive it from the recovery phrase.
        const { wallet } = await unlockWallet(ctx, location);
        try {
          xpub =
            chain === 'evm'
              ? exportAccountXpub(wallet.seed, { chain: 'evm' })
              : exportAccountXpub(wallet.seed, {
                  chain: chain === 'btc' ? 'bitcoin-segwit' : 'bitcoin-taproot',
                  network,
                });
        } finally {
          wallet.seed.fill(0);
        }
      }
      const path = accountPath(chain, network);
      if (ctx.json)
        printJson(ctx, { wallet: location.name, chain, ...(chain === 'evm' ? {} : { network }), path, xpub });
      else ctx.io.out(`${xpub}\n`);
      return 0;
    },
  });
}

/** create, import, list, address, export-xpub. */
export function walletCommands(deps: WalletDeps): Command[] {
  return [createCmd(deps), importCmd(deps), listCmd(deps), addressCmd(deps), exportXpubCmd(deps)];
}
