import { z } from 'zod';
import { formatProblem, problemsFrom } from '../config/load.js';
import { parseProxyTimestamp } from './timestamp.js';

export const PROXY_STATES = ['Ready', 'Connected', 'TrustBased', 'Failed'] as const;
export type ProxyState = (typeof PROXY_STATES)[number];

export interface ProxyAnswer {
  state: ProxyState;
  lastSuccessfulCheckin: Date | null;
  trustExpiration: Date | null;
  /** Fields the proxy sent that this watcher does not read (a newer proxy may add some, a Failed one may print an unreadable time); logged, never fatal. */
  ignoredFields: string[];
}

/** Why an HTTP answer could not be used. */
export type AnswerProblem = 'NotJson' | 'InvalidJson' | 'UnknownState' | 'SchemaMismatch';

export type ParsedAnswer = { ok: true; answer: ProxyAnswer } | { ok: false; problem: AnswerProblem; detail: string };

const timestamp = z.string().transform((text, ctx) => {
  const date = parseProxyTimestamp(text);
  if (date === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 timestamp with a time zone, e.g. 2026-01-01T00:00:00Z' });
    return z.NEVER;
  }
  return date;
});

// Types and formats are strict; the timestamps may be null or absent because a proxy
// that has never been TrustBased has no meaningful trust_expiration. Whether a state
// needs them is decided in evaluate.ts, where a TrustBased answer without them is unusable.
const statusSchema = z.object({
  state: z.enum(PROXY_STATES, { message: `must be one of ${PROXY_STATES.join(', ')}` }),
  last_successful_checkin: timestamp.nullable().optional(),
  trust_expiration: timestamp.nullable().optional(),
});

const KNOWN_FIELDS = new Set(['state', 'last_successful_checkin', 'trust_expiration']);

/** Turns the body of a /v1/status answer into a ProxyAnswer, or names what is wrong with it. */
export function parseStatusBody(body: string, contentType: string | null): ParsedAnswer {
  const trimmed = body.trimStart();
  if (/html/i.test(contentType ?? '') || trimmed.startsWith('<')) {
    return { ok: false, problem: 'NotJson', detail: `an HTML page, not JSON (content-type ${contentType ?? 'none'}): ${snippet(body)}` };
  }
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (cause) {
    return { ok: false, problem: 'InvalidJson', detail: `invalid JSON (${(cause as Error).message}): ${snippet(body)}` };
  }
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    const state = (document as Record<string, unknown>).state;
    if (typeof state === 'string' && !(PROXY_STATES as readonly string[]).includes(state)) {
      return { ok: false, problem: 'UnknownState', detail: `state ${JSON.stringify(state)} is not one of ${PROXY_STATES.join(', ')}` };
    }
  }
  const unreadable = unreadableTimesOfFailed(document);
  const result = statusSchema.safeParse(unreadable.length > 0 ? { ...(document as object), ...Object.fromEntries(unreadable.map((key) => [key, null])) } : document);
  if (!result.success) {
    const problems = problemsFrom(result.error, document).map((p) => formatProblem(p).trim().replace(/^- /, ''));
    return { ok: false, problem: 'SchemaMismatch', detail: `not a License Proxy status: ${problems.join('; ')}` };
  }
  return {
    ok: true,
    answer: {
      state: result.data.state,
      lastSuccessfulCheckin: result.data.last_successful_checkin ?? null,
      trustExpiration: result.data.trust_expiration ?? null,
      ignoredFields: [...unreadable, ...Object.keys(document as object).filter((key) => !KNOWN_FIELDS.has(key))],
    },
  };
}

const TIMESTAMP_FIELDS = ['last_successful_checkin', 'trust_expiration'] as const;

/**
 * A Failed proxy pages as Failed whatever its timestamps say: they only matter while
 * TrustBased, and a proxy in trouble is the one most likely to print an odd one. The
 * timestamp fields of a Failed answer that cannot be read: they are read as null and
 * listed as ignored, so the log still shows them.
 */
function unreadableTimesOfFailed(document: unknown): string[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return [];
  const fields = document as Record<string, unknown>;
  if (fields.state !== 'Failed') return [];
  return TIMESTAMP_FIELDS.filter((key) => fields[key] !== undefined && fields[key] !== null && !timestamp.safeParse(fields[key]).success);
}

export function snippet(text: string, length = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > length ? `${flat.slice(0, length - 3)}...` : flat);
}
