import { Type } from '@sinclair/typebox';
import { type Address, type Hex, hashMessage, hexToBytes, isHex, type SignableMessage } from 'viem';
import {
  checksumAddress,
  hashTypedData,
  InvalidAddressError,
  InvalidSignatureError,
  InvalidTypedDataError,
  recoverDigestAddress,
  type SiweMessage,
  type TypedDataInput,
  verifySiweMessage,
} from '../wallet/index.js';
import { defineOperation } from './operation.js';
import { refuseSecrets } from './secretGuard.js';
import { enumOf, fieldError, walletBody } from './walletInput.js';

const MESSAGE_MAX_CHARS = 65_536;
const SIGNATURE_MAX_CHARS = 1_000;
const SIWE_MESSAGE_MAX_CHARS = 8_192;

const WALLET_TAGS = ['wallet'];
const WALLET_AUTH = { anonymous: true, scope: 'read' } as const;

const EXAMPLE_ADDRESS = '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf';
// Real values: 'hello sextant' signed by the private key 1 (whose address is EXAMPLE_ADDRESS), and
// the Ether Mail typed data below signed by the private key 2.
const EXAMPLE_SIGNATURE =
  '0x8afc5ebc31c0ebfbba129c00494ee0bf24b456e27b2009af20e7c19d39bb6e9764bbd00d7d95eabd39711427347fb62d3f686a97523a03d4a291469c4a9194361b';
const EXAMPLE_DIGEST = '0x936632ed5fd67e55867087f327633c1fb86bccf6a867a7c92e7c3fdc96c69102';
const EXAMPLE_TYPED_SIGNATURE =
  '0x170d22c36ed206eb235800dee1b6eadbdc868aa05c90ddaa7e2bdbb48fe57bd87d288d022e5d5e8137c36fb7350e334b4d05e6c1ec71069ee68a1e2bcc6038471c';
const EXAMPLE_TYPED_DIGEST = '0xbbd2175e85605355ed040dbddb5595b7953249b71a7f434769e6925364b4677d';

const EvmAddress = Type.String({
  pattern: '^0x[0-9a-fA-F]{40}$',
  description: 'Expected signer: 0x + 40 hex (mixed case must be a valid EIP-55 checksum)',
});
const Signature = Type.String({
  pattern: '^0x[0-9a-fA-F]*$',
  maxLength: SIGNATURE_MAX_CHARS,
  description: '65-byte r || s || v signature as 0x hex (v = 27/28 or 0/1)',
});

/** The expected signer, checksummed; a wrong mixed-case checksum is a malformed request. */
function expectedSigner(address: string): Address {
  try {
    return checksumAddress(address);
  } catch (err) {
    if (err instanceof InvalidAddressError)
      throw fieldError('address', `has an invalid EIP-55 checksum (checksummed: ${checksumOf(address)})`);
    throw err;
  }
}

/** EIP-55 form of a well-formed address (so a lowercase expectation matches), else as given. */
function normalizeAddress(address: string): string {
  try {
    return checksumAddress(address);
  } catch {
    return address;
  }
}

function checksumOf(address: string): string {
  return checksumAddress(address.toLowerCase());
}

/** Recover the signer of a digest; a malformed signature is an answer, not an error. */
function recover(digest: Hex, signature: string): { recovered: Address | null; reason?: string } {
  try {
    return { recovered: recoverDigestAddress(hexToBytes(digest), signature as Hex) };
  } catch (err) {
    if (err instanceof InvalidSignatureError)
      return { recovered: null, reason: `malformed signature: ${err.message}` };
    throw err;
  }
}

const VerificationResult = {
  valid: Type.Boolean({ description: 'True when the signature recovers to `address`' }),
  address: Type.String({ description: 'The expected signer, checksummed' }),
  recoveredAddress: Type.Union([Type.String(), Type.Null()], {
    description: 'Who signed, per the signature; null when the signature is malformed',
  }),
  digest: Type.String({ description: 'The 32-byte digest that was signed' }),
  reason: Type.Optional(Type.String({ description: 'Why it is not valid' })),
};

function verdict(address: Address, digest: Hex, signature: string) {
  const { recovered, reason } = recover(digest, signature);
  const valid = recovered === address;
  return {
    valid,
    address,
    recoveredAddress: recovered,
    digest,
    ...(valid
      ? {}
      : { reason: reason ?? `the signature was made by ${recovered}, not ${address} (or over other data)` }),
  };
}

// ---- POST /v1/wallet/verify/message

const VerifyMessageBody = walletBody(
  {
    address: EvmAddress,
    message: Type.String({ maxLength: MESSAGE_MAX_CHARS, description: 'The signed message' }),
    encoding: enumOf(['utf8', 'hex'], {
      default: 'utf8',
      description: '`utf8`: the message text was signed; `hex`: the bytes of a 0x hex string were signed',
    }),
    signature: Signature,
  },
  {
    examples: [
      { address: EXAMPLE_ADDRESS, message: 'hello sextant', encoding: 'utf8', signature: EXAMPLE_SIGNATURE },
    ],
  },
);

