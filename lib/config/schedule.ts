import type { CronSpec } from './cron.js';

/**
 * Whether a redeploy schedule can work with its window: it must fire at all, and a
 * firing must not come while the previous firing's window is still open (the redeploy
 * would start a new night in the middle of one). Evaluated on the calendar, not by
 * walking minutes, so a schedule that never fires is found in milliseconds.
 */

const DAY_MINUTES = 1440;
// Every weekday/date/leap-year pattern of the Gregorian calendar repeats every 400 years.
const CYCLE_START = 2000;
const CYCLE_YEARS = 400;
// No zone moves its clocks by more than two hours (Troll station, Antarctica).
const MAX_SHIFT_MINUTES = 120;

export function scheduleProblem(spec: CronSpec, timeZone: string, windowMinutes: number): string | undefined {
  const firings = [...spec.hours].flatMap((h) => [...spec.minutes].map((m) => h * 60 + m)).sort((a, b) => a - b);
  // Only a firing late in the day followed by one early the next can make a cross-day gap short.
  const crossDay = DAY_MINUTES - (firings[firings.length - 1] ?? 0) + (firings[0] ?? 0);
  const days = matchingDays(spec, crossDay - MAX_SHIFT_MINUTES < windowMinutes);
  if (!days.any) return `must fire at least once: no date matches it (${spec.expression}), so the redeploy would never run`;
  const gaps: { minutes: number; from: number; to: number }[] = [];
  for (let i = 1; i < firings.length; i++) gaps.push({ minutes: (firings[i] as number) - (firings[i - 1] as number), from: firings[i - 1] as number, to: firings[i] as number });
  if (days.consecutive) gaps.push({ minutes: crossDay, from: firings[firings.length - 1] as number, to: firings[0] as number });
  if (gaps.length === 0) return undefined;
  const shortest = gaps.reduce((a, b) => (b.minutes < a.minutes ? b : a));
  if (shortest.minutes < windowMinutes) {
    return `must not fire more often than windowMinutes (${windowMinutes}): it fires at ${clock(shortest.from)} and again at ${clock(shortest.to)}, ${shortest.minutes} minutes later, while that night's window is still open`;
  }
  // A daylight-saving change in between shortens the real time between two firings.
  const shift = daylightSavingShiftMinutes(timeZone);
  if (shift > 0 && firings.length > 1 && shortest.minutes - shift < windowMinutes) {
    return `must not fire more often than windowMinutes (${windowMinutes}): it fires at ${clock(shortest.from)} and again at ${clock(shortest.to)}, which is ${shortest.minutes - shift} minutes later across a daylight-saving change in ${timeZone}`;
  }
  return undefined;
}

function clock(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

/** Whether any date matches, and whether two consecutive dates do (only then can a firing's window reach the next day's). */
function matchingDays(spec: CronSpec, needConsecutive: boolean): { any: boolean; consecutive: boolean } {
  const years = spec.years === 'any' ? Array.from({ length: CYCLE_YEARS + 1 }, (_, i) => CYCLE_START + i) : [...spec.years].sort((a, b) => a - b);
  let any = false;
  let previousDay: number | undefined;
  for (const year of years) {
    for (let month = 1; month <= 12; month++) {
      if (!spec.months.has(month)) continue;
      const length = daysIn(year, month);
      for (let day = 1; day <= length; day++) {
        const epochDay = Date.UTC(year, month - 1, day) / 86_400_000;
        const weekday = ((((epochDay + 4) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday (5)
        if (spec.daysOfMonth && !spec.daysOfMonth.has(day)) continue;
        if (spec.daysOfWeek && !spec.daysOfWeek.has(weekday)) continue;
        if (previousDay === epochDay - 1) return { any: true, consecutive: true };
        if (!needConsecutive) return { any: true, consecutive: false };
        any = true;
        previousDay = epochDay;
      }
    }
  }
  return { any, consecutive: false };
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The largest difference between the zone's UTC offsets over a year: 60 for most daylight-saving zones, 0 without. */
export function daylightSavingShiftMinutes(timeZone: string): number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const offsets = Array.from({ length: 24 }, (_, i) => {
    const name = format.formatToParts(new Date(Date.UTC(2026, Math.floor(i / 2), i % 2 === 0 ? 1 : 15))).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  });
  return Math.max(...offsets) - Math.min(...offsets);
}
