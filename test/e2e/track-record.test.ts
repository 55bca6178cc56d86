import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

/**
 * Smoke test of `sextant track-record` on a small data folder laid out like the shared data
 * (daily bars of six assets, hourly BTC and ETH): deterministic random walks written to a scratch
 * directory, so it runs in a few seconds with or without ../shared/data.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const DAILY = ['BTC', 'ETH', 'SOL', 'ADA', 'XRP', 'DOGE'];
const DAILY_BARS = 520;
const HOURLY_BARS = 420;
// Hand-written text around the generated section, which must stay as it is.
const BEFORE = '# Methodology\n\nHand-written text.\n\n## Track record\n\n';
const AFTER = '\n\n## Afterwards\n\nMore hand-written text.\n';

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A CSV of `n` bars in the shared data's format (open time, UTC). */
function walkCsv(n: number, start: number, step: number, seed: number): string {
  const rnd = mulberry32(seed);
  const rows = ['timestamp,open,high,low,close,volume'];
  let price = 50 + seed;
  for (let i = 0; i < n; i++) {
    const open = price;
    price = Math.max(0.01, price * (1 + (rnd() - 0.49) * 0.08));
    const high = Math.max(open, price) * (1 + rnd() * 0.02);
    const low = Math.min(open, price) * (1 - rnd() * 0.02);
    const iso = new Date(start + i * step).toISOString();
    const ts = step === DAY ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}+0000`;
    rows.push(`${ts},${open},${high},${low},${price},${(1e6 * (1 + rnd())).toFixed(2)}`);
  }
  return `${rows.join('\n')}\n`;
}

type RunResult = { code: number; out: string; err: string };
async function run(argv: string[], cwd: string): Promise<RunResult> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: {},
    cwd,
  });
  return { code, out, err };
}

describe('sextant track-record', () => {
  let dir: string;
  let data: string;
  const doc = () => join(dir, 'methodology.md');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sextant-track-record-'));
    data = join(dir, 'data');
    const daily = join(data, 'binance-ohlcv-yanniedog', '1d');
    const hourly = join(data, 'binance-btc-eth-elvistv', 'data');
    mkdirSync(daily, { recursive: true });
    mkdirSync(hourly, { recursive: true });
    DAILY.forEach((s, k) => {
      writeFileSync(join(daily, `${s}USDT_1d.csv`), walkCsv(DAILY_BARS, Date.UTC(2023, 0, 1), DAY, k + 1));
    });
    ['BTC', 'ETH'].forEach((s, k) => {
      writeFileSync(
        join(hourly, `${s}USDT_1h.csv`),
        walkCsv(HOURLY_BARS, Date.UTC(2024, 0, 1), HOUR, k + 11),
      );
    });
    writeFileSync(
      doc(),
      `${BEFORE}<!-- track-record:begin -->\nold results\n<!-- track-record:end -->${AFTER}`,
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('measures every strategy and both grades and rewrites only its own section', async () => {
    const r = await run(['track-record', '--data', 'data', '--out', 'methodology.md', '--json'], dir);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as {
      command: string;
      out: string;
      signals: { summaries: { strategy: string; interval: string }[]; perAsset: { asset: string }[] };
      grades: { assets: string[]; kinds: { kind: string; horizons: { days: number }[] }[] };
    };
    expect(j.command).toBe('sextant track-record --data data --out methodology.md');
    expect(j.out).toBe(doc());
    // Four strategies on daily and on hourly bars.
    expect(j.signals.summaries.map((s) => `${s.interval} ${s.strategy}`).sort()).toEqual(
      ['donchian-breakout', 'macd-momentum', 'rsi-reversion', 'trend-regime']
        .flatMap((s) => [`1d ${s}`, `1h ${s}`])
        .sort(),
    );
    expect(new Set(j.signals.perAsset.map((p) => p.asset)).size).toBe(DAILY.length);
    expect(j.grades.assets).toHaveLength(DAILY.length);
    expect(j.grades.kinds.map((k) => k.kind)).toEqual(['trader', 'investor']);
    // Enough daily bars after a year of history for some graded days.
    expect(j.grades.kinds.every((k) => k.horizons.some((h) => h.days > 0))).toBe(true);

    const text = readFileSync(doc(), 'utf8');
    expect(text.startsWith(`${BEFORE}<!-- track-record:begin -->`)).toBe(true);
    expect(text.endsWith(`<!-- track-record:end -->${AFTER}`)).toBe(true);
    expect(text).not.toContain('old results');
    const begin = text.indexOf('<!-- track-record:begin -->');
    const end = text.indexOf('<!-- track-record:end -->');
    expect(begin).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(begin);
    const section = text.slice(begin, end);
    expect(section).toContain('Produced by `sextant track-record --data data --out methodology.md`');
    expect(section).toMatch(/Data fingerprint: SHA-256 `[0-9a-f]{16}` over the 8 files read/);
    expect(section).toContain('### Signals');
    expect(section).toContain('### Grades');

    // Deterministic: a second run leaves the document byte for byte as it was; the human table
    // goes to stdout without --json.
    const again = await run(['track-record', '--data', 'data', '--out', 'methodology.md'], dir);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('Signals (hit rate of long+short signals');
    expect(again.out).toContain('wrote the track-record section of methodology.md');
    expect(readFileSync(doc(), 'utf8')).toBe(text);
  });

  it('a missing data folder is a clear error, and nothing is written', async () => {
    const before = readFileSync(doc(), 'utf8');
    const r = await run(['track-record', '--data', 'nowhere', '--out', 'methodology.md'], dir);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/market data not found in .*nowhere: expected binance-ohlcv-yanniedog\/1d/);
    expect(readFileSync(doc(), 'utf8')).toBe(before);
  });
});
