import type { Hex } from 'viem';
import {
  address,
  array,
  DecodeError,
  hash32,
  hexData,
  object,
  quantity,
  smallQuantity,
} from './decodePrimitives.js';
import type { RpcLog } from './types.js';

// EVM LOG0..LOG4: never more than four topics.
const MAX_TOPICS = 4;
const TOPIC_PATHS = ['.topics[0]', '.topics[1]', '.topics[2]', '.topics[3]'];

/**
 * Decode and validate one log of `eth_getLogs` or of a receipt. A pending log (null block number
 * or hash) is rejected: the indexer only reads mined blocks.
 * @example decodeLog(raw, 'logs[0]').blockNumber // 19000000n
 */
export function decodeLog(raw: unknown, path: string | (() => string)): RpcLog {
  // Paths name the field only when something is wrong: building them for every field of every
  // log was a good share of the allocations of a 10,000-log answer.
  try {
    const o = object(raw, '');
    const topics = array(o.topics, '.topics');
    if (topics.length > MAX_TOPICS) throw new DecodeError('.topics', `has ${topics.length} entries (max 4)`);
    if (o.removed !== undefined && typeof o.removed !== 'boolean')
      throw new DecodeError('.removed', 'is not a boolean');
    const decodedTopics = new Array<Hex>(topics.length);
    for (let i = 0; i < topics.length; i++) decodedTopics[i] = hash32(topics[i], TOPIC_PATHS[i]!);
    return {
      address: address(o.address, '.address'),
      topics: decodedTopics,
      data: hexData(o.data, '.data'),
      blockNumber: quantity(o.blockNumber, '.blockNumber'),
      blockHash: hash32(o.blockHash, '.blockHash'),
      transactionHash: hash32(o.transactionHash, '.transactionHash'),
      transactionIndex: smallQuantity(o.transactionIndex, '.transactionIndex'),
      logIndex: smallQuantity(o.logIndex, '.logIndex'),
      removed: o.removed === true,
    };
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    const at = typeof path === 'string' ? path : path();
    throw new DecodeError(`${at}${err.path}`, err.message.slice(err.path.length + 1));
  }
}

/**
 * Decode an `eth_getLogs` answer: a list of logs, returned in chain order (block, then log index).
 * With numeric bounds, a log outside [fromBlock, toBlock] or a log listed twice (same block and
 * log index) is malformed: passing it on would index a wrong or doubled event.
 * @example decodeLogs(raw, 100n, 199n)
 */
export function decodeLogs(raw: unknown, fromBlock?: bigint, toBlock?: bigint): RpcLog[] {
  const logs = array(raw, 'logs').map((l, i) => decodeLog(l, () => `logs[${i}]`));
  logs.forEach((l, i) => {
    if (
      (fromBlock !== undefined && l.blockNumber < fromBlock) ||
      (toBlock !== undefined && l.blockNumber > toBlock)
    )
      throw new DecodeError(`logs[${i}].blockNumber`, `is ${l.blockNumber}, outside the range asked for`);
  });
  logs.sort((x, y) =>
    x.blockNumber === y.blockNumber ? x.logIndex - y.logIndex : x.blockNumber < y.blockNumber ? -1 : 1,
  );
  for (let i = 1; i < logs.length; i++) {
    const prev = logs[i - 1]!;
    const cur = logs[i]!;
    if (prev.blockNumber === cur.blockNumber && prev.logIndex === cur.logIndex)
      throw new DecodeError('logs', `list block ${cur.blockNumber} log ${cur.logIndex} twice`);
  }
  return logs;
}
