/** A log as the indexer stores it: lowercase hex, numbers as numbers/bigint. */
export type RawLog = {
  address: string;
  topics: readonly string[];
  data: string;
  blockNumber: bigint;
  logIndex: number;
  transactionHash: string;
};

export type Erc20Transfer = {
  blockNumber: bigint;
  logIndex: number;
  txHash: string;
  token: string;
  from: string;
  to: string;
  value: bigint;
};

export type Erc20Approval = {
  blockNumber: bigint;
  logIndex: number;
  txHash: string;
  token: string;
  owner: string;
  spender: string;
  value: bigint;
};

export type NftTransfer = {
  blockNumber: bigint;
  logIndex: number;
  /** Position inside a TransferBatch (0 otherwise). */
  batchIndex: number;
  txHash: string;
  token: string;
  standard: 'erc721' | 'erc1155';
  operator: string | null;
  from: string;
  to: string;
  tokenId: bigint;
  amount: bigint;
};

export type DecodedLogs = {
  erc20Transfers: Erc20Transfer[];
  erc20Approvals: Erc20Approval[];
  nftTransfers: NftTransfer[];
  /** Logs with a known topic but a shape no standard has (left out, counted). */
  malformed: number;
};

/** keccak256 of the event signatures. */
export const TOPICS = {
  /** Transfer(address,address,uint256): ERC-20 (2 indexed + data) and ERC-721 (3 indexed). */
  transfer: '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef',
  /** Approval(address,address,uint256): ERC-20 (data) and ERC-721 (tokenId indexed). */
  approval: '0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925',
  /** TransferSingle(address,address,address,uint256,uint256). */
  transferSingle: '0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62',
  /** TransferBatch(address,address,address,uint256[],uint256[]). */
  transferBatch: '0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb',
} as const;

/** The topics the indexer asks `eth_getLogs` for (any of them in position 0). */
export const INDEXED_TOPICS: readonly string[] = Object.values(TOPICS);

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

export { ZERO_ADDRESS };

const HEX_WORD = /^0x[0-9a-f]{64}$/;

/** The address in an indexed topic (the low 20 bytes), or null if the topic is not one. */
function topicAddress(topic: string | undefined): string | null {
  if (topic === undefined) return null;
  const t = topic.toLowerCase();
  if (!HEX_WORD.test(t) || !t.startsWith('0x000000000000000000000000')) return null;
  return `0x${t.slice(26)}`;
}

function word(data: string, i: number): bigint | null {
  const start = 2 + i * 64;
  if (data.length < start + 64) return null;
  const w = data.slice(start, start + 64);
  return /^[0-9a-fA-F]{64}$/.test(w) ? BigInt(`0x${w}`) : null;
}

