import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../../src/cli/main.js';
import type { WalletFile } from '../../src/cli/wallet/walletFile.js';
import { lockDataDir } from '../../src/db/index.js';
import { describeSettings } from '../../src/internal/config.js';
import { deriveEvmAccount, mnemonicToSeed } from '../../src/wallet/keys/index.js';
import { decryptVault } from '../../src/wallet/keystore/index.js';
import {
  decodeSignedTransaction,
  recoverTypedDataSigner,
  type TypedDataInput,
  verifyMessageSignature,
} from '../../src/wallet/sign/index.js';
import { BIN, BUILD_WAIT_MS, ensureBuilt } from '../build.js';

/**
 * End-to-end tests of `sextant wallet …`: in-process through `main(argv, io)` with secrets on file
 * descriptors opened here, and as child processes for the pipe, stdin and no-terminal paths. Every
 * output is kept, and the last test checks that no secret ever reached stdout or stderr unless a
 * --show-… flag asked for it.
 */

// Hardhat/anvil's well-known test mnemonic and its first account.
const JUNK = 'test test test test test test test test test test test junk';
const JUNK_KEY = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const ADDR0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ADDR1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const ADDR2 = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
// A phrase of words that never occur in the CLI's own output (nor in the SLIP-39 wordlist), so the
// last test can look for each word on its own, and a passphrase as recognisable.
const RARE = 'zebra oyster pumpkin lobster giraffe kangaroo dolphin mango coconut broccoli cabbage squirrel';
const RARE_PASSPHRASE = 'quokka-marmalade-7731';
const PASSWORD = 'correct horse battery staple';
const WRONG_PASSWORD = 'incorrect horse battery staple';
const FAST_KDF = { SEXTANT_WALLET_INSECURE_FAST_KDF: '1' };
const SPAWN_WAIT_MS = 60_000;

type Run = { code: number; out: string; err: string };
type Transcript = Run & { args: string[]; showsSecrets: boolean };

const transcript: Transcript[] = [];
/** Every share printed or written on purpose: no other output may hold any part of one. */
const sharesSeen: string[] = [];
const dirs: string[] = [];
let dataDir = '';
let secretCounter = 0;

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sextant-wallet-cli-'));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  dataDir = tempDir();
  // Some tests spawn bin/sextant.js, which runs dist/.
  await ensureBuilt();
}, BUILD_WAIT_MS);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * `sextant ...args` in-process. Each entry of `secrets` (flag → text) is written to a 0600 file, opened,
 * unlinked and handed over as `--<flag> <fd>`, the way `3< file` does it in a shell.
 */
async function run(
  args: string[],
  options: { secrets?: Record<string, string>; env?: Record<string, string>; showsSecrets?: boolean } = {},
): Promise<Run> {
  const fds: number[] = [];
  const fdArgs: string[] = [];
  for (const [flag, value] of Object.entries(options.secrets ?? {})) {
    const path = join(dataDir, `.secret-${secretCounter++}`);
    writeFileSync(path, `${value}\n`, { mode: 0o600 });
    const fd = openSync(path, 'r');
    unlinkSync(path);
    fds.push(fd);
    fdArgs.push(`--${flag}`, String(fd));
  }
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: { SEXTANT_DATA_DIR: dataDir, ...FAST_KDF, ...options.env },
    cwd: dataDir,
  };
  const fullArgs = [...args, ...fdArgs];
  try {
    const code = await main(fullArgs, io);
    transcript.push({ args: fullArgs, code, out, err, showsSecrets: options.showsSecrets === true });
    return { code, out, err };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** The environment for a child: this one's (PATH…) without any Sextant setting. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const s of describeSettings()) delete env[s.env];
  delete env.SEXTANT_WALLET_INSECURE_FAST_KDF;
  return { ...env, SEXTANT_DATA_DIR: dataDir, ...FAST_KDF, ...extra };
}

