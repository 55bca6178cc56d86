import { createHash } from 'node:crypto';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Db } from '../db/index.js';
import {
  type ImportIssue,
  ImportRejectedError,
  type MarketHints,
  type ParsedFile,
  type ParsedFunding,
  type ParsedOhlcv,
  parseMarketFile,
  splitPair,
} from './csv/parseMarketFile.js';
import { writeBars } from './store.js';
import type { Interval } from './types.js';

/** Maps a market to its asset: `binance` `BTC/USDT` → `{ assetId: 'bitcoin', quote: 'USDT' }`. */
export type MarketResolver = (venue: string, symbol: string) => { assetId: string; quote: string } | null;

export type ImportOptions = {
  venue?: string;
  symbol?: string;
  interval?: Interval;
  /** Called as rows are written (for progress bars). */
  onProgress?(p: ImportProgress): void;
};

export type ImportProgress = {
  file: string;
  rowsDone: number;
  rowsTotal: number;
  filesDone: number;
  filesTotal: number;
};

export type ImportedFile = {
  file: string;
  kind: 'ohlcv' | 'funding';
  venue: string;
  symbol: string;
  interval: Interval | null;
  assetId: string | null;
  rows: number;
  inserted: number;
  updated: number;
};

export type ImportSummary = {
  files: ImportedFile[];
  rows: number;
  inserted: number;
  updated: number;
  /** Metadata files read for venue hints. */
  metadataFiles: string[];
  parseMs: number;
  writeMs: number;
};

const FUNDING_CHUNK_ROWS = 20_000;
/** First line of a metadata file naming the venue of the files beside it. */
const METADATA_HEADER_RE = /^pair,interval,start_utc,end_utc,exchange\s*$/im;
// Bytes read to recognise a metadata file that was not asked for.
const HEAD_BYTES = 200;

/** The first bytes of a file as text ('' when it cannot be read). */
async function readHead(file: string): Promise<string> {
  try {
    const h = await open(file, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await h.read(buf, 0, HEAD_BYTES, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await h.close();
    }
  } catch {
    return '';
  }
}

/** Every `.csv` under the given files and directories, sorted, each once. */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  const issues: ImportIssue[] = [];
  const walk = async (p: string): Promise<void> => {
    const entries = await readdir(p, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(p, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.csv')) out.add(full);
    }
  };
  for (const raw of paths) {
    const p = resolve(raw);
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(p);
    } catch {
      issues.push({ file: raw, line: 0, column: null, message: 'no such file or directory' });
      continue;
    }
    if (s.isDirectory()) await walk(p);
    else out.add(p);
  }
  if (issues.length > 0) throw new ImportRejectedError(issues);
  return [...out];
}

type Prepared =
  | { parsed: ParsedOhlcv; sha256: string; assetId: string; quote: string }
  | { parsed: ParsedFunding; sha256: string };

/**
 * Parse and validate every file first, then write each file in its own transaction: a bad file
 * anywhere means nothing is written, and a crash mid-import leaves whole files only (importing
 * again completes the rest; identical rows are never rewritten).
 */
