import { type Address, encodeFunctionData, type Hex, maxUint256 } from 'viem';
import { testMultiAbi, testNftAbi, testTokenAbi } from './contracts.js';

// Gas limits per transaction kind: generous (OpenZeppelin's paths cost 30-120k) so no transaction
// runs out, yet small enough that a block of 100-200 fits under anvil's 30M block gas limit.
const NATIVE_GAS = 21_000n;
const ERC20_GAS = 120_000n;
const ERC721_GAS = 150_000n;
const ERC1155_GAS = 150_000n;
const ERC1155_BATCH_GAS = 400_000n;
/** Upper bound for any tx gas in a plan: callers size the block gas budget with it. */
export const MAX_PLANNED_TX_GAS = ERC1155_BATCH_GAS;

// ERC-1155 ids are drawn from a small range so holders share ids (several holders per id).
const ERC1155_ID_COUNT = 10;
const ERC1155_BATCH_MAX_IDS = 4;
const NATIVE_MAX_WEI = 50_000_000_000_000_000n; // 0.05 ETH
// Tries at finding a feasible (sender, kind) before falling back to a native transfer.
const PICK_ATTEMPTS = 12;

/** Every kind of transaction the scenario sends. */
export type TxKind =
  | 'deploy'
  | 'factoryCreate'
  | 'native'
  | 'erc20Transfer'
  | 'erc20Approve'
  | 'erc20Revoke'
  | 'erc20TransferFrom'
  | 'erc20Mint'
  | 'erc721Mint'
  | 'erc721Transfer'
  | 'erc1155Mint'
  | 'erc1155MintBatch'
  | 'erc1155Transfer'
  | 'erc1155TransferBatch';

/** All kinds, in the order manifests list their counts. */
export const TX_KINDS: readonly TxKind[] = [
  'deploy',
  'factoryCreate',
  'native',
  'erc20Transfer',
  'erc20Approve',
  'erc20Revoke',
  'erc20TransferFrom',
  'erc20Mint',
  'erc721Mint',
  'erc721Transfer',
  'erc1155Mint',
  'erc1155MintBatch',
  'erc1155Transfer',
  'erc1155TransferBatch',
];

type ActivityKind = Exclude<TxKind, 'deploy' | 'factoryCreate'>;

// Relative frequencies. Infeasible picks (no balance, no allowance yet) fall through to others,
// so early blocks lean towards mints and native transfers.
const KIND_WEIGHTS: readonly (readonly [ActivityKind, number])[] = [
  ['native', 8],
  ['erc20Transfer', 24],
  ['erc20Approve', 8],
  ['erc20Revoke', 3],
  ['erc20TransferFrom', 10],
  ['erc20Mint', 7],
  ['erc721Mint', 6],
  ['erc721Transfer', 8],
  ['erc1155Mint', 5],
  ['erc1155MintBatch', 3],
  ['erc1155Transfer', 8],
  ['erc1155TransferBatch', 4],
];

/** One transaction of the plan: calldata is final; nonce and fees are the sender's business. */
export type PlannedTx = {
  kind: ActivityKind;
  /** Index into `PlanInput.senders`. */
  sender: number;
  to: Address;
  data: Hex;
  value: bigint;
  gas: bigint;
  /** The token contract the transaction touches, if any. */
  token?: Address;
};

/** What the planner needs to know about the chain it plans for. */
export type PlanInput = {
  seed: number;
  txCount: number;
  /** Most transactions in one block. */
  txsPerBlock: number;
  /** Most gas (sum of tx gas limits) in one block. */
  blockGasBudget: bigint;
  /** Accounts that send; also receive. */
  senders: readonly Address[];
  /** Addresses that only receive. */
  coldHolders: readonly Address[];
  erc20: readonly { address: Address; decimals: number }[];
  erc721: Address;
  erc1155: Address;
  /** ERC-20 balances before the plan (initial supplies), including zero ones worth watching. */
  initialErc20: readonly Erc20BalanceEntry[];
};

