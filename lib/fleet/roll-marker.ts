import { CLOCK_SKEW_MARGIN_SECONDS } from '../aws-time.js';
import { MAX_REDEPLOY_WINDOW_MINUTES } from '../config/schema.js';

/**
 * The redeploy marker: one tag on the group (the EKS node group for EKS fleets) that
 * holds what a roll must remember between ticks without a database: which night it
 * belongs to, when it started, how many instances it set out to replace, and when the
 * refresh last made progress (for stall detection). The scaler reads it too: while a
 * roll runs it never scales in (lib/scaling/roll-guard.ts).
 */
export const REDEPLOY_TAG = 'gpu-fleet-scaler:redeploy';

export type MarkerPhase = 'rolling' | 'skipped' | 'done';
export type RollOutcome = 'Successful' | 'Cancelled' | 'Failed' | 'Skipped';

export interface RedeployMarker {
  phase: MarkerPhase;
  /** Start of the night's window (its identity). */
  window: Date;
  /** End of that window. */
  until: Date;
  /** rolling/done: when the roll was started. */
  since?: Date;
  /** Instances the roll set out to replace. */
  planned?: number;
  /** Instances still to replace at `progressAt`, as the refresh last reported it. */
  left?: number;
  progressAt?: Date;
  /** EKS: the node group update id. */
  id?: string;
  /** EKS: nodes added ahead of the segment not yet retired, and when desired was raised for them. */
  surge?: number;
  surgeAt?: Date;
  /** EKS: the roll was stopped for this reason (no refresh to cancel); the next tick settles it as cancelled. */
  stop?: string;
  /** skipped: the latest reason; done: why it ended. */
  reason?: string;
  outcome?: RollOutcome;
}

export class MarkerError extends Error {
  override readonly name = 'MarkerError';
  constructor(
    message: string,
    /** UnreadableMarker: the value does not parse; ImplausibleMarker: it parses, but its times cannot be true. */
    readonly code: 'UnreadableMarker' | 'ImplausibleMarker' = 'UnreadableMarker',
  ) {
    super(message);
  }
}

const PHASES: ReadonlySet<string> = new Set(['rolling', 'skipped', 'done']);
const OUTCOMES: ReadonlySet<string> = new Set(['Successful', 'Cancelled', 'Failed', 'Skipped']);

export function formatMarker(marker: RedeployMarker): string {
  const parts = [`phase=${marker.phase}`, `window=${marker.window.toISOString()}`, `until=${marker.until.toISOString()}`];
  if (marker.since) parts.push(`since=${marker.since.toISOString()}`);
  if (marker.planned !== undefined) parts.push(`n=${marker.planned}`);
  if (marker.left !== undefined && marker.progressAt) parts.push(`left=${marker.left}@${marker.progressAt.toISOString()}`);
  if (marker.id) parts.push(`id=${marker.id}`);
  if (marker.surge !== undefined && marker.surgeAt) parts.push(`seg=${marker.surge}@${marker.surgeAt.toISOString()}`);
  if (marker.stop) parts.push(`stop=${marker.stop}`);
  if (marker.outcome) parts.push(`outcome=${marker.outcome}`);
  if (marker.reason) parts.push(`reason=${marker.reason}`);
  const value = parts.join(' ');
  // A tag value holds at most 256 characters; losing the tail would lose the progress time.
  if (value.length > 256) throw new MarkerError(`redeploy marker is ${value.length} characters, over the 256 a tag value holds: ${value.slice(0, 60)}...`);
  return value;
}

/**
 * The marker a tag value holds, or undefined when there is none. A value that does not
 * parse (edited by hand, written by a future version) is reported, never guessed at.
 */
