import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { evmAddress } from '../../wallet/keys/index.js';
import { decryptKeystore, encryptKeystore, writeSecretFile } from '../../wallet/keystore/index.js';
import { assertPrivateKey } from '../../wallet/sign/index.js';
import type { Command } from '../main.js';
import { kdfCost } from './kdfCost.js';
import { WalletCliError } from './walletCliError.js';
import {
  dataDirOf,
  PASSWORD_FD_OPTION,
  printJson,
  stringFlag,
  type WalletDeps,
  walletCommand,
} from './walletCommand.js';
import { readNewPassword } from './walletCommands.js';

const MAX_KEYSTORE_BYTES = 64 * 1024;
const KEYSTORES_DIR_MODE = 0o700;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function encryptCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet keystore encrypt',
    summary: 'Encrypt a private key into a Web3 Secret Storage v3 keystore (geth/MetaMask/ethers format)',
    usage: `sextant wallet keystore encrypt [--out FILE] [--kdf scrypt|pbkdf2] [--private-key-fd N] [--password-fd N] [--json]

The private key (64 hex characters, optional 0x) is asked for without echo, or read from
--private-key-fd; then the new keystore password (twice at a prompt), or --password-fd. When both
flags name one descriptor, the key is its first line and the password the second. The file is
written atomically with mode 0600 (default: <data-dir>/keystores/UTC--<time>--<address>.json).
Defaults: scrypt N=2^17, r=8, p=1 (as MetaMask/ethers); pbkdf2: 262,144 rounds of HMAC-SHA256.`,
    options: {
      out: { type: 'string', description: 'Keystore file to write (never overwritten)' },
      kdf: { type: 'string', description: 'scrypt (default) or pbkdf2' },
      'private-key-fd': {
        type: 'string',
        description: 'Read the private key from this file descriptor (first line) instead of a prompt',
      },
      'password-fd': {
        type: 'string',
        description: 'Read the new keystore password from this file descriptor instead of a prompt',
      },
    },
    async run(ctx) {
      const kdf = stringFlag(ctx, 'kdf') ?? 'scrypt';
      if (kdf !== 'scrypt' && kdf !== 'pbkdf2') throw ctx.deps.usageError('--kdf must be scrypt or pbkdf2');
      const out = stringFlag(ctx, 'out');
      const outPath = out === undefined ? undefined : resolve(ctx.io.cwd, out);
      if (outPath && (await exists(outPath)))
        throw new WalletCliError('WALLET_EXISTS', `${outPath} exists: keystore files are never overwritten`);
      const text = (await ctx.secrets.read({ fdFlag: 'private-key-fd', what: 'private key' })).trim();
      if (!/^(0x)?[0-9a-fA-F]{64}$/.test(text))
        throw new WalletCliError(
          'INPUT_INVALID',
          'the private key must be 32 bytes of hex (64 characters, optional 0x)',
        );
      const privateKey = hexToBytes(text.replace(/^0x/, ''));
      try {
        assertPrivateKey(privateKey);
        const address = evmAddress(privateKey);
        const password = await readNewPassword(ctx, 'new keystore password');
        const cost = kdfCost(ctx.io.env, ctx.io.err);
        const keystore = await encryptKeystore(privateKey, password, {
          kdf,
          ...(cost.scryptN === undefined ? {} : { scryptN: cost.scryptN }),
          ...(cost.pbkdf2Rounds === undefined ? {} : { pbkdf2Rounds: cost.pbkdf2Rounds }),
        });
        let path = outPath;
        if (path === undefined) {
          const dir = join(dataDirOf(ctx), 'keystores');
          await mkdir(dir, { recursive: true, mode: KEYSTORES_DIR_MODE });
          // geth's naming: UTC--<ISO time with dashes>--<lowercase address>
          const time = new Date().toISOString().replace(/:/g, '-');
          path = join(dir, `UTC--${time}--${address.slice(2).toLowerCase()}.json`);
        }
        if (await exists(path))
          throw new WalletCliError('WALLET_EXISTS', `${path} exists: keystore files are never overwritten`);
        await writeSecretFile(path, `${JSON.stringify(keystore, null, 2)}\n`);
        if (ctx.json) printJson(ctx, { file: path, address, kdf });
        else ctx.io.out(`Wrote keystore for ${address} to ${path} (${kdf}, mode 0600)\n`);
        return 0;
      } finally {
        privateKey.fill(0);
      }
    },
  });
}

function decryptCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet keystore decrypt',
    summary:
      'Check a v3 keystore and its password: prints the address (the key only with --show-private-key)',
    usage: `sextant wallet keystore decrypt FILE [--password-fd N] [--show-private-key] [--json]

Reads keystores from geth, ethers, MetaMask or \`wallet keystore encrypt\` (scrypt or pbkdf2).
A wrong password fails with exit 1. The private key is printed only with --show-private-key,
after a warning on stderr: anyone who sees it controls the account.`,
    options: {
      ...PASSWORD_FD_OPTION,
      'show-private-key': {
        type: 'boolean',
        description: 'Print the decrypted private key (a warning goes to stderr)',
      },
    },
    positionals: ['FILE'],
    async run(ctx) {
      const arg = ctx.positionals[0];
      if (arg === undefined) throw ctx.deps.usageError('give the keystore FILE');
      const path = resolve(ctx.io.cwd, arg);
      let text: string;
      try {
        const info = await stat(path);
        if (info.size > MAX_KEYSTORE_BYTES)
          throw new WalletCliError('INPUT_INVALID', `${path} is too large for a keystore`);
        if (process.platform !== 'win32' && (info.mode & 0o077) !== 0)
          ctx.io.err(`warning: ${path} is readable by other users: chmod 600 it\n`);
        text = await readFile(path, 'utf8');
      } catch (err) {
        if (err instanceof WalletCliError) throw err;
        throw new WalletCliError(
          'INPUT_INVALID',
          `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
      const password = await ctx.secrets.read({ fdFlag: 'password-fd', what: 'keystore password' });
      const { privateKey, address } = await decryptKeystore(text, password);
      try {
        const show = ctx.values['show-private-key'] === true;
        if (show)
          ctx.io.err(
            'WARNING: printing the private key (--show-private-key). Anyone who sees it controls the account: do not paste it anywhere, clear the terminal and its scrollback.\n',
          );
        const key = show ? `0x${bytesToHex(privateKey)}` : undefined;
        if (ctx.json) printJson(ctx, { file: path, address, ...(key ? { privateKey: key } : {}) });
        else ctx.io.out(key ? `address      ${address}\nprivate key  ${key}\n` : `${address}\n`);
        return 0;
      } finally {
        privateKey.fill(0);
      }
    },
  });
}

/** keystore encrypt, keystore decrypt. */
export function keystoreCommands(deps: WalletDeps): Command[] {
  return [encryptCmd(deps), decryptCmd(deps)];
}
