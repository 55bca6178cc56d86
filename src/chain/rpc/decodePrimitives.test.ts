import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFeeHistory } from './decodeFeeHistory.js';
import { decodeLogs } from './decodeLog.js';
import { address, DecodeError, hash32, hexData, quantity } from './decodePrimitives.js';

describe('decode primitives', () => {
  it('quantity(hex(n)) is n for every 256-bit value, upper or lower case', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.boolean(), (n, upper) => {
        const digits = n.toString(16);
        expect(quantity(`0x${upper ? digits.toUpperCase() : digits}`, 'q')).toBe(n);
      }),
    );
  });

  it.each([['0x'], ['0xZZ'], ['12'], [12], [null], ['0x-1'], [`0x1${'0'.repeat(64)}`], [' 0x1']])(
    'quantity rejects %j',
    (v) => {
      expect(() => quantity(v, 'x.y')).toThrow(DecodeError);
      expect(() => quantity(v, 'x.y')).toThrow(/^x\.y is not a hex quantity/);
    },
  );

  it('lowercases hashes, addresses and data, and checks their length', () => {
    expect(hash32(`0x${'AB'.repeat(32)}`, 'h')).toBe(`0x${'ab'.repeat(32)}`);
    expect(address(`0x${'CD'.repeat(20)}`, 'a')).toBe(`0x${'cd'.repeat(20)}`);
    expect(hexData('0xABCD', 'd')).toBe('0xabcd');
    expect(hexData('0x', 'd')).toBe('0x');
    expect(() => hash32(`0x${'ab'.repeat(31)}`, 'h')).toThrow(DecodeError);
    expect(() => address(`0x${'cd'.repeat(21)}`, 'a')).toThrow(DecodeError);
    expect(() => hexData('0xabc', 'd')).toThrow(DecodeError);
  });
});

describe('decodeLogs', () => {
  const log = (block: number, index: number) => ({
    address: `0x${'11'.repeat(20)}`,
    topics: [`0x${'22'.repeat(32)}`],
    data: '0x',
    blockNumber: `0x${block.toString(16)}`,
    blockHash: `0x${'33'.repeat(32)}`,
    transactionHash: `0x${'44'.repeat(32)}`,
    transactionIndex: '0x0',
    logIndex: `0x${index.toString(16)}`,
  });

  it('returns logs in chain order', () => {
    const logs = decodeLogs([log(5, 1), log(4, 9), log(5, 0)], 0n, 10n);
    expect(logs.map((l) => [l.blockNumber, l.logIndex])).toEqual([
      [4n, 9],
      [5n, 0],
      [5n, 1],
    ]);
    expect(logs[0]!.removed).toBe(false);
  });

  it('rejects duplicates, pending logs and more than four topics', () => {
    expect(() => decodeLogs([log(5, 1), log(5, 1)])).toThrow(/twice/);
    expect(() => decodeLogs([{ ...log(5, 1), blockNumber: null }])).toThrow(/blockNumber/);
    expect(() => decodeLogs([{ ...log(5, 1), topics: Array(5).fill(`0x${'22'.repeat(32)}`) }])).toThrow(
      /max 4/,
    );
  });

  it('names the log and field that is wrong, and what was wrong with it', () => {
    const bad = [log(1, 0), log(1, 1), { ...log(1, 2), topics: [`0x${'22'.repeat(32)}`, '0x12'] }];
    expect(() => decodeLogs(bad)).toThrow('logs[2].topics[1] is not a 32-byte hash (got "0x12")');
    expect(() => decodeLogs([log(1, 0), { ...log(1, 1), address: 'nope' }])).toThrow(
      'logs[1].address is not an address (got "nope")',
    );
    expect(() => decodeLogs([7])).toThrow('logs[0] is not an object (got 7)');
  });
});

describe('decodeFeeHistory', () => {
  it('checks lengths against the request', () => {
    const ok = { oldestBlock: '0x1', baseFeePerGas: ['0x1', '0x2'], gasUsedRatio: [0.1], reward: [['0x1']] };
    expect(decodeFeeHistory(ok, 1).reward).toEqual([[1n]]);
    expect(() => decodeFeeHistory({ ...ok, baseFeePerGas: ['0x1'] }, 1)).toThrow(/expected one more/);
    expect(() => decodeFeeHistory({ ...ok, reward: [['0x1', '0x2']] }, 1)).toThrow(/percentiles/);
    expect(() => decodeFeeHistory({ ...ok, gasUsedRatio: ['0.1'] }, 1)).toThrow(/non-negative number/);
    expect(decodeFeeHistory({ ...ok, reward: undefined }, 0).reward).toBeNull();
  });
});
