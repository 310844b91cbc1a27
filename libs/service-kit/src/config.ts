// Config is parsed once (STYLE.md §4): each service validates its environment into a typed,
// frozen object at boot and fails fast with a readable message naming every bad variable.
import type { z } from 'zod';

/** Thrown when the environment does not validate. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
}

/** Parses `env` with `schema` into a deeply frozen value, or throws ConfigError. */
export function parseConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<z.infer<S>> {
  const r = schema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`${service}: invalid configuration\n${lines.join('\n')}`);
  }
  return deepFreeze(r.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/**
 * A process's config, or exit: `load(process.env)`, and on failure its message on stderr and exit
 * status 1 (every service's main and the registrar's judge start this way).
 */
export function configOrExit<T>(load: (env: NodeJS.ProcessEnv) => T): T {
  try {
    return load(process.env);
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
