import { describe, expect, it } from 'vitest';
import { decideEksStep, eksRollView, eksStepFor, planEksRoll, type NodeView } from '../../lib/redeploy/eks-roll.js';
import type { RedeployMarker } from '../../lib/fleet/roll-marker.js';

const since = new Date('2026-01-15T08:00:00Z');
const now = new Date('2026-01-15T08:30:00Z');
const at = (minutesFromSince: number) => new Date(since.getTime() + minutesFromSince * 60_000);
const rolling: RedeployMarker = { phase: 'rolling', window: since, until: at(180), since, planned: 4, left: 4, progressAt: since };
const WARMUP = 600;

/** Old nodes launched a day before the roll; InService unless said. */
const old = (n: number, state = 'InService'): NodeView[] => Array.from({ length: n }, (_, i) => ({ instanceId: `i-old${i}`, lifecycleState: state, launchedAt: at(-1440 + i), protectedFromScaleIn: false }));
/** New nodes launched `minutesAgo` before now (now = since + 30). */
const fresh = (n: number, minutesAgo: number, state = 'InService'): NodeView[] => Array.from({ length: n }, (_, i) => ({ instanceId: `i-new${minutesAgo}-${i}`, lifecycleState: state, launchedAt: at(30 - minutesAgo), protectedFromScaleIn: false }));

describe('decideEksStep: the next step of a running EKS roll', () => {
  it.each([
    {
      name: 'no segment outstanding: raise desired by the segment',
      marker: rolling, desired: 4, max: 40, nodes: old(4),
      expected: { kind: 'raise', reason: 'SegmentRaised', desired: 6, surge: 2 }, // 4 + min(2, 4 old, 40 - 4)
    },
    {
      name: 'the segment is limited by the room below max',
      marker: rolling, desired: 4, max: 5, nodes: old(4),
      expected: { kind: 'raise', desired: 5, surge: 1 }, // min(2, 4, 5 - 4) = 1
    },
    {
      name: 'no room below max: hold, maxSize is not raised',
      marker: rolling, desired: 4, max: 4, nodes: old(4),
      expected: { kind: 'hold', reason: 'NoSurgeRoom' },
    },
    {
      name: 'the last segment is only as large as the old nodes left',
      marker: rolling, desired: 4, max: 40, nodes: [...old(1), ...fresh(3, 20)],
      expected: { kind: 'raise', desired: 5, surge: 1 }, // min(2, 1 old, 36)
    },
    {
      name: 'segment raised, new nodes not launched yet: wait',
      marker: { ...rolling, surge: 2, surgeAt: at(29) }, desired: 6, max: 40, nodes: old(4),
      expected: { kind: 'hold', reason: 'SurgeLaunching' },
    },
    {
      name: 'new nodes InService but inside the warm-up: wait',
      marker: { ...rolling, surge: 2, surgeAt: at(25) }, desired: 6, max: 40, nodes: [...old(4), ...fresh(2, 5)],
      expected: { kind: 'hold', reason: 'SurgeLaunching' }, // 5 min < 600 s
    },
    {
      name: 'new nodes serve past the warm-up: retire as many old nodes, oldest first',
      marker: { ...rolling, surge: 2, surgeAt: at(15) }, desired: 6, max: 40, nodes: [...old(4), ...fresh(2, 12)],
      expected: { kind: 'retire', reason: 'SegmentRetired', instanceIds: ['i-old0', 'i-old1'] }, // 4 old + 2 ready >= 6
    },
    {
      name: 'a scale-out still booting holds the retirement until it serves too',
      marker: { ...rolling, surge: 2, surgeAt: at(15) }, desired: 9, max: 40, nodes: [...old(4), ...fresh(2, 12), ...fresh(3, 2, 'Pending')],
      expected: { kind: 'hold', reason: 'SurgeLaunching' }, // 4 + 2 = 6 serving < 9 desired
    },
    {
      name: 'a node group update in flight holds everything',
      marker: rolling, desired: 4, max: 40, nodes: old(4), updating: true,
      expected: { kind: 'hold', reason: 'NodegroupUpdating' },
    },
    {
      name: 'a node without a launch time could be old or new: hold',
      marker: rolling, desired: 4, max: 40, nodes: [...old(3), { instanceId: 'i-x', lifecycleState: 'InService', protectedFromScaleIn: false }],
      expected: { kind: 'hold', reason: 'LaunchTimeUnknown' },
    },
    {
      name: 'protected and draining old nodes are not the roll\'s to replace',
      marker: rolling, desired: 4, max: 40, nodes: [{ ...old(1)[0]!, protectedFromScaleIn: true }, ...old(1, 'Terminating:Wait'), ...fresh(3, 20)],
      expected: { kind: 'hold', reason: 'SegmentsDone' },
    },
  ])('$name', ({ marker, desired, max, nodes, updating, expected }) => {
    const step = decideEksStep({ now, marker, segmentSize: 2, warmupSeconds: WARMUP, group: { desired, max, updating: updating ?? false, nodes } });
    expect(step).toMatchObject(expected);
  });

  it('reports the numbers it decided on', () => {
    const step = decideEksStep({ now, marker: { ...rolling, surge: 2, surgeAt: at(15) }, segmentSize: 2, warmupSeconds: WARMUP, group: { desired: 6, max: 40, updating: false, nodes: [...old(4), ...fresh(2, 12)] } });
    expect(step.numbers).toEqual({ desired: 6, max: 40, oldLeft: 4, oldServing: 4, newReady: 2, newWarming: 0, surge: 2 });
  });
});

