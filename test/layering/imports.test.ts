import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layering is enforced by eslint.config.js (no-restricted-imports per folder). These
 * cases lint one import line as if it were written in the given file, so a rule that stops
 * firing (a renamed folder, a pattern typo) fails here and not silently in review.
 */
const eslint = new ESLint({ cwd: new URL('../../', import.meta.url).pathname });

async function importErrors(filePath: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`export * from '${specifier}';\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the import layering', () => {
  const forbidden: Array<[string, string, string]> = [
    ['scaling imports drain', 'lib/scaling/tick.ts', '../drain/hook.js'],
    ['scaling imports redeploy', 'lib/scaling/tick.ts', '../redeploy/decide.js'],
    ['drain imports scaling', 'lib/drain/reconcile.ts', '../scaling/decide.js'],
    ['drain imports redeploy', 'lib/drain/reconcile.ts', '../redeploy/decide.js'],
    ['redeploy imports scaling', 'lib/redeploy/reconcile.ts', '../scaling/decide.js'],
    ['redeploy imports drain', 'lib/redeploy/reconcile.ts', '../drain/hook.js'],
    ['the fleet core imports scaling', 'lib/fleet/actuate.ts', '../scaling/decide.js'],
    ['the fleet core imports drain', 'lib/fleet/actuate.ts', '../drain/hook.js'],
    ['the fleet core imports redeploy', 'lib/fleet/actuate.ts', '../redeploy/decide.js'],
    ['config imports the fleet core', 'lib/config/schema.ts', '../fleet/group-state.js'],
    ['config imports redeploy', 'lib/config/schema.ts', '../redeploy/window.js'],
    ['aws imports config', 'lib/aws/retry.ts', '../config/schema.js'],
    ['a root file of lib imports config', 'lib/telemetry.ts', './config/schema.js'],
    ['scaling imports a folder the layering does not place', 'lib/scaling/tick.ts', '../newfolder/x.js'],
    ['a root file of lib imports a folder the layering does not place', 'lib/concurrency.ts', './newfolder/x.js'],
    ['lib imports a Lambda', 'lib/scaling/tick.ts', '../../functions/scale.js'],
    ['lib imports the CLI', 'lib/config/load.ts', '../../cli/main.js'],
    ['lib imports the simulated cloud', 'lib/fleet/actuate.ts', '../../sim/cloud.js'],
    ['lib imports the benchmark', 'lib/drain/reconcile.ts', '../../bench/run.js'],
    ['a Lambda imports the simulated cloud', 'functions/scale.ts', '../sim/cloud.js'],
    ['the simulated cloud imports the benchmark', 'sim/cloud.ts', '../bench/run.js'],
  ];
  it.each(forbidden)('rejects: %s', async (_name, file, specifier) => {
    expect(await importErrors(file, specifier)).toHaveLength(1);
  });

  const allowed: Array<[string, string, string]> = [
    ['scaling imports the fleet core', 'lib/scaling/tick.ts', '../fleet/actuate.js'],
    ['drain imports the fleet core', 'lib/drain/reconcile.ts', '../fleet/group-state.js'],
    ['redeploy imports the fleet core', 'lib/redeploy/reconcile.ts', '../fleet/roll-marker.js'],
    ['the fleet core imports config and aws', 'lib/fleet/actuate.ts', '../config/schema.js'],
    ['config imports a root file of lib', 'lib/config/load.ts', '../telemetry.js'],
    ['a file imports its own folder', 'lib/drain/reconcile.ts', './hook.js'],
    ['a root file of lib imports lib/aws', 'lib/telemetry.ts', './aws/retry.js'],
    ['a Lambda imports lib', 'functions/scale.ts', '../lib/scaling/tick.js'],
    ['the benchmark imports a Lambda', 'bench/run.ts', '../functions/scale.js'],
    ['a package import', 'lib/scaling/tick.ts', '@aws-sdk/client-auto-scaling'],
  ];
  it.each(allowed)('accepts: %s', async (_name, file, specifier) => {
    expect(await importErrors(file, specifier)).toEqual([]);
  });
});