/** `balanceOf(holder)` of an ERC-20. */
export type Erc20BalanceEntry = { token: Address; holder: Address; balance: bigint };
/** `totalSupply()` of an ERC-20. */
export type Erc20SupplyEntry = { token: Address; totalSupply: bigint };
/** `allowance(owner, spender)` of an ERC-20. */
export type AllowanceEntry = { token: Address; owner: Address; spender: Address; allowance: bigint };
/** `ownerOf(id)` of an ERC-721. */
export type Erc721OwnerEntry = { token: Address; id: bigint; owner: Address };
/** `balanceOf(holder, id)` of an ERC-1155. */
export type Erc1155BalanceEntry = { token: Address; id: bigint; holder: Address; balance: bigint };

/**
 * Token state for every (token, holder), (token, owner, spender), ERC-721 id and
 * (ERC-1155 token, id, holder) the scenario touched, in first-touched order.
 */
export type ScenarioState = {
  erc20Balances: Erc20BalanceEntry[];
  erc20Supplies: Erc20SupplyEntry[];
  allowances: AllowanceEntry[];
  erc721Owners: Erc721OwnerEntry[];
  erc1155Balances: Erc1155BalanceEntry[];
};

/** Planned blocks of transactions and the token state they lead to. */
export type ScenarioPlan = { blocks: PlannedTx[][]; model: ScenarioState };

/** sfc32: a small, fast, seedable PRNG (the plan must not depend on Math.random). */
function createRng(seed: number): {
  next(): number;
  int(maxExclusive: number): number;
  big(maxInclusive: bigint): bigint;
  pick<T>(items: readonly T[]): T;
} {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const u32 = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 15; i++) u32();
  const int = (maxExclusive: number) => Math.floor((u32() / 0x1_0000_0000) * maxExclusive);
  return {
    next: () => u32() / 0x1_0000_0000,
    int,
    // Uniform enough for test amounts: 128 random bits reduced modulo the range.
    big: (maxInclusive) => {
      if (maxInclusive <= 0n) return 0n;
      let r = 0n;
      for (let i = 0; i < 4; i++) r = (r << 32n) | BigInt(u32());
      return r % (maxInclusive + 1n);
    },
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)]!;
    },
  };
}

const key2 = (a: string, b: string) => `${a}|${b}`;
const key3 = (a: string, b: string, c: string | bigint) => `${a}|${b}|${c}`;

/**
 * Plans `txCount` token and native transactions into blocks, deterministically from `seed`.
 *
 * Every transaction is valid in ANY order within its block: a sender only spends balances,
 * allowances and NFTs it held at the start of the block, funds received in a block become
 * spendable in the next, and an allowance or NFT id is touched at most once per block. So all
 * transactions succeed however the node orders them, and the end state is `model`.
 */
