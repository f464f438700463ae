import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRun, type ScenarioReport } from './check.js';
import { runScenario, type RunRecord } from './harness.js';
import { INVARIANTS } from './invariants.js';
import { SCENARIOS } from './scenarios.js';

const [FAULT_FREE, ...FAULTY] = SCENARIOS;
const reports: ScenarioReport[] = [];
let baseline: RunRecord;

beforeAll(async () => {
  baseline = await runScenario(FAULT_FREE!);
}, 60_000);

afterAll(() => {
  const checks = reports.reduce((n, r) => n + r.checked.length, 0);
  const violations = reports.reduce((n, r) => n + r.violations.length, 0);
  console.log(
    [
      `fault suite: ${reports.length} scenarios, ${checks} invariant checks, ${violations} violations`,
      ...Object.entries(INVARIANTS).map(([id, text]) => `  ${id}: ${text} (${reports.filter((r) => r.checked.includes(id as keyof typeof INVARIANTS)).length} scenarios)`),
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
    // every fleet starts at 2, grows past 8 at the peak and comes back down, draining what it gives back
    for (const fleet of ['speech', 'calm', 'k8s']) {
      expect(Math.max(...desired(fleet))).toBeGreaterThan(8);
      expect(desired(fleet).at(-1)).toBeLessThan(5);
    }
    expect(report.releases).toBeGreaterThan(20);
  });

  it.each(FAULTY.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const run = await runScenario(scenario);
    const report = checkRun(run, baseline, scenario.touches);
    reports.push(report);
    expect(report.violations).toEqual([]);
    expect(run.handlerErrors).toEqual([]);
    expect(report.evidence).toBeGreaterThan(0);
  }, 60_000);
});
