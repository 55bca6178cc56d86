import {
  type Address,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  parseEventLogs,
  slice,
  stringToHex,
  type TransactionReceipt,
} from 'viem';
import { sendRawTransaction } from 'viem/actions';
import type { Anvil, AnvilAccount } from './anvil.js';
import { factoryAbi, fixtureContracts } from './contracts.js';
import {
  type Erc20BalanceEntry,
  MAX_PLANNED_TX_GAS,
  type PlannedTx,
  planScenario,
  type ScenarioState,
  TX_KINDS,
  type TxKind,
} from './scenarioPlan.js';

export * from './groundTruth.js';
export type { ScenarioState, TxKind } from './scenarioPlan.js';
export { TX_KINDS } from './scenarioPlan.js';

const DEFAULT_SEED = 1;
const DEFAULT_TX_COUNT = 3_000;
const DEFAULT_SENDERS = 24;
const DEFAULT_COLD_HOLDERS = 8;
const DEFAULT_TXS_PER_BLOCK = 100;
const DEFAULT_BLOCK_TIME_SECONDS = 12;
const DEPLOY_GAS = 5_000_000n;
const FACTORY_CREATE_GAS = 3_000_000n;
// Fees: a tip that falls by 1 wei per position makes anvil (which orders its pool by tip) mine a
// block's transactions in the order they were planned, so the chain is the same on every run. The
// fee cap is far above anvil's base fee (1 gwei at genesis, falling in half-empty blocks).
const BASE_TIP_WEI = 1_000_000_000n;
const MAX_FEE_WEI = 1_000_000_000_000n;
// Stay under the block gas limit by a margin: the planner sums gas limits, anvil sums gas used.
const BLOCK_GAS_BUDGET_PERCENT = 90n;

const ERC20_SPECS = [
  { name: 'Test USD', symbol: 'TUSD', decimals: 6 },
  { name: 'Test BTC', symbol: 'TBTC', decimals: 8 },
  { name: 'Test Ether', symbol: 'TETH', decimals: 18 },
] as const;
const ERC20_INITIAL_UNITS = 1_000_000_000n;
// Made by the Factory contract, not by a transaction: no receipt names them as contractAddress.
const FACTORY_TOKEN_SPECS = [
  { name: 'Factory Token', symbol: 'FAC', decimals: 18, deterministic: false },
  // 0 decimals: an edge case for anything that formats amounts.
  { name: 'Factory Token Deterministic', symbol: 'FAC2', decimals: 0, deterministic: true },
] as const;
const FACTORY_INITIAL_UNITS = 1_000_000n;

/** The node and keys a scenario runs against: an `Anvil`, or anything shaped like one. */
export type ScenarioTarget = Pick<Anvil, 'client' | 'accounts' | 'chainId'>;

/** Size, seed and pacing of a scenario; every field is optional. */
export type ScenarioOptions = {
  /**
   * PRNG seed. The same seed on a fresh node started with the same `genesisTimestamp` gives the
   * same chain, block hashes included. Default 1.
   */
  seed?: number;
  /** Activity transactions after the deployments. Default 3000. */
  txCount?: number;
  /** Dev accounts that send (and receive); the first also deploys. Default 24. */
  senders?: number;
  /** Keyless addresses that only receive. Default 8. */
  coldHolders?: number;
  /** Most transactions per block. Default 100. */
  txsPerBlock?: number;
  /** Seconds between the scenario's block timestamps. Default 12. */
  blockTimeSeconds?: number;
};

/** The token standard a scenario contract implements. */
export type TokenKind = 'erc20' | 'erc721' | 'erc1155';

/** A token contract the scenario deployed. */
export type ScenarioToken = {
  kind: TokenKind;
  address: Address;
  name: string;
  symbol: string;
  /** ERC-20 only. */
  decimals: number | null;
  deployBlock: bigint;
  deployTx: Hex;
  /** 'create': a deployment transaction; 'factoryCreate'/'factoryCreate2': made inside a call. */
  creation: 'create' | 'factoryCreate' | 'factoryCreate2';
};

/** One transaction the scenario sent; all of them succeeded. */
export type ScenarioTx = {
  hash: Hex;
  kind: TxKind;
  from: Address;
  /** null for a contract creation. */
  to: Address | null;
  blockNumber: bigint;
  /** The token contract it touches (the created token for 'factoryCreate'). */
  token?: Address;
};

