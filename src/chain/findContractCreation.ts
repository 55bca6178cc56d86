import type { Hex } from 'viem';
import type { ChainRpc } from './rpc/index.js';
import type { ContractCreation } from './store/chainStore.js';

/** At most this many `eth_getCode` calls per lookup (2^40 blocks: any chain). */
const MAX_STEPS = 40;

/**
 * When a contract was created, found by bisecting `eth_getCode` over block heights (the first
 * block at which the address has code): works for contracts created by other contracts, which
 * receipts do not show, at ~log2(head) calls. Needs a node that serves historical state
 * (archive, or anvil); null when the address has no code at the head. The transaction and
 * creator are not known this way (null).
 * @example await findContractCreation(rpc, '0xa0b8…eb48')
 */
export async function findContractCreation(rpc: ChainRpc, address: string): Promise<ContractCreation | null> {
  const head = await rpc.blockNumber();
  const hasCode = async (block: bigint) => {
    const code = (await rpc.request('eth_getCode', [address, `0x${block.toString(16)}`])) as Hex;
    return typeof code === 'string' && code !== '0x' && code.length > 2;
  };
  if (!(await hasCode(head))) return null;
  let lo = 0n;
  let hi = head;
  for (let i = 0; i < MAX_STEPS && lo < hi; i++) {
    const mid = (lo + hi) / 2n;
    if (await hasCode(mid)) hi = mid;
    else lo = mid + 1n;
  }
  const block = await rpc.getBlock(hi);
  return {
    address: address.toLowerCase(),
    blockNumber: hi,
    createdAt: block ? block.timestamp : null,
    txHash: null,
    creator: null,
  };
}
