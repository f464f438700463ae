import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { controlCharacters } from './aws.js';

/**
 * The operator's command: a bad call exits 2 before doing anything, with one line that
 * names the flag, the rule and the value.
 */

const EXAMPLE = 'examples/fleets.yaml';
const out = mkdtempSync(join(tmpdir(), 'bad-input-cli-'));

interface Case {
  name: string;
  argv: string[];
  says: RegExp[];
}

const CASES: Case[] = [
  // the command itself
  { name: 'unknown command', argv: ['scale'], says: [/unknown command "scale"/] },
  { name: 'a command with a forged line', argv: ['validate\nERROR all fleets deleted'], says: [/unknown command "validate\\nERROR/] },
  // unknown flags, missing values
  { name: 'unknown flag', argv: ['validate', '--cfg', EXAMPLE], says: [/--cfg: unknown flag/, /known: --config/] },
  { name: 'unknown flag with a forged line', argv: ['validate', '--config\n{"level":"INFO","message":"valid"}', EXAMPLE], says: [/unknown flag/, /\\n/] },
  { name: 'unknown flag with a terminal escape', argv: ['validate', '--\u001b[2Jconfig', EXAMPLE], says: [/unknown flag/, /\\u001b/] },
  { name: 'a positional argument', argv: ['validate', EXAMPLE], says: [/"examples\/fleets\.yaml": not a flag/] },
  { name: 'required flag missing', argv: ['validate'], says: [/--config: required \(got nothing\)/] },
  { name: 'value missing at the end', argv: ['validate', '--config'], says: [/--config: needs a value \(got nothing\)/] },
  { name: 'value missing before the next flag', argv: ['plan', '--config', '--region', 'us-east-1'], says: [/--config: needs a value/] },
  { name: 'empty value', argv: ['validate', '--config='], says: [/--config: must be a file path \(got ""\)/] },
  { name: 'a flag given twice', argv: ['validate', '--config', EXAMPLE, '--config', EXAMPLE], says: [/--config: given twice/] },
  { name: 'a value for a switch', argv: ['replay', '--json=yes', '--config', EXAMPLE, '--fleet', 'x', '--from', '2026-03-01T00:00:00Z', '--to', '2026-03-02T00:00:00Z'], says: [/--json: takes no value \(got "yes"\)/] },
  // bad numbers
  { name: 'days not a number', argv: ['demo', '--days', 'two'], says: [/--days: must be a number \(got "two"\)/] },
  { name: 'days fractional', argv: ['demo', '--days', '1.5'], says: [/--days: must be a whole number \(got "1\.5"\)/] },
  { name: 'days zero', argv: ['demo', '--days', '0'], says: [/--days: must be at least 1 \(got "0"\)/] },
  { name: 'negative scale', argv: ['demo', '--scale', '-3'], says: [/--scale: must be positive \(got "-3"\)/] },
  { name: 'seed past 2^31 - 1', argv: ['demo', '--seed', '2147483648'], says: [/--seed: must be at most 2147483647/] },
  { name: 'simulate days infinite', argv: ['simulate', '--days', 'Infinity'], says: [/--days:/, /"Infinity"/] },
  { name: 'simulate boot minutes past an hour', argv: ['simulate', '--boot-minutes', '61'], says: [/--boot-minutes:/, /"61"/] },
  { name: 'simulate unknown policy', argv: ['simulate', '--policy', 'magic'], says: [/--policy: must be one of/, /"magic"/] },
  { name: 'simulate report not HTML', argv: ['simulate', '--report', join(out, 'report.txt')], says: [/--report: must be a file path ending in \.html/, /report\.txt/] },
  // replay dates and ranges
  { name: 'replay from as a word', argv: ['replay', '--config', EXAMPLE, '--fleet', 'x', '--from', 'yesterday', '--to', '2026-03-02T00:00:00Z'], says: [/--from: must be an ISO 8601 time/, /"yesterday"/] },
  { name: 'replay from without a time', argv: ['replay', '--config', EXAMPLE, '--fleet', 'x', '--from', '2026-03-01', '--to', '2026-03-02T00:00:00Z'], says: [/--from: must be an ISO 8601 time/, /"2026-03-01"/] },
  { name: 'replay to without a zone', argv: ['replay', '--config', EXAMPLE, '--fleet', 'x', '--from', '2026-03-01T00:00:00Z', '--to', '2026-03-02T00:00:00'], says: [/--to: must be an ISO 8601 time/, /"2026-03-02T00:00:00"/] },
  { name: 'replay on February 30', argv: ['replay', '--config', EXAMPLE, '--fleet', 'x', '--from', '2026-02-30T00:00:00Z', '--to', '2026-03-02T00:00:00Z'], says: [/--from: must be an ISO 8601 time/, /"2026-02-30T00:00:00Z"/] },
  { name: 'replay to before from', argv: ['replay', '--config', EXAMPLE, '--fleet', 'x', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-01T00:00:00Z'], says: [/--to: must be after --from/, /2026-03-01T00:00:00\.000Z/] },
  { name: 'replay over 15 days', argv: ['replay', '--config', EXAMPLE, '--fleet', 'x', '--from', '2026-03-01T00:00:00Z', '--to', '2026-03-17T00:00:00Z'], says: [/--to: at most 15 days after --from/, /2026-03-17/] },
  { name: 'replay missing to', argv: ['replay', '--config', EXAMPLE, '--fleet', 'x', '--from', '2026-03-01T00:00:00Z'], says: [/--to: required \(got nothing\)/] },
  { name: 'replay of a fleet the document lacks', argv: ['replay', '--config', EXAMPLE, '--fleet', 'nope', '--from', '2026-03-01T00:00:00Z', '--to', '2026-03-02T00:00:00Z'], says: [/--fleet: must name a fleet of examples\/fleets\.yaml/, /"nope"/] },
  { name: 'replay region malformed', argv: ['replay', '--config', EXAMPLE, '--fleet', 'x', '--from', '2026-03-01T00:00:00Z', '--to', '2026-03-02T00:00:00Z', '--region', 'us_east_1'], says: [/--region: must be an AWS region/, /"us_east_1"/] },
  { name: 'plan endpoint not a URL', argv: ['plan', '--config', EXAMPLE, '--endpoint', 'localhost:5000'], says: [/--endpoint: must be an http:\/\/ or https:\/\/ URL/, /"localhost:5000"/] },
];

function run(argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { stdout: { write: (t: string) => stdout.push(t) }, stderr: { write: (t: string) => stderr.push(t) } };
  return main(argv, io).then((code) => ({ code, stdout: stdout.join(''), stderr: stderr.join('') }));
}

describe('CLI flags: a bad call exits 2 and names flag, rule and value', () => {
  it.each(CASES)('$name', async ({ argv, says }) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    const [first] = result.stderr.split('\n');
    for (const part of says) expect(first).toMatch(part);
    expect(controlCharacters(result.stderr)).toEqual([]);
    // Nothing was produced: no report file, no output on stdout.
    expect(existsSync(join(out, 'report.txt'))).toBe(false);
    if (!/unknown command/.test(first ?? '')) expect(result.stdout).toBe('');
  });
});
