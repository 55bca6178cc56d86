import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isatty } from 'node:tty';
import { formatEther, formatGwei, type Hex, isHex } from 'viem';
import { deriveEvmAccount } from '../../wallet/keys/index.js';
import {
  type EvmTransaction,
  type EvmTransactionRequest,
  hashTypedData,
  normalizeTransaction,
  signMessage,
  signTransaction,
  signTypedData,
  type TypedDataInput,
} from '../../wallet/sign/index.js';
import type { Command } from '../main.js';
import { WalletCliError } from './walletCliError.js';
import {
  intFlag,
  PASSWORD_FD_OPTION,
  printJson,
  WALLET_OPTIONS,
  type WalletContext,
  type WalletDeps,
  walletCommand,
  walletLocation,
} from './walletCommand.js';
import { unlockWallet } from './walletCommands.js';
import { publicAddress, readWalletFile, type WalletFile, type WalletLocation } from './walletFile.js';

const MAX_DOCUMENT_BYTES = 1 << 20;
const MAX_INDEX = 0x7fffffff;

const SIGNER_OPTIONS = {
  ...WALLET_OPTIONS,
  index: { type: 'string', description: "EVM account index: m/44'/60'/0'/0/INDEX (default 0)" },
  ...PASSWORD_FD_OPTION,
} as const;

const DOCUMENT_NOTES = `
The document is read from FILE, or from stdin with - (or when no FILE is given and stdin is not
a terminal). The password is then asked for on the terminal, or read with --password-fd N
(stdin cannot carry both: use another descriptor, e.g. --password-fd 3 3<password.txt).`;

