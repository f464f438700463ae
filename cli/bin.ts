#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { main } from './main.js';
import { v8FlagsFor } from './v8-flags.js';

const flags = v8FlagsFor(process.argv.slice(2));
if (flags !== undefined) setFlagsFromString(flags);

try {
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
} catch (error) {
  // An operator reads the error and its causes, not a stack through minified chunks.
  process.stderr.write(`fleet-scaler: ${describe(error)}\n`);
  process.exitCode = 1;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error && !error.message.includes(error.cause.message) ? `\n  caused by ${describe(error.cause)}` : '';
  return `${error.name}: ${error.message}${cause}`;
}
