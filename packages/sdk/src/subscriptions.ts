import type { Interval, Subscription } from './streamTypes.js';

// Subscriptions kept as one key per channel and asset (or chain), so that a stream can resend
// them after a reconnect and tell which ones the server acknowledged or refused.

/** One subscription key: a channel and one asset (with an interval for candles) or one chain. */
export type Entry =
  | { channel: 'prices' | 'signals'; asset: string }
  | { channel: 'candles'; asset: string; interval: Interval }
  | { channel: 'whales'; chain: number };

/** The key of an entry: `prices:bitcoin`, `candles:1m:bitcoin`, `whales:1`. */
export function entryKey(e: Entry): string {
  if (e.channel === 'whales') return `whales:${e.chain}`;
  if (e.channel === 'candles') return `candles:${e.interval}:${e.asset}`;
  return `${e.channel}:${e.asset}`;
}

/** The entries of a subscription (one per asset or chain); throws on an empty or malformed one. */
export function entriesOf(sub: Subscription): Entry[] {
  if (sub.channel === 'whales') {
    if (!Array.isArray(sub.chains) || sub.chains.length === 0)
      throw new TypeError('a whales subscription needs a non-empty `chains` array');
    return sub.chains.map((chain) => ({ channel: 'whales', chain }));
  }
  if (!Array.isArray(sub.assets) || sub.assets.length === 0)
    throw new TypeError(`a ${sub.channel} subscription needs a non-empty \`assets\` array`);
  if (sub.channel === 'candles') {
    if (typeof sub.interval !== 'string') throw new TypeError('a candles subscription needs an `interval`');
    return sub.assets.map((asset) => ({ channel: 'candles', asset, interval: sub.interval }));
  }
  return sub.assets.map((asset) => ({ channel: sub.channel, asset }));
}

/** Group entries into as few subscriptions as possible (one per channel and interval). */
export function group(entries: Iterable<Entry>): Subscription[] {
  const out = new Map<string, Subscription>();
  for (const e of entries) {
    const g = e.channel === 'candles' ? `candles:${e.interval}` : e.channel;
    const sub = out.get(g);
    if (e.channel === 'whales') {
      if (sub?.channel === 'whales') sub.chains.push(e.chain);
      else out.set(g, { channel: 'whales', chains: [e.chain] });
    } else if (e.channel === 'candles') {
      if (sub?.channel === 'candles') sub.assets.push(e.asset);
      else out.set(g, { channel: 'candles', assets: [e.asset], interval: e.interval });
    } else if (sub && sub.channel !== 'whales') {
      sub.assets.push(e.asset);
    } else {
      out.set(g, { channel: e.channel, assets: [e.asset] });
    }
  }
  return [...out.values()];
}
