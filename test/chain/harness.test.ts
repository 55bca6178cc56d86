import {
  type AbiParameter,
  createPublicClient,
  getAddress,
  type Hex,
  maxUint256,
  type TransactionReceipt,
  webSocket,
} from 'viem';
import { getAddresses, getTransactionReceipt } from 'viem/actions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Anvil, anvilAvailability, startAnvil } from './anvil.js';
import { factoryAbi, fixtureContracts, testMultiAbi, testNftAbi, testTokenAbi } from './contracts.js';
import { readGroundTruth, runScenario, type ScenarioManifest, TX_KINDS } from './scenario.js';

const GENESIS_TIMESTAMP = 1_700_000_000;
const SEED = 7;
const TX_COUNT = 300;
const TXS_PER_BLOCK = 50;

const availability = anvilAvailability();
if (!availability.ok) {
  console.warn(`[test/chain] anvil cannot start (${availability.binary}): ${availability.reason}; skipping`);
}

// A fragment's identity for comparing ABIs: parameter names may differ, types and shape may not.
function abiKey(item: {
  type: string;
  name?: string;
  stateMutability?: string;
  inputs?: readonly AbiParameter[];
  outputs?: readonly AbiParameter[];
}): string {
  const params = (ps: readonly AbiParameter[] = []) =>
    ps.map((p) => `${p.type}${'indexed' in p && p.indexed ? ' indexed' : ''}`).join(',');
  if (item.type === 'event') return `event ${item.name}(${params(item.inputs)})`;
  return `${item.type} ${item.name ?? ''}(${params(item.inputs)}) ${item.stateMutability ?? ''} (${params(item.outputs)})`;
}

describe('chain fixtures', () => {
  it('hand-typed ABIs match the compiled contracts', () => {
    const compiled = fixtureContracts();
    const pairs = [
      [testTokenAbi, compiled.TestToken.abi],
      [testNftAbi, compiled.TestNFT.abi],
      [testMultiAbi, compiled.TestMulti.abi],
      [factoryAbi, compiled.Factory.abi],
    ] as const;
    for (const [typed, abi] of pairs) {
      const known = new Set(abi.map(abiKey));
      for (const item of typed) expect(known, abiKey(item)).toContain(abiKey(item));
    }
  });
});