export async function importMarketFiles(
  deps: { db: Db; resolveMarket: MarketResolver; now?: () => number },
  paths: readonly string[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const now = deps.now ?? Date.now;
  const t0 = performance.now();
  const files = await expandPaths(paths);
  if (files.length === 0)
    throw new ImportRejectedError([
      { file: paths.join(' '), line: 0, column: null, message: 'no .csv files found' },
    ]);

  // Metadata files first: they name the venue of the other files in their directory.
  const texts = new Map<string, string>();
  const venueByDirPair = new Map<string, string>();
  const metadataFiles: string[] = [];
  const issues: ImportIssue[] = [];
  const parsed = new Map<string, ParsedFile>();
  for (const f of files) {
    const text = await readFile(f, 'utf8');
    texts.set(f, text);
    if (METADATA_HEADER_RE.test(text.slice(0, 200))) {
      try {
        const m = parseMarketFile(text, f);
        if (m.kind === 'metadata') {
          metadataFiles.push(f);
          for (const [pair, venue] of m.venueByPair) venueByDirPair.set(`${dirname(f)}|${pair}`, venue);
        }
        parsed.set(f, m);
      } catch (err) {
        if (err instanceof ImportRejectedError) issues.push(...err.issues);
        else throw err;
      }
    }
  }

  // A file imported without the metadata file beside it (`import dir/BTCUSD_1m.csv`) still takes
  // its venue from it: otherwise Binance.US bars would be stored as Binance's.
  const listed = new Set(files);
  for (const dir of new Set(files.filter((f) => !parsed.has(f)).map((f) => dirname(f)))) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const f = join(dir, name);
      if (listed.has(f) || !name.toLowerCase().endsWith('.csv')) continue;
      if (!METADATA_HEADER_RE.test(await readHead(f))) continue;
      try {
        const m = parseMarketFile(await readFile(f, 'utf8'), f);
        if (m.kind !== 'metadata') continue;
        metadataFiles.push(f);
        for (const [pair, venue] of m.venueByPair) venueByDirPair.set(`${dir}|${pair}`, venue);
      } catch (err) {
        if (err instanceof ImportRejectedError) issues.push(...err.issues);
        else throw err;
      }
    }
  }

  const prepared: Prepared[] = [];
  for (const f of files) {
    if (parsed.has(f)) continue;
    const text = texts.get(f)!;
    const hints: MarketHints = {};
    if (options.interval) hints.interval = options.interval;
    if (options.symbol) hints.symbol = options.symbol;
    if (options.venue) hints.venue = options.venue;
    else {
      const pair = /^([A-Za-z0-9]+?)(?:_USDM)?[_-]/.exec(basename(f))?.[1]?.toUpperCase();
      const v = pair ? venueByDirPair.get(`${dirname(f)}|${pair}`) : undefined;
      if (v) hints.venue = v;
    }
    let p: ParsedFile;
    try {
      p = parseMarketFile(text, f, hints);
    } catch (err) {
      if (err instanceof ImportRejectedError) {
        issues.push(...err.issues);
        continue;
      }
      throw err;
    }
    const sha256 = createHash('sha256').update(text).digest('hex');
    texts.delete(f);
    if (p.kind === 'metadata') continue;
    if (p.kind === 'funding') {
      prepared.push({ parsed: p, sha256 });
      continue;
    }
    const r = deps.resolveMarket(p.venue, p.symbol);
    if (!r) {
      issues.push({
        file: f,
        line: 1,
        column: null,
        message: `unknown asset for market ${p.symbol} on ${p.venue}: add it to the asset registry or pass --symbol`,
      });
      continue;
    }
    prepared.push({ parsed: p, sha256, assetId: r.assetId, quote: r.quote });
  }
  // The same market and interval in two files (the shared data has BTC 4h twice): fine where
  // they agree; a bar that differs between them would make the result depend on file order.
  const seen = new Map<string, ParsedOhlcv[]>();
  for (const p of prepared) {
    if (p.parsed.kind !== 'ohlcv') continue;
    const k = `${p.parsed.venue}|${p.parsed.symbol}|${p.parsed.interval}`;
    const others = seen.get(k) ?? [];
    for (const other of others) {
      const clash = firstConflict(other, p.parsed);
      if (clash !== null)
        issues.push({
          file: p.parsed.file,
          line: 0,
          column: null,
          message: `bar ${new Date(clash).toISOString()} of ${p.parsed.symbol} ${p.parsed.interval} on ${p.parsed.venue} differs from the same bar in ${other.file}`,
        });
    }
    others.push(p.parsed);
    seen.set(k, others);
  }
  if (issues.length > 0) throw new ImportRejectedError(issues);
  const parseMs = performance.now() - t0;

  const t1 = performance.now();
  const summary: ImportSummary = {
    files: [],
    rows: 0,
    inserted: 0,
    updated: 0,
    metadataFiles,
    parseMs,
    writeMs: 0,
  };
  const rowsTotal = prepared.reduce((s, p) => s + p.parsed.length, 0);
  let rowsDone = 0;
  for (const [i, p] of prepared.entries()) {
    const f = p.parsed.file;
    const result = await deps.db.transaction(async (tx) => {
      if (p.parsed.kind === 'ohlcv' && 'assetId' in p) {
        const { venue, symbol, interval } = p.parsed;
        const w = await writeBars(
          tx,
          { venue, symbol, interval, assetId: p.assetId, quote: p.quote },
          p.parsed,
          now(),
        );
        await tx.query(
          `insert into market_imports (file, sha256, kind, venue, symbol, interval, rows, inserted, updated)
           values ($1, $2, 'ohlcv', $3, $4, $5, $6, $7, $8)`,
          [f, p.sha256, venue, symbol, interval, p.parsed.length, w.inserted, w.updated],
        );
        return { ...w, interval, assetId: p.assetId as string | null };
      }
      const fp = p.parsed as ParsedFunding;
      const w = await writeFunding(tx, fp);
      await tx.query(
        `insert into market_imports (file, sha256, kind, venue, symbol, interval, rows, inserted, updated)
         values ($1, $2, 'funding', $3, $4, null, $5, $6, $7)`,
        [f, p.sha256, fp.venue, fp.symbol, fp.length, w.inserted, w.updated],
      );
      return { ...w, interval: null, assetId: null };
    });
    rowsDone += p.parsed.length;
    summary.files.push({
      file: f,
      kind: p.parsed.kind,
      venue: p.parsed.venue,
      symbol: p.parsed.symbol,
      interval: result.interval,
      assetId: result.assetId,
      rows: p.parsed.length,
      inserted: result.inserted,
      updated: result.updated,
    });
    summary.rows += p.parsed.length;
    summary.inserted += result.inserted;
    summary.updated += result.updated;
    options.onProgress?.({ file: f, rowsDone, rowsTotal, filesDone: i + 1, filesTotal: prepared.length });
  }
  summary.writeMs = performance.now() - t1;
  return summary;
}