/** What a scenario did, for tests to check an indexer against. */
export type ScenarioManifest = {
  seed: number;
  chainId: number;
  deployer: Address;
  factory: { address: Address; deployBlock: bigint; deployTx: Hex };
  tokens: ScenarioToken[];
  /** The dev accounts that sent transactions. */
  accounts: Address[];
  /** Keyless addresses that only received. */
  coldHolders: Address[];
  /** First and last block the scenario mined (deployments included). */
  fromBlock: bigint;
  toBlock: bigint;
  /** First block of the activity after the deployments. */
  activityFromBlock: bigint;
  counts: Record<TxKind, number>;
  transactions: ScenarioTx[];
  /**
   * The generator's own bookkeeping of the end state: its keys are every (token, holder),
   * allowance, ERC-721 id and ERC-1155 (id, holder) the scenario touched. `readGroundTruth`
   * reads the same keys from the chain.
   */
  model: ScenarioState;
  /** Wall time of the run: the one field that differs between identical runs. */
  elapsedMs: number;
};

type OutgoingTx = {
  kind: TxKind;
  sender: AnvilAccount;
  /** Absent for a deployment. */
  to?: Address;
  data: Hex;
  value: bigint;
  gas: bigint;
  token?: Address;
};

/**
 * Deploys the fixture tokens and runs a seeded mix of transfers, approvals (set, changed, revoked,
 * infinite), transferFroms, mints, NFT and ERC-1155 (single and batch) transfers and native
 * transfers from `senders` accounts. Automine is off while it runs: it queues a block's
 * transactions (signed locally, explicit nonces) and mines them with fixed timestamp steps.
 * Run it on a node without interval mining (`--block-time`), with an empty pool.
 *
 * @example
 * const anvil = await startAnvil({ genesisTimestamp: 1_700_000_000 });
 * const manifest = await runScenario(anvil, { seed: 7, txCount: 300 });
 * expect(await readGroundTruth(anvil.client, manifest)).toEqual(manifest.model);
 */
