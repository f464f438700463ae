import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDrainHandler } from '../../functions/drain.js';
import { createRedeployHandler } from '../../functions/redeploy.js';
import { createScaleHandler } from '../../functions/scale.js';
import { ConfigError, parseConfigDocument, validateConfig } from '../../lib/config/load.js';
import { lambdaContext, scheduledEvent } from '../../sim/index.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { controlCharacters, GROUP, HOSTILE, mockedAws, NO_WAIT_RETRY, validDocument } from './aws.js';

/**
 * The fleet document: every case names the field, the rule and the value it saw, and no
 * handler that reads the document changes anything in AWS because of it.
 */

type Doc = Record<string, unknown>;
type Fleet = Record<string, unknown>;
const fleetOf = (doc: Doc) => (doc.fleets as Fleet[])[0] as Fleet;
const patchFleet = (patch: (fleet: Fleet) => void) => (doc: Doc) => patch(fleetOf(doc));

interface Case {
  name: string;
  change: (doc: Doc) => void;
  field: string;
  rule: RegExp;
  value: unknown;
}

const CASES: Case[] = [
  // wrong types
  { name: 'version as a string', change: (d) => (d.version = '1'), field: 'version', rule: /./, value: '1' },
  { name: 'fleets as an object', change: (d) => (d.fleets = { engine: {} }), field: 'fleets', rule: /array/i, value: { engine: {} } },
  { name: 'minInstances as a string', change: patchFleet((f) => (f.minInstances = '1')), field: 'fleets[0].minInstances', rule: /number/i, value: '1' },
  { name: 'dryRun as the string "false"', change: patchFleet((f) => (f.dryRun = 'false')), field: 'fleets[0].dryRun', rule: /boolean/i, value: 'false' },
  { name: 'target type unknown', change: patchFleet((f) => (f.target = { type: 'ecs', service: 'x' })), field: 'fleets[0].target.type', rule: /./, value: 'ecs' },
  { name: 'no request kind', change: patchFleet((f) => (f.kinds = {})), field: 'fleets[0].kinds', rule: /at least one of stream, batch, tts/, value: {} },
  // out of range
  { name: 'negative capacity', change: patchFleet((f) => (f.kinds = { stream: { capacity: -5 } })), field: 'fleets[0].kinds.stream.capacity', rule: /positive/, value: -5 },
  { name: 'maxInstances 0', change: patchFleet((f) => (f.maxInstances = 0)), field: 'fleets[0].maxInstances', rule: />=\s*1|at least|too small/i, value: 0 },
  { name: 'fractional minInstances', change: patchFleet((f) => (f.minInstances = 1.5)), field: 'fleets[0].minInstances', rule: /int/i, value: 1.5 },
  { name: 'targetUtilization above 1', change: patchFleet((f) => (f.targetUtilization = 1.5)), field: 'fleets[0].targetUtilization', rule: /<=\s*1|at most|too big/i, value: 1.5 },
  // 48 h less the hook's 15-minute margin (lib/drain/hook.ts): 172800 - 900 = 171900
  { name: 'grace period past what a lifecycle hook can hold', change: patchFleet((f) => (f.drain = { gracePeriodSeconds: 172_800 })), field: 'fleets[0].drain.gracePeriodSeconds', rule: /at most 171900.*48 hours/, value: 172_800 },
  { name: 'grace period under a minute', change: patchFleet((f) => (f.drain = { gracePeriodSeconds: 10 })), field: 'fleets[0].drain.gracePeriodSeconds', rule: />=\s*60|too small/i, value: 10 },
  { name: 'window of 5 minutes', change: patchFleet((f) => ((f.redeploy as Fleet).windowMinutes = 5)), field: 'fleets[0].redeploy.windowMinutes', rule: />=\s*15|too small/i, value: 5 },
  { name: 'busyUtilization 0', change: patchFleet((f) => ((f.redeploy as Fleet).busyUtilization = 0)), field: 'fleets[0].redeploy.busyUtilization', rule: />\s*0|too small/i, value: 0 },
  { name: 'period of 90 s', change: (d) => (d.periodSeconds = 90), field: 'periodSeconds', rule: /./, value: 90 },
  { name: 'staleAfterSeconds 30', change: (d) => (d.staleAfterSeconds = 30), field: 'staleAfterSeconds', rule: />=\s*60|too small/i, value: 30 },
  { name: 'rejected status not HTTP', change: (d) => (d.rejectedStatuses = ['abc']), field: 'rejectedStatuses[0]', rule: /HTTP status code/, value: 'abc' },
  { name: 'no fleets', change: (d) => (d.fleets = []), field: 'fleets', rule: />=\s*1|too small/i, value: [] },
  // unknown fields (a typo must not silently fall back to a default)
  { name: 'typo in a fleet field', change: patchFleet((f) => (f.maxInstance = 10)), field: 'fleets[0]', rule: /unknown field\(s\) maxInstance/, value: ['maxInstance'] },
  { name: 'typo at the top level', change: (d) => (d.fleet = []), field: '(document)', rule: /unknown field\(s\) fleet/, value: ['fleet'] },
  { name: 'typo in drain', change: patchFleet((f) => (f.drain = { gracePeriod: 600 })), field: 'fleets[0].drain', rule: /unknown field\(s\) gracePeriod/, value: ['gracePeriod'] },
  // duplicates and contradictions
  { name: 'two fleets with one name', change: (d) => (d.fleets as Fleet[]).push({ ...fleetOf(d), target: { type: 'asg', autoScalingGroupName: 'other' } }), field: 'fleets[1].name', rule: /must be unique \(also fleets\[0\]\.name\)/, value: 'engine' },
  { name: 'one group managed by two fleets', change: (d) => (d.fleets as Fleet[]).push({ ...fleetOf(d), name: 'engine-b' }), field: 'fleets[1].target', rule: /must not be managed twice/, value: { type: 'asg', autoScalingGroupName: GROUP } },
  { name: 'minInstances above maxInstances', change: patchFleet((f) => (f.minInstances = 11)), field: 'fleets[0].minInstances', rule: /at most maxInstances \(10\)/, value: 11 },
  { name: 'api minInstances above its max', change: patchFleet((f) => (f.api = { target: { type: 'asg', autoScalingGroupName: 'dg-api' }, minInstances: 5, maxInstances: 2 })), field: 'fleets[0].api.minInstances', rule: /at most api\.maxInstances \(2\)/, value: 5 },
  // schedules and time zones
  { name: 'cron minute 99', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = 'cron(99 3 * * ? *)')), field: 'fleets[0].redeploy.schedule', rule: /minutes: must be between 0 and 59/, value: 'cron(99 3 * * ? *)' },
  { name: 'cron with both day fields', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = 'cron(0 3 * * * *)')), field: 'fleets[0].redeploy.schedule', rule: /exactly one of day-of-month and day-of-week must be "\?"/, value: 'cron(0 3 * * * *)' },
  { name: 'cron with L', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = 'cron(0 3 L * ? *)')), field: 'fleets[0].redeploy.schedule', rule: /L, W and # forms are not supported/, value: 'cron(0 3 L * ? *)' },
  { name: 'cron hour 24', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = 'cron(0 24 ? * MON *)')), field: 'fleets[0].redeploy.schedule', rule: /hours: must be between 0 and 23/, value: 'cron(0 24 ? * MON *)' },
  { name: 'rate expression', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = 'rate(1 day)')), field: 'fleets[0].redeploy.schedule', rule: /cron\(minutes hours day-of-month month day-of-week year\)/, value: 'rate(1 day)' },
  { name: 'five-field Unix cron', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = '0 3 * * *')), field: 'fleets[0].redeploy.schedule', rule: /EventBridge Scheduler cron expression/, value: '0 3 * * *' },
  { name: 'unknown time zone', change: patchFleet((f) => ((f.redeploy as Fleet).timeZone = 'Mars/Olympus_Mons')), field: 'fleets[0].redeploy.timeZone', rule: /IANA time zone/, value: 'Mars/Olympus_Mons' },
  { name: 'time zone as an offset', change: patchFleet((f) => ((f.redeploy as Fleet).timeZone = 'GMT+25')), field: 'fleets[0].redeploy.timeZone', rule: /IANA time zone/, value: 'GMT+25' },
  // container name patterns: what the SSM document passes to docker/crictl
  ...HOSTILE.map((h) => ({
    name: `container name pattern with ${h.name}`,
    change: patchFleet((f) => (f.drain = { containerNamePattern: h.text })),
    field: 'fleets[0].drain.containerNamePattern',
    rule: /1-64 characters of letters, digits, "_", "\." or "-"/,
    value: h.text,
  })),
  { name: 'empty container name pattern', change: patchFleet((f) => (f.drain = { containerNamePattern: '' })), field: 'fleets[0].drain.containerNamePattern', rule: /1-64 characters/, value: '' },
  { name: '65-character container name pattern', change: patchFleet((f) => (f.drain = { containerNamePattern: 'a'.repeat(65) })), field: 'fleets[0].drain.containerNamePattern', rule: /1-64 characters/, value: 'a'.repeat(65) },
  // names that end up in log lines, metric dimensions and tags
  { name: 'fleet name with a newline (forged log line)', change: patchFleet((f) => (f.name = 'engine\n{"level":"ERROR"}')), field: 'fleets[0].name', rule: /1-64 characters of letters, digits/, value: 'engine\n{"level":"ERROR"}' },
  { name: 'fleet name with an escape sequence', change: patchFleet((f) => (f.name = 'engine\u001b[31m')), field: 'fleets[0].name', rule: /1-64 characters/, value: 'engine\u001b[31m' },
  { name: 'group name with a semicolon', change: patchFleet((f) => (f.target = { type: 'asg', autoScalingGroupName: 'dg;reboot' })), field: 'fleets[0].target.autoScalingGroupName', rule: /Auto Scaling group name/, value: 'dg;reboot' },
  { name: 'EKS cluster name with a space', change: patchFleet((f) => (f.target = { type: 'eks', clusterName: 'prod cluster', nodegroupName: 'gpu' })), field: 'fleets[0].target.clusterName', rule: /EKS name/, value: 'prod cluster' },
  { name: 'empty engine namespace', change: (d) => (d.engineNamespace = ''), field: 'engineNamespace', rule: />=\s*1|too small/i, value: '' },
];

