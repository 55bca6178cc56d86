import type { Queryable } from '../../db/index.js';
import { NotFoundError } from '../../internal/errors.js';
import type { ContractCreation } from '../store/chainStore.js';
import { asOfJson, chainAsOf, isoTime, SECONDS_PER_DAY } from './chainAsOf.js';

/**
 * Finds the creation of a contract the index has not seen (e.g. by bisecting `eth_getCode` over
 * an RPC node); null when it is not a contract. Whatever it returns is served as `source: lookup`.
 */
export type ContractLookup = (chainId: number, address: string) => Promise<ContractCreation | null>;

export type ContractAge = {
  chainId: number;
  asOf: { block: string; timestamp: string | null };
  address: string;
  creation: { block: string; timestamp: string | null; txHash: string | null; creator: string | null };
  /** Days from creation to the checkpoint's block time (fractional); null when a time is unknown. */
  ageDays: number | null;
  source: 'index' | 'lookup';
};

/**
 * When a contract was created (block, time, transaction, creator) and its age at the checkpoint,
 * from `chain_contracts`, else from `lookup` when given. Throws `NotFoundError` (404) when
 * neither knows the address.
 * @example await contractAge(db, 1, '0xa0b8…eb48', rpcLookup)
 */
export async function contractAge(
  db: Queryable,
  chainId: number,
  address: string,
  lookup?: ContractLookup,
): Promise<ContractAge> {
  const asOf = await chainAsOf(db, chainId);
  const rows = await db.query<{
    block: string;
    created_at: string | null;
    tx_hash: string | null;
    creator: string | null;
  }>(
    `select block_number::text as block, created_at::text, tx_hash, creator from chain_contracts
      where chain_id = $1 and address = $2`,
    [chainId, address],
  );
  let creation: ContractCreation | null = rows[0]
    ? {
        address,
        blockNumber: BigInt(rows[0].block),
        createdAt: rows[0].created_at === null ? null : BigInt(rows[0].created_at),
        txHash: rows[0].tx_hash,
        creator: rows[0].creator,
      }
    : null;
  const source = creation ? 'index' : 'lookup';
  if (!creation && lookup) creation = await lookup(chainId, address);
  if (!creation) throw new NotFoundError(`no contract creation of ${address} is known on chain ${chainId}`);
  const created = creation.createdAt === null ? null : Number(creation.createdAt);
  return {
    chainId,
    asOf: asOfJson(asOf),
    address,
    creation: {
      block: creation.blockNumber.toString(),
      timestamp: isoTime(created),
      txHash: creation.txHash,
      creator: creation.creator,
    },
    ageDays:
      created === null || asOf.timestamp === null
        ? null
        : Math.max(0, asOf.timestamp - created) / SECONDS_PER_DAY,
    source,
  };
}
