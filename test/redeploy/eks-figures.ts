/**
 * The figures for a 10-node EKS node group at night-time load, printed:
 *   npx tsx test/redeploy/eks-figures.ts
 * Night-time load: 60 streams/min of ~4.5 min (~270 active) on 10 x 150 capacity;
 * window 03:00 New York, segments of 2, warm-up 600 s, boot 8 min.
 */
import { eksNight, WINDOW_OPENS_AT_MINUTE } from './eks-night.js';

const n = eksNight({ rate: () => 60 });
await n.run(WINDOW_OPENS_AT_MINUTE + 120);
const totals = n.cloud.totals();
const finished = n.lines('redeploy record: finished')[0]?.fields ?? {};
const window = n.records.slice(WINDOW_OPENS_AT_MINUTE);
console.log(
  JSON.stringify(
    {
      outcome: finished.outcome,
      nodesReplaced: finished.instancesReplaced,
      initialNodesGone: n.replacedInitial() - n.drainingInitial(),
      rollMinutes: finished.durationMinutes,
      segmentsRaised: n.stepReasons().filter((r) => r === 'SegmentRaised').length,
      overCapacityStreamMinutes: totals.overCapacityStreamMinutes,
      streamsCut: totals.streamsCut,
      rejectedStreams: totals.rejected,
      minInServiceDuringWindow: Math.min(...window.map((r) => r.inService)),
      maxBilledDuringWindow: Math.max(...window.map((r) => r.billed)),
      maxDesiredDuringRoll: Math.max(...n.timeline.map((t) => t.desired)),
      drainingInstanceMinutes: totals.drainingInstanceMinutes,
      desiredAfter: n.group.desired,
    },
    null,
    2,
  ),
);
