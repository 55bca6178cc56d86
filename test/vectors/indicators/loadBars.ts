import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Column-wise bars as the indicator tests use them. */
export type TestBars = {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
};

/** `../shared/data` beside the repository: real market data that is never committed. */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

/** Whether `file` (relative to `../shared/data`) is present on this machine. */
export function hasSharedData(file: string): boolean {
  return existsSync(SHARED_DATA_DIR + file);
}

/** Rows `[start, end)` (header excluded) of a `timestamp,open,high,low,close,volume` CSV in ../shared/data. */
export function readSharedBars(file: string, rows?: readonly [number, number]): TestBars {
  const lines = readFileSync(SHARED_DATA_DIR + file, 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const picked = rows ? lines.slice(rows[0], rows[1]) : lines;
  if (rows && picked.length !== rows[1] - rows[0]) throw new Error(`${file}: rows [${rows}] out of range`);
  const n = picked.length;
  const bars: TestBars = {
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  picked.forEach((line, i) => {
    const f = line.split(',');
    bars.open[i] = Number(f[1]);
    bars.high[i] = Number(f[2]);
    bars.low[i] = Number(f[3]);
    bars.close[i] = Number(f[4]);
    bars.volume[i] = Number(f[5]);
  });
  return bars;
}

/** The committed synthetic series (test/vectors/indicators/synthetic.json). */
export function syntheticBars(): TestBars {
  const doc = JSON.parse(readFileSync(new URL('./synthetic.json', import.meta.url), 'utf8')) as {
    bars: Record<keyof TestBars, number[]>;
  };
  return {
    open: Float64Array.from(doc.bars.open),
    high: Float64Array.from(doc.bars.high),
    low: Float64Array.from(doc.bars.low),
    close: Float64Array.from(doc.bars.close),
    volume: Float64Array.from(doc.bars.volume),
  };
}
