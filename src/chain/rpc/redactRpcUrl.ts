const MASK = '***';
// Path segments and query values shorter than this are not treated as secrets by the scrubber
// (`v3`, `rpc`): no provider issues keys that short, and masking them would garble messages.
const MIN_SECRET_CHARS = 4;

/**
 * An RPC URL as it may appear in logs and errors: scheme and host (with port) only. Providers put
 * API keys in the path (`/v3/<key>`, `/v2/<key>`), the query (`?apikey=`) or the user info, so
 * everything after the host is masked as a whole rather than guessed at.
 * @example redactRpcUrl('https://mainnet.infura.io/v3/abc123') // 'https://mainnet.infura.io/***'
 * @example redactRpcUrl('http://127.0.0.1:8545') // 'http://127.0.0.1:8545'
 */
export function redactRpcUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(invalid url)';
  }
  const hidden = (u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '';
  const userInfo = u.username !== '' || u.password !== '' ? `${MASK}@` : '';
  return `${u.protocol}//${userInfo}${u.host}${hidden ? `/${MASK}` : ''}`;
}

/**
 * A function that masks every secret-looking part of `urls` in a text: each whole URL becomes its
 * `redactRpcUrl` form; its path and query, each long path segment, query value and user info
 * become `***`. For text that came from outside (a node's error message, an HTML error page that
 * echoes the request path) before it goes into an error or a log line.
 * @example createSecretScrubber(['http://h/v3/KEY123'])('Cannot POST /v3/KEY123') // 'Cannot POST ***'
 */
export function createSecretScrubber(urls: readonly string[]): (text: string) => string {
  const replacements = new Map<string, string>();
  for (const url of urls) {
    replacements.set(url, redactRpcUrl(url));
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      continue;
    }
    const add = (s: string) => {
      if (s.length < MIN_SECRET_CHARS || replacements.has(s)) return;
      replacements.set(s, MASK);
      // Error pages and proxies may echo the percent-decoded form.
      try {
        const decoded = decodeURIComponent(s);
        if (!replacements.has(decoded)) replacements.set(decoded, MASK);
      } catch {}
    };
    add(`${u.pathname}${u.search}`);
    add(u.pathname.replace(/\/+$/, ''));
    add(u.search.slice(1));
    for (const segment of u.pathname.split('/')) add(segment);
    for (const value of u.searchParams.values()) add(value);
    add(u.username);
    add(u.password);
  }
  // Longest first, so a whole URL becomes its redacted form before its path is masked.
  const ordered = [...replacements].sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let out = text;
    for (const [secret, replacement] of ordered)
      if (out.includes(secret)) out = out.split(secret).join(replacement);
    return out;
  };
}
