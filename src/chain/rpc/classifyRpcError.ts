import type { RpcErrorKind } from './RpcError.js';

/** JSON-RPC error codes that mean "slow down" (429 mirrors HTTP; -32029/-32090 are provider codes). */
const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([429, -32029, -32090]);

/** Messages of rate-limit errors sent inside a JSON-RPC answer (often with HTTP 200). */
const RATE_LIMIT_MESSAGES =
  /rate[ -]?limit|too many requests|request rate|requests per second|limit of requests|compute units|throughput|capacity exceeded|daily request count|quota exceeded/i;

/**
 * `eth_getLogs` answers that mean "ask for fewer blocks", by who sends them. Code -32005 ("limit
 * exceeded", EIP-1474) is counted too unless its message says "rate" (Infura uses -32005 for both).
 * Not listed on purpose: "block range extends beyond current head block" (geth, a `toBlock`
 * past the head — halving cannot fix it) and "exceed max addresses or topics" (geth's
 * `--rpc.logquerylimit`, about the filter, not the range).
 */
export const RANGE_TOO_LARGE_MESSAGES: readonly RegExp[] = [
  /query returned more than \d+ results/i, // Infura, Erigon-based providers, zkEVM
  /query exceeds max (results|block range)/i, // LlamaRPC, Ankr, Hyperliquid
  /exceeds? maximum block range/i, // PublicNode, BSC and other geth forks ("exceed maximum block range: 5000")
  /log response size exceeded|response size (exceeded|should not)|backend response too large/i, // Alchemy, 1RPC, OP
  /up to a [\d,.k]+ block range|this block range should work/i, // Alchemy
  /limited to (a )?[\d,.]+ (block|range)/i, // QuickNode ("eth_getLogs is limited to a 10,000 range"), BlockPI
  /block range (is )?too (large|wide)|range too large|too many blocks/i, // Base, OP, Ankr, Moonbeam, Avalanche
  /block range limit exceeded|block range (greater than|exceeds)|max(imum)? range/i, // Chainstack, Swell, Cloudflare
  /logs matched by query exceeds limit/i, // Arbitrum (Nitro)
  /please limit the query to at most/i, // Coinbase
  /too many (logs|results)|result set too large|limit exceeded/i, // generic, and anvil/foundry forwarding upstreams
  /query timeout exceeded|request timed out/i, // server-side deadline on a heavy query (Alchemy, geth -32002)
];

/** JSON-RPC code of "limit exceeded" (EIP-1474). */
const LIMIT_EXCEEDED_CODE = -32005;

/**
 * The kind of a JSON-RPC `error` answered for `method`: `rate-limited`, `range-too-large` (only
 * for `eth_getLogs`) or plain `rpc`.
 * @example classifyRpcError('eth_getLogs', -32005, 'query returned more than 10000 results') // 'range-too-large'
 */
export function classifyRpcError(method: string, code: number, message: string): RpcErrorKind {
  if (RATE_LIMIT_CODES.has(code) || RATE_LIMIT_MESSAGES.test(message)) return 'rate-limited';
  if (method === 'eth_getLogs') {
    if (code === LIMIT_EXCEEDED_CODE) return 'range-too-large';
    if (RANGE_TOO_LARGE_MESSAGES.some((re) => re.test(message))) return 'range-too-large';
  }
  return 'rpc';
}

/**
 * The block span an `eth_getLogs` error suggests, when it says one: Alchemy and Infura name a
 * range that works (`[0x1a, 0x2f]`), others a maximum ("limited to a 10,000 range",
 * "exceed maximum block range: 5000"). Returns null when the message names none.
 * @example suggestedLogSpan('Try with this block range [0x10, 0x1f].', 16n) // 16n
 */
export function suggestedLogSpan(message: string, fromBlock: bigint): bigint | null {
  const pair = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(message);
  if (pair) {
    const a = BigInt(pair[1]!);
    const b = BigInt(pair[2]!);
    // Only trust a hint that starts where we asked: otherwise it is about someone else's query.
    return a === fromBlock && b >= a ? b - a + 1n : null;
  }
  const max =
    /(?:limited to (?:a )?|maximum block range:? |max(?:imum)? range:? |at most |block range (?:greater than|exceeds) |\(maximum )([\d,]+)/i.exec(
      message,
    );
  if (max) {
    const n = BigInt(max[1]!.replace(/,/g, ''));
    return n > 0n ? n : null;
  }
  return null;
}

/** A JSON-RPC error's `data` may say how long to back off (Infura: `{ backoff_seconds: 30 }`). */
export function retryAfterFromData(data: unknown): number | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const s = (data as Record<string, unknown>).backoff_seconds ?? (data as Record<string, unknown>).retryAfter;
  return typeof s === 'number' && Number.isFinite(s) && s >= 0 ? Math.round(s * 1000) : undefined;
}

/**
 * Parse an HTTP `Retry-After` header (delta seconds or an HTTP date) into ms from `nowMs`.
 * @example parseRetryAfterMs('2', 0) // 2000
 */
export function parseRetryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
