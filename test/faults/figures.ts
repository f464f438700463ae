import { checkRun } from './check.js';
import { runScenario } from './harness.js';
import { BEYOND_TOLERANCE, SCENARIOS } from './scenarios.js';

/** `npx tsx test/faults/figures.ts [seed]`: every fault scenario, its invariants and what they found. */
const seed = Number(process.argv[2] ?? 11);
const started = performance.now();
const baseline = await runScenario(SCENARIOS[0]!, seed);
let checks = 0;
let found = 0;
const show = async (scenario: (typeof SCENARIOS)[number]) => {
  const run = scenario === SCENARIOS[0] ? baseline : await runScenario(scenario, seed);
  const report = checkRun(run, baseline, scenario.touches);
  const releases = run.cloud.history.releases;
  const cut = releases.reduce((n, r) => n + r.requestsCut, 0);
  const timeouts = releases.filter((r) => r.cause === 'hook-timeout').length;
  console.log(
    `${report.violations.length === 0 ? 'ok  ' : 'FAIL'} ${scenario.name}: invariants ${report.checked.join('')}, fault hits ${report.faultHits}, decisions on damaged data ${report.faultyDecisions}, kills ${report.kills}, ` +
      `releases ${report.releases} (hook timeouts ${timeouts}, requests cut ${cut}), handler errors ${run.handlerErrors.length}`,
  );
  for (const v of report.violations.slice(0, 5)) console.log(`     ${v.invariant} at ${v.minute} ${v.subject}: ${v.detail}`);
  if (report.violations.length > 5) console.log(`     ... ${report.violations.length - 5} more`);
  return report;
};
for (const scenario of SCENARIOS) {
  const report = await show(scenario);
  checks += report.checked.length;
  found += report.violations.length;
}
console.log(`seed ${seed}: ${SCENARIOS.length} scenarios, ${checks} invariant checks, ${found} violations, ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log('beyond the tolerance the design claims (not in the test suite):');
for (const scenario of BEYOND_TOLERANCE) await show(scenario);
