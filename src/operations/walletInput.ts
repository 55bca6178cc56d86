import {
  type SchemaOptions,
  type Static,
  type TObject,
  type TProperties,
  type TUnsafe,
  Type,
} from '@sinclair/typebox';
import { ValidationError } from '../internal/errors.js';

const SECRET_NOTE =
  'A body holding anything that looks like a private key, mnemonic, seed, password or recovery share ' +
  '(in any field, known or not) is refused with `400 SECRET_REJECTED` before any other check, and the ' +
  'value is never echoed.';

/**
 * A wallet endpoint's request body: the object schema the router validates and OpenAPI shows,
 * paired with `inspectBody: refuseSecrets(…)` (see `secretGuard.ts`) on the operation.
 *
 * - Closed (`additionalProperties: false`): unknown fields are dropped by validation (Fastify's
 *   Ajv runs with removeAdditional), after the secret check has seen them.
 * - A field with a `default` stays non-optional in the TypeScript type, because validation fills
 *   it in (useDefaults) before the handler runs, but is left out of `required`, so the OpenAPI
 *   document and the generated SDK let clients omit it.
 * - No unions of objects: removeAdditional would strip the fields of one `anyOf` branch while
 *   trying another.
 * @example walletBody({ address: Type.String(), count: Type.Integer({ default: 20 }) }, { examples: [{ address: '0x…' }] })
 */
export function walletBody<P extends TProperties>(
  properties: P,
  options: { description?: string; examples: readonly Partial<Static<TObject<P>>>[] },
): TObject<P> {
  const schema = Type.Object(properties, {
    additionalProperties: false,
    description: options.description ? `${options.description}\n\n${SECRET_NOTE}` : SECRET_NOTE,
    examples: options.examples,
  });
  // TypeBox types `required` as a tuple of the non-optional keys: edit it as plain JSON Schema.
  const json = schema as unknown as { required?: string[] };
  const required = (json.required ?? []).filter((k) => properties[k]?.default === undefined);
  if (required.length > 0) json.required = required;
  else delete json.required;
  return schema;
}

/**
 * A JSON Schema `enum` of strings or integers, typed as the union of its values. Unlike a
 * `Type.Union` of literals, a bad value is one validation issue ("must be equal to one of the
 * allowed values"), not one per allowed value, and OpenAPI shows a plain enum.
 * @example enumOf(['evm', 'bitcoin', 'solana'], { description: 'Address family' })
 */
export function enumOf<const T extends readonly (string | number)[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  const type = values.every((v) => typeof v === 'string') ? 'string' : 'integer';
  return Type.Unsafe<T[number]>({ ...options, type, enum: [...values] });
}

/** A library error's safe message as a validation failure of one body field. */
export function fieldError(field: string, message: string): ValidationError {
  return new ValidationError(`body '${field}' ${message}`, {
    issues: [{ path: [field], message, in: 'body' }],
  });
}
