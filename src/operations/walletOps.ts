import { Type } from '@sinclair/typebox';
import type { Hex } from 'viem';
import {
  validateAddress as checkAddress,
  decodeSignedTransaction,
  deriveAddressesFromXpub,
  InvalidAddressError,
  InvalidSignatureError,
  InvalidTransactionError,
  KeyDerivationError,
} from '../wallet/index.js';
import { defineOperation } from './operation.js';
import { refuseSecrets } from './secretGuard.js';
import { enumOf, fieldError, walletBody } from './walletInput.js';

const XPUB_MAX_COUNT = 100;
const XPUB_DEFAULT_COUNT = 20;
const MAX_CHILD_INDEX = 0x7fffffff;
// geth refuses transactions over 128 KiB: 2 hex characters per byte plus 0x.
const RAW_TX_MAX_CHARS = 2 * 131_072 + 2;

const WALLET_TAGS = ['wallet'];
const WALLET_AUTH = { anonymous: true, scope: 'read' } as const;

const Chain = enumOf(['evm', 'bitcoin', 'solana'], {
  description: 'Address family: `evm`, `bitcoin` or `solana`',
});
const NETWORKS = ['mainnet', 'testnet'] as const;
const Network = enumOf(NETWORKS);

const EVM_EXAMPLE = '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045';

// ---- POST /v1/wallet/address/validate

const ValidateAddressBody = walletBody(
  {
    chain: Chain,
    address: Type.String({ minLength: 1, maxLength: 200, description: 'The address to check' }),
    network: Type.Optional(
      enumOf(NETWORKS, { description: 'Bitcoin only: require this network (default: accept either)' }),
    ),
  },
  { examples: [{ chain: 'evm', address: EVM_EXAMPLE.toLowerCase() }] },
);

export const validateAddress = defineOperation({
  id: 'validateAddress',
  method: 'POST',
  path: '/wallet/address/validate',
  summary: 'Check an EVM, Bitcoin or Solana address (EIP-55, bech32/bech32m, base58check)',
  description: [
    'Answers whether an address is well formed for its chain, its canonical form and type, and why not when it is not.',
    'An invalid address is an answer (200, `valid: false`, with `reason` and `detail`), not an error; only a malformed',
    'request (unknown chain, missing field) is a 400. EVM: all-lowercase or all-uppercase addresses are valid but carry',
    'no EIP-55 checksum (`checksum: "absent"`, `normalized` is the checksummed form); a mixed-case address whose checksum',
    'is wrong is invalid (`reason: "checksum mismatch"`, `expected` = the checksummed form of the same digits, which after',
    'a typo is a different address). Bitcoin: p2wpkh, p2wsh (bech32), p2tr (bech32m), p2pkh and p2sh (base58check), mainnet',
    'and testnet; the wrong bech32 variant is named. Solana: base58 of 32 bytes; `type` says whether it is on the ed25519',
    'curve or a program-derived address. Nothing is looked up on chain.',
  ].join(' '),
  tags: WALLET_TAGS,
  body: ValidateAddressBody,
  inspectBody: refuseSecrets(),
  response: Type.Object(
    {
      valid: Type.Boolean(),
      chain: Chain,
      normalized: Type.Optional(Type.String({ description: 'Canonical form (valid addresses)' })),
      type: Type.Optional(
        Type.String({
          description: 'p2pkh, p2sh, p2wpkh, p2wsh, p2tr (Bitcoin); on-curve, off-curve (Solana)',
        }),
      ),
      network: Type.Optional(Network),
      checksum: Type.Optional(
        Type.Union([Type.Literal('valid'), Type.Literal('absent'), Type.Literal('mismatch')], {
          description: 'EVM only: EIP-55 checksum state',
        }),
      ),
      expected: Type.Optional(
        Type.String({ description: 'EVM checksum mismatch: the checksummed form of the given digits' }),
      ),
      reason: Type.Optional(Type.String({ description: 'Short reason when invalid' })),
      detail: Type.String({ description: 'One sentence for people' }),
    },
    {
      examples: [
        {
          valid: true,
          chain: 'evm',
          normalized: EVM_EXAMPLE,
          checksum: 'absent',
          detail: `valid, but all lowercase: it carries no EIP-55 checksum, so a typo would go unnoticed; use the checksummed form ${EVM_EXAMPLE}`,
        },
        {
          valid: false,
          chain: 'evm',
          checksum: 'mismatch',
          expected: EVM_EXAMPLE,
          reason: 'checksum mismatch',
          detail: 'mixed-case address whose EIP-55 checksum is wrong: …',
        },
        {
          valid: true,
          chain: 'bitcoin',
          normalized: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
          type: 'p2wpkh',
          network: 'mainnet',
          detail: 'valid mainnet p2wpkh address',
        },
      ],
    },
  ),
  auth: WALLET_AUTH,
  cache: 'no-store',
  handler({ body }) {
    return checkAddress(body.chain, body.address, body.network ? { network: body.network } : {});
  },
});

// ---- POST /v1/wallet/xpub/addresses

