import { ValidationError } from '../internal/errors.js';
import type { Bar } from '../market/types.js';
import type { SeriesPoint } from './series.js';

/** Throw a `ValidationError` with one issue at `path`. */
export function invalid(message: string, path: (string | number)[]): never {
  throw new ValidationError(message, { issues: [{ path, message }] });
}

/** Every element finite, at least `min` of them. */
export function checkNumbers(xs: ArrayLike<number>, name: string, min: number): void {
  if (xs.length < min) invalid(`${name} needs at least ${min} values, got ${xs.length}`, [name]);
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) invalid(`${name}[${i}] must be a finite number`, [name, i]);
  }
}

/** Strictly ascending finite times and finite values, at least `min` points; `positive` requires value > 0. */
export function checkSeries(
  points: readonly SeriesPoint[],
  name: string,
  min: number,
  positive: boolean,
): void {
  if (points.length < min) invalid(`${name} needs at least ${min} points, got ${points.length}`, [name]);
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (!Number.isFinite(p.time)) invalid(`${name}[${i}].time must be a finite number`, [name, i, 'time']);
    if (p.time <= prev) invalid(`${name} times must be strictly ascending (index ${i})`, [name, i, 'time']);
    prev = p.time;
    if (!Number.isFinite(p.value) || (positive && p.value <= 0)) {
      invalid(`${name}[${i}].value must be a ${positive ? 'positive' : 'finite'} number`, [name, i, 'value']);
    }
  }
}

/** Strictly ascending `openTime`, positive finite prices, finite non-negative volume, at least `min` bars. */
export function checkBars(bars: readonly Bar[], name: string, min: number): void {
  if (bars.length < min) invalid(`${name} needs at least ${min} bars, got ${bars.length}`, [name]);
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    if (!Number.isFinite(b.openTime) || b.openTime <= prev) {
      invalid(`${name} must be ascending by openTime without duplicates (index ${i})`, [name, i, 'openTime']);
    }
    prev = b.openTime;
    for (const k of ['open', 'high', 'low', 'close'] as const) {
      if (!(Number.isFinite(b[k]) && b[k] > 0))
        invalid(`${name}[${i}].${k} must be a positive number`, [name, i, k]);
    }
    if (!(Number.isFinite(b.volume) && b.volume >= 0)) {
      invalid(`${name}[${i}].volume must be a non-negative number`, [name, i, 'volume']);
    }
  }
}

/** A positive integer option. */
export function checkPositiveInt(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1)
    invalid(`${name} must be a positive integer, got ${value}`, [name]);
}

/** A number in the open interval (lo, hi). */
export function checkOpenRange(value: number, name: string, lo: number, hi: number): void {
  if (!(value > lo && value < hi))
    invalid(`${name} must be between ${lo} and ${hi} (exclusive), got ${value}`, [name]);
}
