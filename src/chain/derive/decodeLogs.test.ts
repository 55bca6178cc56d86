import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAbiParameters, keccak256, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../../test/helpers.js';
import { balanceDeltas, decodeLogs, type RawLog, TOPICS, ZERO_ADDRESS } from './decodeLogs.js';

const pad = (a: string) => `0x${a.slice(2).padStart(64, '0')}`;
const uint = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}`;
const A = '0x1111111111111111111111111111111111111111';
const B = '0x2222222222222222222222222222222222222222';
const T = '0x3333333333333333333333333333333333333333';
const log = (topics: string[], data: string, logIndex = 0): RawLog => ({
  address: T,
  topics,
  data,
  blockNumber: 10n,
  logIndex,
  transactionHash: `0x${'ab'.repeat(32)}`,
});

describe('decodeLogs', () => {
  it('has the right event topics', () => {
    const sig = (s: string) => keccak256(toHex(s));
    expect(TOPICS.transfer).toBe(sig('Transfer(address,address,uint256)'));
    expect(TOPICS.approval).toBe(sig('Approval(address,address,uint256)'));
    expect(TOPICS.transferSingle).toBe(sig('TransferSingle(address,address,address,uint256,uint256)'));
    expect(TOPICS.transferBatch).toBe(sig('TransferBatch(address,address,address,uint256[],uint256[])'));
  });

  it('tells ERC-20 from ERC-721 transfers and approvals, and decodes ERC-1155 batches', () => {
    const batchData = encodeAbiParameters(
      [{ type: 'uint256[]' }, { type: 'uint256[]' }],
      [
        [1n, 2n, 3n],
        [10n, 20n, 30n],
      ],
    );
    const d = decodeLogs([
      log([TOPICS.transfer, pad(A), pad(B)], uint(5n), 0),
      log([TOPICS.transfer, pad(A), pad(B), uint(42n)], '0x', 1),
      log([TOPICS.approval, pad(A), pad(B)], uint(2n ** 256n - 1n), 2),
      log([TOPICS.approval, pad(A), pad(B), uint(42n)], '0x', 3), // ERC-721 approval: skipped
      log([TOPICS.transferSingle, pad(A), pad(ZERO_ADDRESS), pad(B)], `${uint(7n)}${uint(3n).slice(2)}`, 4),
      log([TOPICS.transferBatch, pad(A), pad(A), pad(B)], batchData, 5),
      log([TOPICS.transfer, pad(A)], uint(5n), 6), // too few topics
      log([TOPICS.transfer, `0x${'ff'.repeat(32)}`, pad(B)], uint(5n), 7), // not an address
      log([TOPICS.transferBatch, pad(A), pad(A), pad(B)], '0x1234', 8), // truncated data
    ]);
    expect(d.erc20Transfers).toEqual([
      expect.objectContaining({ token: T, from: A, to: B, value: 5n, logIndex: 0 }),
    ]);
    expect(d.erc20Approvals).toEqual([
      expect.objectContaining({ owner: A, spender: B, value: 2n ** 256n - 1n, logIndex: 2 }),
    ]);
    expect(d.nftTransfers.map((n) => [n.standard, n.tokenId, n.amount, n.batchIndex])).toEqual([
      ['erc721', 42n, 1n, 0],
      ['erc1155', 7n, 3n, 0],
      ['erc1155', 1n, 10n, 0],
      ['erc1155', 2n, 20n, 1],
      ['erc1155', 3n, 30n, 2],
    ]);
    expect(d.malformed).toBe(3);
  });

  it('nets balance changes, leaving out the zero address and self-transfers', () => {
    const d = decodeLogs([
      log([TOPICS.transfer, pad(ZERO_ADDRESS), pad(A)], uint(100n), 0),
      log([TOPICS.transfer, pad(A), pad(B)], uint(30n), 1),
      log([TOPICS.transfer, pad(B), pad(B)], uint(30n), 2),
      log([TOPICS.transfer, pad(B), pad(ZERO_ADDRESS)], uint(10n), 3),
    ]);
    expect(Object.fromEntries(balanceDeltas(d.erc20Transfers))).toEqual({
      [`${T}|${A}`]: 70n,
      [`${T}|${B}`]: 20n,
    });
  });
});

const FILE = join(SHARED_DATA, 'erc20-transfers-ethritch', 'token_transfers.csv');

describe.runIf(!existsSync(FILE))('real mainnet transfers', () => {
  it.skip(`skipped: ${FILE} not found`, () => {});
});

describe.runIf(existsSync(FILE))('the 8,817 real mainnet transfers (ethereum-etl export)', () => {
  it('decode as logs into balances equal to a plain summation of the file (bigint, exact)', () => {
    const lines = readFileSync(FILE, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe(
      'token_address,from_address,to_address,value,transaction_hash,log_index,block_number',
    );
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(8817);
    // The rows as the node would return them: Transfer logs with the amount in data.
    const logs: RawLog[] = rows.map(([token, from, to, value, tx, logIndex, block]) => ({
      address: token!,
      topics: [TOPICS.transfer, pad(from!), pad(to!)],
      data: uint(BigInt(value!)),
      blockNumber: BigInt(block!),
      logIndex: Number(logIndex),
      transactionHash: tx!,
    }));
    const decoded = decodeLogs(logs);
    expect(decoded.malformed).toBe(0);
    expect(decoded.erc20Transfers).toHaveLength(8817);
    // Independent: straight from the CSV columns.
    const expected = new Map<string, bigint>();
    for (const [token, from, to, value] of rows) {
      const v = BigInt(value!);
      if (from === to) continue;
      if (from !== ZERO_ADDRESS)
        expected.set(`${token}|${from}`, (expected.get(`${token}|${from}`) ?? 0n) - v);
      if (to !== ZERO_ADDRESS) expected.set(`${token}|${to}`, (expected.get(`${token}|${to}`) ?? 0n) + v);
    }
    const got = balanceDeltas(decoded.erc20Transfers);
    expect(got.size).toBe(expected.size);
    for (const [k, v] of expected) expect(got.get(k), k).toBe(v);
  });
});
