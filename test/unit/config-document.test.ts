import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { validateCommand } from '../../cli/commands/validate.js';
import { decodeDocument, firstInvalidUtf8Byte } from '../../lib/config/document-text.js';
import { checkConfigFile, ConfigError, loadConfigFile, parseConfigDocument, validateConfig } from '../../lib/config/load.js';
import { formatValue } from '../../lib/config/messages.js';
import { daylightSavingShiftMinutes } from '../../lib/config/schedule.js';
import { asgFleet, fleetDocument, problemsOf, withFleet } from '../fleet-document.js';

/** The fleet document as a whole: defaults, wording, bytes and size. Single-field and cross-field cases: test/bad-input/config.test.ts. */

const fleet = asgFleet('a', 'g');
const valid = fleetDocument([fleet]);

function errorOf(run: () => unknown): ConfigError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  return undefined;
}

const scratch = mkdtempSync(join(tmpdir(), 'fleet-document-'));
function file(name: string, content: string | Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

describe('a partial nested setting keeps the defaults of the fields it leaves out', () => {
  it.each([
    { name: 'scaleDown with only a cooldown', patch: { scaleDown: { cooldownSeconds: 120 } }, key: 'scaleDown', expected: { stabilizationSeconds: 900, cooldownSeconds: 120, maxInstancesPerStep: 2, maxPercentPerStep: 100 } },
    { name: 'scaleUp with only a step', patch: { scaleUp: { maxInstancesPerStep: 8 } }, key: 'scaleUp', expected: { stabilizationSeconds: 0, cooldownSeconds: 60, maxInstancesPerStep: 8, maxPercentPerStep: 100 } },
    { name: 'scaleUp as an empty object', patch: { scaleUp: {} }, key: 'scaleUp', expected: { stabilizationSeconds: 0, cooldownSeconds: 60, maxInstancesPerStep: 4, maxPercentPerStep: 100 } },
    { name: 'drain with only a victim limit', patch: { drain: { maxVictimRequests: 2 } }, key: 'drain', expected: { gracePeriodSeconds: 3600, containerNamePattern: 'deepgram', maxVictimRequests: 2 } },
    { name: 'api with only a target', patch: { api: { target: { type: 'asg', autoScalingGroupName: 'api' } } }, key: 'api', expected: { target: { type: 'asg', autoScalingGroupName: 'api' }, ratio: 4, minInstances: 1, maxInstances: 250 } },
    { name: 'redeploy with only enabled', patch: { redeploy: { enabled: true } }, key: 'redeploy', expected: { enabled: true, schedule: 'cron(0 3 * * ? *)', timeZone: 'UTC', windowMinutes: 180, segmentSize: 1, busyUtilization: 0.5 } },
  ])('$name', ({ patch, key, expected }) => {
    const config = validateConfig(withFleet(patch), 'test');
    expect((config.fleets[0] as Record<string, unknown>)[key]).toEqual(expected);
  });

  it('the defaults are the ones the README table lists', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = (field: string) => {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`fleets[].${field}\` |`));
      const cell = row?.split('|')[2]?.trim().replace(/^`|`$/g, '');
      return cell === undefined ? undefined : parseYaml(cell);
    };
    const defaults = validateConfig(valid, 'test').fleets[0];
    expect(defaults?.scaleUp).toEqual(documented('scaleUp'));
    expect(defaults?.scaleDown).toEqual(documented('scaleDown'));
    expect(defaults?.drain).toEqual(documented('drain'));
  });
});

