import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { type ErrorIssue, SecretRejectedError, ValidationError } from '../internal/errors.js';
import { findSecret, type SecretScanPolicy, TooDeepError } from './secretGuard.js';

const MAX_ISSUES = 50;

/** What a wallet endpoint's body is checked against. */
export type WalletInput<S extends TObject> = {
  /**
   * The schema the router sees: it accepts any JSON so that the secret check runs on every body,
   * even one that breaks the real schema. Documents the real fields (a table in its description)
   * and carries request examples.
   */
  body: TSchema;
  /** Refuse secrets, then validate against the real schema (defaults applied) and return it typed. */
  parse(raw: unknown): Static<S>;
};

function typeLabel(schema: TSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(typeLabel).join(' \\| ');
  if (schema.type === 'array') return `${typeLabel(schema.items as TSchema)}[]`;
  return String(schema.type ?? 'any');
}

/** A markdown table of the top-level fields of `schema`, for the OpenAPI description. */
function fieldTable(schema: TObject): string {
  // A field with a default may be left out, although the schema (after defaults) requires it.
  const required = new Set(
    (schema.required ?? []).filter((k) => schema.properties[k]?.default === undefined),
  );
  const rows = Object.entries(schema.properties).map(([name, p]) => {
    const dflt = p.default !== undefined ? ` (default \`${JSON.stringify(p.default)}\`)` : '';
    const desc = String(p.description ?? '').replace(/\|/g, '\\|');
    return `| \`${name}\` | ${typeLabel(p)} | ${required.has(name) ? 'yes' : 'no'} | ${desc}${dflt} |`;
  });
  return ['| field | type | required | description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

const SECRET_DETAIL =
  'Sextant never accepts private keys, mnemonics, seeds, passwords or recovery shares over its API. ' +
  'Sign locally instead, with the `sextant wallet` CLI or the `sextant/wallet` library, and send only ' +
  'the signature, signed transaction or public data (address, xpub). If the secret is real and this ' +
  'request crossed a network you do not control, treat it as exposed and move the funds.';

/**
 * Define a wallet endpoint's body: `schema` is what the handler receives after `parse`; `policy`
 * names the opaque fields of the secret scan (see `secretGuard.ts`).
 * @example const input = walletInput(Type.Object({ address: Type.String() }), {}, [{ address: '0x…' }])
 */
export function walletInput<S extends TObject>(
  schema: S,
  policy: SecretScanPolicy,
  examples: readonly Static<S>[],
): WalletInput<S> {
  const check = TypeCompiler.Compile(schema);
  const body = Type.Unsafe<unknown>({
    description: `JSON object with these fields:\n\n${fieldTable(schema)}\n\nBodies holding anything that looks like a private key, mnemonic or recovery share are refused with \`SECRET_REJECTED\`, before any other check.`,
    examples,
  });
  return {
    body,
    parse(raw) {
      rejectSecrets(raw, policy);
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new ValidationError('body must be a JSON object', {
          issues: [{ path: [], message: 'must be object', in: 'body' }],
        });
      }
      // Defaults go on a copy: the raw body stays as received.
      const value = Value.Default(schema, structuredClone(raw)) as unknown;
      if (check.Check(value)) return value;
      const issues: ErrorIssue[] = [];
      const seen = new Set<string>();
      for (const e of check.Errors(value)) {
        if (seen.has(e.path) || issues.length >= MAX_ISSUES) continue;
        seen.add(e.path);
        const path = e.path
          .split('/')
          .slice(1)
          .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        issues.push({ path, message: e.message.replace(/^Expected/, 'expected'), in: 'body' });
      }
      const first = issues[0]!;
      throw new ValidationError(
        `body ${first.path.length ? `'${first.path.join('.')}' ` : ''}${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
        { issues },
      );
    },
  };
}

/**
 * Throw `SecretRejectedError` when a raw request body holds a secret (see `secretGuard.ts`). The
 * error names the field and the kind of secret, never the value.
 */
export function rejectSecrets(raw: unknown, policy: SecretScanPolicy): void {
  let finding: ReturnType<typeof findSecret>;
  try {
    finding = findSecret(raw, policy);
  } catch (err) {
    if (err instanceof TooDeepError)
      throw new ValidationError('body nests more than 64 levels deep', {
        issues: [{ path: [], message: 'nests too deeply', in: 'body' }],
      });
    throw err;
  }
  if (finding) {
    const where = finding.path.length ? `body '${finding.path.join('.')}'` : 'the body';
    const what =
      finding.kind === 'secret field name'
        ? 'is named like a secret'
        : `looks like ${/^[aeiou]/i.test(finding.kind) ? 'an' : 'a'} ${finding.kind}`;
    throw new SecretRejectedError(`${where} ${what}. ${SECRET_DETAIL}`, {
      issues: [{ path: finding.path, message: what, in: 'body' }],
      extra: { secretKind: finding.kind },
    });
  }
}

/** A library error's safe message as a validation failure of one body field. */
export function fieldError(field: string, message: string): ValidationError {
  return new ValidationError(`body '${field}' ${message}`, {
    issues: [{ path: [field], message, in: 'body' }],
  });
}
