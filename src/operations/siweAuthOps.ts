import { Type } from '@sinclair/typebox';
import type { Hex } from 'viem';
import {
  SessionInvalidError,
  SiweNonceExpiredError,
  SiweNonceUnknownError,
  SiweNonceUsedError,
  SiweVerificationFailedError,
} from '../internal/errors.js';
import {
  InvalidSiweMessageError,
  parseSiweMessage,
  type SiweMessage,
  verifySiweMessage,
} from '../wallet/index.js';
import { defineOperation } from './operation.js';
import { refuseSecrets } from './secretGuard.js';
import { walletBody } from './walletInput.js';

const SIWE_MESSAGE_MAX_CHARS = 8_192;
const SIGNATURE_MAX_CHARS = 1_000;
const SUGGESTED_STATEMENT = 'Sign in to Sextant';

const AUTH_TAGS = ['auth'];
const AUTH_POLICY = { anonymous: true, scope: 'read' } as const;

const iso = (ms: number) => new Date(ms).toISOString();

const EXAMPLE_ADDRESS = '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf';
const EXAMPLE_TOKEN = 'sxs_Jq3vD0n8Yc1mB6tX2eR9wL4kF7hA5pZ0uQ3sG8iN1oV';

const SessionSchema = {
  address: Type.String({ description: 'The signed-in address (EIP-55)' }),
  chainId: Type.Integer({ description: 'Chain id the message named' }),
  domain: Type.String({ description: 'Domain the message named (one of SIWE_DOMAINS)' }),
  expiresAt: Type.String({ description: 'When the session ends (RFC 3339)' }),
};

// ---- POST /v1/auth/siwe/nonce

export const createSiweNonce = defineOperation({
  id: 'createSiweNonce',
  method: 'POST',
  path: '/auth/siwe/nonce',
  summary: 'Start a Sign-In with Ethereum: get a one-time nonce',
  description: [
    'Issues a random nonce (17 alphanumerics, ~101 bits) that this server remembers for 10 minutes and accepts once.',
    'Put it in an EIP-4361 message (`suggested` holds the server side of the fields: add `address`, `uri` and',
    '`chainId`), have the wallet `personal_sign` it, and send both to `POST /v1/auth/siwe/verify`. No body.',
  ].join(' '),
  tags: AUTH_TAGS,
  // No body is expected, but one that holds a secret is still refused rather than ignored.
  inspectBody: refuseSecrets(),
  response: Type.Object(
    {
      nonce: Type.String(),
      issuedAt: Type.String(),
      expiresAt: Type.String({
        description: 'The signed message must reach /v1/auth/siwe/verify before this',
      }),
      suggested: Type.Object(
        {
          domain: Type.String({ description: 'The first of SIWE_DOMAINS' }),
          statement: Type.String(),
          version: Type.Literal('1'),
          nonce: Type.String(),
          issuedAt: Type.String(),
          expirationTime: Type.String(),
        },
        { description: 'Message fields to use; the wallet adds address, uri and chainId' },
      ),
    },
    {
      examples: [
        {
          nonce: 'k3Xb9QmT2vLp7RzAe',
          issuedAt: '2025-07-01T12:00:00.000Z',
          expiresAt: '2025-07-01T12:10:00.000Z',
          suggested: {
            domain: 'localhost',
            statement: SUGGESTED_STATEMENT,
            version: '1',
            nonce: 'k3Xb9QmT2vLp7RzAe',
            issuedAt: '2025-07-01T12:00:00.000Z',
            expirationTime: '2025-07-01T12:10:00.000Z',
          },
        },
      ],
    },
  ),
  auth: AUTH_POLICY,
  cache: 'no-store',
  async handler(_input, { services, now }) {
    const issued = await services.siwe.issueNonce(now);
    const domain = siweDomains(services.common.config.siweDomains)[0]!;
    return {
      nonce: issued.nonce,
      issuedAt: iso(issued.issuedAt),
      expiresAt: iso(issued.expiresAt),
      suggested: {
        domain,
        statement: SUGGESTED_STATEMENT,
        version: '1' as const,
        nonce: issued.nonce,
        issuedAt: iso(issued.issuedAt),
        expirationTime: iso(issued.expiresAt),
      },
    };
  },
});

function siweDomains(setting: string): string[] {
  return setting
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
}

// ---- POST /v1/auth/siwe/verify

const SignInBody = walletBody(
  {
    message: Type.String({
      minLength: 1,
      maxLength: SIWE_MESSAGE_MAX_CHARS,
      description: 'The EIP-4361 message text, exactly as signed',
    }),
    signature: Type.String({
      pattern: '^0x[0-9a-fA-F]*$',
      maxLength: SIGNATURE_MAX_CHARS,
      description: 'The personal_sign signature of the message (65 bytes, 0x hex)',
    }),
  },
  {
    examples: [
      {
        message:
          'localhost wants you to sign in with your Ethereum account:\n0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\n\nSign in to Sextant\n\nURI: http://localhost:8080\nVersion: 1\nChain ID: 1\nNonce: k3Xb9QmT2vLp7RzAe\nIssued At: 2025-07-01T12:00:00.000Z\nExpiration Time: 2025-07-01T12:10:00.000Z',
        signature: `0x${'ab'.repeat(64)}1b`,
      },
    ],
  },
);

function failed(reason: string, detail: string): SiweVerificationFailedError {
  return new SiweVerificationFailedError(detail, { extra: { reason } });
}

