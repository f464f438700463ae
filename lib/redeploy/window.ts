import { cronMatches, type CronSpec, type LocalTime } from '../config/cron.js';

export interface RedeployWindow {
  /** The cron firing that opened the window: the night's identity in tags and records. */
  start: Date;
  /** start + windowMinutes: nothing starts, and nothing keeps running, past it. */
  end: Date;
}

const MINUTE_MS = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 1, Mon: 2, Tue: 3, Wed: 4, Thu: 5, Fri: 6, Sat: 7 };

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function localTime(at: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
  };
}

/**
 * The window that contains `now`, if any: the earliest cron firing within the last
 * `windowMinutes` (so a firing repeated by a daylight-saving fall-back does not restart
 * a window already open). Firings are wall-clock minutes of the time zone, as
 * EventBridge Scheduler evaluates them: a local time skipped by a spring-forward does
 * not fire that night.
 */
export function windowAt(spec: CronSpec, timeZone: string, windowMinutes: number, now: Date): RedeployWindow | undefined {
  const nowMinuteMs = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  for (let back = windowMinutes - 1; back >= 0; back--) {
    const candidate = new Date(nowMinuteMs - back * MINUTE_MS);
    if (cronMatches(spec, localTime(candidate, timeZone))) {
      return { start: candidate, end: new Date(candidate.getTime() + windowMinutes * MINUTE_MS) };
    }
  }
  return undefined;
}
