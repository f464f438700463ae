import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layering (docs/ENGINEERING.md): each folder of lib/ may import only the folders
 * listed for it, and nothing in lib/ imports an entry point (functions/, cli/) or the test
 * bench (sim/, bench/). Root files of lib/ (telemetry.ts, concurrency.ts) sit with lib/aws
 * at the bottom. A folder missing from a list is forbidden, so a new folder has to be
 * placed in the layering before anything may import it.
 */
const MAY_IMPORT = {
  aws: [],
  config: ['aws'],
  // Kubernetes API client (drain of EKS pods): an adapter beside lib/aws.
  k8s: ['aws', 'config'],
  runtime: ['aws', 'config', 'k8s'],
  fleet: ['aws', 'config', 'k8s'],
  // scaling, drain and redeploy share the fleet core and never import one another.
  scaling: ['aws', 'config', 'k8s', 'runtime', 'fleet'],
  drain: ['aws', 'config', 'k8s', 'runtime', 'fleet'],
  redeploy: ['aws', 'config', 'k8s', 'runtime', 'fleet'],
  license: ['aws', 'config', 'runtime'],
  predict: ['aws', 'config', 'runtime', 'fleet', 'scaling'],
  replay: ['aws', 'config', 'runtime', 'fleet', 'scaling', 'predict'],
};
const ROOT_FILES_MAY_IMPORT = ['aws'];
const OUTSIDE_LIB = ['functions', 'cli', 'sim', 'bench'];

/** A no-restricted-imports pattern for a relative import reaching into one of `folders`. */
function into(folders, message) {
  return { regex: `(^|/)(${folders.join('|')})/`, message };
}

/** lib/<folder>/x.ts (or a root file of lib/, `prefix` "./") reaching into any other folder of lib/ but `allowed`. */
function besides(prefix, allowed, message) {
  const escaped = prefix.replaceAll('.', '\\.');
  return { regex: allowed.length ? `^${escaped}(?!(${allowed.join('|')})/)[^./][^/]*/` : `^${escaped}[^./][^/]*/`, message };
}

function layer(files, prefix, allowed, name, self) {
  const patterns = [
    into(OUTSIDE_LIB, 'lib/ never imports an entry point (functions/, cli/) or the test bench (sim/, bench/): see docs/ENGINEERING.md'),
    besides(prefix, self ? [self, ...allowed] : allowed, `${name} may import only ${allowed.length ? allowed.map((f) => `lib/${f}`).join(', ') : 'no other folder of lib/'} (and lib's root files): see eslint.config.js and docs/ENGINEERING.md`),
  ];
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

const layering = [
  layer(['lib/*.ts'], './', ROOT_FILES_MAY_IMPORT, "lib's root files"),
  ...Object.entries(MAY_IMPORT).map(([folder, allowed]) => layer([`lib/${folder}/**/*.ts`], '../', allowed, `lib/${folder}`, folder)),
  { files: ['functions/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [into(['cli', 'sim', 'bench'], 'the Lambdas never import the CLI or the test bench (sim/, bench/)')] }] } },
  { files: ['sim/**/*.ts', 'bench/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [into(['cli'], 'the test bench never imports the CLI')] }] } },
  { files: ['sim/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [into(['cli', 'bench'], 'the simulated cloud never imports the CLI or the benchmark')] }] } },
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.serverless/**', '.esbuild/**', 'dist/**', 'coverage/**', '.moto/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  // CommonJS build helpers (serverless-esbuild require()s its plugins file).
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layering,
);
