import type { z } from 'zod';

/**
 * The wording of every schema problem: what the field must be, never zod's bare "Invalid
 * input". Passed as the per-parse error map (zod 4's `error` parse option), so a schema's
 * own message (a regex's, a union's) still wins where it has one.
 */
export const ruleFor: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return typeRule(issue.expected, issue.input);
    case 'too_small':
      return boundRule('at least', 'more than', issue.origin, issue.minimum, issue.inclusive);
    case 'too_big':
      return boundRule('at most', 'less than', issue.origin, issue.maximum, issue.inclusive);
    case 'invalid_value':
      return `must be ${listOf(issue.values.map((v) => JSON.stringify(v)))}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return `must be ${issue.format === 'regex' ? `text matching ${String((issue as { pattern?: unknown }).pattern)}` : `a valid ${issue.format}`}`;
    case 'invalid_key':
      return 'must have valid keys';
    case 'invalid_element':
      return 'must have valid values';
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      return options ? `must be one of ${listOf(options.map((o) => JSON.stringify(o)))}` : undefined;
    }
    default:
      return undefined;
  }
};

function typeRule(expected: string, input: unknown): string {
  const got = typeof input === 'number' && !Number.isFinite(input) ? ` (${String(input)} is not a usable number)` : '';
  const noun: Record<string, string> = {
    number: 'a number',
    int: 'a whole number (integer)',
    string: 'text (a string)',
    boolean: 'true or false (a boolean, not text)',
    object: 'an object (fields and values)',
    array: 'a list (an array)',
    nonoptional: 'given',
  };
  if (input === undefined) return expected === 'nonoptional' ? 'is required' : `is required: ${noun[expected] ?? expected}`;
  return `must be ${noun[expected] ?? expected}${got}`;
}

function boundRule(inclusiveWord: string, exclusiveWord: string, origin: string, bound: number | bigint | Date, inclusive: boolean | undefined): string {
  const word = inclusive === false ? exclusiveWord : inclusiveWord;
  const unit: Record<string, string> = { string: ' characters', array: ' item(s)', set: ' item(s)', file: ' bytes' };
  if (origin === 'string' && inclusive !== false && Number(bound) === 1 && inclusiveWord === 'at least') return 'must not be empty';
  return `must be ${word} ${String(bound)}${unit[origin] ?? ''}`;
}

function listOf(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'nothing';
  return `one of ${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * A value as the operator wrote it, in one line: JSON, except that NaN and ±Infinity are
 * shown as themselves (JSON would print null, which the document did not say) and long
 * values are cut.
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u0000${String(v)}\u0000` : v)).replace(/"\\u0000(NaN|-?Infinity)\\u0000"/g, '$1');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
