import { describe, expect, it } from 'vitest';
import { v8FlagsFor } from '../../cli/v8-flags.js';

describe('the V8 flags a command sets for itself', () => {
  it.each([
    { name: 'simulate: a bounded heap growth step', argv: ['simulate', '--json'], flags: '--heap-growing-percent=50' },
    { name: 'simulate with no flags', argv: ['simulate'], flags: '--heap-growing-percent=50' },
    { name: 'another command: none', argv: ['validate', '--config', 'fleets.yaml'], flags: undefined },
    { name: 'simulate as a flag value, not the command: none', argv: ['replay', '--fleet', 'simulate'], flags: undefined },
    { name: 'no command: none', argv: [], flags: undefined },
  ])('$name', ({ argv, flags }) => {
    expect(v8FlagsFor(argv)).toBe(flags);
  });
});
