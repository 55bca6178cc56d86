import { readFileSync } from 'node:fs';
import { type Abi, type Hex, parseAbi } from 'viem';

/** The contracts compiled into test/fixtures/chain/contracts.json. */
export type FixtureContractName = 'TestToken' | 'TestNFT' | 'TestMulti' | 'Factory';

/** A compiled fixture: what `encodeDeployData` needs. */
export type FixtureContract = { abi: Abi; bytecode: Hex };

const FIXTURE_URL = new URL('../fixtures/chain/contracts.json', import.meta.url);
const NAMES: readonly FixtureContractName[] = ['TestToken', 'TestNFT', 'TestMulti', 'Factory'];

let cached: Record<FixtureContractName, FixtureContract> | undefined;

/**
 * ABI and creation bytecode of the fixture contracts, from the committed JSON (made by
 * test/fixtures/chain/build-contracts.mjs). Read with `fs`, not imported, so the type checker
 * never has to digest the ABIs as literal types.
 */
export function fixtureContracts(): Record<FixtureContractName, FixtureContract> {
  if (cached) return cached;
  const json = JSON.parse(readFileSync(FIXTURE_URL, 'utf8')) as Record<string, unknown>;
  const out = {} as Record<FixtureContractName, FixtureContract>;
  for (const name of NAMES) {
    const entry = json[name] as Partial<FixtureContract> | undefined;
    if (
      !entry ||
      !Array.isArray(entry.abi) ||
      typeof entry.bytecode !== 'string' ||
      !entry.bytecode.startsWith('0x')
    ) {
      throw new Error(
        `contracts.json: no abi/bytecode for ${name}; run node test/fixtures/chain/build-contracts.mjs`,
      );
    }
    out[name] = { abi: entry.abi, bytecode: entry.bytecode };
  }
  cached = out;
  return out;
}

// Typed ABIs for calls and log decoding, written out by hand so viem infers argument and result
// types. The test suite checks each fragment against the compiled ABIs, so they cannot drift.

/** TestToken: ERC-20 plus an open `mint`. */
export const testTokenAbi = parseAbi([
  'function name() view returns (string)',
  'function symbol() view returns (string)',
  'function decimals() view returns (uint8)',
  'function totalSupply() view returns (uint256)',
  'function balanceOf(address account) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function transfer(address to, uint256 value) returns (bool)',
  'function approve(address spender, uint256 value) returns (bool)',
  'function transferFrom(address from, address to, uint256 value) returns (bool)',
  'function mint(address to, uint256 amount)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'event Approval(address indexed owner, address indexed spender, uint256 value)',
]);

/** TestNFT: ERC-721 plus an open `mint`. */
export const testNftAbi = parseAbi([
  'function name() view returns (string)',
  'function symbol() view returns (string)',
  'function balanceOf(address owner) view returns (uint256)',
  'function ownerOf(uint256 tokenId) view returns (address)',
  'function approve(address to, uint256 tokenId)',
  'function getApproved(uint256 tokenId) view returns (address)',
  'function setApprovalForAll(address operator, bool approved)',
  'function isApprovedForAll(address owner, address operator) view returns (bool)',
  'function transferFrom(address from, address to, uint256 tokenId)',
  'function safeTransferFrom(address from, address to, uint256 tokenId)',
  'function safeTransferFrom(address from, address to, uint256 tokenId, bytes data)',
  'function mint(address to, uint256 id)',
  'event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)',
  'event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId)',
  'event ApprovalForAll(address indexed owner, address indexed operator, bool approved)',
]);

/** TestMulti: ERC-1155 plus open single and batch mints. */
export const testMultiAbi = parseAbi([
  'function balanceOf(address account, uint256 id) view returns (uint256)',
  'function balanceOfBatch(address[] accounts, uint256[] ids) view returns (uint256[])',
  'function setApprovalForAll(address operator, bool approved)',
  'function isApprovedForAll(address account, address operator) view returns (bool)',
  'function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes data)',
  'function safeBatchTransferFrom(address from, address to, uint256[] ids, uint256[] values, bytes data)',
  'function uri(uint256 id) view returns (string)',
  'function mint(address to, uint256 id, uint256 amount)',
  'function mintBatch(address to, uint256[] ids, uint256[] amounts)',
  'event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value)',
  'event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values)',
  'event ApprovalForAll(address indexed account, address indexed operator, bool approved)',
  'event URI(string value, uint256 indexed id)',
]);

/** Factory: deploys TestTokens with CREATE and CREATE2 and hands the supply to the caller. */
export const factoryAbi = parseAbi([
  'function createToken(string name_, string symbol_, uint8 decimals_, uint256 supply) returns (address token)',
  'function createTokenDeterministic(bytes32 salt, string name_, string symbol_, uint8 decimals_, uint256 supply) returns (address token)',
  'event TokenCreated(address indexed token, address indexed owner, bool deterministic)',
]);
