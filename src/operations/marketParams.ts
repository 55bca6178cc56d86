import { Type } from '@sinclair/typebox';
import { ValidationError } from '../internal/errors.js';
import { INTERVALS, parseTimestamp } from '../market/index.js';

/** The `interval` enum shared by market operations. */
export const IntervalSchema = Type.Union(
  INTERVALS.map((i) => Type.Literal(i)),
  { description: `Candle interval, UTC-aligned: ${INTERVALS.join(', ')}` },
);

/** A time bound given as ISO 8601 or epoch milliseconds, parsed or a 400 naming the parameter. */
export function parseTimeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = /^\d{1,16}$/.test(value) ? Number(value) : parseTimestamp(value);
  if (typeof t === 'string' || !Number.isFinite(t))
    throw new ValidationError(`query '${name}' must be an ISO 8601 time or epoch milliseconds`, {
      issues: [{ path: [name], message: 'must be an ISO 8601 time or epoch milliseconds', in: 'query' }],
    });
  return t;
}

/** Opaque cursor ↔ a number (an open time or an offset). */
export function encodeCursor(n: number): string {
  return Buffer.from(`c1:${n}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const m = /^c1:(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m)
    throw new ValidationError("query 'cursor' is not a cursor this API returned", {
      issues: [{ path: ['cursor'], message: 'malformed cursor', in: 'query' }],
    });
  return Number(m[1]);
}
