import { formatValue } from './messages.js';

/** One thing wrong with the fleet document: where, which rule, and the value it saw. */
export interface ConfigProblem {
  /** Dotted path to the field, e.g. fleets[0].maxInstances. */
  field: string;
  rule: string;
  value: unknown;
}

export function formatProblem(problem: ConfigProblem): string {
  return `  - ${problem.field}: ${problem.rule} (got ${formatValue(problem.value)})`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(document)' : out;
}

/** The value a path points at in the document it came from. */
export function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = document;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}
