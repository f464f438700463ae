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
  { name: 'negative capacity', change: patchFleet((f) => (f.kinds = { stream: { capacity: -5 } })), field: 'fleets[0].kinds.stream.capacity', rule: /must be at least 1 request per instance/, value: -5 },
  { name: 'maxInstances 0', change: patchFleet((f) => (f.maxInstances = 0)), field: 'fleets[0].maxInstances', rule: /must be at least 1$/, value: 0 },
  { name: 'fractional minInstances', change: patchFleet((f) => (f.minInstances = 1.5)), field: 'fleets[0].minInstances', rule: /int/i, value: 1.5 },
  { name: 'targetUtilization above 1', change: patchFleet((f) => (f.targetUtilization = 1.5)), field: 'fleets[0].targetUtilization', rule: /must be at most 1$/, value: 1.5 },
  // 48 h = 172800 s, the longest Auto Scaling holds a lifecycle hook
  { name: 'grace period past what a lifecycle hook can hold', change: patchFleet((f) => (f.drain = { gracePeriodSeconds: 172_801 })), field: 'fleets[0].drain.gracePeriodSeconds', rule: /at most 172800.*48 hours/, value: 172_801 },
  { name: 'grace period under a minute', change: patchFleet((f) => (f.drain = { gracePeriodSeconds: 10 })), field: 'fleets[0].drain.gracePeriodSeconds', rule: /must be at least 60$/, value: 10 },
  { name: 'window of 5 minutes', change: patchFleet((f) => ((f.redeploy as Fleet).windowMinutes = 5)), field: 'fleets[0].redeploy.windowMinutes', rule: /must be at least 15$/, value: 5 },
  { name: 'busyUtilization 0', change: patchFleet((f) => ((f.redeploy as Fleet).busyUtilization = 0)), field: 'fleets[0].redeploy.busyUtilization', rule: /must be at least 0.05$/, value: 0 },
  { name: 'period of 90 s', change: (d) => (d.periodSeconds = 90), field: 'periodSeconds', rule: /./, value: 90 },
  { name: 'staleAfterSeconds 30', change: (d) => (d.staleAfterSeconds = 30), field: 'staleAfterSeconds', rule: /must be at least 60$/, value: 30 },
  { name: 'rejected status not HTTP', change: (d) => (d.rejectedStatuses = ['abc']), field: 'rejectedStatuses[0]', rule: /HTTP status code/, value: 'abc' },
  { name: 'no fleets', change: (d) => (d.fleets = []), field: 'fleets', rule: /must be at least 1 item/, value: [] },
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
  { name: 'EKS cluster name with a space', change: patchFleet((f) => (f.target = { type: 'eks', clusterName: 'prod cluster', nodegroupName: 'gpu' })), field: 'fleets[0].target.clusterName', rule: /must be an EKS cluster name: letters, digits/, value: 'prod cluster' },
  { name: 'empty engine namespace', change: (d) => (d.engineNamespace = ''), field: 'engineNamespace', rule: /CloudWatch namespace: 1 to 255 characters/, value: '' },
  // what AWS would refuse or misread
  { name: 'namespace reserved for AWS', change: (d) => (d.engineNamespace = 'AWS/EC2'), field: 'engineNamespace', rule: /must not begin with "AWS\/": CloudWatch reserves/, value: 'AWS/EC2' },
  { name: 'namespace with a bell character', change: (d) => (d.engineNamespace = 'Deepgram/\u0007Engine'), field: 'engineNamespace', rule: /control characters/, value: 'Deepgram/\u0007Engine' },
  { name: 'namespace with a trailing space', change: (d) => (d.engineNamespace = 'Deepgram/Engine '), field: 'engineNamespace', rule: /whitespace/, value: 'Deepgram/Engine ' },
  {
    name: 'group given as its ARN',
    change: patchFleet((f) => (f.target = { type: 'asg', autoScalingGroupName: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f1e2d3c-aaaa-bbbb-cccc-123456789abc:autoScalingGroupName/${GROUP}` })),
    field: 'fleets[0].target.autoScalingGroupName',
    rule: /not an ARN \(the name in this ARN is "dg-engine"\)/,
    value: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f1e2d3c-aaaa-bbbb-cccc-123456789abc:autoScalingGroupName/${GROUP}`,
  },
  { name: 'group name with a trailing space', change: patchFleet((f) => (f.target = { type: 'asg', autoScalingGroupName: `${GROUP} ` })), field: 'fleets[0].target.autoScalingGroupName', rule: /must not begin or end with whitespace/, value: `${GROUP} ` },
  { name: 'group name with a tab inside', change: patchFleet((f) => (f.target = { type: 'asg', autoScalingGroupName: 'dg\tengine' })), field: 'fleets[0].target.autoScalingGroupName', rule: /control characters/, value: 'dg\tengine' },
  // CreateAutoScalingGroup: "You cannot use a colon (:) in the name"
  { name: 'group name with a colon', change: patchFleet((f) => (f.target = { type: 'asg', autoScalingGroupName: 'dg:engine' })), field: 'fleets[0].target.autoScalingGroupName', rule: /Auto Scaling group name: letters, digits/, value: 'dg:engine' },
  {
    name: 'node group given as its ARN',
    change: patchFleet((f) => (f.target = { type: 'eks', clusterName: 'prod', nodegroupName: 'arn:aws:eks:us-east-1:123456789012:nodegroup/prod/gpu/0ec1a2b3-0000-1111-2222-333344445555' })),
    field: 'fleets[0].target.nodegroupName',
    rule: /not an ARN \(the name in this ARN is "gpu"\)/,
    value: 'arn:aws:eks:us-east-1:123456789012:nodegroup/prod/gpu/0ec1a2b3-0000-1111-2222-333344445555',
  },
  { name: '64-character node group name (EKS allows 63)', change: patchFleet((f) => (f.target = { type: 'eks', clusterName: 'prod', nodegroupName: 'g'.repeat(64) })), field: 'fleets[0].target.nodegroupName', rule: /1 to 63 characters/, value: 'g'.repeat(64) },
  {
    name: 'one group under two spellings (name and name with a space)',
    change: (d) => (d.fleets as Fleet[]).push({ ...fleetOf(d), name: 'engine-b', target: { type: 'asg', autoScalingGroupName: ` ${GROUP}` } }),
    field: 'fleets[1].target',
    rule: /must not be managed twice \(also fleets\[0\]\) \(the same group, spelled differently/,
    value: { type: 'asg', autoScalingGroupName: ` ${GROUP}` },
  },
  {
    name: 'one group under two spellings (name and ARN)',
    change: (d) => (d.fleets as Fleet[]).push({ ...fleetOf(d), name: 'engine-b', target: { type: 'asg', autoScalingGroupName: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f1e2d3c-aaaa-bbbb-cccc-123456789abc:autoScalingGroupName/${GROUP}` } }),
    field: 'fleets[1].target',
    rule: /must not be managed twice \(also fleets\[0\]\)/,
    value: { type: 'asg', autoScalingGroupName: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f1e2d3c-aaaa-bbbb-cccc-123456789abc:autoScalingGroupName/${GROUP}` },
  },
  { name: 'an API fleet on the Engine fleet\'s own group', change: patchFleet((f) => (f.api = { target: { type: 'asg', autoScalingGroupName: GROUP } })), field: 'fleets[0].api.target', rule: /must not be managed twice \(also fleets\[0\]\)/, value: { type: 'asg', autoScalingGroupName: GROUP } },
  // numbers that are not sane
  { name: 'capacity of 5e-324', change: patchFleet((f) => (f.kinds = { stream: { capacity: 5e-324 } })), field: 'fleets[0].kinds.stream.capacity', rule: /at least 1 request per instance/, value: 5e-324 },
  { name: 'capacity of 1e9', change: patchFleet((f) => (f.kinds = { batch: { capacity: 1e9 } })), field: 'fleets[0].kinds.batch.capacity', rule: /at most 100000 requests per instance/, value: 1e9 },
  { name: 'capacity NaN', change: patchFleet((f) => (f.kinds = { stream: { capacity: Number.NaN } })), field: 'fleets[0].kinds.stream.capacity', rule: /NaN is not a usable number/, value: Number.NaN },
  { name: 'maxInstances Infinity', change: patchFleet((f) => (f.maxInstances = Number.POSITIVE_INFINITY)), field: 'fleets[0].maxInstances', rule: /Infinity is not a usable number/, value: Number.POSITIVE_INFINITY },
  { name: 'targetUtilization 1e-9', change: patchFleet((f) => (f.targetUtilization = 1e-9)), field: 'fleets[0].targetUtilization', rule: /must be at least 0.1$/, value: 1e-9 },
  { name: 'victim load limit of a billion', change: patchFleet((f) => (f.drain = { maxVictimRequests: 1e9 })), field: 'fleets[0].drain.maxVictimRequests', rule: /must be at most 100000$/, value: 1e9 },
  { name: 'a rejected status listed twice', change: (d) => (d.rejectedStatuses = ['429', '429']), field: 'rejectedStatuses', rule: /must not list a status twice/, value: ['429', '429'] },
  // what is allowed, said in full
  { name: 'period of 90 s (names the allowed periods)', change: (d) => (d.periodSeconds = 90), field: 'periodSeconds', rule: /^must be 60, 120 or 300 \(seconds\)$/, value: 90 },
  { name: 'target type ecs (names both forms)', change: patchFleet((f) => (f.target = { type: 'ecs', service: 'x' })), field: 'fleets[0].target.type', rule: /\{type: asg, autoScalingGroupName\} or \{type: eks, clusterName, nodegroupName\}/, value: 'ecs' },
  { name: 'stream capacity "lots" (names both forms)', change: patchFleet((f) => (f.kinds = { stream: { capacity: 'lots' } })), field: 'fleets[0].kinds.stream.capacity', rule: /a number of streams per instance \(1 to 100000\) or "engine"/, value: 'lots' },
  { name: 'drain runtime podman (names both runtimes)', change: patchFleet((f) => (f.drain = { runtime: 'podman' })), field: 'fleets[0].drain.runtime', rule: /must be "docker" \(EC2 hosts\) or "containerd" \(EKS nodes\)/, value: 'podman' },
  { name: 'version 2 (names the one version)', change: (d) => (d.version = 2), field: 'version', rule: /must be 1 /, value: 2 },
  // rules across fields
  { name: 'staleness equal to the period', change: (d) => Object.assign(d, { periodSeconds: 120, staleAfterSeconds: 120 }), field: 'staleAfterSeconds', rule: /must be longer than periodSeconds \(120\): .*never scale in/, value: 120 },
  { name: 'a 300 s period with the default staleness', change: (d) => (d.periodSeconds = 300), field: 'staleAfterSeconds', rule: /longer than periodSeconds \(300\) \(the default\)/, value: 180 },
  { name: 'a redeploy every hour with a 3-hour window', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = 'cron(0 * * * ? *)')), field: 'fleets[0].redeploy.schedule', rule: /must not fire more often than windowMinutes \(180\): it fires at 00:00 and again at 01:00, 60 minutes later/, value: 'cron(0 * * * ? *)' },
  // 23:00 then 01:00 the next day: 120 minutes, under the 180-minute window
  { name: 'a redeploy at 23:00 and 01:00', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = 'cron(0 1,23 * * ? *)')), field: 'fleets[0].redeploy.schedule', rule: /at 23:00 and again at 01:00, 120 minutes later/, value: 'cron(0 1,23 * * ? *)' },
  // 01:00 and 13:00 are 720 minutes apart on the wall clock; the spring-forward night makes it 660
  {
    name: 'two redeploys 12 hours apart with a 12-hour window in New York',
    change: patchFleet((f) => (f.redeploy = { enabled: true, schedule: 'cron(0 1,13 * * ? *)', timeZone: 'America/New_York', windowMinutes: 720 })),
    field: 'fleets[0].redeploy.schedule',
    rule: /660 minutes later across a daylight-saving change in America\/New_York/,
    value: 'cron(0 1,13 * * ? *)',
  },
  { name: 'a redeploy on 30 February', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = 'cron(0 3 30 2 ? *)')), field: 'fleets[0].redeploy.schedule', rule: /must fire at least once: no date matches it/, value: 'cron(0 3 30 2 ? *)' },
  { name: 'a redeploy on 29 February 2030 (not a leap year)', change: patchFleet((f) => ((f.redeploy as Fleet).schedule = 'cron(0 3 29 2 ? 2030)')), field: 'fleets[0].redeploy.schedule', rule: /must fire at least once/, value: 'cron(0 3 29 2 ? 2030)' },
  { name: 'a roll segment larger than the fleet', change: patchFleet((f) => ((f.redeploy as Fleet).segmentSize = 11)), field: 'fleets[0].redeploy.segmentSize', rule: /must be at most maxInstances \(10\)/, value: 11 },
  // grace 3600 s = 60 min
  { name: 'a stall timeout shorter than the drain grace', change: patchFleet((f) => Object.assign(f, { drain: { gracePeriodSeconds: 3600 }, redeploy: { ...(f.redeploy as Fleet), stallMinutes: 30 } })), field: 'fleets[0].redeploy.stallMinutes', rule: /at least the drain grace period \(3600 s, 60 min\)/, value: 30 },
  // ceil(10 / 4) = 3 API instances at the Engine fleet's maximum
  { name: 'an API maximum below what the Engine maximum needs', change: patchFleet((f) => (f.api = { target: { type: 'asg', autoScalingGroupName: 'dg-api' }, ratio: 4, maxInstances: 2 })), field: 'fleets[0].api.maxInstances', rule: /at least ceil\(maxInstances \/ ratio\) = ceil\(10 \/ 4\) = 3/, value: 2 },
  { name: 'an API minimum above what the ratio ever gives', change: patchFleet((f) => (f.api = { target: { type: 'asg', autoScalingGroupName: 'dg-api' }, ratio: 4, minInstances: 4 })), field: 'fleets[0].api.minInstances', rule: /at most ceil\(maxInstances \/ ratio\) = ceil\(10 \/ 4\) = 3/, value: 4 },
  // ceil(1000 / 1) = 1000 API instances, the default maximum is 250
  { name: 'the default API maximum under a 1:1 ratio and 1000 Engines', change: patchFleet((f) => Object.assign(f, { maxInstances: 1000, api: { target: { type: 'asg', autoScalingGroupName: 'dg-api' }, ratio: 1 } })), field: 'fleets[0].api.maxInstances', rule: /= 1000 \(the default\)/, value: 250 },
  { name: 'a fallback capacity beside a declared capacity', change: patchFleet((f) => (f.kinds = { stream: { capacity: 100, fallbackCapacity: 80 } })), field: 'fleets[0].kinds.stream.fallbackCapacity', rule: /applies only with capacity "engine"/, value: 80 },
  // settings meant for the other fleet type
  { name: 'docker on an EKS node group', change: patchFleet((f) => Object.assign(f, { target: { type: 'eks', clusterName: 'prod', nodegroupName: 'gpu' }, drain: { runtime: 'docker' } })), field: 'fleets[0].drain.runtime', rule: /containerd.*EKS node group/, value: 'docker' },
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
