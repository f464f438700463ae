import { describe, expect, it } from 'vitest';
import { LAST_SCALING_TAG } from '../../lib/fleet/group-state.js';
import { eksNight, WINDOW_OPENS_AT_MINUTE } from './eks-night.js';

// Capacity 150 streams per node; ~4.5 x rate streams are active. One segment: raise at t,
// applied and launched at t + 1, ready at t + 11 (warm-up 600 s), retired at t + 11.

describe('a nightly redeploy of an EKS node group on the simulated cloud (scale + drain + redeploy handlers)', () => {
  it('a quiet night replaces every node segment by segment, cuts no stream and ends at baseline', async () => {
    // 60/min ~ 270 streams on 10 x 150 = 1500: utilisation 0.18 < 0.5.
    const n = eksNight({ rate: () => 60 });
    await n.run(WINDOW_OPENS_AT_MINUTE + 120);
    expect(n.replacedInitial()).toBe(10);
    expect(n.drainingInitial()).toBe(0);
    const finished = n.lines('redeploy record: finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]?.fields).toMatchObject({ outcome: 'Successful', instancesReplaced: 10, reason: 'RollSucceeded' });
    // 10 nodes in segments of 2: 5 raises, 5 retirements.
    expect(n.lines('redeploy record: started')[0]?.fields).toMatchObject({ segments: 5, instances: 10 });
    expect(n.stepReasons().filter((r) => r === 'SegmentRaised')).toHaveLength(5);
    expect(n.stepReasons().filter((r) => r === 'SegmentRetired')).toHaveLength(5);
    const totals = n.cloud.totals();
    expect(totals.streamsCut).toBe(0);
    expect(totals.overCapacityStreamMinutes).toBe(0);
    expect(totals.rejected).toBe(0);
    // Baseline = max(min 10, ceil(270 / 105) = 3) = 10, with the cooldown tag on the node group.
    expect(n.group.desired).toBe(10);
    expect(n.nodegroup.tags[LAST_SCALING_TAG]).toBeDefined();
    expect(n.marker()).toMatchObject({ phase: 'done', outcome: 'Successful' });
    // New nodes first: InService never below the 10 the fleet had, and never above 10 + one segment.
    const during = n.records.slice(WINDOW_OPENS_AT_MINUTE);
    expect(Math.min(...during.map((r) => r.inService))).toBeGreaterThanOrEqual(10);
    expect(Math.max(...n.timeline.map((t) => t.desired))).toBe(12);
  });

  it('a busy night skips, says why, and records the skipped night when the window closes', async () => {
    // 200/min ~ 900 streams on 1500: utilisation 0.6 > 0.5.
    const n = eksNight({ rate: () => 200, redeploy: { windowMinutes: 30 } });
    await n.run(WINDOW_OPENS_AT_MINUTE + 32);
    expect(n.replacedInitial()).toBe(0);
    expect(n.redeployReasons()).toContain('Busy');
    expect(n.redeployReasons()).not.toContain('QuietWindow');
    expect(n.lines('redeploy record: skipped tonight')[0]?.fields).toMatchObject({ skippedBecause: 'Busy' });
    expect(n.marker()).toMatchObject({ phase: 'done', outcome: 'Skipped', reason: 'Busy' });
  });

  it('traffic rising mid-roll still gets its scale-out, the scaler never scales in, and the roll finishes', async () => {
    // Quiet (40/min) until minute 45, then 400/min ~ 1800 streams: ceil(1800 / 105) = 18 nodes.
    const n = eksNight({ rate: (m) => (m < 45 ? 40 : 400) });
    await n.run(WINDOW_OPENS_AT_MINUTE + 150);
    const rollingMinutes = new Set(n.timeline.filter((t) => t.rolling).map((t) => t.minute));
    expect(rollingMinutes.size).toBeGreaterThan(0);
    expect(Math.max(...n.timeline.filter((t) => t.rolling).map((t) => t.desired))).toBeGreaterThanOrEqual(16);
    // The scaler's own decisions while the marker says rolling: never below the current count.
    const scalerWhileRolling = n.scaleTicks.map((t) => t.fleets[0]?.decision).filter((d, i) => d !== undefined && rollingMinutes.has(n.timeline[i]?.minute ?? -1));
    expect(scalerWhileRolling.length).toBeGreaterThan(0);
    for (const d of scalerWhileRolling) expect(d!.desired).toBeGreaterThanOrEqual(d!.numbers.current);
    expect(n.scaleTicks.some((t) => t.fleets[0]?.decision?.reason === 'ScaleUp')).toBe(true);
    // Nothing the roll or the scaler did cut a stream: no node took a stream once it was leaving,
    // and a stream was cut only where its node's whole grace (the default 60 minutes) ran out
    // first, i.e. a stream longer than the grace. At 400 arrivals a minute of lognormal
    // 4.5-minute streams, about 2 in 10,000 last that long.
    const cuts = n.cloud.totals().streamsCutByCause;
    expect({ hookTimeout: cuts['hook-timeout'], noHook: cuts['no-hook'], podGrace: cuts['pod-grace'] }).toEqual({ hookTimeout: 0, noHook: 0, podGrace: 0 });
    expect(n.cloud.kubernetes.figures.acceptedWhileLeaving).toBe(0);
    for (const release of n.cloud.history.releases) {
      if (release.requestsCut > 0) expect(release.minute - (release.waitMinute as number)).toBeGreaterThanOrEqual(60);
    }
    expect(n.replacedInitial()).toBe(10);
    expect(n.lines('redeploy record: finished')[0]?.fields).toMatchObject({ outcome: 'Successful' });
  });

  it('a stuck segment stops the roll safely and pages', async () => {
    // New nodes never finish launching: a launch hook nobody completes holds them in Pending:Wait.
    const n = eksNight({ rate: () => 60, redeploy: { stallMinutes: 20 }, drain: { gracePeriodSeconds: 1200 } });
    n.group.hooks.set('stuck-launch', {
      LifecycleHookName: 'stuck-launch',
      AutoScalingGroupName: n.group.name,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      HeartbeatTimeout: 7200,
      GlobalTimeout: 172_800,
      DefaultResult: 'ABANDON',
    });
    await n.run(WINDOW_OPENS_AT_MINUTE + 30);
    expect(n.redeployReasons()).toContain('Stalled');
    // The segment never served, so the roll retired no old node. (The baseline afterwards,
    // 12 -> 10 through UpdateNodegroupConfig, lets Auto Scaling pick the victims: the
    // known limit of docs/redeploy.md; they drain, nothing is cut.)
    expect(n.stepReasons()).not.toContain('SegmentRetired');
    const pages = n.redeployTelemetry.points.filter((p) => p.name === 'RedeployFailed');
    expect(pages.some((p) => p.dimensions.Reason === 'Stalled')).toBe(true);
    expect(pages.some((p) => Object.keys(p.dimensions).length === 0)).toBe(true);
    expect(n.lines('redeploy record: finished')[0]?.fields).toMatchObject({ outcome: 'Cancelled', reason: 'RollCancelled' });
    expect(n.marker()).toMatchObject({ phase: 'done', outcome: 'Cancelled' });
    expect(n.cloud.totals().streamsCut).toBe(0);
  });

  it('a node group at its maximum does not start (maxSize is not raised) and says so', async () => {
    const n = eksNight({ rate: () => 60, nodegroupMax: 10, redeploy: { windowMinutes: 30 } });
    await n.run(WINDOW_OPENS_AT_MINUTE + 5);
    expect(n.redeployReasons()).toContain('NoSurgeRoom');
    expect(n.replacedInitial()).toBe(0);
    expect(n.group.maxSize).toBe(10);
  });

  it('a dry run shows the plan and the first step and changes nothing', async () => {
    const n = eksNight({ rate: () => 60, dryRun: true });
    await n.run(WINDOW_OPENS_AT_MINUTE + 5);
    const planned = n.redeployTicks.map((t) => t.fleets[0]).find((f) => f?.action?.kind === 'start');
    expect(planned?.step).toMatchObject({ kind: 'raise', desired: 12 });
    expect(planned?.applied).toEqual([]);
    expect(n.marker()).toBeUndefined();
    expect(n.group.desired).toBe(10);
  });
});
