import type { Address, Chain, Client, Transport } from 'viem';
import { getBalance, readContract } from 'viem/actions';
import { testMultiAbi, testNftAbi, testTokenAbi } from './contracts.js';
import type {
  AllowanceEntry,
  Erc20BalanceEntry,
  Erc20SupplyEntry,
  Erc721OwnerEntry,
  Erc1155BalanceEntry,
  ScenarioState,
} from './scenarioPlan.js';

// Ground truth read straight from the chain with plain `eth_call`s (anvil has no Multicall3). The
// calls of one helper are issued together, so a client whose transport batches (startAnvil's does)
// sends them as a few JSON-RPC batch requests.

type AnyClient = Client<Transport, Chain | undefined>;

/** Which keys to read: a manifest's `model` (or any state of the same shape). */
type Keys = { model: ScenarioState };

/** Read at this block instead of 'latest' (e.g. before and after a reorg). */
export type ReadOptions = { blockNumber?: bigint };

const at = (opts: ReadOptions) => (opts.blockNumber === undefined ? {} : { blockNumber: opts.blockNumber });

/** `balanceOf(holder)` for every ERC-20 (token, holder) the scenario touched. */
export async function readErc20Balances(
  client: AnyClient,
  { model }: Keys,
  opts: ReadOptions = {},
): Promise<Erc20BalanceEntry[]> {
  return Promise.all(
    model.erc20Balances.map(async ({ token, holder }) => ({
      token,
      holder,
      balance: await readContract(client, {
        address: token,
        abi: testTokenAbi,
        functionName: 'balanceOf',
        args: [holder],
        ...at(opts),
      }),
    })),
  );
}

/** `totalSupply()` of every ERC-20. */
export async function readErc20Supplies(
  client: AnyClient,
  { model }: Keys,
  opts: ReadOptions = {},
): Promise<Erc20SupplyEntry[]> {
  return Promise.all(
    model.erc20Supplies.map(async ({ token }) => ({
      token,
      totalSupply: await readContract(client, {
        address: token,
        abi: testTokenAbi,
        functionName: 'totalSupply',
        ...at(opts),
      }),
    })),
  );
}

/** `allowance(owner, spender)` for every (token, owner, spender) the scenario approved. */
export async function readAllowances(
  client: AnyClient,
  { model }: Keys,
  opts: ReadOptions = {},
): Promise<AllowanceEntry[]> {
  return Promise.all(
    model.allowances.map(async ({ token, owner, spender }) => ({
      token,
      owner,
      spender,
      allowance: await readContract(client, {
        address: token,
        abi: testTokenAbi,
        functionName: 'allowance',
        args: [owner, spender],
        ...at(opts),
      }),
    })),
  );
}

/** `ownerOf(id)` for every ERC-721 id the scenario minted. */
export async function readErc721Owners(
  client: AnyClient,
  { model }: Keys,
  opts: ReadOptions = {},
): Promise<Erc721OwnerEntry[]> {
  return Promise.all(
    model.erc721Owners.map(async ({ token, id }) => ({
      token,
      id,
      owner: await readContract(client, {
        address: token,
        abi: testNftAbi,
        functionName: 'ownerOf',
        args: [id],
        ...at(opts),
      }),
    })),
  );
}

/** `balanceOf(holder, id)` for every ERC-1155 (token, id, holder) the scenario touched. */
export async function readErc1155Balances(
  client: AnyClient,
  { model }: Keys,
  opts: ReadOptions = {},
): Promise<Erc1155BalanceEntry[]> {
  return Promise.all(
    model.erc1155Balances.map(async ({ token, id, holder }) => ({
      token,
      id,
      holder,
      balance: await readContract(client, {
        address: token,
        abi: testMultiAbi,
        functionName: 'balanceOf',
        args: [holder, id],
        ...at(opts),
      }),
    })),
  );
}

/** Ether balances (wei) of `addresses`; they include gas spent, which the scenario does not model. */
export async function readNativeBalances(
  client: AnyClient,
  addresses: readonly Address[],
  opts: ReadOptions = {},
): Promise<{ address: Address; balance: bigint }[]> {
  return Promise.all(
    addresses.map(async (address) => ({
      address,
      balance: await getBalance(client, { address, ...at(opts) }),
    })),
  );
}

/**
 * All token state the scenario touched, read from the chain, in the shape (and order) of
 * `manifest.model`: after a clean run the two are equal.
 */
export async function readGroundTruth(
  client: AnyClient,
  keys: Keys,
  opts: ReadOptions = {},
): Promise<ScenarioState> {
  const [erc20Balances, erc20Supplies, allowances, erc721Owners, erc1155Balances] = await Promise.all([
    readErc20Balances(client, keys, opts),
    readErc20Supplies(client, keys, opts),
    readAllowances(client, keys, opts),
    readErc721Owners(client, keys, opts),
    readErc1155Balances(client, keys, opts),
  ]);
  return { erc20Balances, erc20Supplies, allowances, erc721Owners, erc1155Balances };
}
