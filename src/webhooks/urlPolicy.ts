import { isIP } from 'node:net';

/** Most characters in a webhook URL. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * True for loopback, private, link-local, CGNAT, multicast, unspecified and other non-public
 * addresses (IPv4, IPv6 and IPv4-mapped IPv6): where a webhook must not reach unless allowed.
 */
export function isPrivateAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  if (v === 6) {
    const x = ip.toLowerCase().replace(/^\[|\]$/g, '');
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(x);
    if (mapped) return isPrivateAddress(mapped[1]!);
    return (
      x === '::' ||
      x === '::1' ||
      x.startsWith('fc') ||
      x.startsWith('fd') ||
      /^fe[89ab]/.test(x) ||
      x.startsWith('ff')
    );
  }
  return false;
}

/**
 * Check a webhook URL: absolute http(s), no credentials, no fragment, and — unless private
 * targets are allowed — not a loopback/private address or `localhost` name. Returns the reason
 * it is refused, or null. (Names are resolved again at delivery time: see the dispatcher.)
 */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | null {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return `is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https (or http)';
  if (url.username || url.password) return 'must not contain credentials: use the signing secret instead';
  if (url.hash) return 'must not contain a #fragment';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host))
    return 'points to a loopback or private address, which this server does not call (WEBHOOK_ALLOW_PRIVATE)';
  return null;
}
