/**
 * A boolean stack setting from the environment: "true" or "false"; unset or empty is
 * `fallback`. Anything else is refused with the variable's name and value, so a typo
 * ("yes", "True") never silently means false.
 */
export function booleanSetting(env: NodeJS.ProcessEnv, name: string, rejected: (message: string) => Error, fallback = false): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw rejected(`${name} must be "true" or "false", got ${JSON.stringify(value)}`);
}

/** Built on first use and kept for the life of the warm Lambda; a build that throws is retried next time. */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
