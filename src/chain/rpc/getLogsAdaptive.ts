import type { Hex } from 'viem';
import { suggestedLogSpan } from './classifyRpcError.js';
import { RpcError } from './RpcError.js';
import type { ChainRpc, RpcLog } from './types.js';

/** Default upper bound of the span when growing, in blocks. */
export const LOGS_DEFAULT_MAX_SPAN = 10_000n;
/** A chunk with at most this many logs… */
export const LOGS_SMALL_RESULT = 2_500;
/** …answered within this many ms is cheap: the next span grows by half. */
export const LOGS_FAST_RESPONSE_MS = 2_000;
/**
 * A chunk with more logs than this is heavy: the next span shrinks in proportion, to about this
 * many logs. Providers cap answers near here anyway (10,000 logs is common), a 10,000-log answer
 * is ~7 MB of JSON, and chunks of this size let the caller write one while the next is fetched.
 */
export const LOGS_LARGE_RESULT = 10_000;

/**
 * What `getLogsAdaptive` learns about an endpoint, kept by the caller across calls (one per chain
 * and filter): `span` is updated in place as ranges are refused (halved) or answered cheaply (×1.5).
 */
export type AdaptiveLogState = {
  /** Blocks per `eth_getLogs` call, >= 1 (start with e.g. 2_000n). */
  span: bigint;
  /** Growth stops here. Default `LOGS_DEFAULT_MAX_SPAN`. */
  maxSpan?: bigint;
};

/** One answered chunk: every log of blocks [fromBlock, toBlock], in chain order. */
export type AdaptiveLogChunk = { fromBlock: bigint; toBlock: bigint; logs: RpcLog[] };

export type GetLogsAdaptiveOptions = {
  /** Clock for "fast" (default `Date.now`). */
  now?: () => number;
  smallResult?: number;
  fastResponseMs?: number;
  largeResult?: number;
};

/**
 * Fetch logs over [fromBlock, toBlock] in chunks the endpoint accepts, yielding each chunk as soon
 * as it is answered so the caller can store it and checkpoint `toBlock`. Chunks are contiguous and
 * never overlap, so every log comes exactly once, in order. A "range too large / too many results"
 * error (see `RANGE_TOO_LARGE_MESSAGES`) halves the span, or uses the span the error suggests, and
 * asks again from the same block; a single block that is still refused is an `RpcError` of kind
 * `range-too-large`. An answer heavier than `largeResult` logs shrinks the next span to about that
 * many; small, fast answers grow it by half. Other errors are thrown as they are (the chunks yielded so far stay valid).
 * @example
 * const state = { span: 2_000n };
 * for await (const chunk of getLogsAdaptive(rpc, { fromBlock: 0n, toBlock: head, topics: [TRANSFER] }, state)) {
 *   await store.save(chunk.logs);
 *   await store.checkpoint(chunk.toBlock);
 * }
 */
export async function* getLogsAdaptive(
  rpc: Pick<ChainRpc, 'getLogs'>,
  filter: {
    fromBlock: bigint;
    toBlock: bigint;
    address?: Hex | readonly Hex[];
    topics?: readonly (Hex | readonly Hex[] | null)[];
  },
  state: AdaptiveLogState,
  options: GetLogsAdaptiveOptions = {},
): AsyncGenerator<AdaptiveLogChunk, void, undefined> {
  const now = options.now ?? Date.now;
  const smallResult = options.smallResult ?? LOGS_SMALL_RESULT;
  const largeResult = Math.max(1, options.largeResult ?? LOGS_LARGE_RESULT);
  const fastMs = options.fastResponseMs ?? LOGS_FAST_RESPONSE_MS;
  const maxSpan = state.maxSpan ?? LOGS_DEFAULT_MAX_SPAN;
  if (filter.fromBlock < 0n) throw new RangeError(`fromBlock must be >= 0 (got ${filter.fromBlock})`);
  if (state.span < 1n || maxSpan < 1n) throw new RangeError('span and maxSpan must be >= 1');

  let from = filter.fromBlock;
  while (from <= filter.toBlock) {
    const span = state.span > maxSpan ? maxSpan : state.span;
    const to = from + span - 1n < filter.toBlock ? from + span - 1n : filter.toBlock;
    const size = to - from + 1n;
    const started = now();
    let logs: RpcLog[];
    try {
      logs = await rpc.getLogs({ ...filter, fromBlock: from, toBlock: to });
    } catch (err) {
      if (!(err instanceof RpcError) || err.kind !== 'range-too-large') throw err;
      if (size <= 1n)
        throw new RpcError(
          'range-too-large',
          `the endpoint refuses eth_getLogs even for the single block ${from}: narrow the filter (address, topics) or use another endpoint (${err.message})`,
          { method: 'eth_getLogs', ...(err.rpc === undefined ? {} : { rpc: err.rpc }), cause: err },
        );
      const hint = suggestedLogSpan(err.message, from);
      state.span = hint !== null && hint < size ? hint : size / 2n;
      continue;
    }
    const elapsed = now() - started;
    yield { fromBlock: from, toBlock: to, logs };
    if (logs.length > largeResult && size > 1n) {
      // Heavy: aim the next call at about `largeResult` logs (any chunk says so, even a short tail).
      const aimed = (size * BigInt(largeResult)) / BigInt(logs.length);
      state.span = aimed < 1n ? 1n : aimed;
    }
    // Only a full-span chunk says something about growing (the tail of a range is short anyway).
    else if (size === span && logs.length <= smallResult && elapsed <= fastMs) {
      const grown = (span * 3n) / 2n > span ? (span * 3n) / 2n : span + 1n;
      state.span = grown > maxSpan ? maxSpan : grown;
    }
    from = to + 1n;
  }
}
