import { decodeFunctionResult, encodeFunctionData, erc20Abi, hexToString, trim } from 'viem';
import type { IndexerRpc } from './types.js';

/** `name()`/`symbol()` of old tokens (MKR, SAI) that return bytes32 instead of a string. */
const bytes32Abi = [
  { type: 'function', name: 'name', stateMutability: 'view', inputs: [], outputs: [{ type: 'bytes32' }] },
  { type: 'function', name: 'symbol', stateMutability: 'view', inputs: [], outputs: [{ type: 'bytes32' }] },
] as const;

const MAX_TEXT = 100;

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
  let raw: string;
  try {
    raw = await rpc.call(token, encodeFunctionData({ abi: erc20Abi, functionName: fn }), block);
  } catch {
    return null;
  }
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
 * non-standard token, an NFT without decimals): null, never an error.
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
    rpc
      .call(token, encodeFunctionData({ abi: erc20Abi, functionName: 'decimals' }), block)
      .then((raw) => {
        const d = decodeFunctionResult({
          abi: erc20Abi,
          functionName: 'decimals',
          data: raw as `0x${string}`,
        });
        return Number.isInteger(d) && d >= 0 && d <= 255 ? d : null;
      })
      .catch(() => null),
  ]);
  return { name, symbol, decimals };
}

/** `allowance(owner, spender)` at `block`, or null if the call fails. */
export async function readAllowance(
  rpc: IndexerRpc,
  token: string,
  owner: string,
  spender: string,
  block: bigint,
): Promise<bigint | null> {
  try {
    const raw = await rpc.call(
      token,
      encodeFunctionData({
        abi: erc20Abi,
        functionName: 'allowance',
        args: [owner as `0x${string}`, spender as `0x${string}`],
      }),
      block,
    );
    return decodeFunctionResult({ abi: erc20Abi, functionName: 'allowance', data: raw as `0x${string}` });
  } catch {
    return null;
  }
}