/** `node bin/sextant.js ...args` with stdin and fd 3 as pipes (written, then closed). */
function spawnCli(args: string[], input: { stdin?: string; fd3?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dataDir,
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  // A child that exits before reading its input must not crash this process with EPIPE.
  const fd3 = child.stdio[3] as NodeJS.WritableStream & { on(e: 'error', f: () => void): void };
  fd3.on('error', () => {});
  child.stdin?.on('error', () => {});
  fd3.end(input.fd3 ?? '');
  child.stdin?.end(input.stdin ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sextant ${args.join(' ')} did not exit within ${SPAWN_WAIT_MS} ms; stderr:\n${err}`));
    }, SPAWN_WAIT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      transcript.push({ args, code: code ?? -1, out, err, showsSecrets: false });
      resolve({ code: code ?? -1, out, err });
    });
  });
}

const walletPath = (name: string) => join(dataDir, 'wallets', `${name}.json`);
const readWallet = (name: string) => JSON.parse(readFileSync(walletPath(name), 'utf8')) as WalletFile;
const modeOf = (path: string) => statSync(path).mode & 0o777;
/** The `code` of the JSON error that `--json` runs print as the last line of stderr. */
const errorCode = (r: Run) =>
  (JSON.parse(r.err.trimEnd().split('\n').at(-1) ?? '') as { error: { code: string } }).error.code;

/** Imports the test mnemonic as wallet `name` (in-process). */
async function importJunk(name: string): Promise<void> {
  const r = await run(['wallet', 'import', '--name', name], {
    secrets: { 'mnemonic-fd': JUNK, 'password-fd': PASSWORD },
  });
  expect(r.code, r.err).toBe(0);
}

// ---------------------------------------------------------------------------------------------

describe('wallet help', () => {
  it('lists every wallet command, and each takes --help', async () => {
    const group = await run(['wallet', '--help']);
    expect(group.code).toBe(0);
    const names = [
      'create',
      'import',
      'list',
      'address',
      'export-xpub',
      'sign-tx',
      'sign-message',
      'sign-typed-data',
      'split',
      'recover',
      'keystore encrypt',
      'keystore decrypt',
    ];
    for (const n of names) {
      expect(group.out).toContain(`wallet ${n} `);
      const help = await run(['wallet', ...n.split(' '), '--help']);
      expect(help.code).toBe(0);
      expect(help.out).toContain(`Usage: sextant wallet ${n}`);
      expect(help.out).toContain('--json');
    }
    expect((await run(['--help'])).out).toContain('wallet …');
    expect((await run(['wallet', 'keystore'])).code).toBe(2);
    const unknown = await run(['wallet', 'frobnicate', '--json']);
    expect(unknown.code).toBe(2);
    expect(errorCode(unknown)).toBe('USAGE');
  });
});

describe('create, import, list, address, export-xpub', () => {
  it('create → list → address; import the test mnemonic → 0xf39F… at index 0', async () => {
    const created = await run(['wallet', 'create', '--name', 'fresh', '--words', '12', '--json'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(created.code, created.err).toBe(0);
    const info = JSON.parse(created.out) as {
      name: string;
      words: number;
      accounts: { chain: string; address: string }[];
    };
    expect(info).toMatchObject({ name: 'fresh', words: 12 });
    expect(info.accounts.map((a) => a.chain)).toEqual(['evm', 'btc', 'btc-taproot', 'sol']);
    expect(created.out).not.toContain('mnemonic');

    await importJunk('junk');
    const list = await run(['wallet', 'list', '--json']);
    expect(list.code).toBe(0);
    const wallets = JSON.parse(list.out) as { name: string; addresses: Record<string, string> }[];
    expect(wallets.map((w) => w.name)).toEqual(expect.arrayContaining(['fresh', 'junk']));
    expect(wallets.find((w) => w.name === 'junk')?.addresses.evm).toBe(ADDR0);
    expect(wallets.find((w) => w.name === 'fresh')?.addresses.evm).toBe(info.accounts[0]?.address);
    const text = await run(['wallet', 'list']);
    expect(text.out).toMatch(/junk\s+evm\s+0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266/);

    // Account discovery from the public xpub: no password given, none needed.
    const addr = await run([
      'wallet',
      'address',
      '--name',
      'junk',
      '--chain',
      'evm',
      '--count',
      '3',
      '--json',
    ]);
    expect(addr.code, addr.err).toBe(0);
    const rows = (JSON.parse(addr.out) as { addresses: { index: number; path: string; address: string }[] })
      .addresses;
    expect(rows.map((r) => r.address)).toEqual([ADDR0, ADDR1, ADDR2]);
    expect(rows[2]?.path).toBe("m/44'/60'/0'/0/2");
    const one = await run(['wallet', 'address', '--name', 'junk', '--chain', 'evm', '--index', '1']);
    expect(one.out).toContain(ADDR1);
    expect(one.out).not.toContain(ADDR0);

    const all = JSON.parse((await run(['wallet', 'address', '--name', 'junk', '--json'])).out) as {
      addresses: { chain: string; address: string }[];
    };
    // Well-known addresses of this mnemonic in Sparrow/Electrum (BIP84) and Phantom (Solana).
    expect(all.addresses.find((a) => a.chain === 'btc')?.address).toBe(
      'bc1q4qw42stdzjqs59xvlrlxr8526e3nunw7mp73te',
    );
    expect(all.addresses.find((a) => a.chain === 'sol')?.address).toBe(
      'oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96',
    );
    expect(all.addresses.find((a) => a.chain === 'btc-taproot')?.address).toMatch(/^bc1p/);
    const testnet = JSON.parse(
      (await run(['wallet', 'address', '--name', 'junk', '--chain', 'btc', '--testnet', '--json'])).out,
    ) as { addresses: { address: string; path: string }[] };
    expect(testnet.addresses[0]?.address).toMatch(/^tb1q/);
    expect(testnet.addresses[0]?.path).toBe("m/84'/1'/0'/0/0");
    expect((await run(['wallet', 'address', '--name', 'junk', '--chain', 'evm', '--testnet'])).code).toBe(2);
    expect((await run(['wallet', 'address', '--name', 'junk', '--chain', 'doge'])).code).toBe(2);
  });

  it('Solana beyond the stored addresses and --verify ask for the password; a tampered file fails --verify', async () => {
    const noPassword = await spawnCli([
      'wallet',
      'address',
      '--name',
      'junk',
      '--chain',
      'sol',
      '--index',
      '25',
    ]);
    expect(noPassword.code).toBe(2);
    expect(noPassword.err).toContain('--password-fd');
    const far = await run(
      ['wallet', 'address', '--name', 'junk', '--chain', 'sol', '--index', '25', '--json'],
      {
        secrets: { 'password-fd': PASSWORD },
      },
    );
    expect(far.code, far.err).toBe(0);
    expect((JSON.parse(far.out) as { addresses: { path: string }[] }).addresses[0]?.path).toBe(
      "m/44'/501'/25'/0'",
    );
    const verified = await run(['wallet', 'address', '--name', 'junk', '--count', '2', '--verify'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(verified.code, verified.err).toBe(0);
    expect(verified.out).toContain('verified');

    // Someone swaps the public Solana addresses: --verify catches it.
    await importJunk('tampered');
    const file = readWallet('tampered');
    file.public.solana[0] = file.public.solana[1] as string;
    writeFileSync(walletPath('tampered'), JSON.stringify(file), { mode: 0o600 });
    const bad = await run(['wallet', 'address', '--name', 'tampered', '--verify', '--json'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(bad.code).toBe(1);
    expect(errorCode(bad)).toBe('WALLET_MISMATCH');
  });

  it('export-xpub prints watch-only keys that match the addresses', async () => {
    const zpub = await run(['wallet', 'export-xpub', '--name', 'junk']);
    expect(zpub.code).toBe(0);
    expect(zpub.out).toMatch(/^zpub[1-9A-HJ-NP-Za-km-z]{100,}\n$/);
    const evm = JSON.parse(
      (await run(['wallet', 'export-xpub', '--name', 'junk', '--chain', 'evm', '--json'])).out,
    ) as {
      xpub: string;
      path: string;
    };
    expect(evm.path).toBe("m/44'/60'/0'");
    const { deriveAddressFromXpub } = await import('../../src/wallet/keys/index.js');
    expect(deriveAddressFromXpub(evm.xpub, { index: 0, kind: 'evm' })).toBe(ADDR0);
    expect(
      (await run(['wallet', 'export-xpub', '--name', 'junk', '--chain', 'btc', '--testnet'])).out,
    ).toMatch(/^vpub/);
    const sol = await run(['wallet', 'export-xpub', '--name', 'junk', '--chain', 'sol']);
    expect(sol.code).toBe(2);
    expect(sol.err).toContain('no extended public keys');
  });

  it('wallet and keystore files are 0600 in a 0700 directory, and never overwritten', async () => {
    expect(modeOf(walletPath('junk'))).toBe(0o600);
    expect(modeOf(join(dataDir, 'wallets'))).toBe(0o700);
    expect(readdirSync(join(dataDir, 'wallets')).filter((f) => f.startsWith('.'))).toEqual([]);
    const again = await run(['wallet', 'import', '--name', 'junk', '--json'], {
      secrets: { 'mnemonic-fd': JUNK, 'password-fd': PASSWORD },
    });
    expect(again.code).toBe(1);
    expect(errorCode(again)).toBe('WALLET_EXISTS');
    // The vault is encrypted: neither the phrase nor any of its words is in the file.
    expect(readFileSync(walletPath('junk'), 'utf8')).not.toMatch(/test test|test junk/);
  });

  it('import with a misspelt word explains which one; a bad checksum is refused', async () => {
    const bad = await run(['wallet', 'import', '--name', 'typo'], {
      secrets: { 'mnemonic-fd': JUNK.replace(/junk$/, 'jnuk'), 'password-fd': PASSWORD },
    });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('Word 12 ("jnuk") is not in the English BIP39 wordlist; did you mean "junk"');
    const checksum = await run(['wallet', 'import', '--name', 'typo', '--json'], {
      secrets: { 'mnemonic-fd': JUNK.replace(/junk$/, 'test'), 'password-fd': PASSWORD },
    });
    expect(checksum.code).toBe(1);
    expect(errorCode(checksum)).toBe('MNEMONIC_BAD_CHECKSUM');
    expect(existsSync(walletPath('typo'))).toBe(false);
  });

  it('a BIP39 passphrase changes the accounts and is kept inside the vault', async () => {
    const r = await run(['wallet', 'import', '--name', 'withpass', '--json'], {
      secrets: { 'mnemonic-fd': JUNK, 'passphrase-fd': 'TREZOR', 'password-fd': PASSWORD },
    });
    expect(r.code, r.err).toBe(0);
    const evm = (JSON.parse(r.out) as { accounts: { address: string }[] }).accounts[0]?.address;
    expect(evm).toMatch(/^0x/);
    expect(evm).not.toBe(ADDR0);
    const vault = await decryptVault(readWallet('withpass').vault, PASSWORD);
    expect(vault.passphrase).toBe('TREZOR');
    expect(readFileSync(walletPath('withpass'), 'utf8')).not.toContain('TREZOR');
  });

  it('--show-mnemonic prints the phrase that the vault holds, with a warning', async () => {
    const r = await run(
      ['wallet', 'create', '--name', 'shown', '--words', '15', '--show-mnemonic', '--json'],
      {
        secrets: { 'password-fd': PASSWORD },
        showsSecrets: true,
      },
    );
    expect(r.code, r.err).toBe(0);
    const { mnemonic } = JSON.parse(r.out) as { mnemonic: string };
    expect(mnemonic.split(' ')).toHaveLength(15);
    expect(r.err).toContain('WARNING');
    expect((await decryptVault(readWallet('shown').vault, PASSWORD)).mnemonic).toBe(mnemonic);
  });

  it('defaults are strong: scrypt N=2^17 for vaults and keystores without the test switch', async () => {
    const r = await run(['wallet', 'create', '--name', 'strong', '--words', '12'], {
      secrets: { 'password-fd': PASSWORD },
      env: { SEXTANT_WALLET_INSECURE_FAST_KDF: '' },
    });
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain('weak');
    expect(readWallet('strong').vault.kdf.n).toBe(1 << 17);
    const weak = readWallet('junk').vault.kdf.n;
    expect(weak).toBeLessThan(1 << 17);
    const out = join(dataDir, 'strong-keystore.json');
    const ks = await run(['wallet', 'keystore', 'encrypt', '--out', out], {
      secrets: { 'private-key-fd': JUNK_KEY, 'password-fd': PASSWORD },
      env: { SEXTANT_WALLET_INSECURE_FAST_KDF: '' },
    });
    expect(ks.code, ks.err).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as {
      crypto: { kdf: string; kdfparams: { n: number } };
    };
    expect(json.crypto).toMatchObject({ kdf: 'scrypt', kdfparams: { n: 1 << 17 } });
  });
});

describe('signing', () => {
  const tx = {
    type: 'eip1559',
    chainId: 1,
    nonce: 7,
    gas: '21000',
    maxFeePerGas: '30000000000',
    maxPriorityFeePerGas: '1000000000',
    to: ADDR1,
    value: '1500000000000000000',
  };

  it('sign-message: an EIP-191 signature that verifies for the account', async () => {
    const r = await run(['wallet', 'sign-message', 'hello sextant', '--name', 'junk'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(r.code, r.err).toBe(0);
    const signature = r.out.trim() as Hex;
    expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
    expect(verifyMessageSignature(ADDR0, 'hello sextant', signature)).toBe(true);
    expect(verifyMessageSignature(ADDR0, 'hello sextan', signature)).toBe(false);

    const hex = await run(
      ['wallet', 'sign-message', '0xdeadbeef', '--hex', '--index', '1', '--name', 'junk', '--json'],
      {
        secrets: { 'password-fd': PASSWORD },
      },
    );
    expect(hex.code, hex.err).toBe(0);
    const j = JSON.parse(hex.out) as { address: string; signature: Hex };
    expect(j.address).toBe(ADDR1);
    expect(verifyMessageSignature(ADDR1, { raw: '0xdeadbeef' }, j.signature)).toBe(true);
  });

  it('sign-tx: raw hex that decodes to the right sender and fields; a summary on stderr', async () => {
    const file = join(dataDir, 'tx.json');
    writeFileSync(file, JSON.stringify(tx));
    const r = await run(['wallet', 'sign-tx', file, '--name', 'junk'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(r.code, r.err).toBe(0);
    const decoded = decodeSignedTransaction(r.out.trim() as Hex);
    expect(decoded.from).toBe(ADDR0);
    expect(decoded.transaction).toMatchObject({
      type: 'eip1559',
      chainId: 1,
      nonce: 7,
      to: ADDR1,
      value: 1_500_000_000_000_000_000n,
    });
    expect(r.err).toMatch(/chain id\s+1/);
    expect(r.err).toMatch(/to\s+0x70997970C51812dc3A010C7d01b50e0d17dc79C8/);
    expect(r.err).toContain('value      1.5 (1500000000000000000 wei)');

    // Type inferred from the fee fields; account 1 with --index; "from" checked against the signer.
    const { type: _t, ...untyped } = tx;
    writeFileSync(file, JSON.stringify({ ...untyped, from: ADDR1 }));
    const j = await run(['wallet', 'sign-tx', file, '--name', 'junk', '--index', '1', '--json'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(j.code, j.err).toBe(0);
    const signed = JSON.parse(j.out) as { raw: Hex; from: string; transaction: { value: string } };
    expect(signed.from).toBe(ADDR1);
    expect(signed.transaction.value).toBe('1500000000000000000');
    expect(decodeSignedTransaction(signed.raw).from).toBe(ADDR1);
    const wrongFrom = await run(['wallet', 'sign-tx', file, '--name', 'junk', '--json'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(wrongFrom.code).toBe(1);
    expect(errorCode(wrongFrom)).toBe('INPUT_INVALID');

    // Pre-EIP-155 (replayable on every chain) only when asked for.
    writeFileSync(
      file,
      JSON.stringify({ type: 'legacy', nonce: 0, gas: 21000, gasPrice: '1000000000', to: ADDR1 }),
    );
    const replay = await run(['wallet', 'sign-tx', file, '--name', 'junk'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(replay.code).toBe(1);
    expect(replay.err).toContain('--allow-replayable');

    // Not JSON (say, a secret file passed by mistake): the error does not quote it.
    writeFileSync(file, `${PASSWORD}\n`);
    const notJson = await run(['wallet', 'sign-tx', file, '--name', 'junk'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(notJson.code).toBe(1);
    expect(notJson.err).toContain('is not valid JSON');
  });

  it('sign-typed-data: an EIP-712 signature that recovers to the signer', async () => {
    const typedData: TypedDataInput = {
      domain: {
        name: 'Ether Mail',
        version: '1',
        chainId: 1,
        verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC',
      },
      types: {
        Person: [
          { name: 'name', type: 'string' },
          { name: 'wallet', type: 'address' },
        ],
        Mail: [
          { name: 'from', type: 'Person' },
          { name: 'to', type: 'Person' },
          { name: 'contents', type: 'string' },
        ],
      },
      primaryType: 'Mail',
      message: {
        from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
        to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
        contents: 'Hello, Bob!',
      },
    };
    const file = join(dataDir, 'typed.json');
    writeFileSync(file, JSON.stringify(typedData));
    const r = await run(['wallet', 'sign-typed-data', file, '--name', 'junk'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(r.code, r.err).toBe(0);
    expect(recoverTypedDataSigner(typedData, r.out.trim() as Hex)).toBe(ADDR0);
    const j = await run(['wallet', 'sign-typed-data', file, '--name', 'junk', '--index', '2', '--json'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(j.code, j.err).toBe(0);
    const { signature, address } = JSON.parse(j.out) as { signature: Hex; address: string };
    expect(address).toBe(ADDR2);
    expect(recoverTypedDataSigner(typedData, signature)).toBe(ADDR2);
    expect(r.err).toContain('Ether Mail');
    expect(r.err).toContain('0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC');
  });

  it('a wrong password is a clear error with exit 1, not a stack trace', async () => {
    const r = await run(['wallet', 'sign-message', 'hi', '--name', 'junk'], {
      secrets: { 'password-fd': WRONG_PASSWORD },
    });
    expect(r.code).toBe(1);
    expect(r.err.split('\n').slice(-2)).toEqual([
      'sextant: Wrong password (vault authentication failed)',
      '',
    ]);
    expect(r.err).not.toMatch(/\n\s+at /);
    const j = await run(['wallet', 'sign-message', 'hi', '--name', 'junk', '--json'], {
      secrets: { 'password-fd': WRONG_PASSWORD },
    });
    expect(errorCode(j)).toBe('KEYSTORE_BAD_PASSWORD');
    const missing = await run(['wallet', 'sign-message', 'hi', '--name', 'nobody', '--json'], {
      secrets: { 'password-fd': PASSWORD },
    });
    expect(missing.code).toBe(1);
    expect(errorCode(missing)).toBe('WALLET_NOT_FOUND');
  });
});

describe('split and recover', () => {
  const sharesOf = (out: string) => out.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

  it('SLIP-39 2-of-3: any two recover the wallet; one, or a tampered one, fails', async () => {
    const split = await run(
      ['wallet', 'split', '--name', 'junk', '--threshold', '2', '--shares', '3', '--show-shares'],
      { secrets: { 'password-fd': PASSWORD }, showsSecrets: true },
    );
    expect(split.code, split.err).toBe(0);
    expect(split.err).toContain('WARNING: printing SLIP-39 shares');
    expect(split.err).toContain('--show-shares');
    const shares = sharesOf(split.out);
    sharesSeen.push(...shares);
    expect(shares).toHaveLength(3);
    for (const s of shares) expect(s.split(' ')).toHaveLength(20);

    const dry = await run(['wallet', 'recover', '--dry-run', '--json'], {
      secrets: { 'shares-fd': [shares[2], shares[0]].join('\n') },
    });
    expect(dry.code, dry.err).toBe(0);
    const report = JSON.parse(dry.out) as {
      scheme: string;
      matches: string[];
      addresses: { address: string }[];
    };
    expect(report.scheme).toBe('slip39');
    expect(report.addresses[0]?.address).toBe(ADDR0);
    expect(report.matches).toContain('junk');

    const saved = await run(['wallet', 'recover', '--name', 'from-slip39'], {
      secrets: { 'shares-fd': `${shares[1]}\n${shares[2]}\n`, 'password-fd': PASSWORD },
    });
    expect(saved.code, saved.err).toBe(0);
    expect(saved.out).toContain(ADDR0);
    expect((await decryptVault(readWallet('from-slip39').vault, PASSWORD)).mnemonic).toBe(JUNK);

    const one = await run(['wallet', 'recover', '--dry-run', '--json'], {
      secrets: { 'shares-fd': shares[0] as string },
    });
    expect(one.code).toBe(1);
    expect(errorCode(one)).toBe('SHARE_INSUFFICIENT');
    const words = (shares[1] as string).split(' ');
    words[5] = words[5] === 'academic' ? 'acid' : 'academic';
    const tampered = await run(['wallet', 'recover', '--dry-run'], {
      secrets: { 'shares-fd': [shares[0], words.join(' ')].join('\n') },
    });
    expect(tampered.code).toBe(1);
    expect(tampered.err).toMatch(/Share 2: .*checksum/);
    const none = await run(['wallet', 'recover', '--dry-run'], { secrets: { 'shares-fd': '' } });
    expect(none.code).toBe(1);
    expect(none.err).toContain('no shares');
  });

  it('SLIP-39 groups: 2 of 2 groups (2/3 and 1/1)', async () => {
    const split = await run(
      [
        'wallet',
        'split',
        '--name',
        'junk',
        '--groups',
        '2/3,1/1',
        '--threshold',
        '2',
        '--show-shares',
        '--json',
      ],
      { secrets: { 'password-fd': PASSWORD }, showsSecrets: true },
    );
    expect(split.code, split.err).toBe(0);
    const { groups } = JSON.parse(split.out) as { groups: { threshold: number; shares: string[] }[] };
    sharesSeen.push(...groups.flatMap((g) => g.shares));
    expect(groups.map((g) => g.shares.length)).toEqual([3, 1]);
    const ok = await run(['wallet', 'recover', '--dry-run', '--json'], {
      secrets: { 'shares-fd': [groups[0]?.shares[0], groups[1]?.shares[0], groups[0]?.shares[2]].join('\n') },
    });
    expect(ok.code, ok.err).toBe(0);
    expect((JSON.parse(ok.out) as { addresses: { address: string }[] }).addresses[0]?.address).toBe(ADDR0);
    const oneGroup = await run(['wallet', 'recover', '--dry-run'], {
      secrets: { 'shares-fd': [groups[0]?.shares[0], groups[0]?.shares[1]].join('\n') },
    });
    expect(oneGroup.code).toBe(1);
    expect(oneGroup.err).toContain('2 groups are needed');
  });

  it('plain Shamir (sxshare1…) 2-of-3: round trip; too few, tampered or mixed shares fail', async () => {
    const split = await run(
      [
        'wallet',
        'split',
        '--name',
        'junk',
        '--scheme',
        'plain',
        '--threshold',
        '2',
        '--shares',
        '3',
        '--show-shares',
      ],
      { secrets: { 'password-fd': PASSWORD }, showsSecrets: true },
    );
    expect(split.code, split.err).toBe(0);
    const shares = sharesOf(split.out);
    sharesSeen.push(...shares);
    expect(shares).toHaveLength(3);
    for (const s of shares) expect(s).toMatch(/^sxshare1[02-9ac-hj-np-z]+$/);
    const saved = await run(['wallet', 'recover', '--name', 'from-plain', '--json'], {
      secrets: { 'shares-fd': [shares[0], shares[2]].join('\n'), 'password-fd': PASSWORD },
    });
    expect(saved.code, saved.err).toBe(0);
    expect((JSON.parse(saved.out) as { accounts: { address: string }[] }).accounts[0]?.address).toBe(ADDR0);

    const one = await run(['wallet', 'recover', '--dry-run'], {
      secrets: { 'shares-fd': shares[1] as string },
    });
    expect(one.code).toBe(1);
    expect(one.err).toContain('2 shares are needed; got 1');
    const s = shares[1] as string;
    const flipped = `${s.slice(0, 20)}${s[20] === 'q' ? 'p' : 'q'}${s.slice(21)}`;
    const tampered = await run(['wallet', 'recover', '--dry-run'], {
      secrets: { 'shares-fd': `${shares[0]}\n${flipped}` },
    });
    expect(tampered.code).toBe(1);
    expect(tampered.err).toContain('Not a valid sxshare1');

    // Shares of two different splits never combine into a wrong phrase.
    const other = sharesOf(
      (
        await run(
          [
            'wallet',
            'split',
            '--name',
            'junk',
            '--scheme',
            'plain',
            '--threshold',
            '2',
            '--shares',
            '2',
            '--show-shares',
          ],
          { secrets: { 'password-fd': PASSWORD }, showsSecrets: true },
        )
      ).out,
    );
    const mixed = await run(['wallet', 'recover', '--dry-run', '--json'], {
      secrets: { 'shares-fd': `${shares[0]}\n${other[1]}` },
    });
    expect(mixed.code).toBe(1);
    // Different random identifiers (or, 1 time in 65,536, the digest share) tell the splits apart.
    expect(['SHARE_MISMATCH', 'SHARE_BAD_DIGEST']).toContain(errorCode(mixed));
  });

  it('split outputs shares only when asked: --show-shares or --out DIR, never both, checked before the password', async () => {
    for (const args of [[], ['--show-shares', '--out', join(dataDir, 'never')]]) {
      const r = await run(
        ['wallet', 'split', '--name', 'junk', '--threshold', '2', '--shares', '3', ...args, '--json'],
        {
          secrets: { 'password-fd': WRONG_PASSWORD },
        },
      );
      // Exit 2 (usage), not 1 (wrong password): nothing was decrypted.
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain(args.length === 0 ? 'give --show-shares' : 'not both');
    }
    expect(existsSync(join(dataDir, 'never'))).toBe(false);
    const help = await run(['wallet', 'split', '--help']);
    expect(help.out).toContain('--show-shares');
    expect(help.out).toContain('--out DIR');
  });

  it('--out DIR: one 0600 file per share in a new 0700 directory; they recover the wallet; never into a non-empty one', async () => {
    const dir = join(tempDir(), 'backup', 'main-shares');
    const split = await run(
      ['wallet', 'split', '--name', 'junk', '--threshold', '2', '--shares', '3', '--out', dir, '--json'],
      { secrets: { 'password-fd': PASSWORD } },
    );
    expect(split.code, split.err).toBe(0);
    expect(split.err).toContain('WARNING: wrote 3 SLIP-39 shares');
    const report = JSON.parse(split.out) as { directory: string; files: string[] };
    expect(report.directory).toBe(dir);
    expect(readdirSync(dir).sort()).toEqual(['share-1-of-3.txt', 'share-2-of-3.txt', 'share-3-of-3.txt']);
    expect(report.files).toEqual(
      readdirSync(dir)
        .sort()
        .map((f) => join(dir, f)),
    );
    expect(modeOf(dir)).toBe(0o700);
    const texts = report.files.map((f) => {
      expect(modeOf(f), f).toBe(0o600);
      return readFileSync(f, 'utf8');
    });
    for (const t of texts) {
      expect(t).toMatch(/^# SLIP-39 share \d of wallet 'junk': any 2 of 3 shares recover it/);
      expect(t.trimEnd().split('\n').at(-1)?.split(' ')).toHaveLength(20);
    }
    // No share text on stdout or stderr (the last test scans every output for these shares).
    sharesSeen.push(...texts.map((t) => t.trimEnd().split('\n').at(-1) ?? ''));
    for (const t of texts) {
      const words = t.trimEnd().split('\n').at(-1) ?? '';
      expect(split.out + split.err).not.toContain(words.split(' ').slice(0, 3).join(' '));
    }
    // The files, concatenated, are what `recover --shares-fd` reads (# lines skipped).
    const dry = await run(['wallet', 'recover', '--dry-run', '--json'], {
      secrets: { 'shares-fd': `${texts[2]}${texts[0]}` },
    });
    expect(dry.code, dry.err).toBe(0);
    expect((JSON.parse(dry.out) as { addresses: { address: string }[] }).addresses[0]?.address).toBe(ADDR0);

    // A non-empty directory is refused before the password is asked; nothing in it changes.
    const again = await run(
      ['wallet', 'split', '--name', 'junk', '--threshold', '2', '--shares', '3', '--out', dir, '--json'],
      {
        secrets: { 'password-fd': WRONG_PASSWORD },
      },
    );
    expect(again.code).toBe(1);
    expect(errorCode(again)).toBe('WALLET_EXISTS');
    expect(readdirSync(dir)).toHaveLength(3);
    expect(readFileSync(join(dir, 'share-1-of-3.txt'), 'utf8')).toBe(texts[0]);

    // Groups and plain shares; an existing empty directory is fine; no temp directory is left behind.
    const empty = join(tempDir(), 'empty');
    mkdirSync(empty);
    const groups = await run(
      ['wallet', 'split', '--name', 'junk', '--groups', '2/3,1/1', '--threshold', '2', '--out', empty],
      { secrets: { 'password-fd': PASSWORD } },
    );
    expect(groups.code, groups.err).toBe(0);
    expect(readdirSync(empty).sort()).toEqual([
      'group-1-share-1.txt',
      'group-1-share-2.txt',
      'group-1-share-3.txt',
      'group-2-share-1.txt',
    ]);
    expect(readdirSync(dirname(empty)).filter((f) => f.startsWith('.'))).toEqual([]);
    const plainDir = join(tempDir(), 'plain');
    const plain = await run(
      [
        'wallet',
        'split',
        '--name',
        'junk',
        '--scheme',
        'plain',
        '--threshold',
        '2',
        '--shares',
        '2',
        '--out',
        plainDir,
      ],
      { secrets: { 'password-fd': PASSWORD } },
    );
    expect(plain.code, plain.err).toBe(0);
    const plainShares = readdirSync(plainDir).map((f) => readFileSync(join(plainDir, f), 'utf8'));
    expect(plainShares.join('')).toMatch(/sxshare1/);
    const fromPlain = await run(['wallet', 'recover', '--dry-run', '--json'], {
      secrets: { 'shares-fd': plainShares.join('') },
    });
    expect(fromPlain.code, fromPlain.err).toBe(0);

    // --out naming a file is an error, not a crash.
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    const onFile = await run([
      'wallet',
      'split',
      '--name',
      'junk',
      '--threshold',
      '2',
      '--shares',
      '3',
      '--out',
      file,
      '--json',
    ]);
    expect(onFile.code).toBe(1);
    expect(errorCode(onFile)).toBe('INPUT_INVALID');
  });

  it('bad split options are usage errors', async () => {
    for (const args of [
      ['--threshold', '2'],
      ['--threshold', '4', '--shares', '3'],
      ['--scheme', 'plain', '--threshold', '1', '--shares', '1'],
      ['--scheme', 'plain', '--groups', '2/3', '--threshold', '1'],
      ['--threshold', '1', '--shares', '3'],
      ['--groups', '2-3', '--threshold', '1'],
    ]) {
      const r = await run(['wallet', 'split', '--name', 'junk', '--show-shares', ...args], {
        secrets: { 'password-fd': PASSWORD },
      });
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});

describe('keystore encrypt / decrypt', () => {
  it('round trip (scrypt and pbkdf2); a wrong password fails; the key only with --show-private-key', async () => {
    for (const kdf of ['scrypt', 'pbkdf2']) {
      const out = join(dataDir, `ks-${kdf}.json`);
      const enc = await run(['wallet', 'keystore', 'encrypt', '--kdf', kdf, '--out', out, '--json'], {
        secrets: { 'private-key-fd': `0x${JUNK_KEY}`, 'password-fd': PASSWORD },
      });
      expect(enc.code, enc.err).toBe(0);
      expect(JSON.parse(enc.out)).toMatchObject({ address: ADDR0, kdf, file: out });
      expect(modeOf(out)).toBe(0o600);
      const ks = JSON.parse(readFileSync(out, 'utf8')) as {
        version: number;
        address: string;
        crypto: { kdf: string };
      };
      expect(ks).toMatchObject({ version: 3, address: ADDR0.slice(2).toLowerCase(), crypto: { kdf } });

      const dec = await run(['wallet', 'keystore', 'decrypt', out], { secrets: { 'password-fd': PASSWORD } });
      expect(dec.code, dec.err).toBe(0);
      expect(dec.out).toBe(`${ADDR0}\n`);
      const wrong = await run(['wallet', 'keystore', 'decrypt', out, '--json'], {
        secrets: { 'password-fd': WRONG_PASSWORD },
      });
      expect(wrong.code).toBe(1);
      expect(errorCode(wrong)).toBe('KEYSTORE_BAD_PASSWORD');
    }
    const shown = await run(
      ['wallet', 'keystore', 'decrypt', join(dataDir, 'ks-scrypt.json'), '--show-private-key', '--json'],
      { secrets: { 'password-fd': PASSWORD }, showsSecrets: true },
    );
    expect(shown.code, shown.err).toBe(0);
    expect(JSON.parse(shown.out)).toMatchObject({ address: ADDR0, privateKey: `0x${JUNK_KEY}` });
    expect(shown.err).toContain('WARNING');

    // Never overwrites; the default location is <data-dir>/keystores with geth's file name.
    const again = await run(['wallet', 'keystore', 'encrypt', '--out', join(dataDir, 'ks-scrypt.json')], {
      secrets: { 'private-key-fd': JUNK_KEY, 'password-fd': PASSWORD },
    });
    expect(again.code).toBe(1);
    const def = await run(['wallet', 'keystore', 'encrypt', '--json'], {
      secrets: { 'private-key-fd': JUNK_KEY, 'password-fd': PASSWORD },
    });
    expect(def.code, def.err).toBe(0);
    const { file } = JSON.parse(def.out) as { file: string };
    expect(file).toMatch(/keystores\/UTC--[0-9T.-]+Z--f39fd6e51aad88f6f4ce6ab8827279cfffb92266\.json$/);
    expect(modeOf(join(dataDir, 'keystores'))).toBe(0o700);
    const notAKey = await run(['wallet', 'keystore', 'encrypt', '--json'], {
      secrets: { 'private-key-fd': 'not a key', 'password-fd': PASSWORD },
    });
    expect(notAKey.code).toBe(1);
    expect(errorCode(notAKey)).toBe('INPUT_INVALID');
  });
});

describe('secrets never come from arguments', () => {
  it('refuses --password=…, --mnemonic …, a phrase or key as arguments, without repeating them', async () => {
    const cases: [string[], string][] = [
      [['wallet', 'create', `--password=${PASSWORD}`], '--password-fd'],
      [['wallet', 'sign-message', 'hi', '--password', PASSWORD], '--password-fd'],
      [['wallet', 'import', '--mnemonic', JUNK], '--mnemonic-fd'],
      [['wallet', 'import', ...JUNK.split(' ')], 'not repeated'],
      [['wallet', 'import', '--passphrase=TREZOR'], '--passphrase-fd'],
      [['wallet', 'keystore', 'encrypt', '--private-key', JUNK_KEY], '--private-key-fd'],
      [['wallet', 'keystore', 'decrypt', JUNK_KEY], 'private key'],
      [['wallet', 'keystore', 'encrypt', JUNK_KEY], 'not repeated'],
      [['wallet', 'recover', '--shares', 'sxshare1qqqq'], '--shares-fd'],
      [['wallet', 'sign-message', JUNK], 'recovery phrase'],
    ];
    for (const [args, hint] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(hint);
      expect(r.err).not.toContain(PASSWORD);
      expect(r.err).not.toContain(JUNK_KEY);
      expect(r.err).not.toContain('TREZOR');
      expect(r.err).not.toMatch(/\btest test\b/);
      const j = await run([...args, '--json']);
      expect(['SECRET_IN_ARGUMENTS', 'USAGE']).toContain(errorCode(j));
    }
    // A command's own flag of a "secret" name is fine: split's --shares is a count.
    expect(
      (await run(['wallet', 'split', '--name', 'junk', '--shares', '3', '--threshold', '9', '--show-shares']))
        .err,
    ).not.toContain('refused');
  });
});

describe('the built CLI: pipes, stdin and no terminal', () => {
  it('with no terminal and no --…-fd flag, exits 2 naming the flag to use', async () => {
    const r = await spawnCli(['wallet', 'create', '--name', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('standard input is not a terminal');
    expect(r.err).toContain('--password-fd');
    expect(existsSync(walletPath('nope'))).toBe(false);
    const imp = await spawnCli(['wallet', 'import', '--name', 'nope', '--password-fd', '3'], {
      fd3: PASSWORD,
    });
    expect(imp.code).toBe(2);
    expect(imp.err).toContain('--mnemonic-fd');
  });

  it('secrets on a pipe (fd 3) and on stdin (fd 0), one per line, in the documented order', async () => {
    const created = await spawnCli(
      ['wallet', 'create', '--name', 'piped', '--words', '12', '--password-fd', '3'],
      {
        fd3: `${PASSWORD}\n`,
      },
    );
    expect(created.code, created.err).toBe(0);
    expect(modeOf(walletPath('piped'))).toBe(0o600);
    // Mnemonic and password on the same descriptor: first line, then second.
    const imp = await spawnCli(
      ['wallet', 'import', '--name', 'piped-junk', '--mnemonic-fd', '0', '--password-fd', '0', '--json'],
      { stdin: `${JUNK}\n${PASSWORD}\n` },
    );
    expect(imp.code, imp.err).toBe(0);
    expect((JSON.parse(imp.out) as { accounts: { address: string }[] }).accounts[0]?.address).toBe(ADDR0);
    const dec = await spawnCli(
      ['wallet', 'keystore', 'decrypt', join(dataDir, 'ks-pbkdf2.json'), '--password-fd', '3'],
      {
        fd3: WRONG_PASSWORD,
      },
    );
    expect(dec.code).toBe(1);
    expect(dec.err).toBe('sextant: Wrong password (keystore MAC mismatch)\n');
  });

  it('sign-tx reads the transaction from stdin and the password from fd 3', async () => {
    const tx = {
      chainId: 10,
      nonce: 1,
      gas: 21000,
      maxFeePerGas: '1000000000',
      maxPriorityFeePerGas: '1000000',
      to: ADDR2,
      value: '0x10',
    };
    const r = await spawnCli(['wallet', 'sign-tx', '--name', 'junk', '--password-fd', '3'], {
      stdin: JSON.stringify(tx),
      fd3: PASSWORD,
    });
    expect(r.code, r.err).toBe(0);
    const decoded = decodeSignedTransaction(r.out.trim() as Hex);
    expect(decoded.from).toBe(ADDR0);
    expect(decoded.transaction).toMatchObject({ chainId: 10, to: ADDR2, value: 16n });
    const both = await spawnCli(['wallet', 'sign-tx', '--name', 'junk', '--password-fd', '0'], {
      stdin: JSON.stringify(tx),
    });
    expect(both.code).toBe(2);
    expect(both.err).toContain('stdin cannot carry both');
  });

  it('shares for recover on fd 3, password on stdin', async () => {
    const split = await run(
      ['wallet', 'split', '--name', 'junk', '--threshold', '2', '--shares', '2', '--show-shares'],
      { secrets: { 'password-fd': PASSWORD }, showsSecrets: true },
    );
    const r = await spawnCli(
      ['wallet', 'recover', '--name', 'piped-recovered', '--shares-fd', '3', '--password-fd', '0'],
      {
        fd3: split.out,
        stdin: `${PASSWORD}\n`,
      },
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(ADDR0);
  });
});

describe('no storage', () => {
  it('wallet commands work while another process holds the data-dir lock, and create no database', async () => {
    const lock = lockDataDir(dataDir, 'migrate');
    try {
      expect((await run(['wallet', 'list'])).code).toBe(0);
      const r = await run(['wallet', 'sign-message', 'locked', '--name', 'junk'], {
        secrets: { 'password-fd': PASSWORD },
      });
      expect(r.code, r.err).toBe(0);
    } finally {
      lock.release();
    }
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(false);
  });
});

describe('a wallet of rare words through every command (for the scan below)', () => {
  it('import with a passphrase, list, address, verify, export-xpub, sign, split, recover, and failures', async () => {
    const imp = await run(['wallet', 'import', '--name', 'rare'], {
      secrets: { 'mnemonic-fd': RARE, 'passphrase-fd': RARE_PASSPHRASE, 'password-fd': PASSWORD },
    });
    expect(imp.code, imp.err).toBe(0);
    const withPassword = { secrets: { 'password-fd': PASSWORD } };
    const ok: [string[], typeof withPassword | undefined][] = [
      [['wallet', 'list'], undefined],
      [['wallet', 'list', '--json'], undefined],
      [['wallet', 'address', '--name', 'rare', '--count', '3'], undefined],
      [['wallet', 'address', '--name', 'rare', '--chain', 'sol', '--index', '25', '--json'], withPassword],
      [['wallet', 'address', '--name', 'rare', '--chain', 'btc-taproot', '--verify'], withPassword],
      [['wallet', 'export-xpub', '--name', 'rare', '--chain', 'btc'], undefined],
      [['wallet', 'sign-message', 'gm', '--name', 'rare'], withPassword],
    ];
    for (const [args, options] of ok) {
      const r = await run(args, options);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
    }
    // Failures: wrong password, bad checksum (two words swapped), wrong count, bad transaction.
    const words = RARE.split(' ');
    const swapped = [words[1], words[0], ...words.slice(2)].join(' ');
    const failures: [string[], Record<string, string>][] = [
      [['wallet', 'sign-message', 'gm', '--name', 'rare'], { 'password-fd': WRONG_PASSWORD }],
      [['wallet', 'import', '--name', 'rare-2'], { 'mnemonic-fd': swapped, 'password-fd': PASSWORD }],
      [
        ['wallet', 'import', '--name', 'rare-3'],
        { 'mnemonic-fd': words.slice(1).join(' '), 'password-fd': PASSWORD },
      ],
      [['wallet', 'import', '--name', 'rare'], { 'mnemonic-fd': RARE, 'password-fd': PASSWORD }],
      [['wallet', 'sign-tx', join(dataDir, 'missing.json'), '--name', 'rare'], { 'password-fd': PASSWORD }],
    ];
    for (const [args, secrets] of failures) {
      for (const json of [[], ['--json']]) {
        const r = await run([...args, ...json], { secrets });
        expect(r.code, args.join(' ')).toBe(1);
      }
    }

    // Shares: printed on purpose (collected, not scanned), written to files, then fed back.
    const slip = await run(
      ['wallet', 'split', '--name', 'rare', '--threshold', '2', '--shares', '3', '--show-shares'],
      {
        ...withPassword,
        showsSecrets: true,
      },
    );
    expect(slip.code, slip.err).toBe(0);
    expect(slip.err).toContain('passphrase is NOT in the shares');
    const slipShares = slip.out.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const plain = await run(
      [
        'wallet',
        'split',
        '--name',
        'rare',
        '--scheme',
        'plain',
        '--threshold',
        '2',
        '--shares',
        '2',
        '--show-shares',
        '--json',
      ],
      { ...withPassword, showsSecrets: true },
    );
    expect(plain.code, plain.err).toBe(0);
    const plainShares = (JSON.parse(plain.out) as { shares: string[] }).shares;
    const dir = join(tempDir(), 'rare-shares');
    const filed = await run(
      ['wallet', 'split', '--name', 'rare', '--groups', '2/2,1/1', '--threshold', '2', '--out', dir],
      withPassword,
    );
    expect(filed.code, filed.err).toBe(0);
    const fileShares = readdirSync(dir)
      .sort()
      .map((f) => readFileSync(join(dir, f), 'utf8').trimEnd().split('\n').at(-1) ?? '');
    sharesSeen.push(...slipShares, ...plainShares, ...fileShares);

    const recovered = await run(['wallet', 'recover', '--name', 'rare-restored', '--json'], {
      secrets: {
        'shares-fd': [slipShares[0], slipShares[2]].join('\n'),
        'passphrase-fd': RARE_PASSPHRASE,
        'password-fd': PASSWORD,
      },
    });
    expect(recovered.code, recovered.err).toBe(0);
    const addressesOf = async (name: string) =>
      (
        JSON.parse((await run(['wallet', 'address', '--name', name, '--count', '3', '--json'])).out) as {
          addresses: unknown;
        }
      ).addresses;
    const original = await addressesOf('rare');
    const restored = await addressesOf('rare-restored');
    expect(restored).toEqual(original);
    expect(JSON.stringify(original)).toMatch(/0x[0-9a-fA-F]{40}/);
    for (const shares of [
      [plainShares[0], plainShares[1]],
      [fileShares[0], fileShares[1], fileShares[2]],
    ]) {
      const dry = await run(['wallet', 'recover', '--dry-run', '--json'], {
        secrets: { 'shares-fd': shares.join('\n') },
      });
      expect(dry.code, dry.err).toBe(0);
    }
    // Failing recoveries: one share too few, a tampered word, mixed kinds.
    const tampered = (slipShares[1] as string).split(' ');
    tampered[3] = tampered[3] === 'academic' ? 'acid' : 'academic';
    for (const shares of [
      [slipShares[0]],
      [slipShares[0], tampered.join(' ')],
      [slipShares[0], plainShares[0]],
    ]) {
      const r = await run(['wallet', 'recover', '--dry-run'], {
        secrets: { 'shares-fd': shares.join('\n') },
      });
      expect(r.code).toBe(1);
    }
  });
});

// util-linux `script` runs a command on a pseudo-terminal, as a person at a terminal would.
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
if (!SCRIPT)
  console.warn('[wallet-cli] util-linux `script` not found: the pseudo-terminal prompt test is skipped');

/**
 * Runs `node bin/sextant.js ...args` on a pseudo-terminal (`script -qfec … /dev/null`) and types each
 * answer only once its prompt has been printed: by then the prompt has turned echo off, so the test
 * does not depend on timing. Returns everything the terminal showed (output and any echo).
 */
function runInPty(args: string[], answers: [prompt: RegExp, typed: string][]): Promise<Run> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const child = spawn(SCRIPT as string, ['-qfec', command, '/dev/null'], {
    cwd: dataDir,
    env: childEnv({ TERM: 'dumb' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let next = 0;
  let shownUpTo = 0;
  child.stdin.on('error', () => {});
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    screen += d;
    const answer = answers[next];
    // Look only at what appeared since the last answer, so one prompt is never answered twice.
    if (answer?.[0].test(screen.slice(shownUpTo))) {
      next++;
      shownUpTo = screen.length;
      child.stdin.write(`${answer[1]}\r`);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    screen += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sextant ${args.join(' ')} on a pty did not finish; screen:\n${screen}`));
    }, SPAWN_WAIT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      transcript.push({
        args: ['(pty)', ...args],
        code: code ?? -1,
        out: screen,
        err: '',
        showsSecrets: false,
      });
      resolve({ code: code ?? -1, out: screen, err: '' });
    });
  });
}