export const verifyMessage = defineOperation({
  id: 'verifyMessage',
  method: 'POST',
  path: '/wallet/verify/message',
  summary: 'Verify a personal_sign (EIP-191) signature',
  description: [
    'Checks that `signature` is an EIP-191 `personal_sign` signature of `message` by the EOA `address`: recovers the',
    'signer from the signature and compares. A wrong or malformed signature is an answer (`valid: false` with `reason`),',
    'not an error. Contract wallets (EIP-1271) need an on-chain call and are not checked here.',
  ].join(' '),
  tags: WALLET_TAGS,
  body: VerifyMessageBody,
  // The message is the user's own data: it may be a 32-byte hash (personal_sign of a digest).
  inspectBody: refuseSecrets({ opaque: ['message'] }),
  response: Type.Object(VerificationResult, {
    examples: [
      {
        valid: true,
        address: EXAMPLE_ADDRESS,
        recoveredAddress: EXAMPLE_ADDRESS,
        digest: EXAMPLE_DIGEST,
      },
    ],
  }),
  auth: WALLET_AUTH,
  cache: 'no-store',
  handler({ body }) {
    const address = expectedSigner(body.address);
    let message: SignableMessage = body.message;
    if (body.encoding === 'hex') {
      if (!isHex(body.message, { strict: true }))
        throw fieldError('message', 'must be 0x hex when encoding is hex');
      message = { raw: body.message as Hex };
    }
    return verdict(address, hashMessage(message), body.signature);
  },
});

// ---- POST /v1/wallet/verify/typed-data

const TypedData = Type.Object(
  {
    domain: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    types: Type.Record(
      Type.String(),
      Type.Array(Type.Object({ name: Type.String(), type: Type.String() }), { maxItems: 256 }),
    ),
    primaryType: Type.String(),
    message: Type.Record(Type.String(), Type.Unknown()),
  },
  {
    description:
      'EIP-712 typed data as eth_signTypedData_v4 takes it ({ domain, types, primaryType, message })',
  },
);

const VerifyTypedDataBody = walletBody(
  { address: EvmAddress, typedData: TypedData, signature: Signature },
  {
    examples: [
      {
        address: EXAMPLE_ADDRESS,
        typedData: {
          domain: { name: 'Ether Mail', version: '1', chainId: 1 },
          types: { Mail: [{ name: 'contents', type: 'string' }] },
          primaryType: 'Mail',
          message: { contents: 'Hello, Bob!' },
        },
        signature: EXAMPLE_TYPED_SIGNATURE,
      },
    ],
  },
);

export const verifyTypedData = defineOperation({
  id: 'verifyTypedData',
  method: 'POST',
  path: '/wallet/verify/typed-data',
  summary: 'Verify an EIP-712 typed-data signature',
  description: [
    'Checks that `signature` is an EIP-712 (`eth_signTypedData_v4`) signature of `typedData` by the EOA `address`.',
    'Values are checked against their types (integer ranges, byte lengths, addresses); integers may be JSON numbers or',
    'decimal / 0x strings. Typed data that does not match its types is a 400; a wrong or malformed signature is',
    '`valid: false` with `reason`. `digest` is the EIP-712 signing hash.',
  ].join(' '),
  tags: WALLET_TAGS,
  body: VerifyTypedDataBody,
  // Typed data is the user's own: bytes32 values, member names like `shares` or `secret`.
  inspectBody: refuseSecrets({ opaque: ['typedData'] }),
  response: Type.Object(VerificationResult, {
    examples: [
      {
        valid: false,
        address: EXAMPLE_ADDRESS,
        recoveredAddress: '0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF',
        digest: EXAMPLE_TYPED_DIGEST,
        reason: `the signature was made by 0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF, not ${EXAMPLE_ADDRESS} (or over other data)`,
      },
    ],
  }),
  auth: WALLET_AUTH,
  cache: 'no-store',
  handler({ body }) {
    const address = expectedSigner(body.address);
    let digest: Hex;
    try {
      digest = hashTypedData(body.typedData as unknown as TypedDataInput);
    } catch (err) {
      if (err instanceof InvalidTypedDataError) throw fieldError('typedData', err.message);
      throw err;
    }
    return verdict(address, digest, body.signature);
  },
});

// ---- POST /v1/wallet/verify/siwe

const SiweFields = Type.Object(
  {
    scheme: Type.Optional(Type.String()),
    domain: Type.String(),
    address: Type.String(),
    statement: Type.Optional(Type.String()),
    uri: Type.String(),
    version: Type.String(),
    chainId: Type.Integer(),
    nonce: Type.String(),
    issuedAt: Type.String(),
    expirationTime: Type.Optional(Type.String()),
    notBefore: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    resources: Type.Optional(Type.Array(Type.String())),
  },
  { description: 'The fields of the parsed EIP-4361 message' },
);

