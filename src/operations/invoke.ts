import type { ValidateFunction } from 'ajv';
import type { Operation, OperationContext } from './operation.js';
import {
  ajvIssues,
  createInputValidators,
  type InputPart,
  nonFiniteError,
  relaxDefaults,
  validationError,
} from './validation.js';

/** Raw input of one operation call, as a client would send it (path params, query, body). */
export type RawInput = { params?: unknown; query?: unknown; body?: unknown };

/** Validated input + the operation's answer. */
export type OperationInvoker = {
  /**
   * Call an operation in-process with the same validation as the REST route (coercion of
   * query/path text, defaults, unknown fields dropped, finite numbers) and its own handler.
   * Throws the operation's `AppError`s (`VALIDATION_FAILED` with `issues` for bad input).
   * Auth and rate limits are the caller's job (see `mcp/`).
   */
  invoke(op: Operation, input: RawInput, ctx: OperationContext): Promise<unknown>;
};

type Compiled = { params?: ValidateFunction; query?: ValidateFunction; body?: ValidateFunction };

/** An invoker with its validators compiled once per operation. */
export function createOperationInvoker(): OperationInvoker {
  const validators = createInputValidators();
  const compiled = new WeakMap<Operation, Compiled>();

  function compile(op: Operation): Compiled {
    let c = compiled.get(op);
    if (!c) {
      c = {};
      if (op.params) c.params = validators.compile(relaxDefaults(op.params), 'path');
      if (op.query) c.query = validators.compile(relaxDefaults(op.query), 'query');
      if (op.body) c.body = validators.compile(relaxDefaults(op.body), 'body');
      compiled.set(op, c);
    }
    return c;
  }

  function check(validate: ValidateFunction | undefined, value: unknown, where: InputPart): unknown {
    if (!validate) return value;
    // Validation fills defaults and drops unknown fields in place: work on a copy.
    const copy = value === undefined ? {} : structuredClone(value);
    if (!validate(copy)) throw validationError(ajvIssues(validate.errors, where), where);
    return copy;
  }

  return {
    async invoke(op, input, ctx) {
      const c = compile(op);
      op.inspectBody?.(input.body);
      const params = check(c.params, input.params, 'path');
      const query = check(c.query, input.query, 'query');
      const body = check(c.body, input.body, 'body');
      const bad = nonFiniteError([
        ['query', query],
        ['path', params],
        ['body', body],
      ]);
      if (bad) throw bad;
      return await op.handler({ params, query, body } as never, ctx);
    },
  };
}
