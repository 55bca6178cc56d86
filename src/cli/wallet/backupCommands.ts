import { chmod, mkdir, mkdtemp, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { entropyToMnemonic } from '@scure/bip39';
import {
  MNEMONIC_WORDLISTS,
  type MnemonicLanguage,
  mnemonicToSeed,
  validateMnemonic,
} from '../../wallet/keys/index.js';
import { writeSecretFile } from '../../wallet/keystore/index.js';
import {
  combineMnemonicShares,
  combineSlip39Shares,
  generateSlip39Shares,
  RecoveryError,
  slip39Share,
  splitMnemonic,
} from '../../wallet/recovery/index.js';
import type { Command } from '../main.js';
import { addressChainsOf, WALLET_CHAINS } from './chains.js';
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
import { assertNewWallet, NEW_WALLET_OPTIONS, saveNewWallet, unlockWallet } from './walletCommands.js';
import { listWalletFiles, publicAddress, seedAddresses, walletsDir } from './walletFile.js';

const MAX_SHARES = 16;
const SHARE_DIR_MODE = 0o700;
const BIP39_ENTROPY_BYTES = [16, 20, 24, 28, 32];
const SCHEMES = ['slip39', 'plain'] as const;

type Group = readonly [threshold: number, count: number];

/** `2/3,3/5` or `2-of-3,3-of-5` → [[2,3],[3,5]]. */
function parseGroups(ctx: WalletContext, raw: string): Group[] {
  const groups = raw.split(',').map((g) => /^\s*(\d{1,2})\s*(?:\/|-of-|of)\s*(\d{1,2})\s*$/.exec(g));
  if (groups.length === 0 || groups.some((m) => !m))
    throw ctx.deps.usageError('--groups takes THRESHOLD/COUNT per group, comma-separated, e.g. 2/3,3/5');
  return groups.map((m) => [Number(m?.[1]), Number(m?.[2])] as const);
}

function splitCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet split',
    summary: 'Split the recovery phrase into SLIP-39 or plain Shamir shares (--show-shares or --out DIR)',
    usage: `sextant wallet split [--name NAME | --file PATH | --mnemonic-fd N] [--scheme slip39|plain] --threshold K --shares N (--show-shares | --out DIR) [--json]
       sextant wallet split [--name NAME | --file PATH] --groups 2/3,3/5 --threshold G (--show-shares | --out DIR) [--json]

SLIP-39 (default) gives word shares (20 words for a 12-word phrase, 33 for 24) that encode the
phrase's BIP39 entropy; --groups makes two-level shares (G of the groups needed, each group
THRESHOLD of its COUNT shares). --scheme plain gives compact sxshare1… strings (K of N).

Shares are secrets, so where they go must be said explicitly: --show-shares prints them (with a
warning on stderr; clear the terminal after writing them down), --out DIR writes one file per
share (mode 0600, in a new or empty directory made 0700; all files or none). Files on one disk
are one place: move each share to its own medium, then delete the directory.

Recover either kind with \`sextant wallet recover\` (e.g. \`cat DIR/* | sextant wallet recover
--shares-fd 0 …\`). Any K shares are as powerful as the phrase: store them apart, and test a
recovery with \`wallet recover --dry-run\`. The BIP39 passphrase, if any, is not in the shares.`,
    options: {
      ...WALLET_OPTIONS,
      scheme: { type: 'string', description: 'slip39 (default) or plain (sxshare1…)' },
      threshold: {
        type: 'string',
        description: 'Shares needed to recover (with --groups: how many groups are needed)',
      },
      shares: {
        type: 'string',
        description: `How many shares to make (2..${MAX_SHARES}; 1 for a 1-of-1 SLIP-39 backup)`,
      },
      groups: { type: 'string', description: 'SLIP-39 groups, THRESHOLD/COUNT each: 2/3,3/5' },
      'show-shares': {
        type: 'boolean',
        description: 'Print the shares on stdout (a warning goes to stderr)',
      },
      out: {
        type: 'string',
        description: 'Write one 0600 file per share into this new or empty directory instead',
      },
      'mnemonic-fd': {
        type: 'string',
        description: 'Split a recovery phrase read from this descriptor instead of a wallet',
      },
      ...PASSWORD_FD_OPTION,
    },
    async run(ctx) {
      // Where the shares go is checked first: nothing is asked or decrypted for a run that would fail.
      const show = ctx.values['show-shares'] === true;
      const outFlag = stringFlag(ctx, 'out');
      if (show && outFlag !== undefined)
        throw ctx.deps.usageError('give --show-shares or --out DIR, not both');
      if (!show && outFlag === undefined)
        throw ctx.deps.usageError(
          'the shares are secrets and are output only when asked: give --show-shares to print them (with a warning) or --out DIR to write one 0600 file per share',
        );
      const outDir = outFlag === undefined ? undefined : resolve(ctx.io.cwd, outFlag);
      const scheme = stringFlag(ctx, 'scheme') ?? 'slip39';
      if (!(SCHEMES as readonly string[]).includes(scheme))
        throw ctx.deps.usageError('--scheme must be slip39 or plain');
      const rawGroups = stringFlag(ctx, 'groups');
      let groupThreshold: number;
      let groups: Group[];
      if (rawGroups !== undefined) {
        if (scheme !== 'slip39') throw ctx.deps.usageError('--groups needs --scheme slip39');
        if (stringFlag(ctx, 'shares') !== undefined)
          throw ctx.deps.usageError('give --groups or --shares, not both');
        groups = parseGroups(ctx, rawGroups);
        if (stringFlag(ctx, 'threshold') === undefined)
          throw ctx.deps.usageError('--groups needs --threshold: how many groups are required');
        groupThreshold = intFlag(ctx, 'threshold', { min: 1, max: groups.length, def: 1 });
      } else {
        if (stringFlag(ctx, 'threshold') === undefined || stringFlag(ctx, 'shares') === undefined)
          throw ctx.deps.usageError('give --threshold K and --shares N (or --groups for SLIP-39 groups)');
        const count = intFlag(ctx, 'shares', { min: scheme === 'plain' ? 2 : 1, max: MAX_SHARES, def: 0 });
        const threshold = intFlag(ctx, 'threshold', { min: scheme === 'plain' ? 2 : 1, max: count, def: 0 });
        groups = [[threshold, count]];
        groupThreshold = 1;
      }
      for (const [t, n] of groups) {
        if (t < 1 || t > n || n > MAX_SHARES)
          throw ctx.deps.usageError(`each group needs 1 <= threshold <= count <= ${MAX_SHARES}`);
        if (t === 1 && n > 1)
          throw ctx.deps.usageError(
            'a threshold of 1 with several shares just makes copies: use --shares 1, or a threshold of 2 or more',
          );
      }

      if (outDir !== undefined) await assertShareDirUsable(outDir);

      let mnemonic: string;
      let source: string;
      let hasPassphrase = false;
      if (stringFlag(ctx, 'mnemonic-fd') !== undefined) {
        if (stringFlag(ctx, 'name') !== undefined || stringFlag(ctx, 'file') !== undefined)
          throw ctx.deps.usageError('give --mnemonic-fd or a wallet (--name/--file), not both');
        mnemonic = validateMnemonic(
          await ctx.secrets.read({ fdFlag: 'mnemonic-fd', what: 'recovery phrase' }),
        ).normalized;
        source = 'the given recovery phrase';
      } else {
        const location = walletLocation(ctx);
        const { wallet } = await unlockWallet(ctx, location);
        wallet.seed.fill(0);
        mnemonic = wallet.mnemonic;
        hasPassphrase = wallet.passphrase !== '';
        source = `wallet '${location.name}'`;
      }
      const { entropy, language } = validateMnemonic(mnemonic);
      const needed =
        groups.length === 1
          ? `any ${groups[0]?.[0]} of ${groups[0]?.[1]} shares`
          : `shares from ${groupThreshold} of ${groups.length} groups`;
      const Needed = `${needed[0]?.toUpperCase()}${needed.slice(1)}`;
      const kind = scheme === 'slip39' ? 'SLIP-39' : 'Shamir';
      const passphraseNote = hasPassphrase
        ? ' The BIP39 passphrase is NOT in the shares: back it up separately.'
        : '';
      const note = language === 'english' ? '' : ` (recover with --language ${language})`;
      // One list of shares per group (plain Shamir: a single group).
      let shareGroups: string[][];
      if (scheme === 'plain') {
        const [[threshold, count]] = groups as [Group];
        shareGroups = [splitMnemonic(mnemonic, { threshold, count })];
      } else {
        shareGroups = generateSlip39Shares(entropy, { groupThreshold, groups });
      }
      entropy.fill(0);

      if (outDir !== undefined) {
        const files = await writeShareFiles(outDir, shareGroups, (group, index) => {
          const of =
            shareGroups.length > 1
              ? ` of group ${group + 1} (${groups[group]?.[0]} of its ${groups[group]?.[1]} needed)`
              : '';
          return `# ${kind} share ${index + 1}${of} of ${source}${note}: ${needed} recover it with \`sextant wallet recover\`\n`;
        });
        ctx.io.err(
          `WARNING: wrote ${files.length} ${kind} shares of ${source} to ${outDir}. ${Needed} give full control of the funds: move each file to its own medium (paper, a separate drive), keep them in different places, then delete ${outDir}.${passphraseNote}\n`,
        );
        if (ctx.json) printJson(ctx, { scheme, language, groupThreshold, directory: outDir, files });
        else
          ctx.io.out(
            `Wrote ${files.length} ${kind} shares to ${outDir} (one file each, mode 0600): ${needed} recover it\n`,
          );
        return 0;
      }

      ctx.io.err(
        `WARNING: printing ${kind} shares of ${source} (--show-shares). ${Needed} give full control of the funds: write each one down separately, keep them in different places, never photograph them or store them together or in a cloud/password-less file, and clear the terminal afterwards.${passphraseNote}\n`,
      );
      if (scheme === 'plain') {
        const [[threshold, count]] = groups as [Group];
        const shares = shareGroups[0] ?? [];
        if (ctx.json) printJson(ctx, { scheme, language, threshold, count, shares });
        else
          ctx.io.out(
            `# Shamir shares of ${source}: any ${threshold} of these ${count} recover it\n${shares.join('\n')}\n`,
          );
        return 0;
      }
      if (ctx.json) {
        printJson(ctx, {
          scheme,
          language,
          groupThreshold,
          groups: shareGroups.map((s, i) => ({
            threshold: groups[i]?.[0],
            count: groups[i]?.[1],
            shares: s,
          })),
        });
        return 0;
      }
      const lines = [`# SLIP-39 shares of ${source} (BIP39 entropy${note}): ${needed} recover it`];
      shareGroups.forEach((group, i) => {
        if (shareGroups.length > 1)
          lines.push(
            `# group ${i + 1} of ${shareGroups.length}: any ${groups[i]?.[0]} of these ${groups[i]?.[1]}`,
          );
        lines.push(...group);
      });
      ctx.io.out(`${lines.join('\n')}\n`);
      return 0;
    },
  });
}

