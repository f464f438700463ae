/**
 * Reads the proxy's timestamps. RFC 3339 is the expected form; Deepgram's other
 * self-hosted endpoints print "2025-11-13 15:25:28.0 +00:00:00" (a space before the
 * offset, offset seconds), so that form is read too. A timestamp without a zone is
 * rejected: guessing a zone would shift TrustBased time by hours.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ?(?:([Zz])|([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?)$/;

export function parseProxyTimestamp(text: string): Date | undefined {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om, os] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  // A leap second (":60") is read as the next second's start rather than rejected.
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const millis = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  let offsetSeconds = 0;
  if (!zulu) {
    const offsetHours = Number(oh);
    const offsetMinutes = Number(om);
    const offsetExtra = os ? Number(os) : 0;
    if (offsetHours > 23 || offsetMinutes > 59 || offsetExtra > 59) return undefined;
    offsetSeconds = (sign === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60 + offsetExtra);
  }
  const utcMs = utcMillis(year, month, day, hour, minute, second, millis) - offsetSeconds * 1000;
  return Number.isFinite(utcMs) ? new Date(utcMs) : undefined;
}

// Date.UTC reads a year from 0 to 99 as 1900 + year. Four hundred Gregorian years are
// exactly 146097 days, so the year is shifted out of that range and the days taken back;
// the fields still roll over as Date.UTC rolls them (a leap second at 23:59:60).
const GREGORIAN_CYCLE_YEARS = 400;
const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;

function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number {
  return Date.UTC(year + GREGORIAN_CYCLE_YEARS, month - 1, day, hour, minute, second, millis) - GREGORIAN_CYCLE_MS;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
