import { array, DecodeError, object, quantity } from './decodePrimitives.js';
import type { FeeHistory } from './types.js';

/**
 * Decode `eth_feeHistory` and check its shape against the request: `baseFeePerGas` has one entry
 * more than `gasUsedRatio` (the next block), and each `reward` row has one entry per percentile.
 * @example decodeFeeHistory(raw, 2).reward?.[0]?.[1]
 */
export function decodeFeeHistory(raw: unknown, percentileCount: number): FeeHistory {
  const o = object(raw, 'feeHistory');
  const gasUsedRatio = array(o.gasUsedRatio, 'feeHistory.gasUsedRatio').map((r, i) => {
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0)
      throw new DecodeError(`feeHistory.gasUsedRatio[${i}]`, 'is not a non-negative number');
    return r;
  });
  const baseFeePerGas = array(o.baseFeePerGas, 'feeHistory.baseFeePerGas').map((v, i) =>
    quantity(v, `feeHistory.baseFeePerGas[${i}]`),
  );
  // An empty history (blockCount answered with nothing) has empty lists on both sides.
  if (gasUsedRatio.length > 0 && baseFeePerGas.length !== gasUsedRatio.length + 1)
    throw new DecodeError(
      'feeHistory.baseFeePerGas',
      `has ${baseFeePerGas.length} entries for ${gasUsedRatio.length} blocks (expected one more)`,
    );
  let reward: bigint[][] | null = null;
  if (percentileCount > 0) {
    const rows = array(o.reward, 'feeHistory.reward');
    if (rows.length !== gasUsedRatio.length)
      throw new DecodeError('feeHistory.reward', `has ${rows.length} rows for ${gasUsedRatio.length} blocks`);
    reward = rows.map((row, i) => {
      const cells = array(row, `feeHistory.reward[${i}]`);
      if (cells.length !== percentileCount)
        throw new DecodeError(
          `feeHistory.reward[${i}]`,
          `has ${cells.length} entries for ${percentileCount} percentiles`,
        );
      return cells.map((v, j) => quantity(v, `feeHistory.reward[${i}][${j}]`));
    });
  }
  return {
    oldestBlock: quantity(o.oldestBlock, 'feeHistory.oldestBlock'),
    baseFeePerGas,
    gasUsedRatio,
    reward,
  };
}
