import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mnemonicToSeedSync } from '@scure/bip39';
import {
  bytesToHex,
  type Chain,
  createTestClient,
  defineChain,
  formatTransactionRequest,
  type Hex,
  http,
  type PublicActions,
  publicActions,
  type TestClient,
  type TransactionRequest,
} from 'viem';
import { type HDAccount, HDKey, hdKeyToAccount } from 'viem/accounts';

/** Anvil's default mnemonic: its dev accounts are derived from it at m/44'/60'/0'/0/i. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

const DEFAULT_CHAIN_ID = 31337;
const DEFAULT_ACCOUNT_COUNT = 30;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;
// viem groups requests issued in the same tick into one JSON-RPC batch; anvil accepts 2 MB bodies.
const RPC_BATCH_SIZE = 500;
const RPC_TIMEOUT_MS = 30_000;

// `@foundry-rs/anvil` ships the binary in one optional dependency per platform (the same table as
// its own const.mjs). Its postinstall only downloads a binary when that package is missing.
const PLATFORM_PACKAGES: Record<string, string> = {
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
};

// The shell runs anvil and a watcher that blocks on our stdin pipe. When this process ends in any
// way (even SIGKILL, or a vitest worker torn down without running exit handlers) the pipe closes,
// the watcher's `read` returns and it kills anvil: no orphaned nodes on a 2-core machine.
// Background jobs of a non-interactive shell get /dev/null as stdin, hence the copy on fd 3.
const WATCHDOG_SH = [
  'exec 3<&0',
  'bin=$1; shift',
  '"$bin" "$@" </dev/null 3<&- &',
  'pid=$!',
  'echo "anvil-pid $pid"',
  '(read -r _ <&3; kill $pid) >/dev/null 2>&1 &',
  'exec 3<&-',
  'wait $pid',
].join('\n');

/** How to start anvil; every field is optional. */
export type AnvilOptions = {
  /** `--chain-id`; default 31337. */
  chainId?: number;
  /** Dev accounts to fund and return (`--accounts`); default 30. */
  accounts?: number;
  /** `--block-time` (interval mining) in seconds; default: automine. */
  blockTimeSeconds?: number;
  /** `--no-mining`: start with automine off; mine with `mine()`. */
  noMining?: boolean;
  /** `--timestamp`: a fixed genesis time (seconds) makes block hashes reproducible. */
  genesisTimestamp?: number;
  /** `--gas-limit` per block; anvil's default is 30M. */
  blockGasLimit?: bigint;
  /** `--balance` of each dev account, in ether; anvil's default is 10000. */
  balanceEther?: number;
  /** `--hardfork`, e.g. 'cancun'. */
  hardfork?: string;
  /** Path to an anvil binary; default: the platform package, then `anvil` on PATH. */
  binary?: string;
  /** More anvil flags, appended as given. */
  extraArgs?: readonly string[];
  /** How long to wait for "Listening on"; default 15 s. */
  startTimeoutMs?: number;
};

/** One funded dev account. */
export type AnvilAccount = {
  index: number;
  address: Hex;
  privateKey: Hex;
  /** A viem local account: signs transactions without asking the node. */
  account: HDAccount;
};

/** A signed raw transaction, or a request anvil signs with one of its dev keys (`from`). */
export type ReorgTx = { tx: Hex | TransactionRequest; blockOffset: number };

/** viem's anvil test client with the public actions (reads, receipts, blocks). */
export type AnvilClient = TestClient<'anvil', ReturnType<typeof http>, Chain> &
  PublicActions<ReturnType<typeof http>, Chain>;