/** `--out DIR` must be new, or an empty directory: shares are never mixed with other files or overwritten. */
async function assertShareDirUsable(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR')
      throw new WalletCliError('INPUT_INVALID', `--out ${dir} is a file, not a directory`);
    throw new WalletCliError('INPUT_INVALID', `--out ${dir} cannot be read (${code ?? 'error'})`);
  }
  if (entries.length > 0)
    throw new WalletCliError(
      'WALLET_EXISTS',
      `--out ${dir} is not empty: shares go into a new or empty directory`,
    );
}

/**
 * Writes every share into `dir`, one 0600 file each, all or nothing: the files are written (each
 * atomically, fsynced) into a 0700 temporary sibling directory that is then renamed onto `dir`
 * (a new or empty directory), so `dir` never holds part of a split. Returns the file paths.
 */
async function writeShareFiles(
  dir: string,
  shareGroups: readonly (readonly string[])[],
  header: (group: number, index: number) => string,
): Promise<string[]> {
  await assertShareDirUsable(dir);
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true, mode: SHARE_DIR_MODE });
  const tmp = await mkdtemp(join(parent, `.${basename(dir)}.`));
  const names: string[] = [];
  try {
    await chmod(tmp, SHARE_DIR_MODE);
    const total = shareGroups.reduce((n, g) => n + g.length, 0);
    const width = String(total).length;
    for (const [g, group] of shareGroups.entries()) {
      for (const [i, share] of group.entries()) {
        const name =
          shareGroups.length > 1
            ? `group-${g + 1}-share-${String(i + 1).padStart(width, '0')}.txt`
            : `share-${String(i + 1).padStart(width, '0')}-of-${group.length}.txt`;
        await writeSecretFile(join(tmp, name), `${header(g, i)}${share}\n`);
        names.push(name);
      }
    }
    // rename(2) replaces an empty directory; a non-empty one (a race) makes it fail, leaving `dir` as it was.
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
  const parentHandle = await open(parent, 'r').catch(() => undefined);
  if (parentHandle) {
    await parentHandle.sync().catch(() => {});
    await parentHandle.close();
  }
  return names.map((n) => join(dir, n));
}

