import { createHash } from 'node:crypto';
import { checkRun, type ScenarioReport } from './check.js';
import { runScenario, type RunRecord, type Scenario } from './harness.js';
import { SCENARIOS } from './scenarios.js';

export class SeedRangeError extends Error {
  override readonly name = 'SeedRangeError';
}

/** Seeds the simulated cloud's random draws accept: positive integers that stay exact. */
const MAX_SEED = 2 ** 31 - 1;

/**
 * `7`, `1-200`, `3,9,29` or any mix (`1-5,29`): the seeds a sweep runs, in order, each once.
 * Anything else names the part it cannot read.
 */
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new SeedRangeError(`--seeds: "${part}" is not a seed or a range A-B (e.g. 1-200 or 3,9,29)`);
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (from < 1 || to > MAX_SEED) throw new SeedRangeError(`--seeds: "${part}" must lie within 1-${MAX_SEED}`);
    if (to < from) throw new SeedRangeError(`--seeds: "${part}" ends before it starts`);
    for (let seed = from; seed <= to; seed++) if (!seeds.includes(seed)) seeds.push(seed);
  }
  return seeds;
}

/**
 * `count` distinct seeds drawn from a commit id: every commit tries seeds no fixed list
 * holds, and a failure names seeds anyone can run again (`npm run faults -- --seeds ...`).
 * Drawn from 1..100000 so a reproduced seed is short to type.
 */
export function seedsFromCommit(commit: string, count: number): number[] {
  if (!/^[0-9a-f]{7,64}$/i.test(commit)) throw new SeedRangeError(`--commit: ${JSON.stringify(commit)} is not a commit id (7-64 hex digits, e.g. git rev-parse HEAD)`);
  const seeds: number[] = [];
  for (let i = 0; seeds.length < count; i++) {
    const digest = createHash('sha256').update(`${commit}:${i}`).digest();
    const seed = (digest.readUInt32BE(0) % 100_000) + 1;
    if (!seeds.includes(seed)) seeds.push(seed);
  }
  return seeds;
}

export interface SeedReport {
  seed: number;
  reports: ScenarioReport[];
  /** Handler invocations that threw, per scenario: the handlers must never throw on a fault. */
  handlerErrors: Array<{ scenario: string; errors: string[] }>;
  /** Scenarios whose faults never reached the controller (they prove nothing). */
  toothless: string[];
}

/** The fault-free run of the seed, then every scenario given, each checked against it. */
export async function runSeed(seed: number, scenarios: readonly Scenario[] = SCENARIOS.slice(1)): Promise<SeedReport> {
  const baseline = await runScenario(SCENARIOS[0]!, seed);
  const out: SeedReport = { seed, reports: [checkRun(baseline, baseline, SCENARIOS[0]!.touches)], handlerErrors: [], toothless: [] };
  const note = (run: RunRecord, report: ScenarioReport) => {
    out.reports.push(report);
    if (run.handlerErrors.length > 0) out.handlerErrors.push({ scenario: run.scenario, errors: run.handlerErrors });
  };
  if (baseline.handlerErrors.length > 0) out.handlerErrors.push({ scenario: baseline.scenario, errors: baseline.handlerErrors });
  for (const scenario of scenarios) {
    const run = await runScenario(scenario, seed);
    const report = checkRun(run, baseline, scenario.touches);
    note(run, report);
    if (report.evidence === 0) out.toothless.push(scenario.name);
  }
  return out;
}

export interface SweepTotals {
  seeds: number;
  scenarios: number;
  runs: number;
  checks: number;
  violations: number;
  handlerErrors: number;
}

export function totals(seeds: readonly SeedReport[]): SweepTotals {
  const reports = seeds.flatMap((s) => s.reports);
  return {
    seeds: seeds.length,
    scenarios: new Set(reports.map((r) => r.scenario)).size,
    runs: reports.length,
    checks: reports.reduce((n, r) => n + r.checked.length, 0),
    violations: reports.reduce((n, r) => n + r.violations.length, 0),
    handlerErrors: seeds.reduce((n, s) => n + s.handlerErrors.reduce((m, h) => m + h.errors.length, 0), 0),
  };
}

/** The one line a sweep ends with. */
export function summaryLine(t: SweepTotals): string {
  return `${t.seeds} seeds: ${t.scenarios} scenarios in ${t.runs} runs, ${t.checks} invariant checks, ${t.violations} violations, ${t.handlerErrors} handler errors`;
}
