import { type Static, Type } from '@sinclair/typebox';
import { NotFoundError, UpstreamUnavailableError } from '../internal/errors.js';
import { defineOperation } from './operation.js';

/** Reward percentiles asked of `eth_feeHistory`. */
export const FEE_PERCENTILES = [10, 25, 50, 75, 90] as const;

const Fee = Type.String({ description: 'wei, decimal string' });
const Percentiles = Type.Object({
  p10: Fee,
  p25: Fee,
  p50: Fee,
  p75: Fee,
  p90: Fee,
});

const GasSchema = Type.Object({
  chainId: Type.Integer(),
  oldestBlock: Type.String(),
  newestBlock: Type.String(),
  blocks: Type.Array(
    Type.Object({
      number: Type.String(),
      baseFee: Fee,
      gasUsedRatio: Type.Number(),
      priorityFee: Type.Object(Percentiles.properties, {
        description: 'Percentiles of the priority fees paid in the block, weighted by gas',
      }),
    }),
  ),
  hours: Type.Array(
    Type.Object({
      hour: Type.String({ format: 'date-time', description: 'UTC hour (block times interpolated)' }),
      blocks: Type.Integer(),
      baseFee: Type.Object(Percentiles.properties, { description: 'Percentiles of the blocks’ base fees' }),
      priorityFeeMedian: Type.Object(Percentiles.properties, {
        description: 'Percentiles across the blocks of each block’s median priority fee',
      }),
    }),
  ),
  nextBaseFee: Fee,
  suggestedPriorityFee: Type.String({
    description: 'Median of the recent blocks’ median priority fee (wei)',
  }),
  source: Type.String(),
  asOf: Type.String({ format: 'date-time' }),
});

function percentile(sorted: readonly bigint[], p: number): bigint {
  if (sorted.length === 0) return 0n;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function pctObject(values: readonly bigint[]): Static<typeof Percentiles> {
  const s = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    p10: percentile(s, 10).toString(),
    p25: percentile(s, 25).toString(),
    p50: percentile(s, 50).toString(),
    p75: percentile(s, 75).toString(),
    p90: percentile(s, 90).toString(),
  };
}

export const getChainGas = defineOperation({
  id: 'getChainGas',
  method: 'GET',
  path: '/chains/{chainId}/gas',
  summary: 'Base fee and priority fee percentiles per block and per hour',
  description: [
    'From the node’s `eth_feeHistory` over the last `blocks` blocks (at most 1024): each block’s base fee, gas used',
    'ratio and the 10th–90th percentiles of the priority fees paid (weighted by gas), the same grouped by UTC hour,',
    'the next block’s base fee and a suggested priority fee (the median of the blocks’ medians). Hourly groups use',
    'block times interpolated between the oldest and newest block of the window. Amounts in wei as decimal strings.',
  ].join(' '),
  tags: ['onchain'],
  params: Type.Object({ chainId: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) }),
  query: Type.Object({ blocks: Type.Integer({ minimum: 1, maximum: 1024, default: 100 }) }),
  response: Type.Object(GasSchema.properties, {
    examples: [
      {
        chainId: 1,
        oldestBlock: '22800000',
        newestBlock: '22800001',
        blocks: [
          {
            number: '22800001',
            baseFee: '1523000000',
            gasUsedRatio: 0.48,
            priorityFee: {
              p10: '10000000',
              p25: '50000000',
              p50: '100000000',
              p75: '1000000000',
              p90: '2000000000',
            },
          },
        ],
        hours: [
          {
            hour: '2025-06-28T12:00:00.000Z',
            blocks: 2,
            baseFee: {
              p10: '1500000000',
              p25: '1500000000',
              p50: '1500000000',
              p75: '1523000000',
              p90: '1523000000',
            },
            priorityFeeMedian: {
              p10: '100000000',
              p25: '100000000',
              p50: '100000000',
              p75: '100000000',
              p90: '100000000',
            },
          },
        ],
        nextBaseFee: '1490000000',
        suggestedPriorityFee: '100000000',
        source: 'eth_feeHistory',
        asOf: '2025-06-28T12:00:24.000Z',
      },
    ],
  }),
  auth: { anonymous: true, scope: 'read' },
  cache: { maxAgeSeconds: 6, visibility: 'public' },
  async handler({ params, query }, { services }) {
    const rpc = services.chainRpc(params.chainId);
    if (!rpc) throw new NotFoundError(`chain ${params.chainId} is not configured (CHAINS)`);
    let h: Awaited<ReturnType<typeof rpc.rpc.feeHistory>>;
    let newest: Awaited<ReturnType<typeof rpc.getBlock>>;
    let oldest: Awaited<ReturnType<typeof rpc.getBlock>>;
    try {
      h = await rpc.rpc.feeHistory(query.blocks, 'latest', FEE_PERCENTILES);
      const n = h.gasUsedRatio.length;
      [oldest, newest] = await Promise.all([
        rpc.getBlock(h.oldestBlock, false),
        rpc.getBlock(h.oldestBlock + BigInt(Math.max(0, n - 1)), false),
      ]);
    } catch (err) {
      throw new UpstreamUnavailableError(
        `chain ${params.chainId}: the RPC node did not answer eth_feeHistory (${(err as Error).name})`,
      );
    }
    const n = h.gasUsedRatio.length;
    const blocks = h.gasUsedRatio.map((ratio, i) => {
      const reward = h.reward?.[i] ?? [];
      return {
        number: (h.oldestBlock + BigInt(i)).toString(),
        baseFee: (h.baseFeePerGas[i] ?? 0n).toString(),
        gasUsedRatio: ratio,
        priorityFee: {
          p10: (reward[0] ?? 0n).toString(),
          p25: (reward[1] ?? 0n).toString(),
          p50: (reward[2] ?? 0n).toString(),
          p75: (reward[3] ?? 0n).toString(),
          p90: (reward[4] ?? 0n).toString(),
        },
      };
    });
    // Interpolated block times → UTC hours.
    const t0 = Number(oldest?.timestamp ?? 0n);
    const t1 = Number(newest?.timestamp ?? BigInt(t0));
    const perBlock = n > 1 ? (t1 - t0) / (n - 1) : 0;
    const groups = new Map<number, { base: bigint[]; med: bigint[] }>();
    blocks.forEach((b, i) => {
      const hour = Math.floor((t0 + perBlock * i) / 3600) * 3600;
      const g = groups.get(hour) ?? { base: [], med: [] };
      g.base.push(BigInt(b.baseFee));
      g.med.push(BigInt(b.priorityFee.p50));
      groups.set(hour, g);
    });
    const medians = blocks.map((b) => BigInt(b.priorityFee.p50)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      chainId: params.chainId,
      oldestBlock: h.oldestBlock.toString(),
      newestBlock: (h.oldestBlock + BigInt(Math.max(0, n - 1))).toString(),
      blocks,
      hours: [...groups].map(([hour, g]) => ({
        hour: new Date(hour * 1000).toISOString(),
        blocks: g.base.length,
        baseFee: pctObject(g.base),
        priorityFeeMedian: pctObject(g.med),
      })),
      nextBaseFee: (h.baseFeePerGas[n] ?? h.baseFeePerGas[n - 1] ?? 0n).toString(),
      suggestedPriorityFee: percentile(medians, 50).toString(),
      source: 'eth_feeHistory',
      asOf: new Date(t1 * 1000).toISOString(),
    };
  },
});
