import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideDrain, type DrainCommand, type DrainObservation } from '../../lib/drain/decide.js';

const t = (hhmmss: string) => new Date(`2026-11-20T${hhmmss}Z`);
const policy = { gracePeriodSeconds: 3600, resendAfterSeconds: 300 };
const cmd = (requested: string, status: string, extra: Partial<DrainCommand> = {}): DrainCommand => ({
  commandId: `c-${requested}`,
  requestedAt: t(requested),
  startedAt: status === 'Pending' || status === 'TimedOut' ? undefined : t(requested),
  status,
  ...extra,
});
const load = (activeRequests: number, at: string, activeStreams = activeRequests) => ({ activeRequests, activeStreams, at: t(at) });
/** A command SSM described without some of its fields (RequestedDateTime, Status): they are unknown. */
const partial = (command: DrainCommand, ...missing: Array<'RequestedDateTime' | 'Status'>): DrainCommand => ({
  ...command,
  ...(missing.includes('RequestedDateTime') ? { requestedAt: undefined } : {}),
  ...(missing.includes('Status') ? { status: undefined } : {}),
  missing,
});

describe('decideDrain', () => {
  const cases: Array<{ name: string; observation: Omit<DrainObservation, 'instanceId'>; now: string; action: string; reason: string }> = [
    { name: 'a new drain sends the SIGINT', observation: { commands: [], load: load(40, '10:00:00') }, now: '10:01:10', action: 'SendAndHeartbeat', reason: 'SigintNotSent' },
    {
      name: 'a command the agent has not picked up yet is waited for',
      observation: { commands: [cmd('10:00:00', 'Pending')], load: undefined },
      now: '10:02:00',
      action: 'Heartbeat',
      reason: 'SigintPending',
    },
    {
      name: 'an undelivered command is sent again once resendAfter has passed',
      // 10:00 + 300 s = 10:05 <= 10:05:30
      observation: { commands: [cmd('10:00:00', 'TimedOut')], load: undefined },
      now: '10:05:30',
      action: 'SendAndHeartbeat',
      reason: 'SigintRetry',
    },
    {
      name: 'a failed command is not sent again before resendAfter',
      observation: { commands: [cmd('10:00:00', 'Failed', { responseCode: 3 })], load: undefined },
      now: '10:04:59',
      action: 'Heartbeat',
      reason: 'SigintPending',
    },
    {
      name: 'streams still running after the SIGINT hold the instance',
      observation: { commands: [cmd('10:00:30', 'InProgress')], load: load(12, '10:03:00') },
      now: '10:05:10',
      action: 'Heartbeat',
      reason: 'StreamsActive',
    },
    {
      name: 'a zero measured before the SIGINT proves nothing',
      // the 10:00 period started 30 s before the SIGINT at 10:00:30
      observation: { commands: [cmd('10:00:30', 'Success')], load: load(0, '10:00:00') },
      now: '10:02:10',
      action: 'Heartbeat',
      reason: 'AwaitingPostSigintData',
    },
    {
      name: 'a missing datapoint after the SIGINT never releases',
      observation: { commands: [cmd('10:00:30', 'Success')], load: {} },
      now: '10:20:00',
      action: 'Heartbeat',
      reason: 'AwaitingPostSigintData',
    },
    {
      name: 'a zero measured wholly after the SIGINT releases',
      observation: { commands: [cmd('10:00:30', 'Success')], load: load(0, '10:01:00') },
      now: '10:02:10',
      action: 'Complete',
      reason: 'DrainedEmpty',
    },
    {
      name: 'the SIGINT moment is when the agent ran the script, not when it was asked',
      // requested 10:00, run at 10:04: the 10:02 zero predates the SIGINT
      observation: { commands: [cmd('10:00:00', 'Success', { startedAt: t('10:04:00') })], load: load(0, '10:02:00') },
      now: '10:05:10',
      action: 'Heartbeat',
      reason: 'AwaitingPostSigintData',
    },
    {
      name: 'the document reporting every container exited releases at once',
      observation: { commands: [cmd('10:00:30', 'Success', { containersExited: true })], load: load(30, '09:59:00') },
      now: '10:09:00',
      action: 'Complete',
      reason: 'ContainersExited',
    },
    {
      name: 'streams still running at the deadline are cut',
      // 10:00:30 + 3600 s = 11:00:30 <= 11:00:40
      observation: { commands: [cmd('10:00:30', 'InProgress')], load: load(3, '10:59:00') },
      now: '11:00:40',
      action: 'Force',
      reason: 'GraceExpired',
    },
    {
      name: 'one second before the deadline the instance is still held',
      observation: { commands: [cmd('10:00:30', 'InProgress')], load: load(3, '10:59:00') },
      now: '11:00:29',
      action: 'Heartbeat',
      reason: 'StreamsActive',
    },
    {
      name: 'a resend does not move the deadline: it runs from the first command',
      observation: { commands: [cmd('10:30:00', 'Pending'), cmd('10:00:00', 'TimedOut')], load: undefined },
      now: '11:00:00',
      action: 'Force',
      reason: 'GraceExpired',
    },
    {
      name: 'an agent that never answers is forced at the deadline',
      observation: { commands: [cmd('10:00:00', 'Pending')], load: undefined },
      now: '11:00:00',
      action: 'Force',
      reason: 'GraceExpired',
    },
    {
      name: 'without any command the deadline runs from the termination activity',
      observation: { commands: [], load: undefined, terminatingSince: t('09:59:00') },
      now: '10:59:00',
      action: 'Force',
      reason: 'GraceExpired',
    },
    {
      name: 'an empty instance at the deadline is released as empty, not as cut',
      observation: { commands: [cmd('10:00:00', 'Success')], load: load(0, '10:58:00') },
      now: '11:00:10',
      action: 'Complete',
      reason: 'DrainedEmpty',
    },
    {
      name: 'a command that signalled but outlived its wait counts as delivered',
      observation: { commands: [cmd('10:00:00', 'Failed', { responseCode: 5 })], load: load(0, '10:30:00') },
      now: '10:31:10',
      action: 'Complete',
      reason: 'DrainedEmpty',
    },
    {
      name: 'a command that failed before signalling is not a SIGINT: its zero does not release',
      observation: { commands: [cmd('10:00:00', 'Failed', { responseCode: 4 })], load: load(0, '10:02:00') },
      now: '10:03:10',
      action: 'Heartbeat',
      reason: 'SigintPending',
    },
  ];

  // Issue 13: SSM described a command without a field. It was dropped, so the drain sent
  // another and started its clock again; absent is unknown, never "no command".
  const incomplete: typeof cases = [
    {
      name: 'a command without its request time counts as sent: held, not sent again',
      observation: { commands: [partial(cmd('10:00:00', 'Pending'), 'RequestedDateTime')], load: load(9, '10:05:00'), terminatingSince: t('09:59:30') },
      now: '10:10:00',
      action: 'Heartbeat',
      reason: 'CommandIncomplete',
    },
    {
      name: 'a command without its status is not sent again, however long ago it went',
      observation: { commands: [partial(cmd('10:00:00', 'TimedOut'), 'Status')], load: undefined },
      now: '10:30:00',
      action: 'Heartbeat',
      reason: 'CommandIncomplete',
    },
    {
      name: 'a failed command beside one without its status: the newer may be on its way, no resend',
      // the failed one alone would be sent again: 10:00 + 300 s <= 10:30
      observation: { commands: [cmd('10:00:00', 'Failed', { responseCode: 3 }), partial(cmd('10:06:00', 'Pending'), 'Status')], load: undefined },
      now: '10:30:00',
      action: 'Heartbeat',
      reason: 'CommandIncomplete',
    },
    {
      name: 'no time known at all: held, never released on a guess (the hook timeout is the last resort)',
      observation: { commands: [partial(cmd('10:00:00', 'Pending'), 'RequestedDateTime', 'Status')], load: undefined },
      now: '23:00:00',
      action: 'Heartbeat',
      reason: 'CommandIncomplete',
    },
    {
      name: 'a delivered command without its request time: its plugin start is the SIGINT, a zero after it releases',
      observation: { commands: [partial(cmd('10:00:30', 'Success'), 'RequestedDateTime')], load: load(0, '10:01:00'), terminatingSince: t('10:00:00') },
      now: '10:02:10',
      action: 'Complete',
      reason: 'DrainedEmpty',
    },
    {
      name: 'a delivered command without its request time: a zero before its plugin start proves nothing',
      observation: { commands: [partial(cmd('10:00:30', 'Success'), 'RequestedDateTime')], load: load(0, '10:00:00'), terminatingSince: t('10:00:00') },
      now: '10:02:10',
      action: 'Heartbeat',
      reason: 'AwaitingPostSigintData',
    },
    {
      name: 'a command without its status is no SIGINT: its zero does not release',
      observation: { commands: [partial(cmd('10:00:30', 'Success'), 'Status')], load: load(0, '10:02:00') },
      now: '10:03:10',
      action: 'Heartbeat',
      reason: 'CommandIncomplete',
    },
    {
      name: 'a command without its status does not hide one that reports every container exited',
      observation: { commands: [cmd('10:00:30', 'Success', { containersExited: true }), partial(cmd('10:06:00', 'Pending'), 'Status')], load: load(30, '09:59:00') },
      now: '10:09:00',
      action: 'Complete',
      reason: 'ContainersExited',
    },
  ];

  it.each([...cases, ...incomplete])('$name', ({ observation, now, action, reason }) => {
    const decision = decideDrain({ instanceId: 'i-0abc', ...observation }, policy, t(now));
    expect({ action: decision.action, reason: decision.reason }).toEqual({ action, reason });
  });

  it.each([
    // 09:59:00 + 3600 s = 10:59:00: the command's own start (10:05) would say 11:05
    ['from the termination activity', { commands: [partial(cmd('10:05:00', 'InProgress'), 'RequestedDateTime')], load: load(3, '10:57:00'), terminatingSince: t('09:59:00') }, '10:59:00', '10:58:59'],
    // 10:10 + 3600 s = 11:10: never before the deadline of the unknown first request, which came earlier
    ['without it, from the earliest request still known', { commands: [partial(cmd('10:00:00', 'Pending'), 'RequestedDateTime'), cmd('10:10:00', 'TimedOut')], load: undefined }, '11:10:00', '11:09:59'],
  ])('the clock of a command without its request time runs %s: held a second before, released at the deadline', (_name, observation, deadline, before) => {
    expect(decideDrain({ instanceId: 'i-0abc', ...observation }, policy, t(before)).action).toBe('Heartbeat');
    expect(decideDrain({ instanceId: 'i-0abc', ...observation }, policy, t(deadline))).toMatchObject({ action: 'Force', reason: 'GraceExpired' });
  });

  it.each([
    // Issue 13, fault 2: a tick behind AWS's clock (a late event) sent a first SIGINT at a
    // deadline already past, restarting the grace, while a tick on time released the instance.
    // terminating 09:59:00 + 3600 s = 10:59:00: past by the host clock (10:59:30), not by now (10:58:30)
    ['the host clock is past the deadline, now is not: held, no SIGINT', '10:58:30', '10:59:30', 'Heartbeat', 'SigintPastDeadline'],
    ['both before the deadline: the SIGINT is sent', '10:58:00', '10:58:59', 'SendAndHeartbeat', 'SigintNotSent'],
    ['both past it: released', '10:59:00', '10:59:30', 'Force', 'GraceExpired'],
  ])('without a command, %s', (_name, now, latest, action, reason) => {
    const decision = decideDrain({ instanceId: 'i-0abc', commands: [], load: undefined, terminatingSince: t('09:59:00') }, policy, t(now), t(latest));
    expect({ action: decision.action, reason: decision.reason }).toEqual({ action, reason });
  });

  it('returns the numbers behind the decision', () => {
    const decision = decideDrain({ instanceId: 'i-0abc', commands: [cmd('10:00:30', 'InProgress')], load: load(7, '10:03:00', 5) }, policy, t('10:05:10'));
    // drain 10:00:30 -> 10:05:10 = 280 s; deadline 11:00:30 - 10:05:10 = 3320 s; data 10:03:00 -> 10:05:10 = 130 s
    expect(decision.numbers).toEqual({ drainSeconds: 280, secondsToDeadline: 3320, gracePeriodSeconds: 3600, activeStreams: 5, activeRequests: 7, dataAgeSeconds: 130, commands: 1 });
  });
});

