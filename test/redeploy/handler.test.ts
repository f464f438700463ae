import { describe, expect, it } from 'vitest';
import { REDEPLOY_TAG } from '../../lib/fleet/roll-marker.js';
import { night, WINDOW_OPENS_AT_MINUTE } from './night.js';

describe('the redeploy handler', () => {
  it('a dry run shows the plan and changes nothing', async () => {
    const n = night({ rate: () => 60 });
    // Let the drain schedule put its hook and the Engines publish, up to the window.
    await n.run(WINDOW_OPENS_AT_MINUTE - 1);
    n.cloud.step();
    n.cloud.resetCalls();
    const result = await n.invokeRedeploy({ dryRun: true });
    expect(result.fleets[0]).toMatchObject({ dryRun: true, applied: [], action: { kind: 'start', plan: { instances: 10, segments: 5, maxHealthyPercentage: 120, minHealthyPercentage: 100 } } });
    expect(n.cloud.calls.get('autoscaling:StartInstanceRefresh')).toBeUndefined();
    expect(n.cloud.calls.get('autoscaling:CreateOrUpdateTags')).toBeUndefined();
    expect(n.group.tags.has(REDEPLOY_TAG)).toBe(false);
    expect(n.lines('redeploy dry run: nothing changed')).toHaveLength(1);
  });

  it('two invocations at once start one roll', async () => {
    const n = night({ rate: () => 60 });
    await n.run(WINDOW_OPENS_AT_MINUTE - 1);
    n.cloud.step();
    const [a, b] = await Promise.all([n.invokeRedeploy({}), n.invokeRedeploy({})]);
    expect(n.cloud.refreshes.refreshes).toHaveLength(1);
    const applied = [...a.fleets[0]!.applied, ...b.fleets[0]!.applied];
    expect(applied.filter((x) => x.startsWith('RefreshStarted:'))).toHaveLength(1);
    expect(applied).toContain('AlreadyRolling');
    // The next tick sees one roll, its own.
    expect((await n.invokeRedeploy({})).fleets[0]?.action?.reason).toBe('RollInProgress');
  });

  it.each([
    { name: 'dryRun not a boolean', event: { dryRun: 'yes' }, message: /redeploy event rejected: dryRun: must be true or false \(got "yes"\)/ },
    { name: 'fleets not a list', event: { fleets: 'engine' }, message: /redeploy event rejected: fleets: must be a list of fleet names/ },
  ])('rejects an event with $name, changing nothing', async ({ event, message }) => {
    const n = night({ rate: () => 60 });
    await expect(n.invokeRedeploy(event)).rejects.toThrow(message);
    expect(n.cloud.callCount()).toBe(0);
  });
});