/** Rejects a mistyped SLIP-39 share at the prompt, so the user retypes it at once. */
function checkShare(line: string): string | undefined {
  if (/^sxshare1/i.test(line)) return undefined; // checked with the others: bech32m catches typos there
  try {
    slip39Share.decode(line);
    return undefined;
  } catch (err) {
    if (err instanceof RecoveryError) return err.message;
    throw err;
  }
}

/** Combines shares into the BIP39 phrase. Errors say which share and why, never what it holds. */
function combineShares(shares: string[], language: MnemonicLanguage): { mnemonic: string; scheme: string } {
  const plain = shares.filter((s) => /^sxshare1/i.test(s)).length;
  if (plain > 0 && plain < shares.length)
    throw new WalletCliError(
      'INPUT_INVALID',
      'the shares mix sxshare1… and SLIP-39 word shares: give one kind',
    );
  if (plain > 0) return { mnemonic: combineMnemonicShares(shares), scheme: 'plain' };
  const entropy = combineSlip39Shares(shares);
  try {
    if (!BIP39_ENTROPY_BYTES.includes(entropy.length))
      throw new WalletCliError(
        'INPUT_INVALID',
        `these SLIP-39 shares hold a ${entropy.length}-byte secret, not BIP39 entropy: they were not made by \`sextant wallet split\``,
      );
    return {
      mnemonic: entropyToMnemonic(entropy, MNEMONIC_WORDLISTS[language] as string[]),
      scheme: 'slip39',
    };
  } finally {
    entropy.fill(0);
  }
}

function recoverCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet recover',
    summary: 'Rebuild a wallet from SLIP-39 or plain Shamir shares (read from a prompt or --shares-fd)',
    usage: `sextant wallet recover [--name NAME | --file PATH] [--shares-fd N] [--language english] [--passphrase] [--password-fd N] [--dry-run] [--json]

Shares are read one per line (blank line or end of input to finish; lines starting with # are
skipped), without echo on a terminal. Wrong, mixed or too few shares fail with the reason and
exit 1; nothing is written. The recovered phrase is encrypted into a new wallet (asking for a
new password), or, with --dry-run, only its first addresses are shown and compared with the
wallets in the data directory: the way to test a backup.
When several --…-fd flags name one descriptor: shares, then a blank line, then passphrase, password.`,
    options: {
      ...NEW_WALLET_OPTIONS,
      'shares-fd': { type: 'string', description: 'Read the shares from this file descriptor, one per line' },
      language: {
        type: 'string',
        description: 'BIP39 wordlist of the phrase SLIP-39 shares encode (default english)',
      },
      'dry-run': {
        type: 'boolean',
        description: 'Check the shares and show the first addresses; write nothing, ask no password',
      },
      'show-mnemonic': {
        type: 'boolean',
        description: 'Also print the recovered phrase; a warning goes to stderr',
      },
    },
    async run(ctx) {
      const language = (stringFlag(ctx, 'language') ?? 'english') as MnemonicLanguage;
      if (!(language in MNEMONIC_WORDLISTS))
        throw ctx.deps.usageError(`--language must be one of ${Object.keys(MNEMONIC_WORDLISTS).join(', ')}`);
      const dryRun = ctx.values['dry-run'] === true;
      const location = dryRun ? undefined : walletLocation(ctx);
      // Before any share is typed: a recovery that cannot be saved should fail first.
      if (location) await assertNewWallet(location);
      const shares = await ctx.secrets.readLines({ fdFlag: 'shares-fd', what: 'share', check: checkShare });
      if (shares.length === 0) throw new WalletCliError('INPUT_INVALID', 'no shares given');
      const { mnemonic, scheme } = combineShares(shares, language);
      const wordCount = mnemonic.split(/\s+/u).length;
      ctx.io.err(
        `recovered a ${wordCount}-word recovery phrase from ${shares.length} ${scheme === 'slip39' ? 'SLIP-39' : 'Shamir'} share(s)\n`,
      );
      if (location) return saveNewWallet(ctx, { location, mnemonic, verb: 'Recovered', wordCount });

      const wantsPassphrase =
        ctx.values.passphrase === true || stringFlag(ctx, 'passphrase-fd') !== undefined;
      const passphrase = wantsPassphrase
        ? await ctx.secrets.read({ fdFlag: 'passphrase-fd', what: 'BIP39 passphrase' })
        : '';
      const seed = mnemonicToSeed(mnemonic, { passphrase });
      const addresses = addressChainsOf(WALLET_CHAINS).flatMap((c) => seedAddresses(seed, c, 0, 1));
      seed.fill(0);
      const matches = (await listWalletFiles(walletsDir(dataDirOf(ctx))))
        .filter(
          (w) =>
            'file' in w && addresses.some((a) => publicAddress(w.file, a.chain, 0)?.address === a.address),
        )
        .map((w) => w.name);
      const show = ctx.values['show-mnemonic'] === true;
      if (show)
        ctx.io.err(
          'WARNING: printing the recovered recovery phrase (--show-mnemonic): anyone who sees it controls the funds.\n',
        );
      if (ctx.json) {
        printJson(ctx, {
          dryRun: true,
          scheme,
          words: wordCount,
          addresses,
          matches,
          ...(show ? { mnemonic } : {}),
        });
        return 0;
      }
      ctx.io.out(
        deps.table([
          ['CHAIN', 'INDEX', 'PATH', 'ADDRESS'],
          ...addresses.map((a) => [a.chain, String(a.index), a.path, a.address]),
        ]),
      );
      ctx.io.out(
        matches.length > 0
          ? `\nthe shares recover wallet ${matches.map((m) => `'${m}'`).join(', ')}: this backup works\n`
          : '\nno wallet in the data directory has these addresses (check the addresses against your records)\n',
      );
      if (show) ctx.io.out(`\nRecovery phrase:\n\n  ${mnemonic}\n`);
      return 0;
    },
  });
}

/** split, recover. */
export function backupCommands(deps: WalletDeps): Command[] {
  return [splitCmd(deps), recoverCmd(deps)];
}
