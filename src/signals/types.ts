import type { Interval } from '../market/types.js';

export type Direction = 'long' | 'short' | 'flat';

/** One signal as recorded in the ledger. */
export type SignalEvent = {
  asset: string;
  venue: string;
  symbol: string;
  interval: Interval;
  strategy: string;
  modelVersion: string;
  direction: Direction;
  /** 0–1: how strongly the inputs point that way. */
  strength: number;
  /** The indicator values that triggered it. */
  reason: Record<string, number | string | boolean | null>;
  /** Close time of the last bar used, ms since the epoch. */
  issuedAt: number;
  /** SHA-256 (hex, 32 chars) of the strategy id, version and every input bar. */
  inputsHash: string;
};

/** A recorded signal with its ledger fields. */
export type RecordedSignal = SignalEvent & { id: number; knownAt: number };