/** Reads a (public) JSON document from a file or stdin; parse errors never quote the input. */
async function readJsonDocument(ctx: WalletContext, what: string): Promise<unknown> {
  const arg = ctx.positionals[0];
  let text: string;
  let source: string;
  if (arg === undefined || arg === '-') {
    if (arg === undefined && isatty(0))
      throw ctx.deps.usageError(`give the ${what} JSON file, or - to read it from stdin`);
    if (ctx.secrets.readsStdin())
      throw ctx.deps.usageError(
        `stdin cannot carry both the ${what} and a secret: read the secret from another descriptor (e.g. --password-fd 3)`,
      );
    text = await readStdin();
    source = 'stdin';
  } else {
    const path = resolve(ctx.io.cwd, arg);
    source = path;
    try {
      if ((await stat(path)).size > MAX_DOCUMENT_BYTES) throw tooLarge(source);
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (err instanceof WalletCliError) throw err;
      throw new WalletCliError(
        'INPUT_INVALID',
        `cannot read the ${what} file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse quotes the input, which might be a secret file passed by mistake.
    throw new WalletCliError('INPUT_INVALID', `the ${what} in ${source} is not valid JSON`);
  }
}

const tooLarge = (source: string) =>
  new WalletCliError('INPUT_INVALID', `${source} is larger than ${MAX_DOCUMENT_BYTES} bytes`);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_DOCUMENT_BYTES) throw tooLarge('stdin');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Signs with EVM account `index` of the wallet; the key is wiped afterwards. */
async function withEvmKey<T>(
  ctx: WalletContext,
  location: WalletLocation,
  index: number,
  sign: (privateKey: Uint8Array, address: string) => T,
): Promise<T> {
  const { wallet } = await unlockWallet(ctx, location);
  const account = deriveEvmAccount(wallet.seed, index);
  wallet.seed.fill(0);
  try {
    return sign(account.privateKey, account.address);
  } finally {
    account.privateKey.fill(0);
  }
}

function signerLabel(file: WalletFile, location: WalletLocation, index: number): string {
  const address = publicAddress(file, 'evm', index)?.address;
  return `wallet '${location.name}', EVM account ${index}${address ? ` (${address})` : ''}`;
}

/** The `type` a wallet's eth_signTransaction-style JSON implies when it has none. */
function withType(request: Record<string, unknown>): Record<string, unknown> {
  if (request.type !== undefined) {
    // eth_signTransaction writes the EIP-2718 type as a number or hex quantity.
    const byCode: Record<string, string> = { '0': 'legacy', '1': 'eip2930', '2': 'eip1559' };
    const code =
      typeof request.type === 'string' && /^0x[0-2]$/.test(request.type)
        ? String(Number(request.type))
        : String(request.type);
    return { ...request, type: byCode[code] ?? request.type };
  }
  if (request.maxFeePerGas !== undefined || request.maxPriorityFeePerGas !== undefined)
    return { ...request, type: 'eip1559' };
  return { ...request, type: request.accessList !== undefined ? 'eip2930' : 'legacy' };
}

function describeTransaction(tx: EvmTransaction): string[] {
  const gwei = (v: bigint) => `${formatGwei(v)} gwei`;
  const fees =
    tx.type === 'eip1559'
      ? `max fee ${gwei(tx.maxFeePerGas)}, max priority fee ${gwei(tx.maxPriorityFeePerGas)}`
      : `gas price ${gwei(tx.gasPrice)}`;
  const dataBytes = (tx.data.length - 2) / 2;
  return [
    `  type       ${tx.type}`,
    `  chain id   ${tx.chainId ?? 'none (pre-EIP-155: valid on every chain)'}`,
    `  to         ${tx.to ?? '(none: contract creation)'}`,
    `  value      ${formatEther(tx.value)} (${tx.value} wei)`,
    `  nonce      ${tx.nonce}`,
    `  gas limit  ${tx.gas}, ${fees}`,
    `  data       ${dataBytes === 0 ? 'none' : `${dataBytes} bytes${dataBytes >= 4 ? `, selector ${tx.data.slice(0, 10)}` : ''}`}`,
  ];
}

function signTxCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet sign-tx',
    summary: 'Sign an EVM transaction (JSON from a file or stdin) and print the raw signed hex',
    usage: `sextant wallet sign-tx [FILE | -] [--name NAME | --file PATH] [--index 0] [--password-fd N] [--allow-replayable] [--json]

FILE is a transaction as eth_signTransaction takes it: { "type": "eip1559", "chainId": 1,
"nonce": 0, "gas": "21000", "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1000000000",
"to": "0x…", "value": "1000000000000000000", "data": "0x" } (quantities as decimal or 0x strings,
or safe integers; type inferred from the fee fields when absent; "from", when present, must be
the signing account). A summary (to, value, chain id, fees) goes to stderr before the password is
asked for. Nothing is broadcast: send the hex with eth_sendRawTransaction.
${DOCUMENT_NOTES}`,
    options: {
      ...SIGNER_OPTIONS,
      'allow-replayable': {
        type: 'boolean',
        description: 'Sign a legacy transaction without chainId (valid on every EVM chain)',
      },
    },
    positionals: ['FILE'],
    async run(ctx) {
      const index = intFlag(ctx, 'index', { min: 0, max: MAX_INDEX, def: 0 });
      const location = walletLocation(ctx);
      const file = await readWalletFile(location.path);
      const doc = await readJsonDocument(ctx, 'transaction');
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
        throw new WalletCliError('INPUT_INVALID', 'the transaction must be a JSON object');
      const { from, ...rest } = withType(doc as Record<string, unknown>);
      const request = rest as EvmTransactionRequest;
      const tx = normalizeTransaction(request);
      if (tx.type === 'legacy' && tx.chainId === null && ctx.values['allow-replayable'] !== true)
        throw new WalletCliError(
          'INPUT_INVALID',
          'the transaction has no chainId, so its signature would be valid on every EVM chain (replayable): add chainId, or pass --allow-replayable',
        );
      // Humans get the summary before the password prompt; --json callers get the fields on stdout.
      if (!ctx.json)
        ctx.io.err(
          `Signing with ${signerLabel(file, location, index)}:\n${describeTransaction(tx).join('\n')}\n`,
        );
      const signed = await withEvmKey(ctx, location, index, (key, address) => {
        if (from !== undefined && (typeof from !== 'string' || from.toLowerCase() !== address.toLowerCase()))
          throw new WalletCliError(
            'INPUT_INVALID',
            `"from" is ${String(from)} but account ${index} of this wallet is ${address}: pick the account with --index`,
          );
        return { ...signTransaction(request, key), from: address };
      });
      if (ctx.json)
        printJson(ctx, {
          from: signed.from,
          index,
          hash: signed.hash,
          raw: signed.raw,
          transaction: signed.transaction,
        });
      else ctx.io.out(`${signed.raw}\n`);
      return 0;
    },
  });
}

function signMessageCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet sign-message',
    summary: 'Sign a message with EIP-191 personal_sign and print the 65-byte signature',
    usage: `sextant wallet sign-message [MESSAGE | -] [--hex] [--name NAME | --file PATH] [--index 0] [--password-fd N] [--json]

MESSAGE is signed as its UTF-8 bytes (with --hex, a 0x string is signed as raw bytes). Without
MESSAGE (or with -), the message is read from stdin as is. A message is not a secret, so it may
be an argument; one that looks like a recovery phrase or share is refused all the same.`,
    options: {
      ...SIGNER_OPTIONS,
      hex: { type: 'boolean', description: 'MESSAGE is 0x hex: sign those bytes' },
    },
    positionals: ['MESSAGE'],
    freeTextPositional: true,
    async run(ctx) {
      const index = intFlag(ctx, 'index', { min: 0, max: MAX_INDEX, def: 0 });
      const location = walletLocation(ctx);
      const file = await readWalletFile(location.path);
      let text = ctx.positionals[0];
      if (text === undefined || text === '-') {
        if (text === undefined && isatty(0))
          throw ctx.deps.usageError('give the MESSAGE, or - to read it from stdin');
        if (ctx.secrets.readsStdin())
          throw ctx.deps.usageError(
            'stdin cannot carry both the message and a secret: use another descriptor',
          );
        text = await readStdin();
      }
      const hex = ctx.values.hex === true;
      if (hex && !isHex(text.trim(), { strict: true }))
        throw ctx.deps.usageError('--hex: MESSAGE must be 0x-prefixed hex');
      const message = hex ? { raw: text.trim() as Hex } : text;
      const bytes = hex ? (text.trim().length - 2) / 2 : Buffer.byteLength(text, 'utf8');
      if (!ctx.json)
        ctx.io.err(`Signing a ${bytes}-byte EIP-191 message with ${signerLabel(file, location, index)}\n`);
      const signed = await withEvmKey(ctx, location, index, (key, address) => ({
        ...signMessage(message, key),
        address,
      }));
      if (ctx.json)
        printJson(ctx, {
          address: signed.address,
          index,
          message: text,
          hex,
          hash: signed.hash,
          signature: signed.signature,
        });
      else ctx.io.out(`${signed.signature}\n`);
      return 0;
    },
  });
}

function signTypedDataCmd(deps: WalletDeps): Command {
  return walletCommand(deps, {
    name: 'wallet sign-typed-data',
    summary: 'Sign EIP-712 typed data (JSON from a file or stdin), as eth_signTypedData_v4',
    usage: `sextant wallet sign-typed-data [FILE | -] [--name NAME | --file PATH] [--index 0] [--password-fd N] [--json]

FILE holds { "domain": {…}, "types": {…}, "primaryType": "…", "message": {…} }. The domain and
primary type are summarized on stderr before the password is asked for: check verifyingContract
and chainId, since a permit or order signed here can move tokens without a transaction.
${DOCUMENT_NOTES}`,
    options: SIGNER_OPTIONS,
    positionals: ['FILE'],
    async run(ctx) {
      const index = intFlag(ctx, 'index', { min: 0, max: MAX_INDEX, def: 0 });
      const location = walletLocation(ctx);
      const file = await readWalletFile(location.path);
      const typedData = (await readJsonDocument(ctx, 'typed data')) as TypedDataInput;
      const hash = hashTypedData(typedData); // validates before any password is asked for
      const d = typedData.domain ?? {};
      if (!ctx.json)
        ctx.io.err(
          [
            `Signing EIP-712 ${typedData.primaryType} with ${signerLabel(file, location, index)}:`,
            `  domain     ${d.name ?? '(no name)'}${d.version ? ` v${d.version}` : ''}`,
            `  chain id   ${d.chainId ?? '(none)'}`,
            `  contract   ${d.verifyingContract ?? '(none)'}`,
            `  digest     ${hash}`,
            '',
          ].join('\n'),
        );
      const signed = await withEvmKey(ctx, location, index, (key, address) => ({
        ...signTypedData(typedData, key),
        address,
      }));
      if (ctx.json)
        printJson(ctx, {
          address: signed.address,
          index,
          primaryType: typedData.primaryType,
          hash: signed.hash,
          signature: signed.signature,
        });
      else ctx.io.out(`${signed.signature}\n`);
      return 0;
    },
  });
}

/** sign-tx, sign-message, sign-typed-data. */
export function signCommands(deps: WalletDeps): Command[] {
  return [signTxCmd(deps), signMessageCmd(deps), signTypedDataCmd(deps)];
}
