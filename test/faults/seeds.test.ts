import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSeeds, SeedRangeError, seedsFromCommit } from './seeds.js';

describe('the seeds a sweep runs', () => {
  it.each([
    ['one seed', '7', [7]],
    ['a range, both ends included', '1-4', [1, 2, 3, 4]],
    ['a list', '3,9,29', [3, 9, 29]],
    ['ranges and seeds mixed, each seed once', '1-3, 2, 29', [1, 2, 3, 29]],
  ])('%s: %s', (_name, text, seeds) => {
    expect(parseSeeds(text)).toEqual(seeds);
  });

  it.each([
    ['a word', 'all', /"all" is not a seed or a range/],
    ['zero', '0-3', /must lie within 1-/],
    ['a range backwards', '9-3', /"9-3" ends before it starts/],
    ['a negative seed', '-3', /"-3" is not a seed/],
    ['an empty part', '1,,2', /"" is not a seed/],
  ])('refuses %s (%s)', (_name, text, message) => {
    expect(() => parseSeeds(text)).toThrow(SeedRangeError);
    expect(() => parseSeeds(text)).toThrow(message);
  });
});

describe('the seeds CI draws from a commit', () => {
  it('draws the same seeds from the same commit, others from another', () => {
    const a = seedsFromCommit('e97fd82', 20);
    expect(seedsFromCommit('e97fd82', 20)).toEqual(a);
    expect(seedsFromCommit('3f51c36', 20)).not.toEqual(a);
  });

  it('draws distinct seeds within 1..100000', () => {
    const seeds = seedsFromCommit('0123456789abcdef0123456789abcdef01234567', 200);
    expect(new Set(seeds).size).toBe(200);
    expect(seeds.every((s) => Number.isInteger(s) && s >= 1 && s <= 100_000)).toBe(true);
  });

  it('refuses what is not a commit id (an empty git answer draws nothing)', () => {
    expect(() => seedsFromCommit('', 20)).toThrow(/is not a commit id/);
  });

  it('CI runs them: .ci/run sweeps the seeds of the commit it tests, after the tests', () => {
    // The step was once lost when CI was rewritten; without it no commit tries new seeds.
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    const sweep = ci.indexOf('npm run faults -- --commit "${FAULT_SEED_COMMIT:-$(git rev-parse HEAD)}" --count "${FAULT_SEED_COUNT:-20}"');
    expect(sweep).toBeGreaterThan(ci.indexOf("readme 'npm ci && npm test'"));
  });
});
