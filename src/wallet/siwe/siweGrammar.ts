/**
 * EIP-4361 / RFC 3986 / RFC 3339 grammar checks used by the SIWE builder and parser. Each
 * function answers whether a whole string matches one ABNF rule.
 */

// RFC 3986 character classes (inside a regex character class).
const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT})`;
const USERINFO = new RegExp(`^(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT})*$`);
const REG_NAME = new RegExp(`^(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT})*$`);
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
const PATH = new RegExp(`^(?:${PCHAR}|/)*$`);
const QUERY_OR_FRAGMENT = new RegExp(`^(?:${PCHAR}|[/?])*$`);
const IPV_FUTURE = new RegExp(`^v[0-9A-Fa-f]+\\.[${UNRESERVED}${SUB_DELIMS}:]+$`);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const H16 = /^[0-9A-Fa-f]{1,4}$/;
/** `request-id = *pchar` */
const REQUEST_ID = new RegExp(`^${PCHAR}*$`);
/** `statement = *( reserved / unreserved / " " )` — one line, printable ASCII subset. */
const STATEMENT = new RegExp(`^[${UNRESERVED}${SUB_DELIMS}:/?#\\[\\]@ ]*$`);
/** RFC 3339 `date-time`, with calendar checks done separately. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

function isIPv6(value: string): boolean {
  const halves = value.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const parts = halves.flatMap(groups);
  let count = parts.length;
  // The last group may be an embedded IPv4 address (counts as two groups).
  const last = parts[parts.length - 1];
  if (last?.includes('.')) {
    if (!IPV4.test(last)) return false;
    parts.pop();
    count += 1;
  }
  if (!parts.every((p) => H16.test(p))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** RFC 3986 `host`: IP-literal, IPv4address or reg-name. */
function isHost(host: string): boolean {
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return false;
    const inner = host.slice(1, -1);
    return isIPv6(inner) || IPV_FUTURE.test(inner);
  }
  // IPv4address is a subset of reg-name.
  return REG_NAME.test(host);
}

/** RFC 3986 `authority = [ userinfo "@" ] host [ ":" port ]`. */
function isAuthority(value: string): boolean {
  const at = value.lastIndexOf('@');
  const userinfo = at === -1 ? '' : value.slice(0, at);
  if (!USERINFO.test(userinfo)) return false;
  const hostPort = value.slice(at + 1);
  // The port follows the last ':' outside an IP-literal.
  const close = hostPort.lastIndexOf(']');
  const colon = hostPort.lastIndexOf(':');
  if (colon > close) {
    return /^\d*$/.test(hostPort.slice(colon + 1)) && isHost(hostPort.slice(0, colon));
  }
  return isHost(hostPort);
}

/** RFC 3986 `URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]` (absolute, not a reference). */
function isUri(value: string): boolean {
  const colon = value.indexOf(':');
  if (colon < 1 || !SCHEME.test(value.slice(0, colon))) return false;
  let rest = value.slice(colon + 1);
  const hash = rest.indexOf('#');
  if (hash !== -1) {
    if (!QUERY_OR_FRAGMENT.test(rest.slice(hash + 1))) return false;
    rest = rest.slice(0, hash);
  }
  const question = rest.indexOf('?');
  if (question !== -1) {
    if (!QUERY_OR_FRAGMENT.test(rest.slice(question + 1))) return false;
    rest = rest.slice(0, question);
  }
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    const path = slash === -1 ? '' : rest.slice(slash);
    return isAuthority(authority) && PATH.test(path);
  }
  // path-absolute / path-rootless / path-empty: pchar and '/', never starting with '//'.
  return PATH.test(rest);
}

/** RFC 3339 `date-time` that names a real instant (no 2022-02-31, hours < 24, offset < 24h). */
function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days) return false;
  // second 60 is RFC 3339's leap second.
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

/** Milliseconds since the epoch of an RFC 3339 date-time (validate with `dateTime` first). */
function dateTimeMs(value: string): number {
  // A leap second is the last instant of its minute: clamp 60 to 59.999.
  const normalized = value.replace(/:60(\.\d+)?([Zz+-])/, ':59.999$2');
  return Date.parse(normalized.toUpperCase());
}

/** The EIP-4361 grammar, rule by rule. */
export const siweGrammar = {
  /** `domain = authority` (RFC 3986). */
  authority: isAuthority,
  /** `scheme` (RFC 3986). */
  scheme: (value: string) => SCHEME.test(value),
  uri: isUri,
  statement: (value: string) => STATEMENT.test(value),
  /** `nonce = 8*( ALPHA / DIGIT )` */
  nonce: (value: string) => /^[A-Za-z0-9]{8,}$/.test(value),
  /** `chain-id = 1*DIGIT` */
  chainId: (value: string) => /^\d+$/.test(value),
  requestId: (value: string) => REQUEST_ID.test(value),
  dateTime: isDateTime,
  dateTimeMs,
} as const;
