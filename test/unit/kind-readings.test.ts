import { describe, expect, it } from 'vitest';
import { periodsCoveringListingLag, readInstancePeriod, readKind } from '../../lib/fleet/kind-readings.js';

describe('what a kind series says in one period (scaling and drain share it)', () => {
  it.each([
    { name: 'a datapoint is the value', evidence: { value: 3, listed: true, seenInWindow: true }, reports: true, expected: { state: 'reported', value: 3 } },
    { name: 'a datapoint of zero is zero', evidence: { value: 0, listed: true, seenInWindow: true }, reports: true, expected: { state: 'reported', value: 0 } },
    { name: 'never listed, never seen, instance reporting: never requested, zero', evidence: { listed: false, seenInWindow: false }, reports: true, expected: { state: 'neverRequested', value: 0 } },
    { name: 'listed but no datapoint here: stopped reporting, unknown', evidence: { listed: true, seenInWindow: false }, reports: true, expected: { state: 'unknown' } },
    { name: 'seen earlier in the window, not yet listed (listing lag): unknown', evidence: { listed: false, seenInWindow: true }, reports: true, expected: { state: 'unknown' } },
    { name: 'never listed but the instance is silent: unknown', evidence: { listed: false, seenInWindow: false }, reports: false, expected: { state: 'unknown' } },
  ])('$name', ({ evidence, reports, expected }) => {
    expect(readKind(evidence, reports)).toEqual(expected);
  });

  it.each([
    {
      name: 'stream reported, batch never requested: whole, batch zero',
      evidence: { heartbeat: true, kinds: { stream: { value: 40, listed: true, seenInWindow: true } } },
      expected: { reports: true, complete: true, total: 40 },
    },
    {
      name: 'a fresh Engine (only its limit and capacity gauges): whole, zero',
      evidence: { heartbeat: true, kinds: {} },
      expected: { reports: true, complete: true, total: 0 },
    },
    {
      name: 'batch listed but silent this period: not whole, unknown load',
      evidence: { heartbeat: true, kinds: { stream: { value: 40, listed: true, seenInWindow: true }, batch: { listed: true, seenInWindow: true } } },
      expected: { reports: true, complete: false, total: undefined },
    },
    {
      name: 'nothing at all this period: silent, not whole',
      evidence: { heartbeat: false, kinds: { stream: { listed: true, seenInWindow: true } } },
      expected: { reports: false, complete: false, total: undefined },
    },
    {
      name: 'a kind datapoint without the gauges still shows the instance reports',
      evidence: { heartbeat: false, kinds: { stream: { value: 2, listed: true, seenInWindow: true }, batch: { value: 1, listed: true, seenInWindow: true } } },
      // 2 streams + 1 batch
      expected: { reports: true, complete: true, total: 3 },
    },
  ])('$name', ({ evidence, expected }) => {
    expect(readInstancePeriod(evidence, ['stream', 'batch'])).toMatchObject(expected);
  });

  it.each([
    // ceil(900 / 60) + 1 = 16; ceil(900 / 120) + 1 = 9; ceil(900 / 300) + 1 = 4
    { period: 60, periods: 16 },
    { period: 120, periods: 9 },
    { period: 300, periods: 4 },
  ])('a window of $periods periods of $period s outlasts the 15 minutes ListMetrics may take', ({ period, periods }) => {
    expect(periodsCoveringListingLag(period)).toBe(periods);
  });
});
