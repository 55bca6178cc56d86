import { createHash } from 'node:crypto';
import { type RawLog, TOPICS } from '../../src/chain/derive/decodeLogs.js';
import type { IndexerBlock, IndexerRpc, LogChunk } from '../../src/chain/indexer/types.js';

/**
 * An in-memory chain for indexer tests: blocks of ERC-20 transfers of one token, reorgs that
 * replace the tip, and `eth_getLogs` in fixed chunks.
 */

export const pad = (a: string) => `0x${a.slice(2).padStart(64, '0')}`;
export const uint = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}`;
export const addr = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;
export const TOKEN = addr(0xaaaa);
export const ZERO = addr(0);

export type FakeBlock = IndexerBlock & { logs: RawLog[] };

/** An in-memory chain: blocks of transfers, with reorgs that replace the tip. */
export class FakeChain implements IndexerRpc {
  blocks: FakeBlock[] = [];
  chunk = 7n;
  constructor(private seed: string) {
    this.push(0, []);
  }
  private hash(n: number, salt: string) {
    return `0x${createHash('sha256').update(`${this.seed}|${n}|${salt}`).digest('hex')}`;
  }
  /** Append a block whose transfers are [from, to, value] (from 0 = a mint). */
  push(salt: number | string, transfers: [number, number, bigint][]) {
    const n = this.blocks.length;
    const hash = this.hash(n, String(salt));
    const logs: RawLog[] = transfers.map(([f, t, v], i) => ({
      address: TOKEN,
      topics: [TOPICS.transfer, pad(addr(f)), pad(addr(t))],
      data: uint(v),
      blockNumber: BigInt(n),
      logIndex: i,
      transactionHash: this.hash(n, `${salt}|tx${i}`),
    }));
    this.blocks.push({
      number: BigInt(n),
      hash,
      parentHash: n === 0 ? `0x${'0'.repeat(64)}` : this.blocks[n - 1]!.hash,
      timestamp: BigInt(1_700_000_000 + n * 12),
      gasUsed: 21_000n,
      baseFeePerGas: 1n,
      txCount: logs.length,
      logs,
    });
  }
  /** Drop the last `depth` blocks (a reorg then pushes the new branch). */
  drop(depth: number) {
    this.blocks.length -= depth;
  }
  async blockNumber() {
    return BigInt(this.blocks.length - 1);
  }
  async getBlock(n: bigint) {
    const b = this.blocks[Number(n)];
    if (!b) return null;
    const { logs: _logs, ...header } = b;
    return header;
  }
  async *getLogs(r: { fromBlock: bigint; toBlock: bigint }): AsyncIterable<LogChunk> {
    for (let a = r.fromBlock; a <= r.toBlock; a += this.chunk) {
      const z = a + this.chunk - 1n < r.toBlock ? a + this.chunk - 1n : r.toBlock;
      const logs = this.blocks
        .slice(Number(a), Number(z) + 1)
        .flatMap((b) => b.logs.map((l) => ({ ...l, blockHash: b.hash })));
      yield { fromBlock: a, toBlock: z, logs };
    }
  }
  async createdContract() {
    return null;
  }
  async call(): Promise<string> {
    throw new Error('no contract here');
  }
}

/** Deterministic transfers among 12 accounts. */
export function transfersFor(n: number, salt: number): [number, number, bigint][] {
  const out: [number, number, bigint][] = [];
  for (let k = 0; k < 3; k++) {
    const from = (n * 7 + k * 3 + salt) % 13; // 0 = mint
    const to = ((n * 5 + k + salt) % 12) + 1;
    out.push([from, to, BigInt(((n + 1) * (k + 2) * 1000 + salt) % 5000)]);
  }
  return out;
}
