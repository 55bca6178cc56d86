import type { Address } from 'viem';
import { assertSiweMessage, type SiweMessage } from './assertSiweMessage.js';
import { InvalidSiweMessageError } from './errors.js';

const HEADER_SUFFIX = ' wants you to sign in with your Ethereum account:';
const OPTIONAL_TAGS = [
  ['Expiration Time: ', 'expirationTime'],
  ['Not Before: ', 'notBefore'],
  ['Request ID: ', 'requestId'],
] as const;

/**
 * Parse a SIWE message strictly by the EIP-4361 ABNF: fixed line order, LF line ends, no extra
 * lines, every field checked (EIP-55 address, RFC 3986 URIs, RFC 3339 times, 8+ char nonce).
 * Throws `InvalidSiweMessageError` naming the first problem.
 */
export function parseSiweMessage(message: string): SiweMessage {
  if (typeof message !== 'string') throw new InvalidSiweMessageError('message must be a string');
  const lines = message.split('\n');
  let i = 0;
  const fail = (what: string): never => {
    throw new InvalidSiweMessageError(`line ${i + 1}: ${what}`, {
      issues: [{ path: ['message', i], message: what }],
    });
  };
  const next = (): string | undefined => lines[i++];

  const header = next() ?? '';
  if (!header.endsWith(HEADER_SUFFIX)) fail(`expected "<domain>${HEADER_SUFFIX}"`);
  const origin = header.slice(0, -HEADER_SUFFIX.length);
  const sep = origin.indexOf('://');
  const fields: Record<string, unknown> = {};
  if (sep !== -1) {
    fields.scheme = origin.slice(0, sep);
    fields.domain = origin.slice(sep + 3);
  } else fields.domain = origin;
  if (fields.domain === '') fail('domain is missing');

  const address = next();
  if (address === undefined || !/^0x[0-9a-fA-F]{40}$/.test(address)) fail('expected an address');
  fields.address = address as Address;
  if (next() !== '') fail('expected an empty line after the address');
  // Either "statement LF LF" or just "LF" before the URI line.
  const maybeStatement = next();
  if (maybeStatement === undefined) fail('message ends early');
  if (maybeStatement !== '') {
    fields.statement = maybeStatement;
    if (next() !== '') fail('expected an empty line after the statement (statements are one line)');
  }

  const tagged = (tag: string): string => {
    const line = next();
    if (line === undefined || !line.startsWith(tag)) {
      i--;
      return fail(`expected "${tag.trim()}"`);
    }
    return line.slice(tag.length);
  };
  fields.uri = tagged('URI: ');
  fields.version = tagged('Version: ');
  const chainId = tagged('Chain ID: ');
  if (!/^\d+$/.test(chainId)) fail('Chain ID must be digits');
  fields.chainId = Number(chainId);
  fields.nonce = tagged('Nonce: ');
  fields.issuedAt = tagged('Issued At: ');
  for (const [tag, key] of OPTIONAL_TAGS) {
    if (lines[i]?.startsWith(tag)) fields[key] = tagged(tag);
  }
  if (lines[i] === 'Resources:') {
    i++;
    const resources: string[] = [];
    while (i < lines.length) {
      const line = next()!;
      if (!line.startsWith('- ')) {
        i--;
        fail('expected "- <URI>" in resources');
      }
      resources.push(line.slice(2));
    }
    fields.resources = resources;
  }
  if (i < lines.length) fail('unexpected content (fields out of order or unknown)');
  assertSiweMessage(fields);
  return fields;
}