describe.skipIf(!SCRIPT)('prompts on a real terminal (pseudo-terminal through util-linux script)', () => {
  it(
    'the harness sees echo when a program leaves it on (control)',
    async () => {
      const r = await runInPty(['wallet', 'sign-message', 'x', '--name', 'nobody-here'], []);
      expect(r.code).toBe(1); // a wallet that does not exist: no prompt, nothing typed
      const child = spawn(
        SCRIPT as string,
        [
          '-qfec',
          `'${process.execPath}' -e "process.stdout.write('Type: '); process.stdin.once('data', () => process.exit(0))"`,
          '/dev/null',
        ],
        { env: childEnv({ TERM: 'dumb' }), stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let screen = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        screen += d;
        if (screen.endsWith('Type: ')) child.stdin.write('visible-when-echoed\r');
      });
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(code).toBe(0);
      // A plain read in the terminal's default (cooked) mode: the line discipline echoes what is typed.
      expect(screen).toContain('visible-when-echoed');
    },
    SPAWN_WAIT_MS,
  );

  it(
    'a phrase, a passphrase and passwords typed at the prompts are not echoed, and are used',
    async () => {
      const imported = await runInPty(
        ['wallet', 'import', '--name', 'typed', '--passphrase'],
        [
          [/Recovery phrase: $/, RARE],
          [/[Pp]assphrase: $/, RARE_PASSPHRASE],
          [/[Pp]assphrase: $/, RARE_PASSPHRASE],
          [/New wallet password: $/, PASSWORD],
          [/Repeat the new wallet password: $/, PASSWORD],
        ],
      );
      expect(imported.code, imported.out).toBe(0);
      // The prompts were shown and answered…
      expect(imported.out).toMatch(/Recovery phrase: \r?\n/);
      expect(imported.out).toContain("Imported wallet 'typed'");
      // …and nothing typed came back on the screen.
      for (const typed of [...RARE.split(' '), RARE_PASSPHRASE, PASSWORD])
        expect(imported.out.toLowerCase(), typed).not.toContain(typed.toLowerCase());
      // The typed answers were used: the accounts are those of this phrase with this passphrase.
      const expected = deriveEvmAccount(mnemonicToSeed(RARE, { passphrase: RARE_PASSPHRASE }), 0).address;
      const typed = JSON.parse((await run(['wallet', 'address', '--name', 'typed', '--json'])).out) as {
        addresses: { chain: string; address: string }[];
      };
      expect(typed.addresses.find((a) => a.chain === 'evm')?.address).toBe(expected);

      const signed = await runInPty(
        ['wallet', 'sign-message', 'typed at a terminal', '--name', 'typed'],
        [[/Password of wallet 'typed': $/, PASSWORD]],
      );
      expect(signed.code, signed.out).toBe(0);
      expect(signed.out).not.toContain(PASSWORD);
      const signature = /0x[0-9a-f]{130}/.exec(signed.out)?.[0] as Hex;
      expect(verifyMessageSignature(expected, 'typed at a terminal', signature)).toBe(true);
    },
    2 * SPAWN_WAIT_MS,
  );
});