describe('decideDrain invariants', () => {
  const base = t('10:00:00').getTime();
  const at = (minutes: number) => new Date(base + minutes * 60_000);
  const command = fc.record({
    requested: fc.integer({ min: 0, max: 120 }),
    startDelay: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    status: fc.constantFrom('Pending', 'Delayed', 'InProgress', 'Success', 'Failed', 'TimedOut', 'Cancelled'),
    responseCode: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    containersExited: fc.boolean(),
  });
  const observation = fc.record({
    commands: fc.array(command, { maxLength: 4 }),
    load: fc.option(fc.record({ activeRequests: fc.integer({ min: 0, max: 200 }), at: fc.integer({ min: 0, max: 180 }) }), { nil: undefined }),
    terminatingSince: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
    now: fc.integer({ min: 0, max: 240 }),
    graceMinutes: fc.integer({ min: 1, max: 120 }),
  });

  it('releases before the deadline only on a post-SIGINT zero or the exit line, and never holds past the deadline', () => {
    fc.assert(
      fc.property(observation, (o) => {
        const commands: DrainCommand[] = o.commands.map((c, i) => ({
          commandId: `c${i}`,
          requestedAt: at(c.requested),
          startedAt: c.startDelay === undefined ? undefined : at(c.requested + c.startDelay),
          status: c.status,
          responseCode: c.responseCode,
          containersExited: c.status === 'Success' && c.containersExited,
        }));
        const load = o.load ? { activeRequests: o.load.activeRequests, activeStreams: o.load.activeRequests, at: at(o.load.at) } : undefined;
        const decision = decideDrain({ instanceId: 'i-0abc', commands, load, terminatingSince: o.terminatingSince === undefined ? undefined : at(o.terminatingSince) }, { gracePeriodSeconds: o.graceMinutes * 60, resendAfterSeconds: 300 }, at(o.now));
        const firstRequested = commands.length > 0 ? Math.min(...o.commands.map((c) => c.requested)) : o.terminatingSince;
        const expired = firstRequested !== undefined && o.now >= firstRequested + o.graceMinutes;
        if (decision.action === 'Force') expect(expired).toBe(true);
        if (decision.reason === 'ContainersExited') expect(commands.some((c) => c.containersExited)).toBe(true);
        if (decision.reason === 'DrainedEmpty') {
          expect(load?.activeRequests).toBe(0);
          const signalled = commands.filter((c) => c.status === 'InProgress' || c.status === 'Success' || (c.status === 'Failed' && c.responseCode === 5));
          const sigint = Math.min(...signalled.map((c) => (c.startedAt ?? c.requestedAt)?.getTime() ?? Infinity));
          expect(load?.at.getTime()).toBeGreaterThanOrEqual(sigint);
        }
        if (expired) expect(['Complete', 'Force']).toContain(decision.action);
      }),
    );
  });
});