describe('every problem says what is allowed', () => {
  // Leaves of a fully written document, each replaced by something of another kind.
  const full = {
    version: 1,
    engineNamespace: 'Deepgram/Engine',
    periodSeconds: 60,
    scrapeIntervalSeconds: 60,
    staleAfterSeconds: 180,
    rejectedStatuses: ['429'],
    fleets: [
      {
        ...fleet,
        kinds: { stream: { capacity: 'engine', fallbackCapacity: 100 }, batch: { capacity: 10 } },
        targetUtilization: 0.7,
        tolerance: 0.1,
        scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 60, maxInstancesPerStep: 4, maxPercentPerStep: 100 },
        warmupSeconds: 600,
        api: { target: { type: 'eks', clusterName: 'c', nodegroupName: 'n' }, ratio: 4, minInstances: 1, maxInstances: 2 },
        drain: { gracePeriodSeconds: 3600, containerNamePattern: 'deepgram', runtime: 'docker', maxVictimRequests: 1 },
        redeploy: { enabled: true, schedule: 'cron(0 3 * * ? *)', timeZone: 'UTC', windowMinutes: 180, segmentSize: 1, busyUtilization: 0.5, stallMinutes: 120 },
        dryRun: true,
        predictive: false,
      },
    ],
  };
  const leaves: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    leaves.push(path);
    if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) walk(child, [...path, Array.isArray(value) ? Number(key) : key]);
  };
  walk(full, []);
  const replacement = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.double(),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1e9, 5e-324, null, true, 'engine', 'asg'),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('type', 'capacity', 'x'), fc.oneof(fc.string({ maxLength: 4 }), fc.integer())),
  );

  it('never a bare "Invalid input", zod default wording or an empty rule, whatever field goes wrong', () => {
    fc.assert(
      fc.property(fc.constantFrom(...leaves), replacement, fc.boolean(), (path, value, remove) => {
        const document = structuredClone(full) as Record<string, unknown>;
        if (path.length === 0) return;
        let parent: Record<string | number, unknown> = document;
        for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
        const last = path[path.length - 1] as string | number;
        if (remove) delete parent[last];
        else parent[last] = value;
        for (const problem of problemsOf(document)) {
          expect(problem.rule, JSON.stringify(problem)).toMatch(/^(must|is required|unknown field|applies)/);
          expect(problem.rule, JSON.stringify(problem)).not.toMatch(/Invalid|Too (small|big)|expected .* received/);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('shows NaN and Infinity as themselves, not as null', () => {
    expect([formatValue(Number.NaN), formatValue(Number.POSITIVE_INFINITY), formatValue(Number.NEGATIVE_INFINITY)]).toEqual(['NaN', 'Infinity', '-Infinity']);
    expect(formatValue({ capacity: Number.NaN, list: [Number.POSITIVE_INFINITY, 1] })).toBe('{"capacity":NaN,"list":[Infinity,1]}');
    expect(formatValue('NaN')).toBe('"NaN"');
    // YAML's .nan and .inf are how an operator writes them
    const error = errorOf(() => parseConfigDocument('version: 1\nfleets:\n  - {name: a, target: {type: asg, autoScalingGroupName: g}, kinds: {batch: {capacity: .nan}}, minInstances: 1, maxInstances: .inf}\n', 'yaml'));
    expect(error?.message).toContain('fleets[0].kinds.batch.capacity: must be a number (NaN is not a usable number) (got NaN)');
    expect(error?.message).toContain('fleets[0].maxInstances: must be a number (Infinity is not a usable number) (got Infinity)');
  });

  it('reports schema and cross-field problems in one pass', () => {
    const problems = problemsOf({
      ...valid,
      periodSeconds: 300,
      fleets: [{ ...fleet, targetUtilization: 7, minInstances: 5, maxInstances: 4, redeploy: { segmentSize: 9, windowMinutes: 5 } }],
    });
    expect(problems.map((p) => p.field).sort()).toEqual(
      ['fleets[0].minInstances', 'fleets[0].redeploy.segmentSize', 'fleets[0].redeploy.windowMinutes', 'fleets[0].targetUtilization', 'staleAfterSeconds'].sort(),
    );
  });
});

describe('documents that are valid stay valid', () => {
  it.each([
    { name: 'a grace at the 48-hour hook limit', document: withFleet({ drain: { gracePeriodSeconds: 172_800 } }) },
    { name: 'a stall timeout equal to the grace', document: withFleet({ drain: { gracePeriodSeconds: 3600 }, redeploy: { stallMinutes: 60 } }) },
    { name: 'staleness one second longer than the period', document: { ...valid, periodSeconds: 120, staleAfterSeconds: 121 } },
    // Auto Scaling group names are case-sensitive: these are two groups
    { name: 'two groups whose names differ only in case', document: { ...valid, fleets: [fleet, { ...fleet, name: 'b', target: { type: 'asg', autoScalingGroupName: 'G' } }] } },
    // 720 minutes apart every day in a zone without daylight saving
    { name: 'two redeploys a day, 12 hours apart, with a 12-hour window in UTC', document: withFleet({ redeploy: { schedule: 'cron(0 1,13 * * ? *)', windowMinutes: 720 } }) },
    { name: 'weekday redeploys with a 12-hour window in New York', document: withFleet({ redeploy: { schedule: 'cron(0 3 ? * MON-FRI *)', timeZone: 'America/New_York', windowMinutes: 720 } }) },
    { name: 'a redeploy on 29 February (leap years)', document: withFleet({ redeploy: { schedule: 'cron(0 3 29 2 ? *)' } }) },
    { name: 'an API fleet whose bounds fit the ratio exactly', document: withFleet({ maxInstances: 10, api: { target: { type: 'asg', autoScalingGroupName: 'api' }, ratio: 4, minInstances: 3, maxInstances: 3 } }) },
  ])('$name', ({ document }) => {
    expect(problemsOf(document)).toEqual([]);
  });

  it('accepts a UTF-8 byte order mark, in a file and in an SSM value', async () => {
    const text = readFileSync('examples/fleets.yaml', 'utf8');
    await expect(loadConfigFile(file('bom.yaml', `\uFEFF${text}`))).resolves.toMatchObject({ version: 1 });
    expect(parseConfigDocument(`\uFEFF${JSON.stringify(valid)}`, 'ssm').fleets).toHaveLength(1);
  });

  it('knows the daylight-saving shift of a zone', () => {
    expect(['UTC', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'].map(daylightSavingShiftMinutes)).toEqual([0, 60, 30, 0]);
  });
});

describe('the bytes of the document', () => {
  it.each([
    { name: 'ASCII', bytes: [0x61, 0x62], offset: 2 },
    { name: 'a Latin-1 é', bytes: [0x63, 0x61, 0x66, 0xe9, 0x0a], offset: 3 },
    { name: 'an overlong "/" (C0 AF)', bytes: [0x61, 0xc0, 0xaf], offset: 1 },
    { name: 'a UTF-16 surrogate (ED A0 80)', bytes: [0xed, 0xa0, 0x80], offset: 0 },
    { name: 'a code point above U+10FFFF (F4 90 80 80)', bytes: [0xf4, 0x90, 0x80, 0x80], offset: 0 },
    { name: 'a euro sign cut short at the end', bytes: [0x61, 0xe2, 0x82], offset: 1 },
    { name: 'a valid emoji', bytes: [0xf0, 0x9f, 0x98, 0x80], offset: 4 },
  ])('first byte that is not UTF-8 in $name: $offset', ({ bytes, offset }) => {
    expect(firstInvalidUtf8Byte(Uint8Array.from(bytes))).toBe(offset);
  });

  it('refuses a file that is not UTF-8, naming the byte', async () => {
    // "version: 1\n# caf" is 16 bytes, so the Latin-1 é is byte 16
    const path = file('latin1.yaml', Buffer.concat([Buffer.from('version: 1\n# caf'), Buffer.from([0xe9]), Buffer.from('\nfleets: []\n')]));
    const error = await loadConfigFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{ field: '(document)', rule: expect.stringMatching(/must be UTF-8 text: the byte at offset 16 \(0xe9\)/), value: 'byte 16' }]);
  });

  it('refuses a 10 MB file by its size alone, before reading it as YAML', async () => {
    // Not YAML at all: only the size rule may speak, so nothing parsed it.
    const path = file('huge.yaml', Buffer.alloc(10 * 1024 * 1024, '['));
    const error = await loadConfigFile(path).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toEqual([{ field: '(document)', rule: expect.stringMatching(/must be at most 8192 bytes.*4096 bytes in the Standard tier and 8192 in the Advanced tier/), value: '10485760 bytes' }]);
  });

  it('refuses text one byte past the Advanced tier, before reading it as YAML', () => {
    const error = errorOf(() => parseConfigDocument('['.repeat(8193), 'ssm'));
    expect(error?.problems).toEqual([{ field: '(document)', rule: expect.stringMatching(/must be at most 8192 bytes/), value: '8193 bytes' }]);
    expect(decodeDocument(new Uint8Array(8193).fill(0x20))).toMatchObject({ problem: { value: '8193 bytes' } });
  });

  it.each([
    { name: 'the example document', size: undefined, tier: 'Standard', says: /^size: 1\d{3} of 4096 bytes: fits a Standard SSM parameter$/m },
    { name: 'a document of 4096 bytes', size: 4096, tier: 'Standard', says: /^size: 4096 of 4096 bytes/m },
    { name: 'a document of 4097 bytes', size: 4097, tier: 'Advanced', says: /^size: 4097 bytes: more than a Standard SSM parameter holds \(4096\).*--tier Advanced/m },
    { name: 'a document of 8192 bytes', size: 8192, tier: 'Advanced', says: /^size: 8192 bytes: .*--tier Advanced/m },
  ])('validate says which SSM tier holds $name', async ({ size, tier, says }) => {
    const example = readFileSync('examples/fleets.yaml', 'utf8');
    // A YAML comment pads the example to the size under test.
    const text = size === undefined ? example : `${example}#${'x'.repeat(size - Buffer.byteLength(example) - 2)}\n`;
    const path = file(`tier-${size ?? 'example'}.yaml`, text);
    expect((await checkConfigFile(path)).tier).toBe(tier);
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } };
    expect(await validateCommand(['--config', path], io)).toBe(0);
    expect(out).toMatch(says);
  });
});
