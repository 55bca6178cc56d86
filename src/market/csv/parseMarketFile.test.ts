import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../time.js';
import { hintsFromFileName, ImportRejectedError, parseMarketFile } from './parseMarketFile.js';

const HEADER = 'timestamp,open,high,low,close,volume';

function rejected(text: string, file = 'BTCUSDT_1h.csv') {
  try {
    parseMarketFile(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ImportRejectedError);
    return (err as ImportRejectedError).issues;
  }
  throw new Error('expected the file to be rejected');
}

describe('parseTimestamp', () => {
  it.each([
    ['2024-01-01', Date.UTC(2024, 0, 1)],
    ['2024-01-01 04:00:00', Date.UTC(2024, 0, 1, 4)],
    ['2024-01-01T04:00:00Z', Date.UTC(2024, 0, 1, 4)],
    ['2024-01-01 04:00:00+0000', Date.UTC(2024, 0, 1, 4)],
    ['2024-01-01 04:00:00+00:00', Date.UTC(2024, 0, 1, 4)],
    ['2024-01-01 06:00:00+02:00', Date.UTC(2024, 0, 1, 4)],
    ['2023-12-31 23:00:00-0500', Date.UTC(2024, 0, 1, 4)],
    ['2024-01-05 00:00:00.001000+00:00', Date.UTC(2024, 0, 5, 0, 0, 0, 1)],
    ['1704081600', Date.UTC(2024, 0, 1, 4)],
    ['1704081600000', Date.UTC(2024, 0, 1, 4)],
    ['1704081600000000', Date.UTC(2024, 0, 1, 4)],
  ])('%s', (s, ms) => expect(parseTimestamp(s)).toBe(ms));

  it.each([
    '',
    'yesterday',
    '2024-13-01',
    '2023-02-30',
    '2024-01-01 25:00:00',
    '2024-01-01T00:00:00+25:00',
    '0x10',
  ])('rejects %j', (s) => expect(typeof parseTimestamp(s)).toBe('string'));
});

describe('hintsFromFileName', () => {
  it('reads the shared data names', () => {
    expect(hintsFromFileName('/x/BTCUSDT_1d.csv')).toEqual({
      venue: 'binance',
      symbol: 'BTC/USDT',
      interval: '1d',
    });
    expect(hintsFromFileName('BTCUSDT_USDM_1h.csv')).toEqual({
      venue: 'binanceusdm',
      symbol: 'BTC/USDT:USDT',
      interval: '1h',
    });
    expect(hintsFromFileName('BTCUSDC_1m_20230301_20230321.csv')).toMatchObject({
      symbol: 'BTC/USDC',
      interval: '1m',
    });
    expect(hintsFromFileName('ETHUSDT-4h-2024-01.csv')).toMatchObject({ symbol: 'ETH/USDT', interval: '4h' });
    expect(hintsFromFileName('BTCUSDT_funding.csv')).toMatchObject({
      funding: true,
      symbol: 'BTC/USDT:USDT',
    });
    expect(hintsFromFileName('prices.csv')).toEqual({});
  });
});

