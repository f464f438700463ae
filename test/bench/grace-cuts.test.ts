import { describe, expect, it } from 'vitest';
import { expectedDemand, outlivesDrainProbability, scaleInFrontier } from '../../bench/grace-cuts.js';
import { lognormalParameters, mulberry32, standardNormal } from '../../sim/random.js';

describe('what the grace deadline must cut', () => {
  it('a fixed length: the share of an in-progress stream past the grace', () => {
    // every stream lasts 90 minutes; SIGINTed at a uniform age, it outlives a 60-minute grace when its age < 30: 30 / 90
    expect(outlivesDrainProbability(90, 0, 60)).toBeCloseTo(1 / 3, 9);
    expect(outlivesDrainProbability(30, 0, 60)).toBe(0);
  });

  it('the lognormal closed form agrees with sampled streams', () => {
    const random = mulberry32(7);
    const { mu, sigma } = lognormalParameters(4.5, 4.5);
    let total = 0;
    let beyond = 0;
    for (let i = 0; i < 2_000_000; i++) {
      const length = Math.exp(mu + sigma * standardNormal(random));
      total += length;
      beyond += Math.max(0, length - 30);
    }
    // length-biased residual E[(L - g)+] / E[L], about 7.8e-3; seeds 1, 2, 3, 7, 11 land within 3 %
    expect(Math.abs(outlivesDrainProbability(4.5, 4.5, 30) / (beyond / total) - 1)).toBeLessThan(0.05);
  });

  it('expected demand is arrivals times the survival of their lengths (Little)', () => {
    const arrivals = new Float64Array(200).fill(10);
    // fixed 5-minute streams at 10 a minute: 10 x 5 = 50 in progress once warmed up
    expect(expectedDemand(arrivals, 5, 0)[150]).toBeCloseTo(50, 6);
  });

  it('holding scale-in back costs GPU-hours and saves exposed streams', () => {
    // demand 300 for 10 minutes, then 30 for 10 minutes, capacity 100, min 1
    const demand = Float64Array.from({ length: 20 }, (_, m) => (m < 10 ? 300 : 30));
    const [eager, patient] = scaleInFrontier(demand, 100, 1, 0.5, [1, 0.2]);
    // eager: 3 instances, then down to 1 at once, SIGINTing 2 with 30/3 = 10 streams each: 20 exposed, half cut
    expect(eager).toMatchObject({ instancesRemoved: 2, streamsOnVictims: 20, expectedCuts: 10, gpuHoursOverOracle: 1 });
    // patient: 30 / (100 x 0.2) = 1.5 -> 2 instances kept: 1 removed with 10 streams; billed 3 x 10 + 2 x 10 = 50 against 40
    expect(patient).toMatchObject({ instancesRemoved: 1, streamsOnVictims: 10, expectedCuts: 5, gpuHoursOverOracle: 50 / 40 });
  });
});
