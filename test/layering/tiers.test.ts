import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, matchesGlob, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_TESTS, SIM_TESTS, TEMPLATE_TESTS } from '../../vitest.config.js';

/**
 * Keeps the fast tier fast: a test file that reaches the simulated cloud (sim/), the
 * benchmark (bench/) or the packaged template (test/template/template.ts), directly or
 * through a helper, must be in the sim or template tier of vitest.config.ts.
 */
// node:path matchesGlob (experimental on Node 20, stable on 22) reads the same globs vitest
// does, without a glob package for one test.
const ROOT = new URL('../../', import.meta.url).pathname;

function reached(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file) || !existsSync(join(ROOT, file))) return seen;
  seen.add(file);
  for (const match of readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) {
    const target = normalize(join(dirname(file), (match[1] as string).replace(/\.js$/, '.ts')));
    if (/^(test|sim|bench)\//.test(target)) reached(target, seen);
    else seen.add(target);
  }
  return seen;
}

const testFiles = readdirSync(join(ROOT, 'test'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
  .map((e) => relative(ROOT, join(e.parentPath, e.name)));
const inTier = (file: string, globs: string[]) => globs.some((glob) => matchesGlob(file, glob));

describe('the fast tier', () => {
  const fast = testFiles.filter((file) => !inTier(file, [...SIM_TESTS, ...TEMPLATE_TESTS, ...CONTRACT_TESTS]));

  it('has the pure and adapter tests', () => {
    expect(fast).toContain('test/unit/decide.test.ts');
  });

  it('reaches neither the simulated cloud, the benchmark nor the packaged template', () => {
    const slow = fast.filter((file) => [...reached(file)].some((dep) => /^(sim|bench)\//.test(dep) || dep === 'test/template/template.ts'));
    expect(slow).toEqual([]);
  });
});
