import { type ErrorIssue, ValidationError } from '../internal/errors.js';

/**
 * One numeric parameter of an indicator, described with JSON-Schema/TypeBox keywords so an API
 * can spread it straight into `Type.Integer({ minimum, maximum, default, description })`.
 */
export type ParamSpec = {
  readonly name: string;
  readonly type: 'integer' | 'number';
  /** Inclusive lower bound. */
  readonly minimum: number;
  /** Inclusive upper bound. */
  readonly maximum: number;
  readonly default: number;
  readonly description: string;
};

/** Parameter values after validation: every spec'd name present, defaults filled in. */
export type ResolvedParams = Record<string, number>;

/** Cross-parameter check run after each parameter passed its own bounds (e.g. MACD fast < slow). */
export type ParamCheck = (p: ResolvedParams) => ErrorIssue[];

// Periods above this are refused: TA-Lib's own bound, and far beyond any chart an API serves.
export const MAX_PERIOD = 100_000;

/** An integer period parameter `[minimum, MAX_PERIOD]`. */
export function periodParam(name: string, dflt: number, description: string, minimum = 2): ParamSpec {
  return { name, type: 'integer', minimum, maximum: MAX_PERIOD, default: dflt, description };
}

/**
 * Validate `input` against `specs`, fill defaults and return the resolved values.
 * Throws a `ValidationError` listing every problem (unknown names, non-numbers, non-integers,
 * out-of-range values, cross-parameter conflicts), each as `{ path: [name], message, in: 'query' }`.
 */
export function resolveParams(
  indicator: string,
  specs: readonly ParamSpec[],
  input: object | undefined,
  check?: ParamCheck,
): ResolvedParams {
  const out: ResolvedParams = {};
  const issues: ErrorIssue[] = [];
  const given = (input ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (given[key] === undefined) continue;
    if (!specs.some((s) => s.name === key)) {
      const known = specs.map((s) => s.name).join(', ') || 'none';
      issues.push({ path: [key], message: `unknown parameter (expected: ${known})`, in: 'query' });
    }
  }
  for (const s of specs) {
    const v = given[s.name];
    if (v === undefined) {
      out[s.name] = s.default;
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      issues.push({ path: [s.name], message: 'must be a finite number', in: 'query' });
      continue;
    }
    if (s.type === 'integer' && !Number.isInteger(v)) {
      issues.push({ path: [s.name], message: 'must be an integer', in: 'query' });
      continue;
    }
    if (v < s.minimum) {
      issues.push({ path: [s.name], message: `must be >= ${s.minimum}`, in: 'query' });
      continue;
    }
    if (v > s.maximum) {
      issues.push({ path: [s.name], message: `must be <= ${s.maximum}`, in: 'query' });
      continue;
    }
    out[s.name] = v;
  }
  if (issues.length === 0 && check) issues.push(...check(out));
  if (issues.length > 0) {
    const what = issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new ValidationError(`invalid ${indicator} parameters: ${what}`, { issues });
  }
  return out;
}

/** TA-Lib's `TA_IS_ZERO`: |v| < 1e-14 counts as zero in RSI, ADX and the DIs. */
export const TA_EPSILON = 1e-14;

/**
 * The output array of a batch call: the caller's `out` when given (it must have `n` elements;
 * reusing buffers spares allocating and page-faulting fresh memory on large series), else a new
 * array. Every element is overwritten, warm-up included. It must not alias an input column.
 */
export function outArray(out: Float64Array | undefined, n: number): Float64Array {
  if (out === undefined) return new Float64Array(n);
  if (out.length !== n) throw new RangeError(`output buffer has ${out.length} elements, expected ${n}`);
  return out;
}