/** Decode an ABI `uint256[]` at byte `offset` of `data` (hex with 0x). */
function uintArray(data: string, offset: bigint): bigint[] | null {
  if (offset % 32n !== 0n) return null;
  const at = Number(offset / 32n);
  const n = word(data, at);
  if (n === null || n > 10_000n) return null;
  const out: bigint[] = [];
  for (let k = 0; k < Number(n); k++) {
    const v = word(data, at + 1 + k);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

/**
 * Turn raw logs into token transfers and approvals: ERC-20 `Transfer`/`Approval` (two indexed
 * addresses, the amount in data), ERC-721 `Transfer` (token id as the third topic; its
 * `Approval` is not an allowance and is skipped), ERC-1155 `TransferSingle`/`TransferBatch`.
 * Pure: the same code runs on live logs and on files of historical transfers. A log whose
 * shape fits no standard is counted in `malformed` and otherwise ignored, never guessed at.
 * @example decodeLogs(await rpc.getLogs({ fromBlock, toBlock, topics: [INDEXED_TOPICS] }))
 */
export function decodeLogs(logs: readonly RawLog[]): DecodedLogs {
  const out: DecodedLogs = { erc20Transfers: [], erc20Approvals: [], nftTransfers: [], malformed: 0 };
  for (const log of logs) {
    const t0 = log.topics[0]?.toLowerCase();
    const token = log.address.toLowerCase();
    const data = log.data.toLowerCase();
    const base = {
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      txHash: log.transactionHash.toLowerCase(),
      token,
    };
    if (t0 === TOPICS.transfer) {
      const from = topicAddress(log.topics[1]);
      const to = topicAddress(log.topics[2]);
      if (from === null || to === null) {
        out.malformed++;
        continue;
      }
      if (log.topics.length === 3 && data.length === 66) {
        out.erc20Transfers.push({ ...base, from, to, value: word(data, 0)! });
      } else if (
        log.topics.length === 4 &&
        (data === '0x' || data === '') &&
        HEX_WORD.test(log.topics[3]!.toLowerCase())
      ) {
        out.nftTransfers.push({
          ...base,
          batchIndex: 0,
          standard: 'erc721',
          operator: null,
          from,
          to,
          tokenId: BigInt(log.topics[3]!),
          amount: 1n,
        });
      } else out.malformed++;
    } else if (t0 === TOPICS.approval) {
      const owner = topicAddress(log.topics[1]);
      const spender = topicAddress(log.topics[2]);
      if (owner === null || spender === null) {
        out.malformed++;
        continue;
      }
      // ERC-721 approvals (4 topics) approve one token id, not an amount: not an allowance.
      if (log.topics.length === 3 && data.length === 66)
        out.erc20Approvals.push({ ...base, owner, spender, value: word(data, 0)! });
      else if (log.topics.length !== 4) out.malformed++;
    } else if (t0 === TOPICS.transferSingle || t0 === TOPICS.transferBatch) {
      const operator = topicAddress(log.topics[1]);
      const from = topicAddress(log.topics[2]);
      const to = topicAddress(log.topics[3]);
      if (operator === null || from === null || to === null || log.topics.length !== 4) {
        out.malformed++;
        continue;
      }
      if (t0 === TOPICS.transferSingle) {
        const id = word(data, 0);
        const amount = word(data, 1);
        if (id === null || amount === null || data.length !== 130) {
          out.malformed++;
          continue;
        }
        out.nftTransfers.push({
          ...base,
          batchIndex: 0,
          standard: 'erc1155',
          operator,
          from,
          to,
          tokenId: id,
          amount,
        });
      } else {
        const idsAt = word(data, 0);
        const amountsAt = word(data, 1);
        const ids = idsAt === null ? null : uintArray(data, idsAt);
        const amounts = amountsAt === null ? null : uintArray(data, amountsAt);
        if (!ids || !amounts || ids.length !== amounts.length) {
          out.malformed++;
          continue;
        }
        ids.forEach((id, k) => {
          out.nftTransfers.push({
            ...base,
            batchIndex: k,
            standard: 'erc1155',
            operator,
            from,
            to,
            tokenId: id,
            amount: amounts[k]!,
          });
        });
      }
    }
  }
  return out;
}

/**
 * Net balance change per holder and token from ERC-20 transfers (the zero address, which mints
 * come from and burns go to, is not a holder and is left out; a transfer to oneself changes
 * nothing), keyed holder → token → delta: no key is built per transfer, and the store's balance
 * upsert wants this order.
 * @example holderDeltas(decoded.erc20Transfers).get(holder)?.get(token) // 5n
 */
export function holderDeltas(
  transfers: readonly Pick<Erc20Transfer, 'token' | 'from' | 'to' | 'value'>[],
): Map<string, Map<string, bigint>> {
  const out = new Map<string, Map<string, bigint>>();
  const add = (holder: string, token: string, v: bigint) => {
    let m = out.get(holder);
    if (m === undefined) {
      m = new Map();
      out.set(holder, m);
    }
    const was = m.get(token);
    m.set(token, was === undefined ? v : was + v);
  };
  for (const t of transfers) {
    if (t.from === t.to) continue;
    if (t.from !== ZERO_ADDRESS) add(t.from, t.token, -t.value);
    if (t.to !== ZERO_ADDRESS) add(t.to, t.token, t.value);
  }
  return out;
}

/**
 * Net balance change per `token|holder` (the flat form of `holderDeltas`).
 * @example balanceDeltas(decoded.erc20Transfers).get(`${token}|${holder}`) // 5n
 */
export function balanceDeltas(transfers: readonly Erc20Transfer[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [holder, byToken] of holderDeltas(transfers))
    for (const [token, v] of byToken) out.set(`${token}|${holder}`, v);
  return out;
}