export const signInWithEthereum = defineOperation({
  id: 'signInWithEthereum',
  method: 'POST',
  path: '/auth/siwe/verify',
  summary: 'Finish a Sign-In with Ethereum: verify the signed message, get a session token',
  description: [
    'Verifies the EIP-4361 message and its signature: strict grammar, domain one of `SIWE_DOMAINS`, Expiration Time /',
    'Not Before, EOA signature by the message address (401 `SIWE_VERIFICATION_FAILED` with `reason` otherwise). Then the',
    'nonce must be one this server issued, unexpired and unused: it is marked used atomically, so a replayed message gets',
    '409 `SIWE_NONCE_USED` (unknown: 401 `SIWE_NONCE_UNKNOWN`, expired: 401 `SIWE_NONCE_EXPIRED`). Answers a session token',
    'bound to the address (`sxs_…`, valid `SIWE_SESSION_TTL_SECONDS`); the server stores only its SHA-256. Check it with',
    '`POST /v1/auth/session`, end it with `POST /v1/auth/session/revoke`. It is not an API key: do not send it as',
    '`Authorization` to other endpoints.',
  ].join(' '),
  tags: AUTH_TAGS,
  body: SignInBody,
  // The message is signed text the user wrote.
  inspectBody: refuseSecrets({ opaque: ['message'] }),
  response: Type.Object(
    {
      token: Type.String({ description: 'Session token (sxs_…): shown once, keep it secret' }),
      ...SessionSchema,
    },
    {
      examples: [
        {
          token: EXAMPLE_TOKEN,
          address: EXAMPLE_ADDRESS,
          chainId: 1,
          domain: 'localhost',
          expiresAt: '2025-07-02T12:00:05.000Z',
        },
      ],
    },
  ),
  auth: AUTH_POLICY,
  cache: 'no-store',
  async handler({ body }, { services, now }) {
    const domains = siweDomains(services.common.config.siweDomains);
    let message: SiweMessage;
    try {
      message = parseSiweMessage(body.message);
    } catch (err) {
      if (err instanceof InvalidSiweMessageError)
        throw failed('malformed_message', `not a valid EIP-4361 message: ${err.message}`);
      throw err;
    }
    if (!domains.includes(message.domain)) {
      throw failed(
        'domain_mismatch',
        `the message is for domain ${message.domain}; this server accepts ${domains.join(', ')} (SIWE_DOMAINS)`,
      );
    }
    const result = await verifySiweMessage({
      message: body.message,
      signature: body.signature as Hex,
      now,
      expected: { domain: message.domain },
    });
    if (result.type === 'invalid') throw failed(result.reason, result.detail);
    const outcome = await services.siwe.signIn({
      nonce: message.nonce,
      address: result.signer,
      chainId: message.chainId,
      domain: message.domain,
      now,
    });
    if (outcome.type === 'rejected') {
      switch (outcome.reason) {
        case 'unknown':
          throw new SiweNonceUnknownError(
            'this server did not issue the nonce in the message: get one from POST /v1/auth/siwe/nonce',
          );
        case 'expired':
          throw new SiweNonceExpiredError(
            'the nonce in the message expired (10 minutes): get a new one from POST /v1/auth/siwe/nonce',
          );
        case 'used':
          throw new SiweNonceUsedError(
            'the nonce in the message was already used to sign in: a signed message works once',
          );
      }
    }
    const { session } = outcome;
    return {
      token: outcome.token,
      address: session.address,
      chainId: session.chainId,
      domain: session.domain,
      expiresAt: iso(session.expiresAt),
    };
  },
});

// ---- POST /v1/auth/session, POST /v1/auth/session/revoke

const SessionTokenBody = walletBody(
  {
    token: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'The session token from /v1/auth/siwe/verify',
    }),
  },
  { examples: [{ token: EXAMPLE_TOKEN }] },
);

export const getSession = defineOperation({
  id: 'getSession',
  method: 'POST',
  path: '/auth/session',
  summary: 'Check a Sign-In with Ethereum session token',
  description: [
    'Answers the address, chain id and domain a session token is bound to, and when it expires; 401 `SESSION_INVALID`',
    'when the token is malformed, unknown, revoked or expired. The token travels in the body, not the URL, to keep it',
    'out of access logs.',
  ].join(' '),
  tags: AUTH_TAGS,
  body: SessionTokenBody,
  inspectBody: refuseSecrets(),
  response: Type.Object(
    { ...SessionSchema, createdAt: Type.String() },
    {
      examples: [
        {
          address: EXAMPLE_ADDRESS,
          chainId: 1,
          domain: 'localhost',
          createdAt: '2025-07-01T12:00:05.000Z',
          expiresAt: '2025-07-02T12:00:05.000Z',
        },
      ],
    },
  ),
  auth: AUTH_POLICY,
  cache: 'no-store',
  async handler({ body }, { services, now }) {
    const session = await services.siwe.findSession(body.token, now);
    if (!session)
      throw new SessionInvalidError('the session token is unknown, revoked or expired: sign in again');
    return {
      address: session.address,
      chainId: session.chainId,
      domain: session.domain,
      createdAt: iso(session.createdAt),
      expiresAt: iso(session.expiresAt),
    };
  },
});

export const revokeSession = defineOperation({
  id: 'revokeSession',
  method: 'POST',
  path: '/auth/session/revoke',
  summary: 'Sign out: revoke a Sign-In with Ethereum session token',
  description:
    'Ends the session of a token at once. Idempotent: `revoked` is false when there was no live session for it.',
  tags: AUTH_TAGS,
  body: SessionTokenBody,
  inspectBody: refuseSecrets(),
  response: Type.Object({ revoked: Type.Boolean() }, { examples: [{ revoked: true }] }),
  auth: AUTH_POLICY,
  cache: 'no-store',
  async handler({ body }, { services, now }) {
    return { revoked: await services.siwe.revokeSession(body.token, now) };
  },
});
