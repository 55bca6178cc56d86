import { parseTimestamp } from '../time.js';
import { INTERVAL_MS, type Interval, isInterval } from '../types.js';

/** One problem in an imported file, located by line (1-based) and column name. */
export type ImportIssue = { file: string; line: number; column: string | null; message: string };

/** A file (or set of files) that cannot be imported; nothing of it was written. */
export class ImportRejectedError extends Error {
  constructor(readonly issues: ImportIssue[]) {
    const first = issues[0];
    super(
      first
        ? `${first.file}:${first.line}${first.column ? ` (${first.column})` : ''}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
        : 'import rejected',
    );
    this.name = 'ImportRejectedError';
  }
}

/** Market identity of an OHLCV file, from options, the file name or a metadata file beside it. */
export type MarketHints = {
  venue?: string;
  /** CCXT symbol, `BTC/USDT`. */
  symbol?: string;
  interval?: Interval;
};

export type ParsedOhlcv = {
  kind: 'ohlcv';
  file: string;
  venue: string;
  symbol: string;
  interval: Interval;
  /** Sorted ascending by open time, duplicates removed; columns as typed arrays. */
  openTime: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  length: number;
};

export type ParsedFunding = {
  kind: 'funding';
  file: string;
  venue: string;
  symbol: string;
  ts: Float64Array;
  rate: Float64Array;
  markPrice: Float64Array;
  length: number;
};

/** A metadata file naming the venue of its neighbours (e.g. `exchange = Binance.US`). */
export type ParsedMetadata = { kind: 'metadata'; file: string; venueByPair: Map<string, string> };

export type ParsedFile = ParsedOhlcv | ParsedFunding | ParsedMetadata;

const MAX_ISSUES_PER_FILE = 20;
const HEADER_ONLY = 'no data rows: the file has a header line only';
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Quote currencies recognised at the end of a pair name, longest first. */
const QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'USD', 'DAI', 'EUR', 'TRY', 'BTC', 'ETH', 'BNB'];
const TIME_COLUMNS = new Set(['timestamp', 'open_time', 'opentime', 'time', 'date', 'datetime', 'ts']);
const BINANCE_KLINE_COLUMNS = 12;
const VENUE_NAMES: Record<string, string> = {
  'binance.us': 'binanceus',
  binanceus: 'binanceus',
  binance: 'binance',
  coinbase: 'coinbase',
  kraken: 'kraken',
  okx: 'okx',
  bybit: 'bybit',
};

/** `BTCUSDT` → `BTC/USDT`, or null when no known quote currency ends the name. */
export function splitPair(pair: string): { base: string; quote: string } | null {
  const p = pair.toUpperCase();
  for (const q of QUOTES) {
    if (p.length > q.length && p.endsWith(q)) return { base: p.slice(0, -q.length), quote: q };
  }
  return null;
}

/** What a file name says: `BTCUSDT_1d.csv`, `BTCUSDT_USDM_1h.csv`, `BTCUSDT-1h-2024-01.csv`, `BTCUSDT_funding.csv`. */
export function hintsFromFileName(name: string): MarketHints & { funding?: boolean } {
  const base = name.replace(/^.*[\\/]/, '').replace(/\.csv$/i, '');
  const m = /^([A-Za-z0-9]+?)(_USDM)?[_-](\d+[mhdw]|funding)(?:[_-].*)?$/i.exec(base);
  if (!m) return {};
  const pair = splitPair(m[1]!);
  if (!pair) return {};
  const perp = Boolean(m[2]);
  const out: MarketHints & { funding?: boolean } = {
    venue: perp ? 'binanceusdm' : 'binance',
    symbol: perp ? `${pair.base}/${pair.quote}:${pair.quote}` : `${pair.base}/${pair.quote}`,
  };
  const tf = m[3]!.toLowerCase();
  if (tf === 'funding') {
    out.venue = 'binanceusdm';
    out.symbol = `${pair.base}/${pair.quote}:${pair.quote}`;
    out.funding = true;
  } else if (isInterval(tf)) out.interval = tf;
  return out;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  // A final newline leaves one empty string behind.
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

function parseNumber(s: string): number {
  return NUMBER_RE.test(s) ? Number(s) : Number.NaN;
}

/**
 * Parse one market CSV. Validates every row (column count, numbers, timestamps aligned to the
 * interval, `low <= open/close <= high`, no conflicting duplicates) and throws
 * `ImportRejectedError` listing the problems by line and column; returns typed columns.
 */
export function parseMarketFile(text: string, file: string, hints: MarketHints = {}): ParsedFile {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 BOM
  const lines = splitLines(text);
  const issues: ImportIssue[] = [];
  const fail = (line: number, column: string | null, message: string): never => {
    issues.push({ file, line, column, message });
    throw new ImportRejectedError(issues);
  };
  if (lines.length === 0) fail(1, null, 'file is empty');
  const first = lines[0]!.split(',').map((c) => c.trim().toLowerCase());
  const fromName = hintsFromFileName(file);

  if (first.join(',') === 'pair,interval,start_utc,end_utc,exchange') {
    const venueByPair = new Map<string, string>();
    if (lines.length === 1) fail(1, null, HEADER_ONLY);
    for (let i = 1; i < lines.length; i++) {
      const cells = lines[i]!.split(',');
      const venue = VENUE_NAMES[(cells[4] ?? '').trim().toLowerCase()];
      if (cells.length !== 5) fail(i + 1, null, `expected 5 columns, found ${cells.length}`);
      if (!venue) fail(i + 1, 'exchange', `unknown exchange ${JSON.stringify(cells[4])}`);
      venueByPair.set(cells[0]!.trim().toUpperCase(), venue!);
    }
    return { kind: 'metadata', file, venueByPair };
  }

  if (first.length === 3 && TIME_COLUMNS.has(first[0]!) && first[1] === 'funding_rate') {
    const venue = hints.venue ?? fromName.venue;
    const symbol = hints.symbol ?? fromName.symbol;
    if (!venue || !symbol)
      fail(1, null, 'cannot tell the market of this funding file from its name: pass --venue and --symbol');
    const n = lines.length - 1;
    // An empty file would leave an import record of nothing behind: it is a mistake, say so.
    if (n === 0) fail(1, null, HEADER_ONLY);
    const ts = new Float64Array(n);
    const rate = new Float64Array(n);
    const mark = new Float64Array(n);
    for (let i = 1; i < lines.length && issues.length < MAX_ISSUES_PER_FILE; i++) {
      const cells = lines[i]!.split(',');
      const lineNo = i + 1;
      if (cells.length !== 3) {
        issues.push({
          file,
          line: lineNo,
          column: null,
          message: `expected 3 columns, found ${cells.length}`,
        });
        continue;
      }
      const t = parseTimestamp(cells[0]!);
      // Binance stamps funding a few ms after the hour: round to the second.
      if (typeof t === 'string') issues.push({ file, line: lineNo, column: first[0]!, message: t });
      else ts[i - 1] = Math.round(t / 1000) * 1000;
      const r = parseNumber(cells[1]!.trim());
      const mp = parseNumber(cells[2]!.trim());
      if (!Number.isFinite(r))
        issues.push({ file, line: lineNo, column: 'funding_rate', message: `not a number: ${cells[1]}` });
      if (!(mp > 0))
        issues.push({
          file,
          line: lineNo,
          column: 'mark_price',
          message: `not a positive number: ${cells[2]}`,
        });
      rate[i - 1] = r;
      mark[i - 1] = mp;
    }
    if (issues.length > 0) throw new ImportRejectedError(issues);
    for (let i = 1; i < n; i++)
      if (ts[i]! <= ts[i - 1]!)
        fail(i + 2, first[0]!, 'timestamps must be strictly increasing in a funding file');
    return { kind: 'funding', file, venue: venue!, symbol: symbol!, ts, rate, markPrice: mark, length: n };
  }

  // OHLCV: a header naming the six columns (any order, time column under a usual name), or
  // Binance's headerless 12-column kline export.
  let col = { t: 0, o: 1, h: 2, l: 3, c: 4, v: 5 };
  let ncols = 6;
  let start = 1;
  let timeName = 'timestamp';
  const firstIsNumeric = /^\d/.test(first[0] ?? '');
  if (firstIsNumeric) {
    ncols = first.length;
    if (ncols !== BINANCE_KLINE_COLUMNS && ncols !== 6)
      fail(
        1,
        null,
        `no header and ${ncols} columns: expected a header line timestamp,open,high,low,close,volume or Binance's 12-column kline format`,
      );
    start = 0;
    timeName = 'open_time';
  } else {
    const idx = (names: string[]) => first.findIndex((c) => names.includes(c));
    const t = first.findIndex((c) => TIME_COLUMNS.has(c));
    col = { t, o: idx(['open']), h: idx(['high']), l: idx(['low']), c: idx(['close']), v: idx(['volume']) };
    const missing = Object.entries({
      timestamp: col.t,
      open: col.o,
      high: col.h,
      low: col.l,
      close: col.c,
      volume: col.v,
    })
      .filter(([, i]) => i < 0)
      .map(([k]) => k);
    if (missing.length > 0)
      fail(1, null, `header ${JSON.stringify(lines[0])} lacks column(s) ${missing.join(', ')}`);
    const known = new Set([...TIME_COLUMNS, 'open', 'high', 'low', 'close', 'volume']);
    const binanceExtra = new Set([
      'close_time',
      'quote_volume',
      'quote_asset_volume',
      'count',
      'trades',
      'number_of_trades',
      'taker_buy_volume',
      'taker_buy_base_asset_volume',
      'taker_buy_quote_volume',
      'taker_buy_quote_asset_volume',
      'ignore',
    ]);
    const unknown = first.filter((c) => !known.has(c) && !binanceExtra.has(c));
    if (unknown.length > 0) fail(1, null, `unexpected column(s) ${unknown.join(', ')} in header`);
    ncols = first.length;
    timeName = first[col.t]!;
  }

