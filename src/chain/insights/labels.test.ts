import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatAmount, normalizeAddress } from './format.js';
import { giniFromSums } from './holders.js';
import { labelledAddresses, labelNames, loadAddressLabels, parseAddressLabels } from './labels.js';

const dir = mkdtempSync(join(tmpdir(), 'sextant-labels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const A = '0x28c6c06298d514db089934071355e5743bf21d60';
const B = '0xa9d1e08c7793af67e9d92fe308d5697fb81d3e43';

describe('label files', () => {
  it('reads the shipped example', () => {
    const labels = loadAddressLabels(
      new URL('../../../docs/examples/labels.example.json', import.meta.url).pathname,
    );
    expect(labels.entries.length).toBeGreaterThanOrEqual(3);
    expect(labelNames(labels)).toEqual(['exchange']);
    expect(labelledAddresses(labels, 'exchange', 1).get(A)).toBe('Binance 14');
    // Chain-specific entries do not apply elsewhere.
    expect(labelledAddresses(labels, 'exchange', 8453).size).toBe(0);
  });

  it('reads JSON arrays and CSV with quoted names, comments and any column order', () => {
    const json = join(dir, 'l.json');
    writeFileSync(
      json,
      JSON.stringify([{ address: A.toUpperCase().replace('0X', '0x'), label: 'Exchange' }]),
    );
    expect(loadAddressLabels(json).entries).toEqual([
      { address: A, label: 'exchange', name: null, chainId: null },
    ]);
    const csv = join(dir, 'l.txt');
    writeFileSync(
      csv,
      `\uFEFF# hot wallets\nlabel,name,address,chainId\nexchange,"Coinbase, 10",${B},1\n\nfund,"say ""hi""",${A},\n`,
    );
    const labels = loadAddressLabels(csv);
    expect(labels.entries).toEqual([
      { address: B, label: 'exchange', name: 'Coinbase, 10', chainId: 1 },
      { address: A, label: 'fund', name: 'say "hi"', chainId: null },
    ]);
    expect([...labelledAddresses(labels, 'fund', 5).keys()]).toEqual([A]);
  });

  it('names the file and entry or line that is wrong', () => {
    expect(() => parseAddressLabels('[{"address":"0x12","label":"x"}]', 'json', 'f.json')).toThrow(
      'f.json: entry 1: address must be 0x followed by 40 hex digits',
    );
    expect(() => parseAddressLabels(`address,label\n${A},exchange\n${A},bad label`, 'csv', 'f.csv')).toThrow(
      'f.csv: line 3: label must be',
    );
    expect(() => parseAddressLabels(`address,name\n${A},x`, 'csv', 'f.csv')).toThrow('must name the columns');
    expect(() => parseAddressLabels(`[{"address":"${A}","label":"x","chainId":-1}]`, 'json')).toThrow(
      'chainId',
    );
    expect(() => parseAddressLabels('{"labels": 3}', 'json', 'f.json')).toThrow('"labels"');
    expect(() => parseAddressLabels('{', 'json', 'f.json')).toThrow('f.json is not valid JSON');
    expect(() => loadAddressLabels(join(dir, 'missing.json'))).toThrow(/label file .*missing\.json/);
  });
});

describe('formatting', () => {
  it('formats exact amounts and normalizes addresses', () => {
    expect(formatAmount(1_500_000n, 6)).toBe('1.5');
    expect(formatAmount(5n, 6)).toBe('0.000005');
    expect(formatAmount(-1_000_000n, 6)).toBe('-1');
    expect(formatAmount(2n ** 256n - 1n, 18)).toBe(
      '115792089237316195423570985008687907853269984665640564039457.584007913129639935',
    );
    expect(formatAmount(7n, 0)).toBe('7');
    expect(formatAmount(7n, null)).toBeNull();
    expect(normalizeAddress(A.toUpperCase().replace('0X', '0x'))).toBe(A);
    expect(normalizeAddress('0x123')).toBeNull();
    expect(normalizeAddress(`${A} `)).toBeNull();
  });

  it('computes the Gini coefficient from sums', () => {
    // [1, 1, 1, 1] → 0; [0…0, 10] over n = 4 positive values [1, 1, 1, 97].
    expect(giniFromSums(4, 4n, 10n)).toBe(0);
    const xs = [1n, 1n, 1n, 97n];
    const weighted = xs.reduce((s, x, i) => s + BigInt(i + 1) * x, 0n);
    let diff = 0n;
    for (const x of xs) for (const y of xs) diff += x > y ? x - y : y - x;
    expect(giniFromSums(4, 100n, weighted)).toBeCloseTo(Number(diff) / (2 * 4 * 100), 12);
    expect(giniFromSums(0, 0n, 0n)).toBe(0);
  });
});