describe.skipIf(!availability.ok)('anvil harness and scenario', () => {
  let anvil: Anvil;
  let manifest: ScenarioManifest;

  beforeAll(async () => {
    anvil = await startAnvil({ genesisTimestamp: GENESIS_TIMESTAMP });
    manifest = await runScenario(anvil, { seed: SEED, txCount: TX_COUNT, txsPerBlock: TXS_PER_BLOCK });
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it('derives the dev accounts anvil funds', async () => {
    const onNode = await getAddresses(anvil.client);
    expect(onNode.map((a) => getAddress(a))).toEqual(anvil.accounts.map((a) => a.address));
    expect(anvil.accounts.length).toBeGreaterThanOrEqual(20);
    expect(await anvil.client.getChainId()).toBe(31337);
  });

  it('serves WebSocket JSON-RPC on wsUrl', async () => {
    const ws = createPublicClient({ transport: webSocket(anvil.wsUrl) });
    try {
      expect(await ws.getChainId()).toBe(anvil.chainId);
      expect(await ws.getBlockNumber()).toBe(manifest.toBlock);
    } finally {
      await (await ws.transport.getRpcClient()).close();
    }
  });

  it('every scenario transaction succeeded in the block the manifest names', async () => {
    const receipts = await Promise.all(
      manifest.transactions.map((tx) => getTransactionReceipt(anvil.client, { hash: tx.hash })),
    );
    receipts.forEach((r, i) => {
      const tx = manifest.transactions[i]!;
      expect(r.status, `${tx.kind} ${tx.hash}`).toBe('success');
      expect(r.blockNumber).toBe(tx.blockNumber);
      expect(getAddress(r.from)).toBe(tx.from);
    });
    expect(manifest.transactions.length).toBe(TX_COUNT + 8); // 6 deployments + 2 factory calls
    expect(await anvil.client.getBlockNumber()).toBe(manifest.toBlock);
    // 300 transactions at 50 per block, after 3 deployment blocks.
    expect(manifest.toBlock - manifest.activityFromBlock + 1n).toBe(BigInt(TX_COUNT / TXS_PER_BLOCK));
  });

  it('counts by kind match the transactions; every kind occurs; at least 20 senders', () => {
    const tally = Object.fromEntries(TX_KINDS.map((k) => [k, 0]));
    for (const tx of manifest.transactions) tally[tx.kind]!++;
    expect(tally).toEqual(manifest.counts);
    for (const kind of TX_KINDS) expect(manifest.counts[kind], kind).toBeGreaterThan(0);
    expect(new Set(manifest.transactions.map((t) => t.from)).size).toBeGreaterThanOrEqual(20);
    expect(manifest.tokens.map((t) => [t.kind, t.decimals, t.creation])).toEqual([
      ['erc20', 6, 'create'],
      ['erc20', 8, 'create'],
      ['erc20', 18, 'create'],
      ['erc721', null, 'create'],
      ['erc1155', null, 'create'],
      ['erc20', 18, 'factoryCreate'],
      ['erc20', 0, 'factoryCreate2'],
    ]);
  });

  it('ground truth read from the chain equals the generator’s model and adds up', async () => {
    const truth = await readGroundTruth(anvil.client, manifest);
    expect(truth).toEqual(manifest.model);
    for (const { token, totalSupply } of truth.erc20Supplies) {
      const sum = truth.erc20Balances.filter((b) => b.token === token).reduce((s, b) => s + b.balance, 0n);
      expect(sum, token).toBe(totalSupply);
      expect(totalSupply).toBeGreaterThan(0n);
    }
    // Edge cases the scenario promises: revoked, infinite and partly spent allowances.
    expect(truth.allowances.some((a) => a.allowance === 0n)).toBe(true);
    expect(truth.allowances.some((a) => a.allowance === maxUint256)).toBe(true);
    const holders = new Set([...manifest.accounts, ...manifest.coldHolders]);
    for (const { owner } of truth.erc721Owners) expect(holders).toContain(owner);
    expect(truth.erc1155Balances.every((b) => b.balance >= 0n)).toBe(true);
  });

  it('factory-made tokens exist though no receipt names them; a call trace shows the creation', async () => {
    for (const token of manifest.tokens.filter((t) => t.creation !== 'create')) {
      const receipt: TransactionReceipt = await getTransactionReceipt(anvil.client, { hash: token.deployTx });
      expect(receipt.contractAddress ?? null).toBeNull();
      expect(getAddress(receipt.to!)).toBe(manifest.factory.address);
      expect((await anvil.client.getCode({ address: token.address }))?.length).toBeGreaterThan(2);
      // Only a trace sees an internal creation generically (the factory's event is app-specific).
      const trace = await anvil.rpc<{ calls?: { type: string; to: Hex }[] }>('debug_traceTransaction', [
        token.deployTx,
        { tracer: 'callTracer' },
      ]);
      const creates = (trace.calls ?? []).filter((c) => c.type === 'CREATE' || c.type === 'CREATE2');
      expect(creates.map((c) => [c.type, getAddress(c.to)])).toEqual([
        [token.creation === 'factoryCreate2' ? 'CREATE2' : 'CREATE', token.address],
      ]);
    }
  });

  it('the same seed on a fresh node gives the same chain', async () => {
    const other = await startAnvil({ genesisTimestamp: GENESIS_TIMESTAMP, accounts: anvil.accounts.length });
    try {
      const again = await runScenario(other, { seed: SEED, txCount: TX_COUNT, txsPerBlock: TXS_PER_BLOCK });
      expect(again.transactions.map((t) => t.hash)).toEqual(manifest.transactions.map((t) => t.hash));
      const [a, b] = await Promise.all([
        anvil.client.getBlock({ blockNumber: manifest.toBlock }),
        other.client.getBlock({ blockNumber: again.toBlock }),
      ]);
      expect(b.hash).toBe(a.hash);
    } finally {
      await other.stop();
    }
  });

  it('snapshot and revert restore the head; a snapshot id reverts once', async () => {
    const head = await anvil.client.getBlock();
    const id = await anvil.snapshot();
    await anvil.mine(3);
    expect(await anvil.client.getBlockNumber()).toBe(head.number + 3n);
    await anvil.revert(id);
    const after = await anvil.client.getBlock();
    expect([after.number, after.hash]).toEqual([head.number, head.hash]);
    await expect(anvil.revert(id)).rejects.toThrow(/evm_revert/);
  });

  it('anvil_reorg of depth 2 replaces the last two blocks and mines the given transactions', async () => {
    const head = await anvil.client.getBlockNumber();
    const before = await Promise.all(
      [0n, 1n, 2n].map((d) => anvil.client.getBlock({ blockNumber: head - d })),
    );
    // Accounts the scenario never used, so their nonces at the common ancestor are known.
    const signer = anvil.accounts[anvil.accounts.length - 1]!;
    const requester = anvil.accounts[anvil.accounts.length - 2]!;
    const nonce = await anvil.client.getTransactionCount({ address: signer.address, blockNumber: head - 2n });
    const raw = await signer.account.signTransaction({
      chainId: anvil.chainId,
      type: 'eip1559',
      nonce,
      to: manifest.coldHolders[0]!,
      value: 1n,
      gas: 21_000n,
      maxFeePerGas: 10n ** 12n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    await anvil.reorg(2, [
      { tx: raw, blockOffset: 1 },
      { tx: { from: requester.address, to: manifest.coldHolders[1]!, value: 2n }, blockOffset: 0 },
    ]);

    expect(await anvil.client.getBlockNumber()).toBe(head);
    const after = await Promise.all(
      [0n, 1n, 2n].map((d) => anvil.client.getBlock({ blockNumber: head - d })),
    );
    expect(after[2]!.hash).toBe(before[2]!.hash); // the common ancestor stays
    expect(after[1]!.hash).not.toBe(before[1]!.hash);
    expect(after[0]!.hash).not.toBe(before[0]!.hash);
    expect(after[1]!.parentHash).toBe(before[2]!.hash);
    expect(after[0]!.parentHash).toBe(after[1]!.hash);
    expect(after[1]!.transactions).toHaveLength(1);
    expect(after[0]!.transactions).toHaveLength(1);
    const mined = await getTransactionReceipt(anvil.client, { hash: after[0]!.transactions[0]! });
    expect([getAddress(mined.from), mined.status]).toEqual([signer.address, 'success']);
    await expect(anvil.reorg(2, [{ tx: raw, blockOffset: 2 }])).rejects.toThrow(RangeError);
  });

  it('setAutomine toggles mining on send', async () => {
    await anvil.setAutomine(false);
    expect(await anvil.client.getAutomine()).toBe(false);
    await anvil.setAutomine(true);
    expect(await anvil.client.getAutomine()).toBe(true);
  });
});

if (!availability.ok) {
  it.skip(`anvil harness: anvil cannot start (${availability.reason})`, () => {});
}
