import { describe, expect, it } from 'vitest';
import { followReplicas } from '../../lib/drain/follow-nodes.js';
import { decideNodeDrain, type NodeObservation } from '../../lib/drain/node-drain.js';

const NOW = new Date('2026-12-02T10:30:00Z');
const at = (minutesBeforeNow: number) => new Date(NOW.getTime() - minutesBeforeNow * 60_000);
const policy = { gracePeriodSeconds: 3600 };
const engine = (name: string, terminating = false, phase = 'Running') => ({ namespace: 'dg', name, phase, terminating });
const base: NodeObservation = { instanceId: 'i-0a', node: { name: 'n1', unschedulable: false }, pods: [engine('engine-1')], load: { activeStreams: 7, activeRequests: 9, at: at(2) }, terminatingSince: at(1) };

describe('decideNodeDrain: one tick for one leaving EKS node', () => {
  it.each([
    {
      name: 'a node not cordoned yet: cordon, record the start, evict its Engine, hold',
      obs: base,
      want: { action: 'Heartbeat', reason: 'Cordoning', cordon: true, evict: [{ namespace: 'dg', name: 'engine-1' }], startedAt: at(1) },
    },
    {
      name: 'cordoned by EKS\'s own drain but without our start: cordon again to record it',
      obs: { ...base, node: { name: 'n1', unschedulable: true } },
      want: { action: 'Heartbeat', reason: 'Cordoning', cordon: true },
    },
    {
      name: 'cordoned, pod not evicted yet (a PDB refused last tick): evict again, hold',
      obs: { ...base, node: { name: 'n1', unschedulable: true, drainStartedAt: at(10) }, terminatingSince: at(11) },
      want: { action: 'Heartbeat', reason: 'Evicting', cordon: false, evict: [{ namespace: 'dg', name: 'engine-1' }] },
    },
    {
      name: 'every pod terminating: nothing to send, hold',
      obs: { ...base, node: { name: 'n1', unschedulable: true, drainStartedAt: at(10) }, terminatingSince: at(11), pods: [engine('engine-1', true), engine('api-1', true)] },
      want: { action: 'Heartbeat', reason: 'PodsTerminating', cordon: false, evict: [] },
    },
    {
      name: 'no pod left: release (even with a stale load datapoint showing streams)',
      obs: { ...base, node: { name: 'n1', unschedulable: true, drainStartedAt: at(10) }, pods: [] },
      want: { action: 'Complete', reason: 'PodsGone' },
    },
    {
      name: 'only finished pods left: release',
      obs: { ...base, node: { name: 'n1', unschedulable: true, drainStartedAt: at(10) }, pods: [engine('engine-1', false, 'Succeeded')] },
      want: { action: 'Complete', reason: 'PodsGone' },
    },
    {
      name: 'no node carries the instance: release',
      obs: { ...base, node: undefined },
      want: { action: 'Complete', reason: 'NodeNotInCluster' },
    },
    {
      // started 60 min ago = 3600 s = the grace: the deadline is now
      name: 'at the deadline with a pod still terminating: force, the streams are counted',
      obs: { ...base, node: { name: 'n1', unschedulable: true, drainStartedAt: at(60) }, terminatingSince: at(61), pods: [engine('engine-1', true)] },
      want: { action: 'Force', reason: 'GraceExpired', numbers: { drainSeconds: 3600, secondsToDeadline: 0, activeStreams: 7, pods: 1, podsTerminating: 1 } },
    },
    {
      // the node's annotation (59 min) wins over the termination activity (90 min): resends never move the clock, and the annotation is written once
      name: 'the drain clock is the node\'s annotation, not the termination activity',
      obs: { ...base, node: { name: 'n1', unschedulable: true, drainStartedAt: at(59) }, terminatingSince: at(90), pods: [engine('engine-1', true)] },
      want: { action: 'Heartbeat', reason: 'PodsTerminating', numbers: { secondsToDeadline: 60 } },
    },
  ])('$name', ({ obs, want }) => {
    expect(decideNodeDrain(obs as NodeObservation, policy, NOW)).toMatchObject(want);
  });

  it('without an annotation or a termination activity, the start stamped is the later clock, never a tick that runs behind AWS (issue 13, fault 2)', () => {
    // now 10:30 (a late event's time), the host at 10:33: the drain is dated 10:33, so its deadline is 11:33, not 11:30
    const decision = decideNodeDrain({ ...base, terminatingSince: undefined }, policy, NOW, at(-3));
    expect(decision).toMatchObject({ action: 'Heartbeat', reason: 'Cordoning', cordon: true, startedAt: at(-3), numbers: { secondsToDeadline: 3780 } });
  });
});

