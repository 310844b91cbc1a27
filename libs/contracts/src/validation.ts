// One way to validate untrusted input against a contract: a typed error naming every failing path.
import type { z } from 'zod';

/** One failing place in a document, as a JSON path (`$.contests[0].selections[2].alpha`). */
export interface ContractIssue {
  readonly path: string;
  readonly message: string;
}

/** Thrown when a document does not match its contract; `issues` lists every failure. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  readonly code = 'CONTRACT_INVALID';
  constructor(
    readonly what: string,
    readonly issues: readonly ContractIssue[],
  ) {
    super(`${what} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** Renders a zod path as a JSON path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

/** Parses `value` with `schema`, or throws a ContractError listing every issue with its path. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ContractError(
    what,
    result.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message })),
  );
}
