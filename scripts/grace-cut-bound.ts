// Prints what any controller must expect to cut at the grace deadline on the standard
// scenario, and what holding scale-in back costs: `npx tsx scripts/grace-cut-bound.ts`.
import { expectedDemand, outlivesDrainProbability, scaleInFrontier } from '../bench/grace-cuts.js';
import { STANDARD_SCENARIO as s } from '../bench/scenario.js';
import { loadTraceTraffic } from '../sim/traffic.js';

const traffic = loadTraceTraffic({ scale: s.scale, days: s.days, seed: s.seed });
const arrivals = Float64Array.from({ length: traffic.minutes }, (_, m) => traffic.expectedArrivals(m));
const demand = expectedDemand(arrivals, s.meanStreamMinutes, s.sdStreamMinutes);
for (const grace of [30, 60, 90, 120]) {
  console.log(`grace ${grace} min: an in-progress stream outlives a drain with probability ${outlivesDrainProbability(s.meanStreamMinutes, s.sdStreamMinutes, grace).toExponential(2)}`);
}
const outlives = outlivesDrainProbability(s.meanStreamMinutes, s.sdStreamMinutes, s.graceMinutes);
console.log(`\nIdealised controller on the expected demand (instant scale-out, no noise), ${s.days} days, ${s.graceMinutes}-minute grace:`);
console.log('scale-in below | GPU-h / oracle | instances removed | streams on victims | expected cuts | P(no cut)');
for (const f of scaleInFrontier(demand, s.capacity, s.min, outlives, [0.9, 0.7, 0.5, 0.3, 0.1, 0.05, 0.02])) {
  console.log(
    `${(f.scaleInUtilization * 100).toFixed(0).padStart(13)} % | ${f.gpuHoursOverOracle.toFixed(3).padStart(14)} | ${String(f.instancesRemoved).padStart(17)} | ${f.streamsOnVictims.toFixed(0).padStart(18)} | ${f.expectedCuts.toFixed(1).padStart(13)} | ${f.chanceOfNoCut.toExponential(1)}`,
  );
}
