import { decodeFunctionResult, encodeFunctionData, erc20Abi, hexToString, trim } from 'viem';
import { RpcError } from '../rpc/index.js';
import type { IndexerRpc } from './types.js';

/** `name()`/`symbol()` of old tokens (MKR, SAI) that return bytes32 instead of a string. */
const bytes32Abi = [
  { type: 'function', name: 'name', stateMutability: 'view', inputs: [], outputs: [{ type: 'bytes32' }] },
  { type: 'function', name: 'symbol', stateMutability: 'view', inputs: [], outputs: [{ type: 'bytes32' }] },
] as const;

const MAX_TEXT = 100;

/**
 * Whether a failed `eth_call` is the contract's answer (it reverted: the value is absent, the same
 * on every run) rather than the node's failure (timeout, rate limit, malformed answer, missing
 * state: rethrown, so the indexer's step fails whole and is retried instead of recording a gap
 * that a fresh index would not have). Errors that are not `RpcError`s come from test doubles.
 */
export function isRevert(err: unknown): boolean {
  if (!(err instanceof RpcError)) return true;
  if (err.kind !== 'rpc') return false;
  return (
    err.rpcCode === 3 || /revert|invalid opcode|out of gas|invalid jump|stack underflow/i.test(err.detail)
  );
}

/** `rpc.call`, with a revert as null (the node's failures are thrown). */
async function callOrNull(rpc: IndexerRpc, to: string, data: string, block: bigint): Promise<string | null> {
  try {
    return await rpc.call(to, data, block);
  } catch (err) {
    if (isRevert(err)) return null;
    throw err;
  }
}

function clean(s: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters from token names
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return t === '' ? null : t.slice(0, MAX_TEXT);
}

async function text(
  rpc: IndexerRpc,
  token: string,
  fn: 'name' | 'symbol',
  block: bigint,
): Promise<string | null> {
  const raw = await callOrNull(rpc, token, encodeFunctionData({ abi: erc20Abi, functionName: fn }), block);
  if (raw === null) return null;
  try {
    return clean(decodeFunctionResult({ abi: erc20Abi, functionName: fn, data: raw as `0x${string}` }));
  } catch {
    try {
      const b = decodeFunctionResult({ abi: bytes32Abi, functionName: fn, data: raw as `0x${string}` });
      return clean(hexToString(trim(b, { dir: 'right' })));
    } catch {
      return null;
    }
  }
}

/**
 * A token's name, symbol and decimals, read once at `block`. Any of them may be missing (a
 * non-standard token, an NFT without decimals): null. A failing node is an error (see `isRevert`).
 * @example await tokenMetadata(rpc, '0xa0b8…eb48', 12_600_000n) // { name: 'USD Coin', symbol: 'USDC', decimals: 6 }
 */
export async function tokenMetadata(
  rpc: IndexerRpc,
  token: string,
  block: bigint,
): Promise<{ name: string | null; symbol: string | null; decimals: number | null }> {
  const [name, symbol, decimals] = await Promise.all([
    text(rpc, token, 'name', block),
    text(rpc, token, 'symbol', block),
    callOrNull(rpc, token, encodeFunctionData({ abi: erc20Abi, functionName: 'decimals' }), block).then(
      (raw) => {
        if (raw === null) return null;
        try {
          const d = decodeFunctionResult({
            abi: erc20Abi,
            functionName: 'decimals',
            data: raw as `0x${string}`,
          });
          return Number.isInteger(d) && d >= 0 && d <= 255 ? d : null;
        } catch {
          return null;
        }
      },
    ),
  ]);
  return { name, symbol, decimals };
}

/** `allowance(owner, spender)` at `block`, or null if the token reverts or answers nonsense; a failing node throws. */
export async function readAllowance(
  rpc: IndexerRpc,
  token: string,
  owner: string,
  spender: string,
  block: bigint,
): Promise<bigint | null> {
  const raw = await callOrNull(
    rpc,
    token,
    encodeFunctionData({
      abi: erc20Abi,
      functionName: 'allowance',
      args: [owner as `0x${string}`, spender as `0x${string}`],
    }),
    block,
  );
  if (raw === null) return null;
  try {
    return decodeFunctionResult({ abi: erc20Abi, functionName: 'allowance', data: raw as `0x${string}` });
  } catch {
    return null;
  }
}
