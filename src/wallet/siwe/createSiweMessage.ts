import { assertSiweMessage, type SiweMessage } from './assertSiweMessage.js';

const HEADER_SUFFIX = ' wants you to sign in with your Ethereum account:';

/**
 * Format a SIWE message exactly as EIP-4361 lays it out (the text the wallet signs). Fields are
 * validated first; throws `InvalidSiweMessageError`.
 * @example
 * createSiweMessage({ domain: 'example.com', address, uri: 'https://example.com/login', version: '1',
 *   chainId: 1, nonce: createNonce(), issuedAt: new Date(now).toISOString() })
 */
export function createSiweMessage(fields: SiweMessage): string {
  assertSiweMessage(fields);
  const origin = fields.scheme === undefined ? fields.domain : `${fields.scheme}://${fields.domain}`;
  const lines = [`${origin}${HEADER_SUFFIX}`, fields.address, ''];
  // Without a statement the ABNF still keeps both blank lines: address LF LF LF "URI: ".
  lines.push(fields.statement === undefined ? '' : `${fields.statement}\n`);
  lines.push(
    `URI: ${fields.uri}`,
    `Version: ${fields.version}`,
    `Chain ID: ${fields.chainId}`,
    `Nonce: ${fields.nonce}`,
    `Issued At: ${fields.issuedAt}`,
  );
  if (fields.expirationTime !== undefined) lines.push(`Expiration Time: ${fields.expirationTime}`);
  if (fields.notBefore !== undefined) lines.push(`Not Before: ${fields.notBefore}`);
  if (fields.requestId !== undefined) lines.push(`Request ID: ${fields.requestId}`);
  if (fields.resources !== undefined && fields.resources.length > 0) {
    lines.push('Resources:', ...fields.resources.map((r) => `- ${r}`));
  }
  return lines.join('\n');
}
