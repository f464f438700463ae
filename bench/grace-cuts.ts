import { lognormalParameters } from '../sim/random.js';

/**
 * What any controller must expect to cut at the grace deadline, from first principles:
 * streams of a lognormal length, Poisson arrivals, new streams balanced over instances.
 *
 * A stream in progress when its instance is SIGINTed is a length-biased draw, and its
 * remaining life has survival integral(S(t), t > g) / mean. So a drain that starts with n
 * streams cuts n * E[(L - g)+] / E[L] of them on average, whatever the controller.
 */
export function outlivesDrainProbability(meanMinutes: number, sdMinutes: number, graceMinutes: number): number {
  const { mu, sigma } = lognormalParameters(meanMinutes, sdMinutes);
  if (sigma === 0) return meanMinutes > graceMinutes ? (meanMinutes - graceMinutes) / meanMinutes : 0;
  const z = (Math.log(graceMinutes) - mu) / sigma;
  // E[L; L > g] = mean * Phi(sigma - z) for a lognormal
  const excess = meanMinutes * normalCdf(sigma - z) - graceMinutes * (1 - normalCdf(z));
  return Math.max(0, excess / meanMinutes);
}

/** Expected concurrent streams per minute: arrivals per minute convolved with the length survival. */
export function expectedDemand(arrivalsPerMinute: Float64Array, meanMinutes: number, sdMinutes: number): Float64Array {
  const { mu, sigma } = lognormalParameters(meanMinutes, sdMinutes);
  const survival = (t: number) => (t <= 0 ? 1 : sigma === 0 ? (t < meanMinutes ? 1 : 0) : 1 - normalCdf((Math.log(t) - mu) / sigma));
  const horizon = Math.ceil(meanMinutes + 12 * sdMinutes + 60);
  const demand = new Float64Array(arrivalsPerMinute.length);
  for (let m = 0; m < arrivalsPerMinute.length; m++) {
    const rate = arrivalsPerMinute[m] as number;
    if (rate === 0) continue;
    for (let age = 0; age < horizon && m + age < demand.length; age++) demand[m + age] = (demand[m + age] as number) + rate * survival(age);
  }
  return demand;
}

export interface ScaleInPolicyFigures {
  /** Scale-in happens only once the instances left would run below this fraction of capacity. */
  scaleInUtilization: number;
  gpuHoursOverOracle: number;
  instancesRemoved: number;
  /** Streams on the removed instances when they were SIGINTed (balanced load). */
  streamsOnVictims: number;
  expectedCuts: number;
  /** Poisson: exp(-expectedCuts). */
  chanceOfNoCut: number;
}

/**
 * An idealised controller on the expected demand: scale-out to exactly what is needed at
 * once (no boot time, no noise: better than any real one), scale-in only when the instances
 * left would run below `scaleInUtilization`. Shows what a cut budget costs in GPU-hours.
 */
export function scaleInFrontier(demand: Float64Array, capacity: number, minInstances: number, outlives: number, utilizations: readonly number[]): ScaleInPolicyFigures[] {
  const need = (d: number, u: number) => Math.max(minInstances, Math.ceil(d / (capacity * u)));
  let oracle = 0;
  for (const d of demand) oracle += need(d, 1);
  return utilizations.map((u) => {
    let instances = minInstances;
    let billed = 0;
    let removed = 0;
    let exposed = 0;
    for (const d of demand) {
      const required = need(d, 1);
      if (required > instances) instances = required;
      else {
        const target = need(d, u);
        if (target < instances) {
          removed += instances - target;
          exposed += ((instances - target) * d) / instances;
          instances = target;
        }
      }
      billed += instances;
    }
    const expectedCuts = exposed * outlives;
    return { scaleInUtilization: u, gpuHoursOverOracle: billed / oracle, instancesRemoved: removed, streamsOnVictims: exposed, expectedCuts, chanceOfNoCut: Math.exp(-expectedCuts) };
  });
}

/** Abramowitz-Stegun 7.1.26 through erf; absolute error below 1.5e-7. */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