export function planScenario(input: PlanInput): ScenarioPlan {
  const rng = createRng(input.seed);
  const { senders } = input;
  const everyone = [...senders, ...input.coldHolders];
  const totalWeight = KIND_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const decimals = new Map(input.erc20.map((t) => [t.address, t.decimals]));

  // Committed state (as of the start of the current block), keyed in first-touched order.
  const erc20 = new Map<string, Erc20BalanceEntry>();
  const supplies = new Map<string, Erc20SupplyEntry>();
  const allowances = new Map<string, AllowanceEntry>();
  const nftOwners = new Map<string, Erc721OwnerEntry>();
  const erc1155 = new Map<string, Erc1155BalanceEntry>();
  for (const t of input.erc20) supplies.set(t.address, { token: t.address, totalSupply: 0n });
  for (const e of input.initialErc20) {
    erc20.set(key2(e.token, e.holder), { ...e });
    const s = supplies.get(e.token);
    if (s) s.totalSupply += e.balance;
  }
  let nextNftId = 1n;

  // Per-block bookkeeping: what was spent from committed state, and effects applied at block end.
  let spent20 = new Map<string, bigint>();
  let spent1155 = new Map<string, bigint>();
  let touched = new Set<string>();
  let deferred: (() => void)[] = [];

  const erc20Entry = (token: Address, holder: Address) => {
    const k = key2(token, holder);
    let e = erc20.get(k);
    if (!e) {
      e = { token, holder, balance: 0n };
      erc20.set(k, e);
    }
    return e;
  };
  const erc1155Entry = (id: bigint, holder: Address) => {
    const k = key3(input.erc1155, holder, id);
    let e = erc1155.get(k);
    if (!e) {
      e = { token: input.erc1155, id, holder, balance: 0n };
      erc1155.set(k, e);
    }
    return e;
  };
  const avail20 = (token: Address, holder: Address) =>
    (erc20.get(key2(token, holder))?.balance ?? 0n) - (spent20.get(key2(token, holder)) ?? 0n);
  const avail1155 = (id: bigint, holder: Address) =>
    (erc1155.get(key3(input.erc1155, holder, id))?.balance ?? 0n) -
    (spent1155.get(key3(input.erc1155, holder, id)) ?? 0n);

  const spend20 = (token: Address, from: Address, to: Address, amount: bigint) => {
    const k = key2(token, from);
    spent20.set(k, (spent20.get(k) ?? 0n) + amount);
    erc20Entry(token, from);
    const toEntry = erc20Entry(token, to);
    deferred.push(() => {
      erc20Entry(token, from).balance -= amount;
      toEntry.balance += amount;
    });
  };
  const spend1155 = (id: bigint, from: Address, to: Address, amount: bigint) => {
    const k = key3(input.erc1155, from, id);
    spent1155.set(k, (spent1155.get(k) ?? 0n) + amount);
    erc1155Entry(id, from);
    const toEntry = erc1155Entry(id, to);
    deferred.push(() => {
      erc1155Entry(id, from).balance -= amount;
      toEntry.balance += amount;
    });
  };
  const otherThan = (self: Address, pool: readonly Address[]) => {
    for (;;) {
      const a = rng.pick(pool);
      if (a !== self) return a;
    }
  };
  // A fraction in [1/1000, 1/2] of `amount`, at least 1 when `amount` > 0.
  const part = (amount: bigint) => {
    const p = (amount * BigInt(1 + rng.int(500))) / 1000n;
    return p === 0n && amount > 0n ? 1n : p;
  };
  const wholeUnits = (token: Address, max: number) =>
    BigInt(1 + rng.int(max)) * 10n ** BigInt(decimals.get(token) ?? 18) + rng.big(10n ** 6n);

  const builders: Record<ActivityKind, (s: number) => Omit<PlannedTx, 'sender' | 'kind'> | null> = {
    native: (s) => ({
      to: otherThan(senders[s]!, everyone),
      data: '0x',
      value: 1n + rng.big(NATIVE_MAX_WEI),
      gas: NATIVE_GAS,
    }),
    erc20Transfer: (s) => {
      const from = senders[s]!;
      const start = rng.int(input.erc20.length);
      for (let i = 0; i < input.erc20.length; i++) {
        const token = input.erc20[(start + i) % input.erc20.length]!.address;
        const avail = avail20(token, from);
        if (avail <= 0n) continue;
        const r = rng.next();
        // Edge cases an indexer must handle: zero-value transfers, emptied balances, self-transfers.
        const amount = r < 0.03 ? 0n : r < 0.1 ? avail : part(avail);
        const to = rng.next() < 0.01 ? from : otherThan(from, everyone);
        spend20(token, from, to, amount);
        return {
          to: token,
          token,
          data: encodeFunctionData({ abi: testTokenAbi, functionName: 'transfer', args: [to, amount] }),
          value: 0n,
          gas: ERC20_GAS,
        };
      }
      return null;
    },
    erc20Approve: (s) => {
      const owner = senders[s]!;
      const token = rng.pick(input.erc20).address;
      // Spenders are senders: only they can use an allowance later.
      const spender = otherThan(owner, senders);
      const k = key3(token, owner, spender);
      if (touched.has(k)) return null;
      touched.add(k);
      const amount = rng.next() < 0.3 ? maxUint256 : wholeUnits(token, 5_000);
      const entry = allowances.get(k) ?? { token, owner, spender, allowance: 0n };
      allowances.set(k, entry);
      deferred.push(() => {
        entry.allowance = amount;
      });
      return {
        to: token,
        token,
        data: encodeFunctionData({ abi: testTokenAbi, functionName: 'approve', args: [spender, amount] }),
        value: 0n,
        gas: ERC20_GAS,
      };
    },
    erc20Revoke: (s) => {
      const owner = senders[s]!;
      const candidates = [...allowances.entries()].filter(
        ([k, e]) => e.owner === owner && e.allowance > 0n && !touched.has(k),
      );
      if (candidates.length === 0) return null;
      const [k, entry] = rng.pick(candidates);
      touched.add(k);
      deferred.push(() => {
        entry.allowance = 0n;
      });
      return {
        to: entry.token,
        token: entry.token,
        data: encodeFunctionData({ abi: testTokenAbi, functionName: 'approve', args: [entry.spender, 0n] }),
        value: 0n,
        gas: ERC20_GAS,
      };
    },
    erc20TransferFrom: (s) => {
      const spender = senders[s]!;
      const candidates = [...allowances.entries()].filter(
        ([k, e]) =>
          e.spender === spender && e.allowance > 0n && !touched.has(k) && avail20(e.token, e.owner) > 0n,
      );
      if (candidates.length === 0) return null;
      const [k, entry] = rng.pick(candidates);
      touched.add(k);
      const avail = avail20(entry.token, entry.owner);
      // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min takes numbers only.
      const cap = entry.allowance < avail ? entry.allowance : avail;
      const amount = rng.next() < 0.15 ? cap : part(cap);
      const to = rng.next() < 0.2 ? spender : otherThan(entry.owner, everyone);
      spend20(entry.token, entry.owner, to, amount);
      // OpenZeppelin v5 never decreases an infinite allowance (and emits no Approval when spending).
      if (entry.allowance !== maxUint256) {
        deferred.push(() => {
          entry.allowance -= amount;
        });
      }
      return {
        to: entry.token,
        token: entry.token,
        data: encodeFunctionData({
          abi: testTokenAbi,
          functionName: 'transferFrom',
          args: [entry.owner, to, amount],
        }),
        value: 0n,
        gas: ERC20_GAS,
      };
    },
    erc20Mint: (s) => {
      const token = rng.pick(input.erc20).address;
      const to = rng.next() < 0.5 ? senders[s]! : rng.pick(everyone);
      const amount = wholeUnits(token, 100_000);
      const entry = erc20Entry(token, to);
      const supply = supplies.get(token)!;
      deferred.push(() => {
        entry.balance += amount;
        supply.totalSupply += amount;
      });
      return {
        to: token,
        token,
        data: encodeFunctionData({ abi: testTokenAbi, functionName: 'mint', args: [to, amount] }),
        value: 0n,
        gas: ERC20_GAS,
      };
    },
    erc721Mint: (s) => {
      const id = nextNftId++;
      const to = rng.next() < 0.5 ? senders[s]! : rng.pick(everyone);
      const k = key2(input.erc721, id.toString());
      touched.add(k);
      deferred.push(() => {
        nftOwners.set(k, { token: input.erc721, id, owner: to });
      });
      return {
        to: input.erc721,
        token: input.erc721,
        data: encodeFunctionData({ abi: testNftAbi, functionName: 'mint', args: [to, id] }),
        value: 0n,
        gas: ERC721_GAS,
      };
    },
    erc721Transfer: (s) => {
      const from = senders[s]!;
      const owned = [...nftOwners.entries()].filter(([k, e]) => e.owner === from && !touched.has(k));
      if (owned.length === 0) return null;
      const [k, entry] = rng.pick(owned);
      touched.add(k);
      const to = otherThan(from, everyone);
      deferred.push(() => {
        entry.owner = to;
      });
      const data =
        rng.next() < 0.5
          ? encodeFunctionData({ abi: testNftAbi, functionName: 'transferFrom', args: [from, to, entry.id] })
          : encodeFunctionData({
              abi: testNftAbi,
              functionName: 'safeTransferFrom',
              args: [from, to, entry.id],
            });
      return { to: input.erc721, token: input.erc721, data, value: 0n, gas: ERC721_GAS };
    },
    erc1155Mint: (s) => {
      const id = BigInt(1 + rng.int(ERC1155_ID_COUNT));
      const to = rng.next() < 0.5 ? senders[s]! : rng.pick(everyone);
      const amount = BigInt(1 + rng.int(1_000));
      const entry = erc1155Entry(id, to);
      deferred.push(() => {
        entry.balance += amount;
      });
      return {
        to: input.erc1155,
        token: input.erc1155,
        data: encodeFunctionData({ abi: testMultiAbi, functionName: 'mint', args: [to, id, amount] }),
        value: 0n,
        gas: ERC1155_GAS,
      };
    },
    erc1155MintBatch: (s) => {
      const to = rng.next() < 0.5 ? senders[s]! : rng.pick(everyone);
      const ids = distinctIds(2 + rng.int(ERC1155_BATCH_MAX_IDS - 1));
      const amounts = ids.map(() => BigInt(1 + rng.int(1_000)));
      const entries = ids.map((id) => erc1155Entry(id, to));
      deferred.push(() => {
        entries.forEach((e, i) => {
          e.balance += amounts[i]!;
        });
      });
      return {
        to: input.erc1155,
        token: input.erc1155,
        data: encodeFunctionData({ abi: testMultiAbi, functionName: 'mintBatch', args: [to, ids, amounts] }),
        value: 0n,
        gas: ERC1155_BATCH_GAS,
      };
    },
    erc1155Transfer: (s) => {
      const from = senders[s]!;
      const held = heldIds(from);
      if (held.length === 0) return null;
      const id = rng.pick(held);
      const amount = 1n + rng.big(avail1155(id, from) - 1n);
      const to = otherThan(from, everyone);
      spend1155(id, from, to, amount);
      return {
        to: input.erc1155,
        token: input.erc1155,
        data: encodeFunctionData({
          abi: testMultiAbi,
          functionName: 'safeTransferFrom',
          args: [from, to, id, amount, '0x'],
        }),
        value: 0n,
        gas: ERC1155_GAS,
      };
    },
    erc1155TransferBatch: (s) => {
      const from = senders[s]!;
      const held = heldIds(from);
      if (held.length < 2) return null;
      const ids = shuffled(held).slice(0, Math.min(held.length, 2 + rng.int(ERC1155_BATCH_MAX_IDS - 1)));
      const to = otherThan(from, everyone);
      const amounts = ids.map((id) => 1n + rng.big(avail1155(id, from) - 1n));
      ids.forEach((id, i) => {
        spend1155(id, from, to, amounts[i]!);
      });
      return {
        to: input.erc1155,
        token: input.erc1155,
        data: encodeFunctionData({
          abi: testMultiAbi,
          functionName: 'safeBatchTransferFrom',
          args: [from, to, ids, amounts, '0x'],
        }),
        value: 0n,
        gas: ERC1155_BATCH_GAS,
      };
    },
  };

  function heldIds(holder: Address): bigint[] {
    const ids: bigint[] = [];
    for (let id = 1n; id <= BigInt(ERC1155_ID_COUNT); id++) if (avail1155(id, holder) > 0n) ids.push(id);
    return ids;
  }
  function distinctIds(n: number): bigint[] {
    return shuffled(Array.from({ length: ERC1155_ID_COUNT }, (_, i) => BigInt(i + 1))).slice(0, n);
  }
  function shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  function pickKind(): ActivityKind {
    let r = rng.int(totalWeight);
    for (const [kind, w] of KIND_WEIGHTS) {
      if (r < w) return kind;
      r -= w;
    }
    return 'native';
  }

  const blocks: PlannedTx[][] = [];
  let block: PlannedTx[] = [];
  let blockGas = 0n;
  const closeBlock = () => {
    for (const apply of deferred) apply();
    blocks.push(block);
    block = [];
    blockGas = 0n;
    spent20 = new Map();
    spent1155 = new Map();
    touched = new Set();
    deferred = [];
  };
  for (let n = 0; n < input.txCount; n++) {
    // Close the block before it could overflow the gas budget, whatever the next kind turns out to be.
    const full = block.length >= input.txsPerBlock || blockGas + MAX_PLANNED_TX_GAS > input.blockGasBudget;
    if (full && block.length > 0) closeBlock();
    let planned: PlannedTx | null = null;
    for (let attempt = 0; attempt < PICK_ATTEMPTS && !planned; attempt++) {
      const sender = rng.int(senders.length);
      const kind = pickKind();
      const built = builders[kind](sender);
      if (built) planned = { kind, sender, ...built };
    }
    if (!planned) {
      const sender = rng.int(senders.length);
      planned = { kind: 'native', sender, ...builders.native(sender)! };
    }
    block.push(planned);
    blockGas += planned.gas;
  }
  if (block.length > 0) closeBlock();

  return {
    blocks,
    model: {
      erc20Balances: [...erc20.values()],
      erc20Supplies: [...supplies.values()],
      allowances: [...allowances.values()],
      erc721Owners: [...nftOwners.values()],
      erc1155Balances: [...erc1155.values()],
    },
  };
}
