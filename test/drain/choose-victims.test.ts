import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseVictims, type VictimCandidate } from '../../lib/fleet/choose-victims.js';

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
    expect(choice.numbers).toEqual({ requested: 3, eligible: 4, overLoadLimit: 0, chosen: 3, knownRequestsOnVictims: 59, unknownLoadVictims: 0 });
  });

  describe('with maxVictimRequests (stream-safe scale-in)', () => {
    const limited: Array<{ name: string; instances: VictimCandidate[]; count: number; limit: number; victims: string[]; reason: string; overLoadLimit: number }> = [
      {
        name: 'only instances at or under the limit leave; the busy ones wait',
        instances: [inService('i-a', 2), inService('i-b', 3), inService('i-c', 40)],
        count: 3,
        limit: 3,
        // 2 <= 3 and 3 <= 3 qualify; 40 > 3 stays
        victims: ['i-a', 'i-b'],
        reason: 'VictimLoadLimit',
        overLoadLimit: 1,
      },
      {
        name: 'an unknown load never qualifies, even under a generous limit',
        instances: [inService('i-silent', undefined), inService('i-idle', 0)],
        count: 2,
        limit: 1000,
        victims: ['i-idle'],
        reason: 'VictimLoadLimit',
        overLoadLimit: 1,
      },
      {
        name: 'limit 0: only empty instances',
        instances: [inService('i-one', 1), inService('i-empty', 0)],
        count: 1,
        limit: 0,
        victims: ['i-empty'],
        reason: 'FewestRequestsFirst',
        overLoadLimit: 1,
      },
      {
        name: 'every instance too busy: none chosen',
        instances: [inService('i-a', 90), inService('i-b', 120)],
        count: 1,
        limit: 10,
        victims: [],
        reason: 'VictimLoadLimit',
        overLoadLimit: 2,
      },
    ];
    it.each(limited)('$name', ({ instances, count, limit, victims, reason, overLoadLimit }) => {
      const choice = chooseVictims(instances, count, limit);
      expect(choice.victims).toEqual(victims);
      expect(choice.reason).toBe(reason);
      expect(choice.numbers.overLoadLimit).toBe(overLoadLimit);
      expect(choice.numbers.maxVictimRequests).toBe(limit);
    });

    it('never chooses an instance above the limit or of unknown load', () => {
      fc.assert(
        fc.property(
          fc.array(fc.option(fc.nat(200), { nil: undefined }), { maxLength: 20 }),
          fc.nat(25),
          fc.nat(200),
          (loads, count, limit) => {
            const instances = loads.map((load, index) => inService(`i-${index}`, load));
            const { victims } = chooseVictims(instances, count, limit);
            for (const id of victims) {
              const load = instances.find((i) => i.instanceId === id)?.activeRequests;
              expect(load).toBeDefined();
              expect(load).toBeLessThanOrEqual(limit);
            }
          },
        ),
      );
    });
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