export function parseMarker(value: string | undefined): RedeployMarker | undefined {
  if (value === undefined || value === '') return undefined;
  const fields = new Map<string, string>();
  for (const part of value.trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new MarkerError(`${REDEPLOY_TAG}: "${part}" is not key=value in ${JSON.stringify(value)}`);
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const phase = fields.get('phase') ?? '';
  if (!PHASES.has(phase)) throw new MarkerError(`${REDEPLOY_TAG}: phase must be rolling, skipped or done, got ${JSON.stringify(phase)}`);
  const marker: RedeployMarker = { phase: phase as MarkerPhase, window: date(fields, 'window', true) as Date, until: date(fields, 'until', true) as Date };
  const since = date(fields, 'since', false);
  if (since) marker.since = since;
  const n = fields.get('n');
  if (n !== undefined) marker.planned = whole(n, 'n');
  const left = fields.get('left');
  if (left !== undefined) {
    const [count, at] = left.split('@');
    marker.left = whole(count ?? '', 'left');
    marker.progressAt = parseDate(at ?? '', 'left');
  }
  const id = fields.get('id');
  if (id) marker.id = id;
  const seg = fields.get('seg');
  if (seg !== undefined) {
    const [count, at] = seg.split('@');
    marker.surge = whole(count ?? '', 'seg');
    marker.surgeAt = parseDate(at ?? '', 'seg');
  }
  const stop = fields.get('stop');
  if (stop) marker.stop = stop;
  const outcome = fields.get('outcome');
  if (outcome !== undefined) {
    if (!OUTCOMES.has(outcome)) throw new MarkerError(`${REDEPLOY_TAG}: outcome must be one of ${[...OUTCOMES].join(', ')}, got ${JSON.stringify(outcome)}`);
    marker.outcome = outcome as RollOutcome;
  }
  const reason = fields.get('reason');
  if (reason) marker.reason = reason;
  return marker;
}

/**
 * The marker a tag value holds, taken at its word only when its times can be true at
 * `latest` (the latest AWS's clock may read): a person's edit (until=2099-01-01) would
 * otherwise pin the scaler's roll guard and keep a roll open for decades. The controller
 * writes a window's start once its schedule fired, its end at most the longest window a
 * fleet document allows after it, and since, left@ and seg@ at the moment it acted; a time
 * ahead of `latest` by more than the clock margin was not written by it. Throws
 * MarkerError (ImplausibleMarker) naming the field, the rule and the value, as for a value
 * that does not parse.
 */
export function readMarker(value: string | undefined, latest: Date, marginSeconds = CLOCK_SKEW_MARGIN_SECONDS): RedeployMarker | undefined {
  const marker = parseMarker(value);
  if (!marker) return undefined;
  const aheadMs = latest.getTime() + marginSeconds * 1000;
  const problems: string[] = [];
  const future = (key: string, at: Date | undefined) => {
    if (at && at.getTime() > aheadMs) problems.push(`${key} must not be after now (${latest.toISOString()}, ${marginSeconds} s allowed for clock skew), got ${at.toISOString()}`);
  };
  future('window', marker.window);
  const longestMs = MAX_REDEPLOY_WINDOW_MINUTES * 60_000;
  const span = marker.until.getTime() - marker.window.getTime();
  if (span <= 0 || span > longestMs) {
    problems.push(`until must be after window by at most ${MAX_REDEPLOY_WINDOW_MINUTES} minutes (the longest redeploy window a fleet document allows), got until=${marker.until.toISOString()} for window=${marker.window.toISOString()}`);
  }
  future('since', marker.since);
  future('left@', marker.progressAt);
  future('seg@', marker.surgeAt);
  if (problems.length > 0) throw new MarkerError(`${REDEPLOY_TAG}: ${problems.join('; ')}, in ${JSON.stringify(value)}`, 'ImplausibleMarker');
  return marker;
}

function date(fields: Map<string, string>, key: string, required: boolean): Date | undefined {
  const text = fields.get(key);
  if (text === undefined) {
    if (required) throw new MarkerError(`${REDEPLOY_TAG}: ${key}= is missing`);
    return undefined;
  }
  return parseDate(text, key);
}

function parseDate(text: string, key: string): Date {
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(at.getTime())) throw new MarkerError(`${REDEPLOY_TAG}: ${key} must be an ISO-8601 time, got ${JSON.stringify(text)}`);
  return at;
}

function whole(text: string, key: string): number {
  if (!/^\d+$/.test(text)) throw new MarkerError(`${REDEPLOY_TAG}: ${key} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}