  const venue = hints.venue ?? fromName.venue;
  const symbol = hints.symbol ?? fromName.symbol;
  if (!venue || !symbol)
    fail(
      1,
      null,
      'cannot tell the market from the file name (expected e.g. BTCUSDT_1h.csv): pass --venue and --symbol',
    );

  const n = lines.length - start;
  if (n === 0) fail(1, null, HEADER_ONLY);
  const ot = new Float64Array(n);
  const o = new Float64Array(n);
  const h = new Float64Array(n);
  const l = new Float64Array(n);
  const c = new Float64Array(n);
  const v = new Float64Array(n);
  const colName = ['', 'open', 'high', 'low', 'close', 'volume'];
  for (let i = start; i < lines.length; i++) {
    if (issues.length >= MAX_ISSUES_PER_FILE) break;
    const lineNo = i + 1;
    const line = lines[i]!;
    if (line.trim() === '') {
      issues.push({ file, line: lineNo, column: null, message: 'empty line' });
      continue;
    }
    const cells = line.split(',');
    if (cells.length !== ncols) {
      issues.push({
        file,
        line: lineNo,
        column: null,
        message: `expected ${ncols} columns, found ${cells.length}`,
      });
      continue;
    }
    const j = i - start;
    const t = parseTimestamp(cells[col.t]!);
    if (typeof t === 'string') issues.push({ file, line: lineNo, column: timeName, message: t });
    else ot[j] = t;
    const vals = [0, col.o, col.h, col.l, col.c, col.v].map((k, q) =>
      q === 0 ? 0 : parseNumber(cells[k]!.trim()),
    );
    let ok = true;
    for (let q = 1; q <= 5; q++) {
      const x = vals[q]!;
      const bad = q === 5 ? !(x >= 0) : !(x > 0);
      if (bad || !Number.isFinite(x)) {
        ok = false;
        issues.push({
          file,
          line: lineNo,
          column: colName[q]!,
          message: `${q === 5 ? 'not a non-negative number' : 'not a positive number'}: ${JSON.stringify(cells[[0, col.o, col.h, col.l, col.c, col.v][q]!])}`,
        });
      }
    }
    if (!ok) continue;
    const [, oo, hh, ll, cc, vv] = vals as [number, number, number, number, number, number];
    if (hh < ll)
      issues.push({ file, line: lineNo, column: 'high', message: `high ${hh} is below low ${ll}` });
    else if (hh < Math.max(oo, cc))
      issues.push({ file, line: lineNo, column: 'high', message: `high ${hh} is below open/close` });
    else if (ll > Math.min(oo, cc))
      issues.push({ file, line: lineNo, column: 'low', message: `low ${ll} is above open/close` });
    o[j] = oo;
    h[j] = hh;
    l[j] = ll;
    c[j] = cc;
    v[j] = vv;
  }
  if (issues.length > 0) throw new ImportRejectedError(issues);

