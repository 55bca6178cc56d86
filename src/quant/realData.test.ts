import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../market/types.js';
import {
  betaCorrelation,
  closeSeries,
  correlationMatrix,
  historicalVaR,
  logReturns,
  marketRegime,
  maxDrawdown,
  riskMetrics,
  simpleReturns,
  supportResistance,
  trailingReturns,
  volatility,
} from './index.js';

const DIR = '/work/shared/data/binance-ohlcv-yanniedog/1d';
const HAVE_DATA = existsSync(`${DIR}/BTCUSDT_1d.csv`) && existsSync(`${DIR}/ETHUSDT_1d.csv`);
if (!HAVE_DATA) console.warn(`quant real-data tests skipped: ${DIR} is absent`);

/** The simple CSV of the shared dataset: `timestamp,open,high,low,close,volume`, dates, CRLF. */
function loadDaily(file: string): Bar[] {
  const lines = readFileSync(`${DIR}/${file}`, 'utf8').split(/\r?\n/);
  expect(lines[0]).toBe('timestamp,open,high,low,close,volume');
  const out: Bar[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const [ts, o, h, l, c, v] = line.split(',');
    out.push({
      openTime: Date.parse(`${ts}T00:00:00Z`),
      open: +o!,
      high: +h!,
      low: +l!,
      close: +c!,
      volume: +v!,
    });
  }
  return out;
}

describe.skipIf(!HAVE_DATA)('quant on real BTC/ETH daily bars', () => {
  const btc = HAVE_DATA ? loadDaily('BTCUSDT_1d.csv') : [];
  const eth = HAVE_DATA ? loadDaily('ETHUSDT_1d.csv') : [];
  const byDate = new Map(btc.map((b) => [new Date(b.openTime).toISOString().slice(0, 10), b.close]));

  it('trailing returns equal close ratios looked up by date', () => {
    const r = trailingReturns(btc, { asOf: Date.UTC(2025, 0, 1) });
    expect(r.lastClose).toBe(byDate.get('2024-12-31'));
    expect(r.returns['1d']!.value).toBe(byDate.get('2024-12-31')! / byDate.get('2024-12-30')! - 1);
    expect(r.returns['30d']!.value).toBe(byDate.get('2024-12-31')! / byDate.get('2024-12-01')! - 1);
    expect(r.returns['1y']!.value).toBe(byDate.get('2024-12-31')! / byDate.get('2024-01-01')! - 1);
    expect(r.returns.ytd!.value).toBe(0);
    const mid = trailingReturns(btc, { asOf: Date.UTC(2025, 5, 30, 12) });
    expect(mid.returns.ytd!.value).toBe(byDate.get('2025-06-29')! / byDate.get('2024-12-31')! - 1);
  });

  it('max drawdown is the 2017–2018 bear market', () => {
    const dd = maxDrawdown(closeSeries(btc));
    expect(dd.maxDrawdown).toBeCloseTo(1 - 3211.72 / 19102.66, 12);
    expect(new Date(dd.peak!.time).toISOString().slice(0, 10)).toBe('2017-12-16');
    expect(new Date(dd.trough!.time).toISOString().slice(0, 10)).toBe('2018-12-15');
    expect(dd.recovery!.time).toBeGreaterThan(Date.UTC(2020, 10, 1));
  });

  it('volatility, VaR and beta are in plausible ranges', () => {
    const last3y = (bs: Bar[]) => bs.filter((b) => b.openTime >= Date.UTC(2022, 5, 30));
    const vb = volatility(logReturns(last3y(btc).map((b) => b.close)));
    const ve = volatility(logReturns(last3y(eth).map((b) => b.close)));
    expect(vb).toBeGreaterThan(0.3);
    expect(vb).toBeLessThan(1);
    expect(ve).toBeGreaterThan(vb);
    const v = historicalVaR(simpleReturns(btc.map((b) => b.close)), 0.95);
    expect(v.var).toBeGreaterThan(0.03);
    expect(v.var).toBeLessThan(0.08);
    expect(historicalVaR(simpleReturns(btc.map((b) => b.close)), 0.99).cvar).toBeGreaterThan(v.cvar);
    const bc = betaCorrelation(closeSeries(eth), closeSeries(btc));
    expect(bc.observations).toBe(btc.length - 1);
    expect(bc.beta!).toBeGreaterThan(0.8);
    expect(bc.beta!).toBeLessThan(1.8);
    expect(bc.correlation!).toBeGreaterThan(0.5);
    expect(bc.correlation!).toBeLessThan(0.95);
    const m = riskMetrics(closeSeries(eth), { benchmark: closeSeries(btc) });
    expect(m.cvar99).toBeGreaterThanOrEqual(m.var99);
    expect(m.beta).toBe(bc.beta);
  });

  it('support/resistance levels sit around the last close', () => {
    const lastYear = btc.slice(-365);
    const r = supportResistance(lastYear, { pivotWindow: 5, tolerance: 0.02, maxLevels: 6 });
    expect(r.levels.length).toBeGreaterThan(0);
    expect(r.levels[0]!.strength).toBe(1);
    for (const l of r.levels) {
      expect(l.kind).toBe(l.price <= r.lastClose ? 'support' : 'resistance');
      expect(l.strength).toBeGreaterThan(0);
      expect(l.strength).toBeLessThanOrEqual(1);
      expect(l.price).toBeGreaterThanOrEqual(Math.min(...lastYear.map((b) => b.low)));
      expect(l.price).toBeLessThanOrEqual(Math.max(...lastYear.map((b) => b.high)));
    }
  });

  it('regime and correlation matrix over the whole dataset', () => {
    const universe = readdirSync(DIR)
      .filter((f) => f.endsWith('_1d.csv'))
      .map((f) => ({ id: f.replace('USDT_1d.csv', ''), bars: loadDaily(f) }));
    const r = marketRegime(universe, { asOf: Date.UTC(2025, 6, 1) });
    expect(r.assets).toHaveLength(universe.length);
    expect(r.included).toBeGreaterThan(10);
    expect(r.score).toBeGreaterThanOrEqual(-1);
    expect(r.score).toBeLessThanOrEqual(1);
    // The 2018 bear market reads as bear.
    expect(marketRegime(universe, { asOf: Date.UTC(2018, 11, 15) }).label).toBe('bear');
    const m = correlationMatrix(
      universe.map((u) => ({ id: u.id, series: closeSeries(u.bars) })),
      { minObservations: 30 },
    );
    const iBtc = m.ids.indexOf('BTC');
    const iEth = m.ids.indexOf('ETH');
    expect(m.correlation[iBtc]![iEth]).toBeCloseTo(
      betaCorrelation(closeSeries(btc), closeSeries(eth)).correlation!,
      12,
    );
    for (let i = 0; i < m.ids.length; i++) {
      expect(m.correlation[i]![i]).toBe(1);
      for (const c of m.correlation[i]!) if (c !== null) expect(Math.abs(c)).toBeLessThanOrEqual(1);
    }
  });
});
