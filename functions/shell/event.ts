import type { z } from 'zod';
import { valueAt } from '../../lib/config/load.js';

/**
 * Parses a Lambda's event against its schema before anything runs. A rejection names
 * every problem as field, rule and the value received, and is thrown as the Lambda's own
 * error type (`rejected`), so an operator's bad invocation changes nothing and says why.
 */
export function parseEvent<S extends z.ZodType>(lambda: string, schema: S, event: unknown, rejected: (message: string, cause: z.ZodError) => Error): z.output<S> {
  const parsed = schema.safeParse(event ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const value = issue.path.length > 0 ? valueAt(event, issue.path) : event;
    return `${issue.path.join('.') || '(event)'}: ${issue.message} (got ${JSON.stringify(value)?.slice(0, 120) ?? 'nothing'})`;
  });
  throw rejected(`${lambda} event rejected: ${problems.join('; ')}; nothing changed`, parsed.error);
}