describe('decideDrain on commands SSM described without a field (issue 13)', () => {
  const base = t('10:00:00').getTime();
  const at = (minutes: number) => new Date(base + minutes * 60_000);
  // Every command is requested at or after the hook began to wait (minute `wait`).
  const world = fc.record({
    wait: fc.integer({ min: 0, max: 60 }),
    waitKnown: fc.boolean(),
    commands: fc.array(
      fc.record({
        after: fc.integer({ min: 0, max: 120 }),
        startDelay: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
        status: fc.constantFrom('Pending', 'InProgress', 'Success', 'Failed', 'TimedOut', 'Cancelled'),
        noRequestTime: fc.boolean(),
        noStatus: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    load: fc.option(fc.record({ activeRequests: fc.integer({ min: 0, max: 50 }), at: fc.integer({ min: 0, max: 240 }) }), { nil: undefined }),
    now: fc.integer({ min: 0, max: 300 }),
    graceMinutes: fc.integer({ min: 1, max: 120 }),
  });

  it('never sends again for a missing field, and never cuts requests before the wait plus the grace', () => {
    fc.assert(
      fc.property(world, (w) => {
        const commands: DrainCommand[] = w.commands.map((c, i) => {
          const requested = w.wait + c.after;
          const missing = [...(c.noRequestTime ? ['RequestedDateTime'] : []), ...(c.noStatus ? ['Status'] : [])];
          return {
            commandId: `c${i}`,
            ...(c.noRequestTime ? {} : { requestedAt: at(requested) }),
            startedAt: c.startDelay === undefined ? undefined : at(requested + c.startDelay),
            ...(c.noStatus ? {} : { status: c.status }),
            ...(missing.length > 0 ? { missing } : {}),
          };
        });
        const load = w.load ? { activeRequests: w.load.activeRequests, activeStreams: w.load.activeRequests, at: at(w.load.at) } : undefined;
        const decision = decideDrain(
          { instanceId: 'i-0abc', commands, load, ...(w.waitKnown ? { terminatingSince: at(w.wait) } : {}) },
          { gracePeriodSeconds: w.graceMinutes * 60, resendAfterSeconds: 300 },
          at(w.now),
        );
        if (commands.some((c) => c.missing)) expect(decision.action).not.toBe('SendAndHeartbeat');
        const released = decision.action === 'Complete' || decision.action === 'Force';
        if (released && decision.reason !== 'DrainedEmpty' && decision.reason !== 'ContainersExited') expect(w.now).toBeGreaterThanOrEqual(w.wait + w.graceMinutes);
        if (decision.reason === 'DrainedEmpty') expect(load?.activeRequests).toBe(0);
      }),
    );
  });
});
