/**
 * V8 flags a command sets for itself as it starts (cli/bin.ts), or undefined.
 *
 * `simulate` runs a month of minute ticks in one process: a live heap of tens of megabytes
 * under a stream of short-lived garbage. V8 lets the old generation grow to several times
 * what its last full collection kept before collecting again, and that growth, not the
 * data, made most of the run's peak memory, and most of its spread from run to run. A
 * smaller growth step bounds it, for a few more full collections of that small heap (a
 * little more CPU time). The other commands are short, and the Lambdas never load this.
 */
export function v8FlagsFor(argv: readonly string[]): string | undefined {
  return argv[0] === 'simulate' ? '--heap-growing-percent=50' : undefined;
}