/** A running anvil node. */
export type Anvil = {
  rpcUrl: string;
  wsUrl: string;
  chainId: number;
  port: number;
  /** The anvil process id (not the watchdog shell's). */
  pid: number;
  chain: Chain;
  accounts: readonly AnvilAccount[];
  /** A viem test client with public actions and JSON-RPC batching over HTTP. */
  client: AnvilClient;
  /** `evm_snapshot`: an id for `revert`. */
  snapshot(): Promise<Hex>;
  /** `evm_revert`; throws when anvil does not know the id (each id reverts once). */
  revert(id: Hex): Promise<void>;
  /** Mines `blocks` blocks now (`anvil_mine`), whatever the mining mode. */
  mine(blocks?: number): Promise<void>;
  /**
   * `anvil_reorg`: replaces the last `depth` blocks with `depth` new ones. `txs` go into the new
   * branch at `blockOffset` (0 = the first block after the common ancestor, at most depth - 1);
   * raw transactions must carry nonces valid on top of the common ancestor. The old blocks'
   * transactions are dropped, not replayed.
   */
  reorg(depth: number, txs?: readonly ReorgTx[]): Promise<void>;
  /** `evm_setAutomine`. */
  setAutomine(enabled: boolean): Promise<void>;
  /** Any JSON-RPC method, untyped: for what viem's schemas lack (`debug_traceTransaction`, `ots_*`). */
  rpc<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>;
  /** The last few KB anvil printed (for failure messages). */
  output(): string;
  /** Kills anvil and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
};

/** Thrown when the binary cannot be found or anvil does not come up. */
export class AnvilStartError extends Error {
  override name = 'AnvilStartError';
}

/**
 * The anvil binary to run: `explicit`, else the `@foundry-rs/anvil-<platform>` package's, else
 * `anvil` on PATH (foundryup). Spawning the binary directly skips the package's Node wrapper.
 */
export function resolveAnvilBinary(explicit?: string): string {
  if (explicit) return explicit;
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (pkg) {
    const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
    try {
      return createRequire(import.meta.url).resolve(`${pkg}/bin/${exe}`);
    } catch {
      // Not installed (other platform, or --omit=optional): try PATH.
    }
  }
  return 'anvil';
}

/** Whether anvil can run here: its `--version` line, or why not (for a test's skip message). */
export function anvilAvailability(
  binary?: string,
): { ok: true; binary: string; version: string } | { ok: false; binary: string; reason: string } {
  const bin = resolveAnvilBinary(binary);
  const res = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (res.error) return { ok: false, binary: bin, reason: res.error.message };
  if (res.status !== 0) {
    return { ok: false, binary: bin, reason: `exit ${res.status}: ${res.stderr.trim().slice(0, 300)}` };
  }
  return { ok: true, binary: bin, version: res.stdout.split('\n')[0]?.trim() ?? '' };
}

const accountCache: AnvilAccount[] = [];

/**
 * The first `count` dev accounts of anvil's default mnemonic. Same derivation as viem's
 * `mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex })`, but the seed (2048 PBKDF2 rounds) is made
 * once instead of once per account.
 */
export function anvilAccounts(count: number): readonly AnvilAccount[] {
  if (accountCache.length < count) {
    const root = HDKey.fromMasterSeed(mnemonicToSeedSync(ANVIL_MNEMONIC));
    for (let index = accountCache.length; index < count; index++) {
      const account = hdKeyToAccount(root, { addressIndex: index });
      const key = account.getHdKey().privateKey;
      if (!key) throw new Error(`no private key at index ${index}`);
      accountCache.push({ index, address: account.address, privateKey: bytesToHex(key), account });
    }
  }
  return accountCache.slice(0, count);
}

function anvilArgs(options: AnvilOptions, chainId: number, accountCount: number): string[] {
  // Port 0: the OS picks a free port and anvil prints it, so there is no probe-then-bind race.
  const args = ['--host', '127.0.0.1', '--port', '0', '--chain-id', String(chainId)];
  args.push('--accounts', String(accountCount));
  if (options.blockTimeSeconds !== undefined) args.push('--block-time', String(options.blockTimeSeconds));
  if (options.noMining) args.push('--no-mining');
  if (options.genesisTimestamp !== undefined) args.push('--timestamp', String(options.genesisTimestamp));
  if (options.blockGasLimit !== undefined) args.push('--gas-limit', options.blockGasLimit.toString());
  if (options.balanceEther !== undefined) args.push('--balance', String(options.balanceEther));
  if (options.hardfork !== undefined) args.push('--hardfork', options.hardfork);
  args.push(...(options.extraArgs ?? []));
  return args;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// Belt and braces next to the watchdog: on a normal exit, close the pipes now rather than when the
// OS reaps this process.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) {
      child.stdin?.destroy();
      child.kill('SIGKILL');
    }
  });
}

