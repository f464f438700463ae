import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRun, type ScenarioReport } from './check.js';
import { REACTIVE_TARGET_UTILIZATION, SCALE_DOWN_DEFAULTS } from '../../lib/config/schema.js';
import { CAPACITY, DEFAULT_SEED, runScenario, type RunRecord } from './harness.js';
import { INVARIANTS } from './invariants.js';
import { SCENARIOS } from './scenarios.js';

const [FAULT_FREE, ...FAULTY] = SCENARIOS;
const reports: ScenarioReport[] = [];
let baseline: RunRecord;
const baselines = new Map<number, Promise<RunRecord>>();
const baselineFor = (seed: number) => {
  if (!baselines.has(seed)) baselines.set(seed, runScenario(FAULT_FREE!, seed));
  return baselines.get(seed)!;
};

beforeAll(async () => {
  baseline = await baselineFor(DEFAULT_SEED);
}, 60_000);

afterAll(() => {
  const checks = reports.reduce((n, r) => n + r.checked.length, 0);
  const violations = reports.reduce((n, r) => n + r.violations.length, 0);
  console.log(
    [
      `fault suite: ${new Set(reports.map((r) => r.scenario)).size} scenarios in ${reports.length} runs, ${checks} invariant checks, ${violations} violations`,
      ...Object.entries(INVARIANTS).map(([id, text]) => `  ${id}: ${text} (${reports.filter((r) => r.checked.includes(id as keyof typeof INVARIANTS)).length} runs)`),
    ].join('\n'),
  );
});

describe('the real scale and drain handlers through a day of rise and fall', () => {
  it('fault-free: every invariant holds, and the day both scales out and drains', () => {
    const report = checkRun(baseline, baseline, FAULT_FREE!.touches);
    reports.push(report);
    expect(report.violations).toEqual([]);
    expect(baseline.handlerErrors).toEqual([]);
    const desired = (fleet: string) => baseline.decisions.filter((d) => d.fleet === fleet).map((d) => d.desired);
    // Every fleet starts at 2, grows past 8 at the peak and comes back down, draining what it
    // gives back: it ends at what the busiest load of its last scale-down window needs,
    // ceil(load / (20 x 0.7)) under the shipped scale-in (a window of quiet minutes, then the
    // whole way). Not a fixed count: the fleets' troughs come at different times (their phases),
    // and the calm fleet's is two hours after the day's end.
    for (const fleet of ['speech', 'calm', 'k8s']) {
      expect(Math.max(...desired(fleet))).toBeGreaterThan(8);
      const last = baseline.decisions.filter((d) => d.fleet === fleet).at(-1)!;
      const window = baseline.decisions.filter((d) => d.fleet === fleet && d.minute > last.minute - SCALE_DOWN_DEFAULTS.stabilizationSeconds / 60);
      const need = Math.ceil(Math.max(...window.map((d) => d.load!)) / (CAPACITY * REACTIVE_TARGET_UTILIZATION));
      expect(last.desired).toBeLessThanOrEqual(Math.max(need, 1));
      expect(last.desired).toBeLessThan(Math.max(...desired(fleet)) / 2);
    }
    expect(report.releases).toBeGreaterThan(20);
  });

  it.each(FAULTY.flatMap((s) => (s.seeds ?? [DEFAULT_SEED]).map((seed) => [s.name, seed, s] as const)))('%s (seed %i)', async (_name, seed, scenario) => {
    const run = await runScenario(scenario, seed);
    const report = checkRun(run, await baselineFor(seed), scenario.touches);
    reports.push(report);
    expect(report.violations).toEqual([]);
    expect(run.handlerErrors).toEqual([]);
    expect(report.evidence).toBeGreaterThan(0);
  }, 60_000);
});