  // Interval: given, from the name, or the smallest spacing between rows.
  let interval = hints.interval ?? fromName.interval;
  if (!interval) {
    let minGap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < n; i++) {
      const d = Math.abs(ot[i]! - ot[i - 1]!);
      if (d > 0 && d < minGap) minGap = d;
    }
    const found = (Object.entries(INTERVAL_MS) as [Interval, number][]).find(([, ms]) => ms === minGap);
    if (!found)
      fail(1, null, 'cannot tell the interval from the file name or the row spacing: pass --interval');
    interval = found![0];
  }
  const step = INTERVAL_MS[interval!];

  // Sort by time (files are usually sorted already), then reject misaligned and conflicting rows.
  const order = new Uint32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (i > 0 && ot[i]! < ot[i - 1]!) sorted = false;
  }
  if (!sorted) order.sort((a, b) => ot[a]! - ot[b]! || a - b);
  const out = {
    openTime: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  let m = 0;
  for (let k = 0; k < n && issues.length < MAX_ISSUES_PER_FILE; k++) {
    const i = order[k]!;
    const lineNo = i + start + 1;
    const t = ot[i]!;
    if (t % step !== 0) {
      issues.push({
        file,
        line: lineNo,
        column: timeName,
        message: `${new Date(t).toISOString()} is not aligned to the ${interval} interval (UTC)`,
      });
      continue;
    }
    if (m > 0 && out.openTime[m - 1] === t) {
      const p = m - 1;
      if (
        out.open[p] !== o[i] ||
        out.high[p] !== h[i] ||
        out.low[p] !== l[i] ||
        out.close[p] !== c[i] ||
        out.volume[p] !== v[i]
      )
        issues.push({
          file,
          line: lineNo,
          column: timeName,
          message: `duplicate timestamp ${new Date(t).toISOString()} with different values`,
        });
      continue; // an exact duplicate row is harmless: keep one
    }
    out.openTime[m] = t;
    out.open[m] = o[i]!;
    out.high[m] = h[i]!;
    out.low[m] = l[i]!;
    out.close[m] = c[i]!;
    out.volume[m] = v[i]!;
    m++;
  }
  if (issues.length > 0) throw new ImportRejectedError(issues);
  return {
    kind: 'ohlcv',
    file,
    venue: venue!,
    symbol: symbol!,
    interval: interval!,
    openTime: out.openTime.subarray(0, m),
    open: out.open.subarray(0, m),
    high: out.high.subarray(0, m),
    low: out.low.subarray(0, m),
    close: out.close.subarray(0, m),
    volume: out.volume.subarray(0, m),
    length: m,
  };
}
