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
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetSeconds * 1000;
  return Number.isFinite(utcMs) ? new Date(utcMs) : undefined;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