const XPUB_KINDS = ['p2wpkh', 'p2tr', 'evm'] as const;
const XPUB_EXAMPLE =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';

const XpubAddressesBody = walletBody(
  {
    xpub: Type.String({
      minLength: 100,
      maxLength: 200,
      description:
        'Account-level extended PUBLIC key: zpub/vpub (BIP84), xpub/tpub (BIP86 or EVM with `kind`)',
    }),
    kind: Type.Optional(
      enumOf(XPUB_KINDS, {
        description: 'Address kind; required for xpub/tpub, implied (p2wpkh) for zpub/vpub',
      }),
    ),
    change: enumOf([0, 1], { default: 0, description: '0 = receive addresses, 1 = change addresses' }),
    start: Type.Integer({ minimum: 0, maximum: MAX_CHILD_INDEX, default: 0, description: 'First index' }),
    count: Type.Integer({
      minimum: 1,
      maximum: XPUB_MAX_COUNT,
      default: XPUB_DEFAULT_COUNT,
      description: `How many consecutive addresses (at most ${XPUB_MAX_COUNT})`,
    }),
  },
  { examples: [{ xpub: XPUB_EXAMPLE, change: 0, start: 0, count: 2 }] },
);

/** What an account key's prefix says: network, and the address kind when it is implied. */
function xpubInfo(xpub: string): { network: 'mainnet' | 'testnet'; implied?: 'p2wpkh' } | null {
  switch (xpub.slice(0, 4)) {
    case 'zpub':
      return { network: 'mainnet', implied: 'p2wpkh' };
    case 'vpub':
      return { network: 'testnet', implied: 'p2wpkh' };
    case 'xpub':
      return { network: 'mainnet' };
    case 'tpub':
      return { network: 'testnet' };
    default:
      return null;
  }
}

