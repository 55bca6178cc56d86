import { describe, expect, it } from 'vitest';
import {
  classifyRpcError,
  parseRetryAfterMs,
  retryAfterFromData,
  suggestedLogSpan,
} from './classifyRpcError.js';

describe('classifyRpcError', () => {
  it.each([
    [-32005, 'query returned more than 10000 results'], // Infura
    [-32602, 'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range'], // Alchemy
    [-32614, 'eth_getLogs is limited to a 10,000 range'], // QuickNode
    [-32000, 'exceed maximum block range: 50000'], // PublicNode / geth forks
    [-32600, 'block range is too wide'], // Ankr
    [-32000, 'Block range is too large'], // OP
    [-32000, 'logs matched by query exceeds limit of 10000'], // Arbitrum
    [-32005, 'limit exceeded'], // code alone
  ])('eth_getLogs %i %s → range-too-large', (code, message) => {
    expect(classifyRpcError('eth_getLogs', code, message)).toBe('range-too-large');
  });

  it('only eth_getLogs has ranges', () => {
    expect(classifyRpcError('eth_call', -32005, 'query returned more than 10000 results')).toBe('rpc');
  });

  it.each([
    [429, 'Too Many Requests'],
    [-32005, 'project ID request rate exceeded'],
    [-32000, 'Your app has exceeded its compute units per second capacity'],
    [-32016, 'rate limit reached'],
  ])('%i %s → rate-limited (even for eth_getLogs)', (code, message) => {
    expect(classifyRpcError('eth_getLogs', code, message)).toBe('rate-limited');
    expect(classifyRpcError('eth_blockNumber', code, message)).toBe('rate-limited');
  });

  it('keeps errors halving cannot fix as rpc', () => {
    expect(classifyRpcError('eth_getLogs', -32602, 'block range extends beyond current head block')).toBe(
      'rpc',
    );
    expect(
      classifyRpcError('eth_getLogs', -32602, 'exceed max addresses or topics per search position'),
    ).toBe('rpc');
    expect(classifyRpcError('eth_call', 3, 'execution reverted')).toBe('rpc');
  });
});

describe('suggestedLogSpan', () => {
  it('reads a suggested [from, to] range only when it starts where we asked', () => {
    expect(suggestedLogSpan('this block range should work: [0x10, 0x1f]', 16n)).toBe(16n);
    expect(suggestedLogSpan('Try with this block range [0x10,0x1f].', 17n)).toBeNull();
  });

  it('reads a maximum', () => {
    expect(suggestedLogSpan('eth_getLogs is limited to a 10,000 range', 0n)).toBe(10_000n);
    expect(suggestedLogSpan('exceed maximum block range: 5000', 0n)).toBe(5_000n);
    expect(suggestedLogSpan('please limit the query to at most 1000 blocks', 0n)).toBe(1_000n);
    expect(suggestedLogSpan('query returned more than 10000 results', 0n)).toBeNull();
  });
});

describe('retry hints', () => {
  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfterMs('3', 0)).toBe(3_000);
    expect(parseRetryAfterMs(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfterMs('soon', 0)).toBeUndefined();
    expect(parseRetryAfterMs(null, 0)).toBeUndefined();
  });

  it('reads backoff_seconds from JSON-RPC error data', () => {
    expect(retryAfterFromData({ backoff_seconds: 1.5 })).toBe(1_500);
    expect(retryAfterFromData('0x')).toBeUndefined();
  });
});
