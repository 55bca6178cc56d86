/** A CCXT unified market symbol split into its parts. */
export type MarketSymbolParts = {
  base: string;
  quote: string;
  /** Settlement currency of a derivative (`BTC/USDT:USDT`); undefined for spot. */
  settle?: string;
};

// CCXT unified symbols: spot `BASE/QUOTE`, swap `BASE/QUOTE:SETTLE`, future/option
// `BASE/QUOTE:SETTLE-YYMMDD[-STRIKE-C|P]`.
const MARKET_SYMBOL = /^([A-Za-z0-9.]+)\/([A-Za-z0-9.]+)(?::([A-Za-z0-9.]+)(?:-[A-Za-z0-9.-]+)?)?$/;

/**
 * Split a CCXT unified symbol; undefined when it is not one.
 * @example parseMarketSymbol('BTC/USDT:USDT') // { base: 'BTC', quote: 'USDT', settle: 'USDT' }
 */
export function parseMarketSymbol(symbol: string): MarketSymbolParts | undefined {
  const m = MARKET_SYMBOL.exec(symbol);
  if (!m) return undefined;
  return m[3] === undefined ? { base: m[1]!, quote: m[2]! } : { base: m[1]!, quote: m[2]!, settle: m[3] };
}
