import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layering (docs/ENGINEERING.md): each folder of lib/ may import only the folders
 * listed for it, and nothing in lib/ imports an entry point (functions/, cli/) or the test
 * bench (sim/, bench/). Root files of lib/ (telemetry.ts, concurrency.ts) sit with lib/aws
 * at the bottom. A folder missing from a list is forbidden, so a new folder has to be
 * placed in the layering before anything may import it.
 */
const LIB_FOLDERS = ['aws', 'config', 'runtime', 'fleet', 'scaling', 'drain', 'redeploy', 'license', 'predict', 'replay'];
const MAY_IMPORT = {
  aws: [],
  config: ['aws'],
  runtime: ['aws', 'config'],
  fleet: ['aws', 'config'],
  // scaling, drain and redeploy share the fleet core and never import one another.
  scaling: ['aws', 'config', 'runtime', 'fleet'],
  drain: ['aws', 'config', 'runtime', 'fleet'],
  redeploy: ['aws', 'config', 'runtime', 'fleet'],
  license: ['aws', 'config', 'runtime'],
  predict: ['aws', 'config', 'runtime', 'fleet', 'scaling'],
  replay: ['aws', 'config', 'runtime', 'fleet', 'scaling', 'predict'],
};
const ROOT_FILES_MAY_IMPORT = ['aws'];
const OUTSIDE_LIB = ['functions', 'cli', 'sim', 'bench'];

/** A no-restricted-imports pattern that matches a relative import reaching into one of `folders`. */
function into(folders, message) {
  return { regex: `(^|/)(${folders.join('|')})/`, message };
}

function layer(files, folder, allowed) {
  const forbidden = LIB_FOLDERS.filter((f) => f !== folder && !allowed.includes(f));
  const patterns = [into(OUTSIDE_LIB, 'lib/ never imports an entry point (functions/, cli/) or the test bench (sim/, bench/): see docs/ENGINEERING.md')];
  if (forbidden.length > 0) patterns.push(into(forbidden, `lib/${folder ?? '*.ts'} may import only ${allowed.length ? allowed.map((f) => `lib/${f}`).join(', ') : 'no other folder of lib/'}: see docs/ENGINEERING.md`));
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

const layering = [
  layer(['lib/*.ts'], undefined, ROOT_FILES_MAY_IMPORT),
  ...Object.entries(MAY_IMPORT).map(([folder, allowed]) => layer([`lib/${folder}/**/*.ts`], folder, allowed)),
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