/** The JSON form of parsed SIWE fields (drops nothing, adds nothing). */
export function siweFieldsJson(m: SiweMessage) {
  return { ...m, ...(m.resources ? { resources: [...m.resources] } : {}) };
}

const VerifySiweBody = walletBody(
  {
    message: Type.String({
      minLength: 1,
      maxLength: SIWE_MESSAGE_MAX_CHARS,
      description: 'The EIP-4361 message text',
    }),
    signature: Signature,
    expected: Type.Optional(
      Type.Object(
        {
          domain: Type.Optional(Type.String({ maxLength: 255 })),
          nonce: Type.Optional(Type.String({ maxLength: 255 })),
          address: Type.Optional(Type.String({ maxLength: 42 })),
          uri: Type.Optional(Type.String({ maxLength: 2048 })),
          chainId: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        {
          additionalProperties: false,
          description: 'Values the message must carry, each compared exactly',
        },
      ),
    ),
    time: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'Check Expiration Time / Not Before at this RFC 3339 instant (default: now)',
      }),
    ),
  },
  {
    examples: [
      {
        message:
          'example.com wants you to sign in with your Ethereum account:\n0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\n\nSign in\n\nURI: https://example.com\nVersion: 1\nChain ID: 1\nNonce: abcdEFGH1234\nIssued At: 2025-01-01T00:00:00Z',
        signature: EXAMPLE_SIGNATURE,
        expected: { domain: 'example.com', nonce: 'abcdEFGH1234' },
      },
    ],
  },
);

export const verifySiwe = defineOperation({
  id: 'verifySiwe',
  method: 'POST',
  path: '/wallet/verify/siwe',
  summary: 'Verify a Sign-In with Ethereum (EIP-4361) message and signature, statelessly',
  description: [
    'Parses the message strictly by the EIP-4361 grammar, compares the `expected` values given (domain, nonce, address,',
    'uri, chain id), checks Expiration Time / Not Before against `time` (default now) and recovers the signer (EOA only).',
    'Answers `valid` with the parsed `fields`, or `valid: false` with `reason` (`malformed_message`, `malformed_signature`,',
    '`signature_mismatch`, `expired`, `not_yet_valid`, `domain_mismatch`, `nonce_mismatch`, …) and `detail`. Stateless:',
    'nonce bookkeeping is yours; to sign in to this server, use `POST /v1/auth/siwe/verify`.',
  ].join(' '),
  tags: WALLET_TAGS,
  body: VerifySiweBody,
  // The message is signed text the user wrote; a nonce to expect may be hex.
  inspectBody: refuseSecrets({ opaque: ['message', 'expected.nonce'] }),
  response: Type.Object(
    {
      valid: Type.Boolean(),
      signer: Type.Optional(Type.String({ description: 'The verified signer (EIP-55)' })),
      reason: Type.Optional(Type.String()),
      detail: Type.Optional(Type.String()),
      fields: Type.Union([SiweFields, Type.Null()], { description: 'null when the message does not parse' }),
    },
    {
      examples: [
        {
          valid: false,
          reason: 'domain_mismatch',
          detail: 'domain is example.com, expected app.example.com',
          fields: {
            domain: 'example.com',
            address: EXAMPLE_ADDRESS,
            statement: 'Sign in',
            uri: 'https://example.com',
            version: '1',
            chainId: 1,
            nonce: 'abcdEFGH1234',
            issuedAt: '2025-01-01T00:00:00Z',
          },
        },
      ],
    },
  ),
  auth: WALLET_AUTH,
  cache: 'no-store',
  async handler({ body }, { now }) {
    let at = now;
    if (body.time !== undefined) {
      at = Date.parse(body.time);
      if (!Number.isFinite(at)) throw fieldError('time', 'must be an RFC 3339 date-time');
    }
    const expected = body.expected ?? {};
    const result = await verifySiweMessage({
      message: body.message,
      signature: body.signature as Hex,
      now: at,
      expected: {
        ...(expected.domain !== undefined ? { domain: expected.domain } : {}),
        ...(expected.nonce !== undefined ? { nonce: expected.nonce } : {}),
        ...(expected.address !== undefined ? { address: normalizeAddress(expected.address) } : {}),
        ...(expected.uri !== undefined ? { uri: expected.uri } : {}),
        ...(expected.chainId !== undefined ? { chainId: expected.chainId } : {}),
      },
    });
    if (result.type === 'valid')
      return { valid: true, signer: result.signer, fields: siweFieldsJson(result.message) };
    return {
      valid: false,
      reason: result.reason,
      detail: result.detail,
      fields: result.message ? siweFieldsJson(result.message) : null,
    };
  },
});
