/**
 * The figures for a 10-instance fleet at night-time load, printed:
 *   npx tsx test/redeploy/figures.ts
 * Night-time load: 60 streams/min of ~4.5 min (~270 active) on 10 x 150 capacity.
 */
import { night, WINDOW_OPENS_AT_MINUTE } from './night.js';

const n = night({ rate: () => 60 });
await n.run(WINDOW_OPENS_AT_MINUTE + 120);
const totals = n.cloud.totals();
const finished = n.lines('redeploy record: finished')[0]?.fields ?? {};
const window = n.records.slice(WINDOW_OPENS_AT_MINUTE);
console.log(
  JSON.stringify(
    {
      outcome: finished.outcome,
      instancesReplaced: finished.instancesReplaced,
      initialInstancesGone: n.replacedInitial() - n.drainingInitial(),
      rollMinutes: finished.durationMinutes,
      overCapacityStreamMinutes: totals.overCapacityStreamMinutes,
      streamsCut: totals.streamsCut,
      rejectedStreams: totals.rejected,
      minInServiceDuringWindow: Math.min(...window.map((r) => r.inService)),
      maxBilledDuringWindow: Math.max(...window.map((r) => r.billed)),
      drainingInstanceMinutes: totals.drainingInstanceMinutes,
      desiredAfter: n.group.desired,
    },
    null,
    2,
  ),
);