/**
 * Starts anvil on 127.0.0.1 at a free port and waits until it accepts connections.
 *
 * @example
 * const anvil = await startAnvil({ noMining: true, genesisTimestamp: 1_700_000_000 });
 * try {
 *   await anvil.client.getBlockNumber();
 * } finally {
 *   await anvil.stop();
 * }
 */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const chainId = options.chainId ?? DEFAULT_CHAIN_ID;
  const accountCount = options.accounts ?? DEFAULT_ACCOUNT_COUNT;
  const binary = resolveAnvilBinary(options.binary);
  const args = anvilArgs(options, chainId, accountCount);

  const child = spawn('/bin/sh', ['-c', WATCHDOG_SH, 'anvil-watchdog', binary, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  installExitHook();

  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      // The watcher subshell still holds the read end: release it.
      child.stdin?.destroy();
      resolve();
    });
  });

  const { port, pid } = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    let pidSeen: number | undefined;
    let stdoutBuf = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new AnvilStartError(`anvil (${binary}) did not start: ${why}\n${output.slice(-1_500)}`));
    };
    const timer = setTimeout(() => {
      fail(`no "Listening on" within ${options.startTimeoutMs ?? START_TIMEOUT_MS} ms`);
      child.stdin?.end();
    }, options.startTimeoutMs ?? START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      append(chunk);
      stdoutBuf += chunk.toString('utf8');
      const pidMatch = /anvil-pid (\d+)/.exec(stdoutBuf);
      if (pidMatch) pidSeen = Number(pidMatch[1]);
      const listen = /Listening on [^\s:]+:(\d+)/.exec(stdoutBuf);
      if (listen && pidSeen !== undefined) {
        clearTimeout(timer);
        stdoutBuf = '';
        resolve({ port: Number(listen[1]), pid: pidSeen });
      }
    });
    child.stderr?.on('data', append);
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
  });
  // Keep draining stdout/stderr so anvil never blocks on a full pipe.
  child.stdout?.removeAllListeners('data');
  child.stdout?.on('data', append);

  const rpcUrl = `http://127.0.0.1:${port}`;
  const chain = defineChain({
    id: chainId,
    name: 'Anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl], webSocket: [`ws://127.0.0.1:${port}`] } },
  });
  const client = createTestClient({
    mode: 'anvil',
    chain,
    transport: http(rpcUrl, { batch: { batchSize: RPC_BATCH_SIZE }, timeout: RPC_TIMEOUT_MS, retryCount: 0 }),
    cacheTime: 0,
    pollingInterval: 50,
  }).extend(publicActions);

  const rpc = <T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> =>
    (client.request as unknown as (args: { method: string; params: readonly unknown[] }) => Promise<T>)({
      method,
      params,
    });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited) return;
      // EOF on the watchdog's stdin: it sends SIGTERM to anvil; the shell exits when anvil does.
      child.stdin?.end();
      const timedOut = await Promise.race([
        exitedPromise.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), STOP_TIMEOUT_MS).unref()),
      ]);
      if (timedOut) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
        child.kill('SIGKILL');
        await exitedPromise;
      }
    })();
    return stopping;
  };

  return {
    rpcUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    chainId,
    port,
    pid,
    chain,
    accounts: anvilAccounts(accountCount),
    client,
    snapshot: () => client.snapshot(),
    revert: async (id) => {
      // viem's `revert` drops anvil's boolean answer; a stale id must not pass silently.
      const ok = await rpc('evm_revert', [id]);
      if (ok !== true) throw new Error(`evm_revert(${id}) returned ${String(ok)}`);
    },
    mine: (blocks = 1) => client.mine({ blocks }),
    reorg: async (depth, txs = []) => {
      for (const { blockOffset } of txs) {
        if (!Number.isInteger(blockOffset) || blockOffset < 0 || blockOffset >= depth) {
          throw new RangeError(`reorg blockOffset ${blockOffset} outside [0, ${depth - 1}]`);
        }
      }
      const pairs = txs.map(({ tx, blockOffset }) => [
        typeof tx === 'string' ? tx : formatTransactionRequest(tx),
        blockOffset,
      ]);
      // anvil's ReorgOptions deserialises from the positional form [depth, [[tx, offset], ...]].
      await rpc('anvil_reorg', [depth, pairs]);
    },
    setAutomine: (enabled) => client.setAutomine(enabled),
    rpc,
    output: () => output,
    stop,
  };
}
