/**
 * Timestamp parsing for imported files: ISO 8601 dates and date-times (space or `T`, optional
 * seconds and fraction, `Z` or any `±HH:MM`/`±HHMM`/`±HH` offset; no zone means UTC) and epoch
 * numbers in seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude).
 */

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const EPOCH_RE = /^\d{1,19}(?:\.\d+)?$/;

// Epoch magnitude bounds: 1e11 s is the year 5138, so anything below is seconds; and so on.
const EPOCH_S_MAX = 1e11;
const EPOCH_MS_MAX = 1e14;
const EPOCH_US_MAX = 1e17;

/** Milliseconds since the epoch, or a string saying what is wrong with `s`. */
export function parseTimestamp(s: string): number | string {
  const t = s.trim();
  if (t === '') return 'empty timestamp';
  if (EPOCH_RE.test(t)) {
    const n = Number(t);
    if (n < EPOCH_S_MAX) return Math.round(n * 1000);
    if (n < EPOCH_MS_MAX) return Math.round(n);
    if (n < EPOCH_US_MAX) return Math.round(n / 1000);
    return Math.round(n / 1e6);
  }
  const m = ISO_RE.exec(t);
  if (!m) return `not a timestamp: ${JSON.stringify(s.slice(0, 40))} (expected ISO 8601 or epoch s/ms)`;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const frac = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return `invalid date or time: ${JSON.stringify(t)}`;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, frac);
  // Date.UTC rolls 2023-02-30 over to March: catch it by reading the day back.
  if (new Date(ms).getUTCDate() !== day) return `invalid date: ${JSON.stringify(t)}`;
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 18 || om > 59) return `invalid UTC offset: ${zone}`;
    ms -= sign * (oh * 60 + om) * 60_000;
  }
  return ms;
}

/** ISO string of a ms timestamp. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
