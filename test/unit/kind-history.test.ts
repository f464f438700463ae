import { describe, expect, it } from 'vitest';
import { neverRequestedPeriods, RECENTLY_ACTIVE_MS } from '../../lib/fleet/kind-history.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 0, 0, 0);
/** Five-minute period starts from T0 + `from` minutes up to (not including) `to` minutes. */
const periods = (from: number, to: number) => Array.from({ length: (to - from) / 5 }, (_, i) => T0 + (from + 5 * i) * MIN);
const minutesOf = (starts: number[]) => starts.map((at) => (at - T0) / MIN);

describe('a kind over the fleet-level history: never requested (zero) or missing (unknown)', () => {
  it('three hours is the ListMetrics RecentlyActive span the live rule lists series by', () => {
    expect(RECENTLY_ACTIVE_MS).toBe(180 * MIN);
  });

  it.each([
    {
      // A fleet's first day: its Engines report from minute 0, the first stream arrives at
      // minute 420 (07:00). The read starts 180 minutes earlier, so every period can look back.
      name: 'Engines reporting before the first request of the kind: zero until its first datapoint',
      kind: periods(420, 480),
      reporting: periods(0, 480),
      readFrom: -180,
      expected: minutesOf(periods(0, 420)),
    },
    {
      // Requested until minute 300; a fresh Engine alone from then on (the served ones left):
      // 300..475 is within three hours of the last datapoint (295), so a gap; from 480 on the
      // series is no longer recently active: the staying Engine was never asked for the kind.
      name: 'the requested Engines left, a never-requested one stays: a gap for three hours, then zero',
      kind: periods(0, 300),
      reporting: periods(0, 600),
      readFrom: -180,
      expected: minutesOf(periods(480, 600)),
    },
    {
      name: 'a short gap in a series that exists: unknown, never zero',
      kind: [...periods(0, 60), ...periods(90, 120)],
      reporting: periods(0, 120),
      readFrom: -180,
      expected: [],
    },
    {
      name: 'no Engine reporting: unknown, whatever the kind',
      kind: [],
      reporting: [],
      readFrom: -180,
      expected: [],
    },
    {
      // The first 180 minutes read cannot look back three hours: the series may have had
      // datapoints just before the read began.
      name: 'a period whose look-back reaches before the read: unknown',
      kind: [],
      reporting: periods(0, 240),
      readFrom: 0,
      expected: minutesOf(periods(180, 240)),
    },
  ])('$name', ({ kind, reporting, readFrom, expected }) => {
    expect(minutesOf(neverRequestedPeriods({ kindPeriods: kind, reportingPeriods: reporting, readFromMs: T0 + readFrom * MIN }))).toEqual(expected);
  });
});