export async function runScenario(
  target: ScenarioTarget,
  options: ScenarioOptions = {},
): Promise<ScenarioManifest> {
  const started = performance.now();
  const seed = options.seed ?? DEFAULT_SEED;
  const senderCount = options.senders ?? DEFAULT_SENDERS;
  const blockTime = BigInt(options.blockTimeSeconds ?? DEFAULT_BLOCK_TIME_SECONDS);
  const { client } = target;
  if (senderCount < 2 || target.accounts.length < senderCount) {
    throw new RangeError(
      `senders must be in [2, ${target.accounts.length}] (anvil --accounts), got ${senderCount}`,
    );
  }
  const senders = target.accounts.slice(0, senderCount);
  const deployer = senders[0]!;
  const coldHolders = Array.from({ length: options.coldHolders ?? DEFAULT_COLD_HOLDERS }, (_, i) =>
    getAddress(slice(keccak256(stringToHex(`sextant:scenario:cold:${i}`)), 12)),
  );

  const pool = await client.request({ method: 'txpool_status' });
  if (BigInt(pool.pending) + BigInt(pool.queued) > 0n) {
    throw new Error(`the node's pool is not empty (${pool.pending} pending, ${pool.queued} queued)`);
  }
  const latest = await client.getBlock({ blockTag: 'latest' });
  const blockGasBudget = (latest.gasLimit * BLOCK_GAS_BUDGET_PERCENT) / 100n;
  if (blockGasBudget < MAX_PLANNED_TX_GAS * 2n || blockGasBudget < DEPLOY_GAS * 3n) {
    throw new RangeError(`block gas limit ${latest.gasLimit} is too small for the scenario`);
  }
  const nonces = new Map<Address, bigint>();
  await Promise.all(
    senders.map(async (s) => {
      nonces.set(
        s.address,
        BigInt(await client.getTransactionCount({ address: s.address, blockTag: 'pending' })),
      );
    }),
  );

  let timestamp = latest.timestamp;
  const transactions: ScenarioTx[] = [];
  const counts = Object.fromEntries(TX_KINDS.map((k) => [k, 0])) as Record<TxKind, number>;

  /** Signs, sends and mines `txs` as one block; returns its number and receipts in order. */
  const mineBlock = async (txs: readonly OutgoingTx[]) => {
    const raws = await Promise.all(
      txs.map((tx, i) => {
        const nonce = nonces.get(tx.sender.address)!;
        nonces.set(tx.sender.address, nonce + 1n);
        const rank = BigInt(txs.length - i);
        return tx.sender.account.signTransaction({
          chainId: target.chainId,
          type: 'eip1559',
          nonce: Number(nonce),
          ...(tx.to ? { to: tx.to } : {}),
          data: tx.data,
          value: tx.value,
          gas: tx.gas,
          maxFeePerGas: MAX_FEE_WEI + rank,
          maxPriorityFeePerGas: BASE_TIP_WEI + rank,
        });
      }),
    );
    // Sent concurrently: viem batches them into a few JSON-RPC batch requests.
    const hashes = await Promise.all(
      raws.map((serializedTransaction) => sendRawTransaction(client, { serializedTransaction })),
    );
    timestamp += blockTime;
    await client.setNextBlockTimestamp({ timestamp });
    await client.mine({ blocks: 1 });
    const block = await client.getBlock({ blockTag: 'latest' });
    if (block.transactions.length !== txs.length) {
      throw new Error(
        `block ${block.number} has ${block.transactions.length} of ${txs.length} queued transactions`,
      );
    }
    const receipts = await client.getBlockReceipts({ blockHash: block.hash });
    const byHash = new Map(receipts.map((r) => [r.transactionHash, r]));
    const failed = txs.filter((_, i) => byHash.get(hashes[i]!)?.status !== 'success').map((t) => t.kind);
    if (failed.length > 0)
      throw new Error(`block ${block.number}: ${failed.length} failed: ${failed.join(', ')}`);
    txs.forEach((tx, i) => {
      counts[tx.kind]++;
      transactions.push({
        hash: hashes[i]!,
        kind: tx.kind,
        from: tx.sender.address,
        to: tx.to ?? null,
        blockNumber: block.number,
        ...(tx.token ? { token: tx.token } : {}),
      });
    });
    return { blockNumber: block.number, receipts: hashes.map((h) => byHash.get(h)!) };
  };

  const wasAutomine = await client.getAutomine();
  if (wasAutomine) await client.setAutomine(false);
  try {
    const contracts = fixtureContracts();
    const tokens: ScenarioToken[] = [];

    // Deployments: the ERC-20s, then the NFT, ERC-1155 and factory, then factory-made tokens.
    const deploy = (
      name: 'TestToken' | 'TestNFT' | 'TestMulti' | 'Factory',
      args: readonly unknown[],
    ): OutgoingTx => ({
      kind: 'deploy',
      sender: deployer,
      data: encodeDeployData({ abi: contracts[name].abi, bytecode: contracts[name].bytecode, args }),
      value: 0n,
      gas: DEPLOY_GAS,
    });
    const erc20Block = await mineBlock(
      ERC20_SPECS.map((t) =>
        deploy('TestToken', [t.name, t.symbol, t.decimals, units(ERC20_INITIAL_UNITS, t.decimals)]),
      ),
    );
    ERC20_SPECS.forEach((t, i) => {
      const r = erc20Block.receipts[i]!;
      tokens.push({
        kind: 'erc20',
        address: getAddress(r.contractAddress!),
        name: t.name,
        symbol: t.symbol,
        decimals: t.decimals,
        deployBlock: erc20Block.blockNumber,
        deployTx: r.transactionHash,
        creation: 'create',
      });
    });
    const otherBlock = await mineBlock([
      deploy('TestNFT', ['Test NFT', 'TNFT']),
      deploy('TestMulti', ['https://example.invalid/{id}.json']),
      deploy('Factory', []),
    ]);
    const [nftReceipt, multiReceipt, factoryReceipt] = otherBlock.receipts as [
      TransactionReceipt,
      TransactionReceipt,
      TransactionReceipt,
    ];
    tokens.push(
      {
        kind: 'erc721',
        address: getAddress(nftReceipt.contractAddress!),
        name: 'Test NFT',
        symbol: 'TNFT',
        decimals: null,
        deployBlock: otherBlock.blockNumber,
        deployTx: nftReceipt.transactionHash,
        creation: 'create',
      },
      {
        kind: 'erc1155',
        address: getAddress(multiReceipt.contractAddress!),
        name: 'Test Multi',
        symbol: '',
        decimals: null,
        deployBlock: otherBlock.blockNumber,
        deployTx: multiReceipt.transactionHash,
        creation: 'create',
      },
    );
    const factory = {
      address: getAddress(factoryReceipt.contractAddress!),
      deployBlock: otherBlock.blockNumber,
      deployTx: factoryReceipt.transactionHash,
    };
    const salt = keccak256(stringToHex(`sextant:scenario:salt:${seed}`));
    const factoryBlock = await mineBlock(
      FACTORY_TOKEN_SPECS.map((t) => ({
        kind: 'factoryCreate' as const,
        sender: deployer,
        to: factory.address,
        data: t.deterministic
          ? encodeFunctionData({
              abi: factoryAbi,
              functionName: 'createTokenDeterministic',
              args: [salt, t.name, t.symbol, t.decimals, units(FACTORY_INITIAL_UNITS, t.decimals)],
            })
          : encodeFunctionData({
              abi: factoryAbi,
              functionName: 'createToken',
              args: [t.name, t.symbol, t.decimals, units(FACTORY_INITIAL_UNITS, t.decimals)],
            }),
        value: 0n,
        gas: FACTORY_CREATE_GAS,
      })),
    );
    FACTORY_TOKEN_SPECS.forEach((t, i) => {
      const r = factoryBlock.receipts[i]!;
      const [created] = parseEventLogs({ abi: factoryAbi, eventName: 'TokenCreated', logs: r.logs });
      if (!created) throw new Error(`factory call ${r.transactionHash} emitted no TokenCreated`);
      const address = getAddress(created.args.token);
      tokens.push({
        kind: 'erc20',
        address,
        name: t.name,
        symbol: t.symbol,
        decimals: t.decimals,
        deployBlock: factoryBlock.blockNumber,
        deployTx: r.transactionHash,
        creation: t.deterministic ? 'factoryCreate2' : 'factoryCreate',
      });
      const tx = transactions.find((x) => x.hash === r.transactionHash);
      if (tx) tx.token = address;
    });

    // Initial ERC-20 holdings: the deployer has every supply; the factory held the factory tokens'
    // supply for a moment (mint to the factory, then a transfer to the deployer).
    const erc20Tokens = tokens.filter((t) => t.kind === 'erc20');
    const initialErc20: Erc20BalanceEntry[] = [];
    for (const t of erc20Tokens) {
      const fromFactory = t.creation !== 'create';
      const supply = units(fromFactory ? FACTORY_INITIAL_UNITS : ERC20_INITIAL_UNITS, t.decimals ?? 18);
      initialErc20.push({ token: t.address, holder: deployer.address, balance: supply });
      if (fromFactory) initialErc20.push({ token: t.address, holder: factory.address, balance: 0n });
    }

    const plan = planScenario({
      seed,
      txCount: options.txCount ?? DEFAULT_TX_COUNT,
      txsPerBlock: options.txsPerBlock ?? DEFAULT_TXS_PER_BLOCK,
      blockGasBudget,
      senders: senders.map((s) => s.address),
      coldHolders,
      erc20: erc20Tokens.map((t) => ({ address: t.address, decimals: t.decimals ?? 18 })),
      erc721: tokens.find((t) => t.kind === 'erc721')!.address,
      erc1155: tokens.find((t) => t.kind === 'erc1155')!.address,
      initialErc20,
    });
    const toOutgoing = (p: PlannedTx): OutgoingTx => ({
      kind: p.kind,
      sender: senders[p.sender]!,
      to: p.to,
      data: p.data,
      value: p.value,
      gas: p.gas,
      ...(p.token ? { token: p.token } : {}),
    });
    let activityFromBlock: bigint | undefined;
    let lastBlock = factoryBlock.blockNumber;
    for (const planned of plan.blocks) {
      const { blockNumber } = await mineBlock(planned.map(toOutgoing));
      activityFromBlock ??= blockNumber;
      lastBlock = blockNumber;
    }

    return {
      seed,
      chainId: target.chainId,
      deployer: deployer.address,
      factory,
      tokens,
      accounts: senders.map((s) => s.address),
      coldHolders,
      fromBlock: erc20Block.blockNumber,
      toBlock: lastBlock,
      activityFromBlock: activityFromBlock ?? lastBlock + 1n,
      counts,
      transactions,
      model: plan.model,
      elapsedMs: Math.round(performance.now() - started),
    };
  } finally {
    if (wasAutomine) await client.setAutomine(true);
  }
}

function units(whole: bigint, decimals: number): bigint {
  return whole * 10n ** BigInt(decimals);
}