describe('no secret in any output', () => {
  it('no run printed a word of the rare phrase, its passphrase or part of a share unless asked', () => {
    const checked = transcript.filter((t) => !t.showsSecrets);
    expect(checked.some((t) => t.args.includes('rare'))).toBe(true);
    expect(sharesSeen.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const t of checked) {
      const found = leaks(`${t.out}\n${t.err}`);
      if (found.length > 0) failures.push(`sextant ${t.args.join(' ')}: ${found.join(', ')}`);
    }
    expect(failures).toEqual([]);
  });

  it('the scan finds a single word, the passphrase and share fragments', () => {
    expect(leaks('Word 3 ("Pumpkin") is wrong')).toEqual(['word "pumpkin" of the rare phrase']);
    expect(leaks(`x ${RARE_PASSPHRASE.toUpperCase()} y`)).toEqual(['the BIP39 passphrase']);
    const slip = sharesSeen.find((x) => !x.startsWith('sxshare1')) ?? '';
    expect(leaks(slip.split(' ').slice(10, 13).join('\n'))).toEqual(['part of a share']);
    expect(leaks(slip.split(' ').slice(10, 12).join(' '))).toEqual([]);
    const sx = sharesSeen.find((x) => x.startsWith('sxshare1')) ?? '';
    expect(leaks(sx.slice(12, 28))).toEqual(['part of a share']);
    expect(leaks('zebras, pumpkins and 0xmango')).toEqual([]);
  });

  it('no run printed a recovery phrase, private key or password unless a --show-… flag asked', async () => {
    const phrases = [JUNK, RARE];
    for (const name of ['fresh', 'piped', 'strong'])
      phrases.push((await decryptVault(readWallet(name).vault, PASSWORD)).mnemonic);
    const checked = transcript.filter((t) => !t.showsSecrets);
    expect(checked.length).toBeGreaterThan(50);
    for (const t of checked) {
      const text = `${t.out}\n${t.err}`.replace(/\s+/g, ' ').toLowerCase();
      for (const phrase of phrases) {
        expect(text, `sextant ${t.args.join(' ')}`).not.toContain(phrase);
        // A leak need not be whole: the first half of the phrase must not appear either.
        expect(text, `sextant ${t.args.join(' ')}`).not.toContain(phrase.split(' ').slice(0, 6).join(' '));
      }
      expect(text, `sextant ${t.args.join(' ')}`).not.toContain(JUNK_KEY);
      expect(text, `sextant ${t.args.join(' ')}`).not.toContain(PASSWORD);
      expect(text, `sextant ${t.args.join(' ')}`).not.toContain('trezor');
    }
  });
});

