import { readFileSync, statSync } from 'node:fs';
import { normalizeAddress } from './format.js';

/** One labelled address: `label` is the set it belongs to (`exchange`), `name` who it is. */
export type AddressLabel = {
  address: string;
  label: string;
  name: string | null;
  /** Only on this chain; null = on every EVM chain (same address everywhere). */
  chainId: number | null;
};

/** A parsed label file. */
export type AddressLabels = {
  /** Where the labels came from (a path), for messages. */
  source: string;
  entries: readonly AddressLabel[];
};

// Label files are small, hand-kept lists; a bigger file is a mistake (or the wrong file).
const LABEL_FILE_MAX_BYTES = 16 * 1024 * 1024;
const LABEL_RE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const NAME_MAX_CHARS = 200;

function entry(raw: Record<string, unknown>, where: string): AddressLabel {
  const address = typeof raw.address === 'string' ? normalizeAddress(raw.address.trim()) : null;
  if (!address) throw new Error(`${where}: address must be 0x followed by 40 hex digits`);
  const label = typeof raw.label === 'string' ? raw.label.trim().toLowerCase() : '';
  if (!LABEL_RE.test(label))
    throw new Error(`${where}: label must be 1-64 characters of a-z 0-9 _ . - (e.g. exchange)`);
  const name = raw.name === undefined || raw.name === null || raw.name === '' ? null : raw.name;
  if (name !== null && (typeof name !== 'string' || name.length > NAME_MAX_CHARS))
    throw new Error(`${where}: name must be a string of at most ${NAME_MAX_CHARS} characters`);
  const c = raw.chainId;
  const chainId = c === undefined || c === null || c === '' ? null : Number(c);
  if (chainId !== null && !(Number.isSafeInteger(chainId) && chainId > 0))
    throw new Error(`${where}: chainId must be a positive integer (or left out for every chain)`);
  return { address, label, name: name === null ? null : name.trim(), chainId };
}

/** Split one CSV line (RFC 4180 quoting: "a, b" and "" for a quote). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/**
 * Parse a label file's text. JSON: an array of `{address, label, name?, chainId?}`, or an object
 * with such an array under `labels`. CSV: a header naming the columns `address` and `label`
 * (`name`, `chainId` optional), one address per line; `#` starts a comment line. Throws an Error
 * naming the entry or line that is wrong.
 * @example parseAddressLabels('address,label\n0x28c6…1d60,exchange', 'csv').entries[0].label // 'exchange'
 */
export function parseAddressLabels(text: string, format: 'json' | 'csv', source = '(inline)'): AddressLabels {
  const entries: AddressLabel[] = [];
  if (format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new Error(`${source} is not valid JSON: ${(err as Error).message}`);
    }
    const list = Array.isArray(doc) ? doc : (doc as { labels?: unknown } | null)?.labels;
    if (!Array.isArray(list))
      throw new Error(`${source} must be a JSON array of labels or an object with "labels"`);
    list.forEach((raw, i) => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        throw new Error(`${source}: entry ${i + 1} must be an object`);
      entries.push(entry(raw as Record<string, unknown>, `${source}: entry ${i + 1}`));
    });
  } else {
    const lines = text.split(/\r?\n/);
    let header: string[] | null = null;
    lines.forEach((line, i) => {
      if (line.trim() === '' || line.trimStart().startsWith('#')) return;
      const fields = csvFields(line);
      if (!header) {
        header = fields.map((f) => f.toLowerCase());
        if (!header.includes('address') || !header.includes('label'))
          throw new Error(`${source}: the CSV header must name the columns address and label`);
        return;
      }
      const h = header;
      const raw: Record<string, unknown> = {};
      h.forEach((name, k) => {
        raw[name === 'chainid' ? 'chainId' : name] = fields[k] ?? '';
      });
      entries.push(entry(raw, `${source}: line ${i + 1}`));
    });
  }
  return { source, entries };
}

/**
 * Read a JSON or CSV label file (by extension; otherwise by its first character). Throws an
 * Error naming the file and what is wrong.
 * @example loadAddressLabels(config.chainLabelsFile) // { source, entries: [...] }
 */
export function loadAddressLabels(path: string): AddressLabels {
  let text: string;
  try {
    if (statSync(path).size > LABEL_FILE_MAX_BYTES)
      throw new Error(`is larger than ${LABEL_FILE_MAX_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`label file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const lower = path.toLowerCase();
  const format = lower.endsWith('.json')
    ? 'json'
    : lower.endsWith('.csv')
      ? 'csv'
      : /^\s*[[{]/.test(text)
        ? 'json'
        : 'csv';
  return parseAddressLabels(text.replace(/^\uFEFF/, ''), format, path);
}

/** The addresses carrying `label` on `chainId`, each with its name (first one listed wins). */
export function labelledAddresses(
  labels: AddressLabels,
  label: string,
  chainId: number,
): Map<string, string | null> {
  const want = label.toLowerCase();
  const out = new Map<string, string | null>();
  for (const e of labels.entries)
    if (e.label === want && (e.chainId === null || e.chainId === chainId) && !out.has(e.address))
      out.set(e.address, e.name);
  return out;
}

/** The distinct labels of a label file, sorted. */
export function labelNames(labels: AddressLabels): string[] {
  return [...new Set(labels.entries.map((e) => e.label))].sort();
}