describe('fleet document: bad input is named and refused', () => {
  it.each(CASES)('$name -> $field', ({ change, field, rule, value }) => {
    const doc = validDocument();
    change(doc);
    let caught: unknown;
    try {
      validateConfig(doc, 'matrix');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    const problem = problems.find((p) => p.field === field);
    expect(problem, `problems: ${JSON.stringify(problems)}`).toBeDefined();
    expect(problem?.rule).toMatch(rule);
    expect(problem?.value).toEqual(value);
    // One line per problem: a hostile value cannot break the message into forged lines.
    expect((caught as ConfigError).message.split('\n')).toHaveLength(problems.length + 1);
    expect(controlCharacters((caught as ConfigError).message)).toEqual([]);
  });

  it.each([
    { name: 'not YAML', text: 'fleets: [', rule: /must be valid YAML or JSON/ },
    { name: 'a bare string', text: 'hello', rule: /object/i },
    { name: 'JSON null', text: 'null', rule: /object/i },
  ])('a document that is $name is refused as a whole', ({ text, rule }) => {
    expect(() => parseConfigDocument(text, 'matrix')).toThrow(ConfigError);
    let caught: ConfigError | undefined;
    try {
      parseConfigDocument(text, 'matrix');
    } catch (error) {
      caught = error as ConfigError;
    }
    expect(caught?.problems[0]?.field).toBe('(document)');
    expect(caught?.problems[0]?.rule).toMatch(rule);
  });
});

describe('fleet document: a rejected document changes nothing in AWS', () => {
  let aws: ReturnType<typeof mockedAws>;
  beforeEach(() => {
    aws = mockedAws();
  });
  afterEach(() => aws.restore());

  const NOW = new Date('2026-03-02T03:05:00Z');
  const context: Context = lambdaContext('matrix');
  const depsFor = (doc: Doc) => ({
    ports: aws.ports,
    telemetry: new MemoryTelemetry(),
    now: () => NOW,
    loadConfig: async () => validateConfig(doc, 'matrix'),
    retry: NO_WAIT_RETRY,
  });

  it.each(CASES)('$name: scale, drain and redeploy write nothing (drain only heartbeats what waits)', async ({ change }) => {
    const doc = validDocument();
    change(doc);
    const scale = createScaleHandler(() => depsFor(doc), () => ({ forceDryRun: false }));
    const drain = createDrainHandler(() => ({ ...depsFor(doc), drainDocumentName: 'gpu-fleet-scaler-drain' }));
    const redeploy = createRedeployHandler(() => ({ ...depsFor(doc), forceDryRun: false }));
    await scale(scheduledEvent(NOW), context);
    await expect(drain(scheduledEvent(NOW), context)).rejects.toThrow(ConfigError);
    await redeploy({}, context);
    expect(aws.writes().filter((w) => w !== 'RecordLifecycleActionHeartbeat')).toEqual([]);
  });

  it('the same handlers on the valid document do write (the check above can fail)', async () => {
    const doc = validDocument();
    const drain = createDrainHandler(() => ({ ...depsFor(doc), drainDocumentName: 'gpu-fleet-scaler-drain' }));
    await drain(scheduledEvent(NOW), context);
    // The hook is missing (DescribeLifecycleHooks answers none) and the waiting instance has no command yet.
    expect(aws.writes()).toEqual(expect.arrayContaining(['PutLifecycleHook', 'SendCommand']));
  });
});
