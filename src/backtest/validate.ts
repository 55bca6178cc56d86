import { ValidationError } from '../internal/errors.js';
import type { Bar } from '../market/types.js';

/** Throw a `ValidationError` with one issue at `path`. */
export function invalid(message: string, path: (string | number)[]): never {
  throw new ValidationError(message, { issues: [{ path, message }] });
}

/** At least `min` bars, strictly ascending `openTime`, positive finite prices, volume >= 0. */
export function checkBars(bars: readonly Bar[], min: number): void {
  if (!Array.isArray(bars)) invalid('bars must be an array', ['bars']);
  if (bars.length < min) invalid(`bars needs at least ${min} bars, got ${bars.length}`, ['bars']);
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    if (!Number.isFinite(b.openTime) || b.openTime <= prev) {
      invalid(`bars must be ascending by openTime without duplicates (index ${i})`, ['bars', i, 'openTime']);
    }
    prev = b.openTime;
    for (const k of ['open', 'high', 'low', 'close'] as const) {
      if (!(Number.isFinite(b[k]) && b[k] > 0))
        invalid(`bars[${i}].${k} must be a positive number`, ['bars', i, k]);
    }
    if (!(Number.isFinite(b.volume) && b.volume >= 0)) {
      invalid(`bars[${i}].volume must be a non-negative number`, ['bars', i, 'volume']);
    }
  }
}

/** An integer in [min, max]. */
export function checkInt(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    invalid(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`, [name]);
  }
  return value;
}
