import type { Address } from 'viem';
import { getAddress } from 'viem';
import type { ErrorIssue } from '../../internal/errors.js';
import { InvalidSiweMessageError } from './errors.js';
import { siweGrammar } from './siweGrammar.js';

/** The fields of an EIP-4361 Sign-In with Ethereum message. Times are RFC 3339 strings. */
export type SiweMessage = {
  /** Optional URI scheme of the requesting origin (`https` in `https://example.com wants you…`). */
  scheme?: string;
  /** RFC 3986 authority requesting the sign-in (host, optional userinfo and port). */
  domain: string;
  /** EIP-55 checksummed signer address. */
  address: Address;
  /** Human-readable, single-line assertion the user signs. */
  statement?: string;
  /** RFC 3986 URI of the resource that is the subject of the signing. */
  uri: string;
  version: '1';
  chainId: number;
  /** At least 8 alphanumerics; chosen by the relying party to prevent replay. */
  nonce: string;
  issuedAt: string;
  expirationTime?: string;
  notBefore?: string;
  requestId?: string;
  resources?: string[];
};

/**
 * Check every field of a SIWE message against the EIP-4361 ABNF; throws `InvalidSiweMessageError`
 * listing every problem in `issues`.
 */
export function assertSiweMessage(fields: unknown): asserts fields is SiweMessage {
  const issues: ErrorIssue[] = [];
  const bad = (path: string, message: string) => issues.push({ path: [path], message });
  if (fields === null || typeof fields !== 'object')
    throw new InvalidSiweMessageError('message must be an object');
  const f = fields as Record<string, unknown>;
  const str = (key: string, required: boolean): string | undefined => {
    const value = f[key];
    if (value === undefined || value === null) {
      if (required) bad(key, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      bad(key, 'must be a string');
      return undefined;
    }
    return value;
  };
  const scheme = str('scheme', false);
  if (scheme !== undefined && !siweGrammar.scheme(scheme)) bad('scheme', 'must be an RFC 3986 scheme');
  const domain = str('domain', true);
  if (domain !== undefined && (domain === '' || !siweGrammar.authority(domain))) {
    bad('domain', 'must be an RFC 3986 authority');
  }
  const address = str('address', true);
  if (address !== undefined) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(address) || getAddress(address) !== address) {
      bad('address', 'must be an EIP-55 checksummed address');
    }
  }
  const statement = str('statement', false);
  if (statement !== undefined && !siweGrammar.statement(statement)) {
    bad('statement', 'must be one line of RFC 3986 reserved / unreserved characters and spaces');
  }
  const uri = str('uri', true);
  if (uri !== undefined && !siweGrammar.uri(uri)) bad('uri', 'must be an RFC 3986 URI');
  const version = str('version', true);
  if (version !== undefined && version !== '1') bad('version', "must be '1'");
  const chainId = f.chainId;
  if (chainId === undefined || chainId === null) bad('chainId', 'is required');
  else if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId < 0) {
    bad('chainId', 'must be a non-negative safe integer');
  }
  const nonce = str('nonce', true);
  if (nonce !== undefined && !siweGrammar.nonce(nonce)) bad('nonce', 'must be at least 8 letters or digits');
  for (const [key, required] of [
    ['issuedAt', true],
    ['expirationTime', false],
    ['notBefore', false],
  ] as const) {
    const value = str(key, required);
    if (value !== undefined && !siweGrammar.dateTime(value)) bad(key, 'must be an RFC 3339 date-time');
  }
  const requestId = str('requestId', false);
  if (requestId !== undefined && !siweGrammar.requestId(requestId))
    bad('requestId', 'must be RFC 3986 pchars');
  const resources = f.resources;
  if (resources !== undefined && resources !== null) {
    if (!Array.isArray(resources)) bad('resources', 'must be an array of URIs');
    else
      resources.forEach((r: unknown, i) => {
        if (typeof r !== 'string' || !siweGrammar.uri(r))
          issues.push({ path: ['resources', i], message: 'must be an RFC 3986 URI' });
      });
  }
  if (issues.length > 0) {
    const summary = issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new InvalidSiweMessageError(`invalid SIWE message: ${summary}`, { issues });
  }
}
