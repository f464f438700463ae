import { defineConfig } from 'vitest/config';

/**
 * The suite in tiers (vitest projects), each runnable alone: `npm run test:<tier>`.
 * - fast: pure decisions and adapters against mocked ports; no simulator, no packaging.
 * - sim: the real handlers on the simulated cloud (scenarios, nights, faults, benchmark).
 * - template: reads the packaged CloudFormation template, packaged once in globalSetup.
 * - contract: adapters against the moto server (skipped unless MOTO_ENDPOINT is set).
 * A test that runs the simulated cloud belongs in sim (add it to SIM_TESTS), so the fast
 * tier stays fast enough to run on every save; test/layering/tiers.test.ts fails when a
 * fast-tier file reaches sim/, bench/ or the packaged template.
 *
 * The fast tier shares one module graph per worker (isolate: false): most of its time was
 * each file importing the SDK clients and zod again. A file that needs its own module
 * graph (environment set before an import, module mocks) goes in FAST_ISOLATED_TESTS,
 * which `npm run test:fast` runs beside it in a fresh graph per file.
 */
export const SIM_TESTS = [
  'test/sim/**/*.test.ts',
  'test/scenario/**/*.test.ts',
  'test/bench/**/*.test.ts',
  'test/faults/**/*.test.ts',
  'test/**/*scenario*.test.ts',
  'test/**/*night*.test.ts',
  'test/drain/bench.test.ts',
  'test/drain/calls.test.ts',
  'test/drain/handler.test.ts',
  'test/drain/kube-drain.test.ts',
  'test/redeploy/handler.test.ts',
  'test/properties/drain-reconcile.property.test.ts',
  'test/bad-input/config.test.ts',
  'test/bad-input/events.test.ts',
  'test/replay/command.test.ts',
];
export const TEMPLATE_TESTS = ['test/template/**/*.test.ts'];
/** Fast files that set the environment before the Powertools singletons are built at import. */
export const FAST_ISOLATED_TESTS = ['test/functions/shell.test.ts'];
export const CONTRACT_TESTS = ['test/contract/**/*.test.ts', 'test/k8s/contract.test.ts'];

export default defineConfig({
  test: {
    // Contract tests need the moto server; .ci/run starts it and sets MOTO_ENDPOINT.
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: [...SIM_TESTS, ...TEMPLATE_TESTS, ...CONTRACT_TESTS, ...FAST_ISOLATED_TESTS], isolate: false } },
      { extends: true, test: { name: 'fast-isolated', include: FAST_ISOLATED_TESTS } },
      { extends: true, test: { name: 'sim', include: SIM_TESTS, exclude: [...TEMPLATE_TESTS, ...CONTRACT_TESTS] } },
      { extends: true, test: { name: 'template', include: TEMPLATE_TESTS, globalSetup: ['test/template/global-setup.ts'] } },
      { extends: true, test: { name: 'contract', include: CONTRACT_TESTS } },
    ],
  },
});
