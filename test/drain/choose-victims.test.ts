import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseVictims, type VictimCandidate } from '../../lib/drain/choose-victims.js';

const day = (d: number) => new Date(Date.UTC(2026, 10, d));
const inService = (instanceId: string, activeRequests: number | undefined, launchDay = 1, extra: Partial<VictimCandidate> = {}): VictimCandidate => ({
  instanceId,
  lifecycleState: 'InService',
  launchTime: day(launchDay),
  activeRequests,
  ...extra,
});

describe('chooseVictims', () => {
  const cases: Array<{ name: string; instances: VictimCandidate[]; count: number; victims: string[]; reason: string }> = [
    {
      name: 'the least loaded instances go first',
      instances: [inService('i-a', 120), inService('i-b', 3), inService('i-c', 40)],
      count: 2,
      // 3 < 40 < 120
      victims: ['i-b', 'i-c'],
      reason: 'FewestRequestsFirst',
    },
    {
      name: 'an unknown load counts as the busiest, even above a full instance',
      instances: [inService('i-silent', undefined), inService('i-full', 150)],
      count: 1,
      victims: ['i-full'],
      reason: 'FewestRequestsFirst',
    },
    {
      name: 'equal loads: the oldest launch goes first',
      instances: [inService('i-new', 5, 10), inService('i-old', 5, 2), inService('i-mid', 5, 6)],
      count: 2,
      victims: ['i-old', 'i-mid'],
      reason: 'FewestRequestsFirst',
    },
    {
      name: 'an unknown launch time sorts after a known one at equal load',
      instances: [inService('i-a', 0, 1, { launchTime: undefined }), inService('i-b', 0, 20)],
      count: 1,
      victims: ['i-b'],
      reason: 'FewestRequestsFirst',
    },
    {
      name: 'draining, pending and protected instances are never victims',
      instances: [
        inService('i-draining', 0, 1, { lifecycleState: 'Terminating:Wait' }),
        inService('i-pending', 0, 1, { lifecycleState: 'Pending' }),
        inService('i-protected', 0, 1, { protectedFromScaleIn: true }),
        inService('i-busy', 90),
      ],
      count: 3,
      // one eligible instance for three asked
      victims: ['i-busy'],
      reason: 'FewerCandidatesThanRequested',
    },
    { name: 'zero asked: none chosen', instances: [inService('i-a', 0)], count: 0, victims: [], reason: 'NoneRequested' },
    { name: 'a negative count is treated as zero', instances: [inService('i-a', 0)], count: -2, victims: [], reason: 'NoneRequested' },
    { name: 'an empty group', instances: [], count: 1, victims: [], reason: 'FewerCandidatesThanRequested' },
  ];

  it.each(cases)('$name', ({ instances, count, victims, reason }) => {
    const choice = chooseVictims(instances, count);
    expect(choice.victims).toEqual(victims);
    expect(choice.reason).toBe(reason);
  });

  it('reports the requests the victims carry into their drain', () => {
    const choice = chooseVictims([inService('i-a', 7), inService('i-b', 2), inService('i-c', undefined), inService('i-d', 50)], 3);
    // 2 + 7 + 50 known; i-c unknown sorts last and is not needed
    expect(choice.numbers).toEqual({ requested: 3, eligible: 4, chosen: 3, knownRequestsOnVictims: 59, unknownLoadVictims: 0 });
  });

  it('never chooses more than asked, never an ineligible one, and spares only instances at least as busy as every victim', () => {
    const candidate = fc.record({
      instanceId: fc.string({ minLength: 1, maxLength: 4 }).map((s) => `i-${s}`),
      lifecycleState: fc.constantFrom('InService', 'Pending', 'Terminating:Wait', 'Standby'),
      protectedFromScaleIn: fc.boolean(),
      activeRequests: fc.option(fc.nat(200), { nil: undefined }),
      launchTime: fc.integer({ min: 1, max: 28 }).map(day),
    });
    fc.assert(
      fc.property(fc.uniqueArray(candidate, { selector: (c) => c.instanceId, maxLength: 20 }), fc.integer({ min: -1, max: 25 }), (instances, count) => {
        const { victims } = chooseVictims(instances, count);
        expect(victims.length).toBeLessThanOrEqual(Math.max(0, count));
        const byId = new Map(instances.map((i) => [i.instanceId, i]));
        const load = (id: string) => byId.get(id)?.activeRequests ?? Number.POSITIVE_INFINITY;
        for (const id of victims) {
          expect(byId.get(id)?.lifecycleState).toBe('InService');
          expect(byId.get(id)?.protectedFromScaleIn).toBe(false);
        }
        const spared = instances.filter((i) => i.lifecycleState === 'InService' && !i.protectedFromScaleIn && !victims.includes(i.instanceId));
        const heaviestVictim = Math.max(...victims.map(load), Number.NEGATIVE_INFINITY);
        for (const s of spared) expect(load(s.instanceId)).toBeGreaterThanOrEqual(heaviestVictim);
      }),
    );
  });
});