export const deriveXpubAddresses = defineOperation({
  id: 'deriveXpubAddresses',
  method: 'POST',
  path: '/wallet/xpub/addresses',
  summary: 'Watch-only addresses from an account xpub/zpub/tpub/vpub',
  description: [
    'Derives the receive (change 0) or change (1) addresses `…/{change}/{index}` for `count` (at most 100) consecutive',
    'indexes below an account-level extended public key, without any private key: zpub/vpub give native segwit (p2wpkh)',
    "addresses; xpub/tpub need `kind` (`p2tr` for BIP86 taproot, `p2wpkh`, or `evm` for an `m/44'/60'/a'` account xpub).",
    'Export the account key with `sextant wallet export-xpub`. The key is sent in the body (not the URL) because it reveals every',
    'address of the account; nothing is stored.',
  ].join(' '),
  tags: WALLET_TAGS,
  body: XpubAddressesBody,
  inspectBody: refuseSecrets(),
  response: Type.Object(
    {
      kind: enumOf(XPUB_KINDS),
      network: Type.Optional(Network),
      change: Type.Integer(),
      addresses: Type.Array(
        Type.Object({
          index: Type.Integer(),
          path: Type.String({ description: 'Path below the account key: `{change}/{index}`' }),
          address: Type.String(),
        }),
      ),
    },
    {
      examples: [
        {
          kind: 'p2wpkh',
          network: 'mainnet',
          change: 0,
          addresses: [
            { index: 0, path: '0/0', address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu' },
            { index: 1, path: '0/1', address: 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g' },
          ],
        },
      ],
    },
  ),
  auth: WALLET_AUTH,
  cache: 'no-store',
  handler({ body }) {
    const info = xpubInfo(body.xpub);
    if (!info) throw fieldError('xpub', 'must be an account-level xpub, zpub, tpub or vpub');
    const kind = body.kind ?? info.implied;
    if (!kind) throw fieldError('kind', 'is required for an xpub/tpub: p2tr, p2wpkh or evm');
    const { change, start, count } = body;
    if (start + count - 1 > MAX_CHILD_INDEX)
      throw fieldError('count', `start + count - 1 must be <= ${MAX_CHILD_INDEX} (non-hardened indexes)`);
    let addresses: { index: number; path: string; address: string }[];
    try {
      addresses = deriveAddressesFromXpub(body.xpub, { start, count, change, kind }).map((address, i) => ({
        index: start + i,
        path: `${change}/${start + i}`,
        address,
      }));
    } catch (err) {
      if (err instanceof KeyDerivationError)
        throw fieldError(err.code === 'KEY_BAD_OPTIONS' ? 'kind' : 'xpub', err.message);
      throw err;
    }
    return { kind, ...(kind === 'evm' ? {} : { network: info.network }), change, addresses };
  },
});

// ---- POST /v1/wallet/transaction/decode

// A real transaction: 1 ETH to vitalik.eth on mainnet, signed by the private key 1.
const EXAMPLE_RAW_TX =
  '0x02f8740181d48405f5e1008504a817c80082520894d8da6bf26964af9d7eed9e03e53415d37aa96045880de0b6b3a764000080c001a06bf324ccea0d4380df983988b89ff15ca2fff6fbf23691982995891036a7f92da0686be5597cab166248d46d3a136d7876d3ec1aaf5edf6fa728329b341b4396df';

const DecodeTransactionBody = walletBody(
  {
    raw: Type.String({
      pattern: '^0x[0-9a-fA-F]+$',
      maxLength: RAW_TX_MAX_CHARS,
      description: 'Signed transaction as 0x hex (what eth_sendRawTransaction takes)',
    }),
  },
  { examples: [{ raw: EXAMPLE_RAW_TX }] },
);

const Quantity = Type.String({ pattern: '^[0-9]+$', description: 'Decimal integer (base units: wei)' });

export const decodeTransaction = defineOperation({
  id: 'decodeTransaction',
  method: 'POST',
  path: '/wallet/transaction/decode',
  summary: 'Decode a raw signed EVM transaction and recover its sender',
  description: [
    'Decodes a signed legacy (pre-EIP-155 or EIP-155), EIP-2930 or EIP-1559 transaction: type, chain id, nonce,',
    'recipient, value and gas fields (decimal strings, wei), calldata and its 4-byte selector, access list, the',
    'signature, the sender recovered from it, and the transaction hash. Inspect what a wallet signed before',
    'broadcasting it. Blob (EIP-4844) and set-code (EIP-7702) transactions are refused with a 400.',
  ].join(' '),
  tags: WALLET_TAGS,
  body: DecodeTransactionBody,
  inspectBody: refuseSecrets(),
  response: Type.Object(
    {
      type: Type.Union([Type.Literal('legacy'), Type.Literal('eip2930'), Type.Literal('eip1559')]),
      chainId: Type.Union([Type.Integer(), Type.Null()], {
        description: 'null for a pre-EIP-155 legacy transaction (valid on every chain)',
      }),
      nonce: Type.Integer(),
      to: Type.Union([Type.String(), Type.Null()], { description: 'null for a contract creation' }),
      value: Quantity,
      gas: Quantity,
      gasPrice: Type.Optional(Quantity),
      maxFeePerGas: Type.Optional(Quantity),
      maxPriorityFeePerGas: Type.Optional(Quantity),
      data: Type.String(),
      selector: Type.Union([Type.String(), Type.Null()], {
        description: 'First 4 bytes of the calldata (the function selector), null when shorter',
      }),
      accessList: Type.Optional(
        Type.Array(Type.Object({ address: Type.String(), storageKeys: Type.Array(Type.String()) })),
      ),
      from: Type.String({ description: 'Sender recovered from the signature (EIP-55)' }),
      hash: Type.String({ description: 'Transaction hash: keccak256 of the raw bytes' }),
      signature: Type.Object({
        r: Type.String(),
        s: Type.String(),
        yParity: Type.Integer(),
        v: Type.Optional(Type.String({ description: 'Legacy only: 27/28 or chainId * 2 + 35/36' })),
      }),
    },
    {
      examples: [
        {
          type: 'eip1559',
          chainId: 1,
          nonce: 212,
          to: EVM_EXAMPLE,
          value: '1000000000000000000',
          gas: '21000',
          maxFeePerGas: '20000000000',
          maxPriorityFeePerGas: '100000000',
          data: '0x',
          selector: null,
          accessList: [],
          from: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf',
          hash: '0x0bd4c1d25a2d69531e925f57d4cdfb29620152d63e23a282e3e6d2d686038be8',
          signature: {
            r: '0x6bf324ccea0d4380df983988b89ff15ca2fff6fbf23691982995891036a7f92d',
            s: '0x686be5597cab166248d46d3a136d7876d3ec1aaf5edf6fa728329b341b4396df',
            yParity: 1,
          },
        },
      ],
    },
  ),
  auth: WALLET_AUTH,
  cache: 'no-store',
  handler({ body }) {
    let decoded: ReturnType<typeof decodeSignedTransaction>;
    try {
      decoded = decodeSignedTransaction(body.raw as Hex);
    } catch (err) {
      if (
        err instanceof InvalidTransactionError ||
        err instanceof InvalidSignatureError ||
        err instanceof InvalidAddressError
      )
        throw fieldError('raw', err.message);
      throw err;
    }
    const { transaction: tx, signature, from, hash } = decoded;
    return {
      type: tx.type,
      chainId: tx.chainId,
      nonce: tx.nonce,
      to: tx.to,
      value: tx.value.toString(),
      gas: tx.gas.toString(),
      ...(tx.type === 'eip1559'
        ? {
            maxFeePerGas: tx.maxFeePerGas.toString(),
            maxPriorityFeePerGas: tx.maxPriorityFeePerGas.toString(),
          }
        : { gasPrice: tx.gasPrice.toString() }),
      data: tx.data,
      selector: tx.data.length >= 10 ? tx.data.slice(0, 10) : null,
      ...(tx.type === 'legacy'
        ? {}
        : {
            accessList: tx.accessList.map((e) => ({ address: e.address, storageKeys: [...e.storageKeys] })),
          }),
      from,
      hash,
      signature: {
        r: signature.r,
        s: signature.s,
        yParity: signature.yParity,
        ...(signature.v !== undefined ? { v: signature.v.toString() } : {}),
      },
    };
  },
});
