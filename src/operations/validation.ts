import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { type ErrorIssue, ValidationError } from '../internal/errors.js';

/** Where an input came from, as problem documents name it. */
export type InputPart = 'path' | 'query' | 'body';

const NON_FINITE_SCAN_MAX_DEPTH = 32;
const MAX_ISSUES = 50;

/**
 * Path of the first non-finite number in a validated input, or null. Ajv skips minimum/maximum
 * for Infinity (what `?days=1e309` or a JSON `1e309` becomes), so those are caught here.
 */
export function findNonFinite(
  value: unknown,
  path: (string | number)[] = [],
  depth = 0,
): (string | number)[] | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (value === null || typeof value !== 'object' || depth > NON_FINITE_SCAN_MAX_DEPTH) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findNonFinite(value[i], [...path, i], depth + 1);
      if (p) return p;
    }
    return null;
  }
  for (const k of Object.keys(value)) {
    const p = findNonFinite((value as Record<string, unknown>)[k], [...path, k], depth + 1);
    if (p) return p;
  }
  return null;
}

/** A 400 for the first non-finite number in any part of an input, or null. */
export function nonFiniteError(parts: readonly (readonly [InputPart, unknown])[]): ValidationError | null {
  for (const [where, value] of parts) {
    const path = findNonFinite(value);
    if (path) {
      return new ValidationError(`${where} '${path.join('.')}' must be a finite number`, {
        issues: [{ path, message: 'must be a finite number', in: where }],
      });
    }
  }
  return null;
}

/**
 * A copy of an input schema where properties with a `default` are not `required` (at any
 * depth): the validator fills them in, so clients and generated SDKs may leave them out.
 */
export function relaxDefaults<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(relaxDefaults) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema))
    out[k] = k === 'default' || k === 'examples' ? v : relaxDefaults(v);
  const props = out.properties as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(out.required) && props) {
    const required = (out.required as string[]).filter((r) => props[r]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out as T;
}

/**
 * One Ajv per kind of input: query strings, path parameters and headers are text and are
 * coerced to the schema's types ("5" → 5); JSON bodies are already typed and are not, so
 * `{"count":"2"}` or `{"address":123}` is a 400 instead of a silent conversion. Defaults are
 * filled and unknown properties of closed objects dropped in both.
 */
export function createInputValidators(): {
  compile(schema: object, part: InputPart | 'headers'): ValidateFunction;
} {
  const make = (coerceTypes: false | 'array') => {
    const ajv = new Ajv({
      coerceTypes,
      useDefaults: true,
      removeAdditional: true,
      addUsedSchema: false,
      allErrors: true,
      // '1e309' or 'Infinity' in a query must fail validation, not become Infinity.
      strictNumbers: true,
    });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    return ajv;
  };
  const text = make('array');
  const json = make(false);
  return {
    compile(schema, part) {
      const ajv = part === 'body' ? json : text;
      const id = (schema as { $id?: string }).$id;
      return (id ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
    },
  };
}

/** Ajv's errors as problem-document issues (the property named, not its parent). */
export function ajvIssues(errors: readonly ErrorObject[] | null | undefined, where: InputPart): ErrorIssue[] {
  return (errors ?? []).slice(0, MAX_ISSUES).map((v) => {
    const parts: (string | number)[] = (v.instancePath ?? '')
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const prop =
      (v.params as { missingProperty?: unknown; additionalProperty?: unknown }).missingProperty ??
      (v.params as { additionalProperty?: unknown }).additionalProperty;
    if (typeof prop === 'string') parts.push(prop);
    return {
      path: parts,
      message:
        v.keyword === 'additionalProperties' ? 'is not an allowed property' : (v.message ?? 'is invalid'),
      in: where,
    };
  });
}

/** A ValidationError for a list of issues, with the first one in its detail. */
export function validationError(issues: ErrorIssue[], where: string): ValidationError {
  const first = issues[0];
  const detail = first
    ? `${where} ${first.path.length ? `'${first.path.join('.')}' ` : ''}${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
    : `invalid ${where}`;
  return new ValidationError(detail, { issues });
}
