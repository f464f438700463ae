/**
 * EventBridge Scheduler cron expressions, evaluated in pure code: the fleet document is
 * an SSM parameter read at run time, so per-fleet schedules cannot be declared at deploy
 * time; one schedule runs the redeploy Lambda and each fleet's cron is matched here
 * against the wall clock of the fleet's time zone.
 *
 * cron(minutes hours day-of-month month day-of-week year), as EventBridge defines it:
 * day-of-week 1-7 is SUN-SAT, exactly one of day-of-month and day-of-week is "?".
 * Supported: numbers, names (JAN-DEC, SUN-SAT), "*", "?", lists, ranges and steps. The
 * L, W and # forms are rejected by name rather than half-understood.
 */

export class CronError extends Error {
  override readonly name = 'CronError';
  constructor(
    readonly field: string,
    readonly rule: string,
    readonly value: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${rule} (got ${JSON.stringify(value)})`, options);
  }
}

export interface CronSpec {
  expression: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  /** undefined = "?" (not constrained). */
  daysOfMonth?: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 1 = Sunday ... 7 = Saturday; undefined = "?". */
  daysOfWeek?: ReadonlySet<number>;
  years: ReadonlySet<number> | 'any';
}

/** Wall-clock reading of one instant in a time zone. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 1 = Sunday ... 7 = Saturday, as EventBridge numbers them. */
  weekday: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const NAME_PATTERN = new RegExp(`\\b(${[...MONTHS, ...DAYS].join('|')})\\b`, 'g');

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  allowQuestion?: boolean;
}

const FIELDS: readonly FieldRule[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, allowQuestion: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, allowQuestion: true },
  { name: 'year', min: 1970, max: 2199 },
];

export function parseCron(expression: string, field = 'schedule'): CronSpec {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) throw new CronError(field, 'must be cron(minutes hours day-of-month month day-of-week year)', expression);
  const parts = (match[1] as string).trim().split(/\s+/);
  if (parts.length !== 6) throw new CronError(field, `must have 6 fields (minutes hours day-of-month month day-of-week year), has ${parts.length}`, expression);
  const sets = parts.map((part, index) => parseField(part, FIELDS[index] as FieldRule, field));
  const [minutes, hours, dom, months, dow, years] = sets;
  if ((dom === '?') === (dow === '?')) {
    throw new CronError(field, 'exactly one of day-of-month and day-of-week must be "?" (EventBridge rule)', expression);
  }
  return {
    expression,
    minutes: minutes as Set<number>,
    hours: hours as Set<number>,
    ...(dom === '?' ? {} : { daysOfMonth: dom as Set<number> }),
    months: months as Set<number>,
    ...(dow === '?' ? {} : { daysOfWeek: dow as Set<number> }),
    years: parts[5] === '*' ? 'any' : (years as Set<number>),
  };
}

function parseField(text: string, rule: FieldRule, field: string): Set<number> | '?' {
  const where = `${field} ${rule.name}`;
  if (text === '?') {
    if (!rule.allowQuestion) throw new CronError(where, '"?" is only allowed in day-of-month and day-of-week', text);
    return '?';
  }
  const withoutNames = text.toUpperCase().replace(NAME_PATTERN, '');
  if (/[LW#]/.test(withoutNames)) {
    throw new CronError(where, 'the L, W and # forms are not supported by the redeploy window evaluator; list the days instead', text);
  }
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [rangeText, stepText, extra] = item.split('/');
    if (extra !== undefined || rangeText === undefined || rangeText === '') throw new CronError(where, 'each list item must be a value, a range or a step', text);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronError(where, 'a step must be a whole number >= 1', text);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (rangeText === '*') {
      from = rule.min;
      to = rule.max;
    } else {
      const bounds = rangeText.split('-');
      if (bounds.length > 2) throw new CronError(where, 'a range is start-end', text);
      from = valueOf(bounds[0] as string, rule, where, text);
      to = bounds.length === 2 ? valueOf(bounds[1] as string, rule, where, text) : stepText !== undefined ? rule.max : from;
      if (to < from) throw new CronError(where, 'a range must not run backwards', text);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function valueOf(token: string, rule: FieldRule, where: string, text: string): number {
  const upper = token.toUpperCase();
  const named = rule.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(token)) throw new CronError(where, `must be a number from ${rule.min} to ${rule.max}${rule.names ? ` or a name (${rule.names[0]}-${rule.names[rule.names.length - 1]})` : ''}`, text);
  const value = Number(token);
  if (value < rule.min || value > rule.max) throw new CronError(where, `must be between ${rule.min} and ${rule.max}`, text);
  return value;
}

export function cronMatches(spec: CronSpec, local: LocalTime): boolean {
  return (
    spec.minutes.has(local.minute) &&
    spec.hours.has(local.hour) &&
    spec.months.has(local.month) &&
    (spec.daysOfMonth === undefined || spec.daysOfMonth.has(local.day)) &&
    (spec.daysOfWeek === undefined || spec.daysOfWeek.has(local.weekday)) &&
    (spec.years === 'any' || spec.years.has(local.year))
  );
}
