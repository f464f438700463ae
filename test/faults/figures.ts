import { checkRun } from './check.js';
import { runScenario } from './harness.js';
import { SCENARIOS } from './scenarios.js';

/** `npx tsx test/faults/figures.ts`: every fault scenario, its invariants and what they found. */
const started = performance.now();
const baseline = await runScenario(SCENARIOS[0]!);
let checks = 0;
let found = 0;
for (const scenario of SCENARIOS) {
  const run = scenario === SCENARIOS[0] ? baseline : await runScenario(scenario);
  const report = checkRun(run, baseline, scenario.touches);
  checks += report.checked.length;
  found += report.violations.length;
  console.log(`${report.violations.length === 0 ? 'ok  ' : 'FAIL'} ${scenario.name}: invariants ${report.checked.join('')}, fault hits ${report.faultHits}, decisions on damaged data ${report.faultyDecisions}, kills ${report.kills}, releases ${report.releases}, errors ${run.handlerErrors.length}`);
  for (const v of report.violations.slice(0, 5)) console.log(`     ${v.invariant} at ${v.minute} ${v.subject}: ${v.detail}`);
  if (report.violations.length > 5) console.log(`     ... ${report.violations.length - 5} more`);
}
console.log(`${SCENARIOS.length} scenarios, ${checks} invariant checks, ${found} violations, ${((performance.now() - started) / 1000).toFixed(1)} s`);