// Issue 13: a drain-started-at annotation a person edited. Dated 2099 it held the hook past
// the grace with the pods still on (until the hook's own timeout); dated before the
// termination, it released the node's streams before their grace.
describe('decideNodeDrain: an annotation that cannot be true', () => {
  const refused = { ...base, pods: [engine('engine-1', true)], terminatingSince: at(30) };
  it.each([
    {
      name: 'dated in the future: the clock runs from the termination, the annotation is written again',
      // terminating 30 min ago + 60 min grace: 30 min left; the annotation would say decades
      obs: { ...refused, node: { name: 'n1', unschedulable: true, drainStartedAt: new Date('2099-01-01T00:00:00Z') } },
      want: { action: 'Heartbeat', reason: 'Cordoning', cordon: true, startedAt: at(30), numbers: { secondsToDeadline: 1800, drainStartProblem: 'FutureAnnotation' } },
      detail: 'gpu-fleet-scaler/drain-started-at must not be after now (2026-12-02T10:30:00.000Z, 120 s allowed for clock skew), got 2099-01-01T00:00:00.000Z',
    },
    {
      name: 'dated before the termination: not released early',
      // the annotation (61 min ago) would put the deadline a minute ago, with a pod still terminating
      obs: { ...refused, node: { name: 'n1', unschedulable: true, drainStartedAt: at(61) } },
      want: { action: 'Heartbeat', reason: 'Cordoning', cordon: true, startedAt: at(30), numbers: { secondsToDeadline: 1800, drainStartProblem: 'AnnotationBeforeTermination' } },
      detail: 'gpu-fleet-scaler/drain-started-at must not be before the termination activity began (2026-12-02T10:00:00.000Z), got 2026-12-02T09:29:00.000Z',
    },
    {
      name: 'not a date: unknown, said, the clock runs from the termination and the annotation is written again',
      // terminating 30 min ago + 60 min grace: 30 min left
      obs: { ...refused, node: { name: 'n1', unschedulable: true, drainStartedAtUnreadable: 'yesterday' } },
      want: { action: 'Heartbeat', reason: 'Cordoning', cordon: true, startedAt: at(30), numbers: { secondsToDeadline: 1800, drainStartProblem: 'UnreadableAnnotation' } },
      detail: 'gpu-fleet-scaler/drain-started-at must be an ISO 8601 date, got "yesterday"',
    },
  ])('$name', ({ obs, want, detail }) => {
    expect(decideNodeDrain(obs as NodeObservation, policy, NOW)).toMatchObject({ ...want, drainStartDetail: detail });
  });

  it.each([
    // two minutes ahead of this clock: a writer's skew, taken at its word
    ['two minutes ahead', at(-2)],
    // two minutes before the termination activity's start
    ['two minutes before the termination', at(32)],
  ])('an annotation %s is taken at its word', (_name, annotation) => {
    const decision = decideNodeDrain({ ...refused, node: { name: 'n1', unschedulable: true, drainStartedAt: annotation } }, policy, NOW);
    expect(decision).toMatchObject({ reason: 'PodsTerminating', cordon: false, startedAt: annotation });
    expect(decision.numbers).not.toHaveProperty('drainStartProblem');
  });
});

describe('followReplicas: pods that follow nodes', () => {
  it.each([
    // 10 nodes staying, ratio 4: ceil(10 / 4) = 3 API pods
    { name: 'one Engine per staying node, API at 1:4 rounded up', input: { nodesStaying: 10, leavingWithEngine: 0, api: { ratio: 4, min: 1, max: 250 } }, engine: 10, api: 3 },
    // 8 staying + 2 whose Engine a PDB still holds = 10: the ReplicaSet must not pick a serving Engine
    { name: 'a leaving node whose Engine is not evicted keeps its replica', input: { nodesStaying: 8, leavingWithEngine: 2, api: { ratio: 4, min: 1, max: 250 } }, engine: 10, api: 2 },
    // ceil(0 / 4) = 0, raised to the minimum 1
    { name: 'API never under its minimum', input: { nodesStaying: 0, leavingWithEngine: 0, api: { ratio: 4, min: 1, max: 250 } }, engine: 0, api: 1 },
    // ceil(100 / 2) = 50, capped at 20
    { name: 'API never over its maximum', input: { nodesStaying: 100, leavingWithEngine: 0, api: { ratio: 2, min: 1, max: 20 } }, engine: 100, api: 20 },
    { name: 'no API Deployment: only the Engine count', input: { nodesStaying: 3, leavingWithEngine: 1 }, engine: 4, api: undefined },
  ])('$name', ({ input, engine: wantEngine, api }) => {
    const decision = followReplicas(input);
    expect(decision.engineReplicas).toBe(wantEngine);
    expect(decision.apiReplicas).toBe(api);
  });
});
