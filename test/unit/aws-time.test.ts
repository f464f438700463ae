import { describe, expect, it } from 'vitest';
import { awsTime, CLOCK_SKEW_MARGIN_SECONDS } from '../../lib/aws-time.js';

const AWS = Date.parse('2026-06-01T10:05:00Z');
/** A host clock `skewSeconds` off AWS's, advanced by `tick`; the event fired `delaySeconds` before the invocation. */
function host(skewSeconds: number) {
  let awsMs = AWS;
  return {
    now: () => new Date(awsMs + skewSeconds * 1000),
    tick: (seconds: number) => (awsMs += seconds * 1000),
    aws: () => awsMs,
  };
}

describe("an invocation's view of AWS's clock", () => {
  it.each([
    // the event fired 2 s before the invocation; 30 s pass inside it
    ['a host clock 3 minutes ahead', 180],
    ['a host clock 3 minutes behind', -180],
    ['a host clock in step', 0],
  ])('%s: earliest never runs ahead of AWS, latest never behind it', (_name, skew) => {
    const clock = host(skew);
    clock.tick(2);
    const time = awsTime(new Date(AWS), clock.now);
    clock.tick(30);
    // earliest = event 10:05:00 + 30 s elapsed = 10:05:30, 2 s behind AWS (the delivery delay)
    expect(time.earliest().getTime()).toBe(AWS + 30_000);
    expect(time.earliest().getTime()).toBeLessThanOrEqual(clock.aws());
    // latest = the later of that and the host clock
    expect(time.latest().getTime()).toBe(Math.max(AWS + 30_000, clock.aws() + skew * 1000));
    expect(time.offsetSeconds).toBe(skew + 2);
    expect(time.source).toBe('event');
  });

  it('a late delivery (a retried invocation) stamps with the host clock, not the old event time', () => {
    const clock = host(0);
    clock.tick(120);
    const time = awsTime(new Date(AWS), clock.now);
    expect(time.earliest().getTime()).toBe(AWS);
    expect(time.latest().getTime()).toBe(AWS + 120_000);
  });

  it('a host clock stepped back mid-invocation never moves earliest backwards', () => {
    let hostMs = AWS;
    const time = awsTime(new Date(AWS), () => new Date(hostMs));
    hostMs -= 60_000;
    expect(time.earliest().getTime()).toBe(AWS);
  });

  it(`without an event time, the host clock, its stamps ${CLOCK_SKEW_MARGIN_SECONDS} s later`, () => {
    const clock = host(0);
    const time = awsTime(undefined, clock.now);
    expect(time.source).toBe('host');
    expect(time.earliest().getTime()).toBe(AWS);
    expect(time.latest().getTime()).toBe(AWS + CLOCK_SKEW_MARGIN_SECONDS * 1000);
  });
});
