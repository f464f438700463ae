import { describe, expect, it } from 'vitest';
import { CronError, parseCron } from '../../lib/config/cron.js';
import { localTime, windowAt } from '../../lib/redeploy/window.js';

describe('parseCron', () => {
  it.each([
    { name: 'daily at 03:00', expression: 'cron(0 3 * * ? *)', minutes: [0], hours: [3] },
    { name: 'lists and ranges', expression: 'cron(0,30 1-3 ? * MON-FRI *)', minutes: [0, 30], hours: [1, 2, 3] },
    { name: 'steps from a start', expression: 'cron(10/20 2 * * ? *)', minutes: [10, 30, 50], hours: [2] },
    { name: 'star step', expression: 'cron(*/15 4 * * ? *)', minutes: [0, 15, 30, 45], hours: [4] },
  ])('$name', ({ expression, minutes, hours }) => {
    const spec = parseCron(expression);
    expect([...spec.minutes]).toEqual(minutes);
    expect([...spec.hours]).toEqual(hours);
  });

  it('reads day names as EventBridge numbers them (1 = SUN)', () => {
    expect([...(parseCron('cron(0 3 ? * MON-FRI *)').daysOfWeek ?? [])]).toEqual([2, 3, 4, 5, 6]);
  });

  it.each([
    { name: 'not cron()', expression: '0 3 * * ? *', field: 'schedule', rule: /must be cron\(/ },
    { name: 'five fields', expression: 'cron(0 3 * * ?)', field: 'schedule', rule: /6 fields/ },
    { name: 'both days constrained', expression: 'cron(0 3 * * MON *)', field: 'schedule', rule: /exactly one of day-of-month and day-of-week/ },
    { name: 'hour out of range', expression: 'cron(0 24 * * ? *)', field: 'schedule hours', rule: /between 0 and 23/ },
    { name: 'last day of month', expression: 'cron(0 3 L * ? *)', field: 'schedule day-of-month', rule: /L, W and # forms are not supported/ },
    { name: 'nth weekday', expression: 'cron(0 3 ? * 2#1 *)', field: 'schedule day-of-week', rule: /L, W and # forms/ },
    { name: 'backwards range', expression: 'cron(0 5-3 * * ? *)', field: 'schedule hours', rule: /backwards/ },
    { name: 'question mark in hours', expression: 'cron(0 ? * * ? *)', field: 'schedule hours', rule: /only allowed in day-of-month/ },
  ])('rejects $name naming the field and the rule', ({ expression, field, rule }) => {
    let caught: unknown;
    try {
      parseCron(expression);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CronError);
    expect((caught as CronError).field).toBe(field);
    expect((caught as CronError).rule).toMatch(rule);
    expect((caught as CronError).message).toContain('got "');
  });

  it('keeps month and day names that contain L or W (JUL, WED)', () => {
    expect([...parseCron('cron(0 3 ? JUL WED *)').months]).toEqual([7]);
  });
});

describe('windowAt', () => {
  const nightly = parseCron('cron(0 3 * * ? *)');

  it.each([
    // 03:00 America/New_York in January (EST, UTC-5) is 08:00Z.
    { name: 'just before the firing', now: '2025-01-15T07:59:30Z', start: undefined },
    { name: 'at the firing', now: '2025-01-15T08:00:00Z', start: '2025-01-15T08:00:00.000Z' },
    { name: 'inside the window', now: '2025-01-15T10:59:59Z', start: '2025-01-15T08:00:00.000Z' },
    { name: 'at the end (exclusive)', now: '2025-01-15T11:00:00Z', start: undefined },
    // In July (EDT, UTC-4) the same local 03:00 is 07:00Z.
    { name: 'summer time', now: '2025-07-15T07:30:00Z', start: '2025-07-15T07:00:00.000Z' },
  ])('$name', ({ now, start }) => {
    const window = windowAt(nightly, 'America/New_York', 180, new Date(now));
    expect(window?.start.toISOString()).toBe(start);
    if (start) expect(window?.end.getTime()).toBe(new Date(start).getTime() + 180 * 60_000);
  });

  it('a local time skipped by spring-forward does not fire that night', () => {
    // 2025-03-09: New York clocks jump from 02:00 to 03:00; 02:30 local never happens.
    const spec = parseCron('cron(30 2 * * ? *)');
    for (let m = 0; m < 24 * 60; m += 5) {
      const at = new Date(Date.parse('2025-03-09T05:00:00Z') + m * 60_000);
      const window = windowAt(spec, 'America/New_York', 15, at);
      if (window) expect(localTime(window.start, 'America/New_York').day).not.toBe(9);
    }
  });

  it('a repeated local time (fall-back) does not restart an open window', () => {
    // 2025-11-02: 01:30 New York happens at 05:30Z (EDT) and again at 06:30Z (EST).
    const spec = parseCron('cron(30 1 * * ? *)');
    const window = windowAt(spec, 'America/New_York', 120, new Date('2025-11-02T06:45:00Z'));
    expect(window?.start.toISOString()).toBe('2025-11-02T05:30:00.000Z');
  });
});
