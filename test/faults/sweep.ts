import { parseArgs } from 'node:util';
import { SCENARIOS } from './scenarios.js';
import { parseSeeds, runSeed, seedsFromCommit, summaryLine, totals, type SeedReport } from './seeds.js';

/**
 * `npm run faults -- --seeds 1-200 [--scenario text]`: every fault scenario on every seed
 * of the range, one line per seed (and one per violation), ending with one line:
 * scenarios, invariant checks, violations. `--commit <id> --count N` sweeps the seeds CI
 * draws from that commit. Exits 1 on any violation or handler error.
 */
const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    scenario: { type: 'string' },
    commit: { type: 'string' },
    count: { type: 'string', default: '20' },
  },
  strict: true,
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) fail(`--count must be a positive integer, got ${JSON.stringify(values.count)}`);
let seeds: number[];
try {
  seeds = values.commit !== undefined ? seedsFromCommit(values.commit, count) : parseSeeds(values.seeds ?? fail('--seeds A-B (or --commit <id>) is required, e.g. npm run faults -- --seeds 1-200'));
} catch (error) {
  fail(String((error as Error).message));
}
const scenarios = SCENARIOS.slice(1).filter((s) => values.scenario === undefined || s.name.includes(values.scenario));
if (scenarios.length === 0) fail(`--scenario ${JSON.stringify(values.scenario)} names no scenario; they are:\n${SCENARIOS.slice(1).map((s) => `  ${s.name}`).join('\n')}`);

console.log(`seeds ${values.commit !== undefined ? `drawn from commit ${values.commit} ` : ''}(rerun one with npm run faults -- --seeds N): ${seeds.join(',')}`);
const started = performance.now();
const done: SeedReport[] = [];
for (const seed of seeds) {
  const report = await runSeed(seed, scenarios);
  done.push(report);
  const t = totals([report]);
  console.log(`seed ${seed}: ${t.runs} runs, ${t.violations} violations, ${t.handlerErrors} handler errors (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  for (const r of report.reports) for (const v of r.violations) console.log(`  ${v.invariant} seed ${seed} ${r.scenario}: at ${v.minute} ${v.subject}: ${v.detail}`);
  for (const h of report.handlerErrors) for (const e of h.errors.slice(0, 3)) console.log(`  handler error seed ${seed} ${h.scenario}: ${e}`);
  for (const name of report.toothless) console.log(`  no fault reached the controller: seed ${seed} ${name}`);
}
const summary = totals(done);
console.log(summaryLine(summary));
process.exitCode = summary.violations + summary.handlerErrors > 0 ? 1 : 0;
