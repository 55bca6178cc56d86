/** Significant digits kept for numbers in tool answers: plenty for prices, cheap in tokens. */
export const COMPACT_DIGITS = 6;
/** Rows kept from any list in a tool answer unless the tool says otherwise. */
export const COMPACT_MAX_ROWS = 20;

export type CompactOptions = { digits?: number; maxRows?: number };

/** Round to `digits` significant digits; integers and non-finite values pass as they are. */
export function roundSignificant(n: number, digits = COMPACT_DIGITS): number {
  if (!Number.isFinite(n) || Number.isInteger(n) || n === 0) return n;
  return Number(n.toPrecision(digits));
}

/**
 * A token-lean copy of a JSON value for an agent: numbers rounded to significant digits, lists
 * capped (with `{ "…": "N more" }` appended so the model knows rows were left out), undefined
 * fields dropped. Nulls and empty lists stay: "no data" is an answer too.
 */
export function compact(value: unknown, options: CompactOptions = {}, depth = 0): unknown {
  const digits = options.digits ?? COMPACT_DIGITS;
  const maxRows = options.maxRows ?? COMPACT_MAX_ROWS;
  if (typeof value === 'number') return roundSignificant(value, digits);
  if (value === null || typeof value !== 'object' || depth > 12) return value;
  if (Array.isArray(value)) {
    const kept = value.slice(0, maxRows).map((v) => compact(v, options, depth + 1));
    if (value.length > maxRows) kept.push({ '…': `${value.length - maxRows} more` });
    return kept;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = compact(v, options, depth + 1);
  }
  return out;
}