describe('parseMarketFile', () => {
  it('parses the header format, sorting rows and dropping exact duplicates', () => {
    const p = parseMarketFile(
      `${HEADER}\n2024-01-01 01:00:00,2,3,1,2.5,10\n2024-01-01 00:00:00,1,2,0.5,2,5\n2024-01-01 01:00:00,2,3,1,2.5,10\n`,
      'BTCUSDT_1h.csv',
    );
    expect(p.kind).toBe('ohlcv');
    if (p.kind !== 'ohlcv') return;
    expect(p.length).toBe(2);
    expect(Array.from(p.openTime)).toEqual([Date.UTC(2024, 0, 1, 0), Date.UTC(2024, 0, 1, 1)]);
    expect(Array.from(p.close)).toEqual([2, 2.5]);
  });

  it('parses Binance 12-column klines without a header, CRLF and a BOM', () => {
    const t = Date.UTC(2024, 0, 1);
    const row = (k: number) => `${t + k * 60_000},1,2,0.5,1.5,3,${t + (k + 1) * 60_000 - 1},4.5,7,1,1.5,0`;
    const p = parseMarketFile(`\ufeff${row(0)}\r\n${row(1)}\r\n`, 'ETHUSDT-1m-2024-01.csv');
    expect(p).toMatchObject({ kind: 'ohlcv', symbol: 'ETH/USDT', interval: '1m', length: 2 });
  });

  it('infers the interval from the spacing when the name does not say', () => {
    const p = parseMarketFile(
      `${HEADER}\n2024-01-01 00:00,1,1,1,1,0\n2024-01-01 00:15,1,1,1,1,0\n`,
      'x.csv',
      {
        venue: 'binance',
        symbol: 'BTC/USDT',
      },
    );
    expect(p).toMatchObject({ interval: '15m' });
  });

  it('parses funding files, rounding the few-ms offsets to the second', () => {
    const p = parseMarketFile(
      'timestamp,funding_rate,mark_price\n2024-01-05 00:00:00.001000+00:00,0.0001,42000.5\n2024-01-05 08:00:00+00:00,-0.0002,42100\n',
      'BTCUSDT_funding.csv',
    );
    expect(p).toMatchObject({ kind: 'funding', venue: 'binanceusdm', symbol: 'BTC/USDT:USDT', length: 2 });
    if (p.kind === 'funding') expect(p.ts[0]).toBe(Date.UTC(2024, 0, 5));
  });

  it('names file, line and column of every problem', () => {
    const issues = rejected(
      [
        HEADER,
        '2024-01-01 00:00:00,1,2,0.5,1.5,3',
        '2024-01-01 01:00:00,abc,2,0.5,1.5,3', // bad number
        '2024-01-01 02:00:00,1,2,3,1.5,3', // high < low
        '2024-01-01 03:00:00,1,2,0.5,1.5', // missing column
        'not-a-time,1,2,0.5,1.5,3',
        '2024-01-01 05:00:00,1,2,0.5,1.5,-1', // negative volume
        '2024-01-01 06:00:00,3,2,0.5,1.5,1', // open above high
      ].join('\n'),
    );
    expect(issues.map((i) => [i.line, i.column])).toEqual([
      [3, 'open'],
      [4, 'high'],
      [5, null],
      [6, 'timestamp'],
      [7, 'volume'],
      [8, 'high'],
    ]);
    expect(issues[0]!.file).toBe('BTCUSDT_1h.csv');
    expect(issues[2]!.message).toBe('expected 6 columns, found 5');
  });

  it('rejects duplicate timestamps with different values', () => {
    const issues = rejected(
      `${HEADER}\n2024-01-01 00:00:00,1,2,0.5,1.5,3\n2024-01-01 00:00:00,1,2,0.5,1.6,3\n`,
    );
    expect(issues[0]).toMatchObject({ line: 3, message: expect.stringContaining('duplicate timestamp') });
  });

  it('rejects bars not aligned to the interval', () => {
    const issues = rejected(`${HEADER}\n2024-01-01 00:30:00,1,2,0.5,1.5,3\n`);
    expect(issues[0]!.message).toContain('not aligned to the 1h interval');
  });

  it.each([
    ['', 'file is empty'],
    ['timestamp,open,high,low,close\n2024-01-01,1,1,1,1\n', 'lacks column(s) volume'],
    [`${HEADER},symbol\n2024-01-01,1,1,1,1,1,BTC\n`, 'unexpected column(s) symbol'],
    ['1,2,3\n', 'no header and 3 columns'],
    [`${HEADER}\n`, 'no data rows: the file has a header line only'],
    [`${HEADER}\r\n\r\n`, 'no data rows'],
    ['\ufefftimestamp,funding_rate,mark_price\n', 'no data rows'],
    ['pair,interval,start_utc,end_utc,exchange\n', 'no data rows'],
  ])('rejects a malformed file %#', (text, message) => {
    expect(rejected(text)[0]!.message).toContain(message);
  });

  it('needs the market when the name does not tell', () => {
    expect(rejected(`${HEADER}\n2024-01-01,1,1,1,1,1\n`, 'prices.csv')[0]!.message).toContain(
      '--venue and --symbol',
    );
  });
});