describe('eksRollView: the roll as the redeploy decision watches it', () => {
  const group = (nodes: NodeView[]) => ({ desired: nodes.length, max: 40, updating: false, nodes });
  it.each([
    { name: 'no rolling marker: no roll', marker: undefined, nodes: old(2), expected: undefined },
    { name: 'old nodes left: active, left = old nodes', marker: rolling, nodes: [...old(2), ...fresh(2, 12)], expected: { state: 'active', left: 2, startedAt: since } },
    { name: 'no old node left: succeeded', marker: rolling, nodes: fresh(4, 12), expected: { state: 'succeeded', left: 0 } },
    { name: 'stopped in the marker: cancelled', marker: { ...rolling, stop: 'Stalled' }, nodes: old(4), expected: { state: 'cancelled', statusReason: 'Stalled' } },
  ])('$name', ({ marker, nodes, expected }) => {
    const view = eksRollView(marker, group(nodes), now, WARMUP);
    if (expected === undefined) expect(view).toBeUndefined();
    else expect(view).toMatchObject(expected);
  });

  it('an unknown launch time leaves `left` unset, so no progress is read from it', () => {
    const view = eksRollView(rolling, group([...old(2), { instanceId: 'i-x', lifecycleState: 'InService', protectedFromScaleIn: false }]), now, WARMUP);
    expect(view).toMatchObject({ state: 'active' });
    expect(view?.left).toBeUndefined();
  });
});

describe('planEksRoll', () => {
  const settings = { segmentSize: 2, busyUtilization: 0.5, warmupSeconds: 600, stallMinutes: 40 };
  it.each([
    // 10 / 2 = 5 segments of (1 update + 2 launch + 10 warm-up + 1 retire) = 14 min: 70.
    { name: '10 nodes, segments of 2', desired: 10, max: 40, expected: { segmentSize: 2, segments: 5, estimatedMinutes: 70 } },
    // room 11 - 10 = 1: 10 segments x 14 = 140.
    { name: 'one node of room: segments of 1', desired: 10, max: 11, expected: { segmentSize: 1, segments: 10, estimatedMinutes: 140 } },
  ])('$name', ({ desired, max, expected }) => {
    expect(planEksRoll(desired, max, settings, at(180))).toMatchObject(expected);
  });

  it('no room below max: no plan', () => {
    expect(planEksRoll(10, 10, settings, at(180))).toBeUndefined();
  });
});

describe('eksStepFor: the redeploy decision with its EKS step', () => {
  const group = { desired: 4, max: 40, updating: true, nodes: old(4) };
  it('a finished roll waits while a node group update is in flight (its baseline would be refused)', () => {
    const settle = { kind: 'settle', reason: 'RollSucceeded', outcome: 'Successful', baseline: 4, page: false, progress: {}, marker: { ...rolling, phase: 'done' } } as const;
    expect(eksStepFor(settle, rolling, group, { segmentSize: 2, warmupSeconds: WARMUP }, now).action).toMatchObject({ kind: 'wait', reason: 'SettleDeferred' });
  });

  it('a finished roll settles when no update is in flight', () => {
    const settle = { kind: 'settle', reason: 'RollSucceeded', outcome: 'Successful', baseline: 4, page: false, progress: {}, marker: { ...rolling, phase: 'done' } } as const;
    expect(eksStepFor(settle, rolling, { ...group, updating: false }, { segmentSize: 2, warmupSeconds: WARMUP }, now).action.kind).toBe('settle');
  });
});