/** Which secrets of the rare wallet `text` holds (descriptions, never the secrets themselves). */
function leaks(text: string): string[] {
  const lower = text.toLowerCase();
  const found: string[] = [];
  // Each word on its own, as a whole word (not inside a base58 string or a longer word).
  for (const word of RARE.split(' ')) {
    if (new RegExp(`(?<![a-z0-9])${word}(?![a-z0-9])`).test(lower))
      found.push(`word "${word}" of the rare phrase`);
  }
  if (lower.includes(RARE_PASSPHRASE)) found.push('the BIP39 passphrase');
  // Any three consecutive words of a SLIP-39 share (two could match ordinary output by chance: a few
  // word pairs of the help texts are SLIP-39 words), any 16 characters of an sxshare.
  const normalized = lower.replace(/\s+/g, ' ');
  const partOfShare = sharesSeen.some((share) => {
    if (share.startsWith('sxshare1')) {
      const data = share.slice('sxshare1'.length);
      for (let i = 0; i + 16 <= data.length; i++) if (lower.includes(data.slice(i, i + 16))) return true;
      return false;
    }
    const w = share.split(' ');
    for (let i = 0; i + 2 < w.length; i++) {
      if (new RegExp(`(?<![a-z])${w[i]} ${w[i + 1]} ${w[i + 2]}(?![a-z])`).test(normalized)) return true;
    }
    return false;
  });
  if (partOfShare) found.push('part of a share');
  return found;
}