/** Open time of the first bar present in both (sorted) files with different values, or null. */
function firstConflict(a: ParsedOhlcv, b: ParsedOhlcv): number | null {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ta = a.openTime[i]!;
    const tb = b.openTime[j]!;
    if (ta < tb) i++;
    else if (tb < ta) j++;
    else {
      if (
        a.open[i] !== b.open[j] ||
        a.high[i] !== b.high[j] ||
        a.low[i] !== b.low[j] ||
        a.close[i] !== b.close[j] ||
        a.volume[i] !== b.volume[j]
      )
        return ta;
      i++;
      j++;
    }
  }
  return null;
}

async function writeFunding(
  tx: Parameters<Parameters<Db['transaction']>[0]>[0],
  p: ParsedFunding,
): Promise<{ inserted: number; updated: number }> {
  let inserted = 0;
  let updated = 0;
  for (let from = 0; from < p.length; from += FUNDING_CHUNK_ROWS) {
    const to = Math.min(p.length, from + FUNDING_CHUNK_ROWS);
    const rows = await tx.query<{ ins: number; upd: number }>(
      `with up as (
         insert into funding_rates (venue, symbol, ts, rate, mark_price)
         select $1, $2, u.t, u.r, u.m from unnest($3::bigint[], $4::float8[], $5::float8[]) as u(t, r, m)
         on conflict (venue, symbol, ts) do update set rate = excluded.rate, mark_price = excluded.mark_price
           where (funding_rates.rate, funding_rates.mark_price) is distinct from (excluded.rate, excluded.mark_price)
         returning (xmax = 0) as ins
       )
       select count(*) filter (where ins)::int as ins, count(*) filter (where not ins)::int as upd from up`,
      [
        p.venue,
        p.symbol,
        Array.from(p.ts.subarray(from, to)),
        Array.from(p.rate.subarray(from, to)),
        Array.from(p.markPrice.subarray(from, to)),
      ],
    );
    inserted += rows[0]?.ins ?? 0;
    updated += rows[0]?.upd ?? 0;
  }
  return { inserted, updated };
}

/** Base and quote of a CCXT symbol (`BTC/USDT:USDT` → BTC, USDT). */
export function baseQuote(symbol: string): { base: string; quote: string } | null {
  const m = /^([A-Z0-9]+)\/([A-Z0-9]+)(?::[A-Z0-9]+)?$/.exec(symbol);
  if (m) return { base: m[1]!, quote: m[2]! };
  return splitPair(symbol);
}
