import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDrainHandler } from '../../functions/drain.js';
import { createLicenseWatchHandler } from '../../functions/license-watch.js';
import { createRedeployHandler } from '../../functions/redeploy.js';
import { createScaleHandler } from '../../functions/scale.js';
import { validateConfig } from '../../lib/config/load.js';
import { parseLicenseSettings } from '../../lib/license/settings.js';
import { lambdaContext } from '../../sim/index.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { controlCharacters, GROUP, HOSTILE, mockedAws, NO_WAIT_RETRY, validDocument, WAITING } from './aws.js';

/**
 * Each Lambda's event: a bad one is refused with an error naming the field, the rule and
 * the value, before any AWS call is made.
 */

const NOW = new Date('2026-03-02T12:00:30Z');
const context = lambdaContext('matrix');

const lifecycle = (detail: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'EC2 Instance-terminate Lifecycle Action',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2026-03-02T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    LifecycleActionToken: '87654321-4321-4321-4321-210987654321',
    AutoScalingGroupName: GROUP,
    LifecycleHookName: 'gpu-fleet-scaler-drain',
    EC2InstanceId: WAITING,
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    ...detail,
  },
  ...top,
});
const withoutDetail = (field: string) => {
  const event = lifecycle();
  delete (event.detail as Record<string, unknown>)[field];
  return event;
};

interface Case {
  name: string;
  event: unknown;
  /** What the error must say: the field, the rule, and the value as JSON. */
  says: RegExp[];
}

const SCALE: Case[] = [
  { name: 'a string', event: 'tick', says: [/\(event\)/, /object/i, /"tick"/] },
  { name: 'an array', event: [1], says: [/\(event\)/, /object/i, /\[1\]/] },
  { name: 'source from another service', event: { source: 'aws.autoscaling' }, says: [/source/, /must be "aws\.events"/, /"aws\.autoscaling"/] },
  { name: 'detail-type not a string', event: { source: 'aws.events', 'detail-type': 7 }, says: [/detail-type/, /string/i, /7/] },
  { name: 'source with a forged log line', event: { source: 'aws.events\n{"level":"INFO","message":"scaled"}' }, says: [/source/, /must be "aws\.events"/, /\\n/] },
  // a misspelt key of an operator's invocation must never run a tick for real
  { name: 'a misspelt dryRun', event: { dryrun: true }, says: [/unknown key "dryrun" \(did you mean "dryRun"\?\)/, /nothing was run/, /"dryrun":true/] },
  { name: 'a key the scale Lambda does not know', event: { fleets: ['speech'] }, says: [/unknown key "fleets"/, /may have only "dryRun"/] },
  { name: 'dryRun as a string', event: { dryRun: 'true' }, says: [/dryRun/, /must be true or false/, /"true"/] },
  { name: 'a schedule time that is not a date', event: { source: 'aws.events', 'detail-type': 'Scheduled Event', time: 'now' }, says: [/time/, /ISO 8601/, /"now"/] },
];

const DRAIN: Case[] = [
  { name: 'no detail-type', event: { source: 'aws.events' }, says: [/detail-type/, /must be "EC2 Instance-terminate Lifecycle Action" or "Scheduled Event"/, /nothing/] },
  { name: 'a launch lifecycle event', event: lifecycle({}, { 'detail-type': 'EC2 Instance-launch Lifecycle Action' }), says: [/detail-type/, /Scheduled Event/, /"EC2 Instance-launch Lifecycle Action"/] },
  { name: 'source not autoscaling', event: lifecycle({}, { source: 'my.app' }), says: [/source/, /aws\.autoscaling/, /"my\.app"/] },
  { name: 'time not a date', event: lifecycle({}, { time: 'yesterday' }), says: [/time/, /datetime|date/i, /"yesterday"/] },
  { name: 'missing detail', event: { ...lifecycle(), detail: undefined }, says: [/detail/, /object/i, /nothing/] },
  { name: 'missing instance id', event: withoutDetail('EC2InstanceId'), says: [/detail\.EC2InstanceId/, /string|instance id/i, /nothing/] },
  { name: 'instance id not an id', event: lifecycle({ EC2InstanceId: 'web-1' }), says: [/detail\.EC2InstanceId/, /must be an EC2 instance id/, /"web-1"/] },
  { name: 'instance id of 9 hex digits', event: lifecycle({ EC2InstanceId: 'i-0123456789' }), says: [/detail\.EC2InstanceId/, /instance id/, /"i-0123456789"/] },
  { name: 'instance id in upper case', event: lifecycle({ EC2InstanceId: 'I-0123456789ABCDEF0' }), says: [/detail\.EC2InstanceId/, /instance id/, /"I-0123456789ABCDEF0"/] },
  ...HOSTILE.map((h) => ({ name: `instance id with ${h.name}`, event: lifecycle({ EC2InstanceId: `i-0123456789abcdef0${h.text}` }), says: [/detail\.EC2InstanceId/, /must be an EC2 instance id/, /"i-0123456789abcdef0/] })),
  { name: 'missing group', event: withoutDetail('AutoScalingGroupName'), says: [/detail\.AutoScalingGroupName/, /string/i, /nothing/] },
  { name: 'empty group', event: lifecycle({ AutoScalingGroupName: '' }), says: [/detail\.AutoScalingGroupName/, />=\s*1|too small|group name/i, /""/] },
  { name: 'group with a newline', event: lifecycle({ AutoScalingGroupName: 'dg-engine\n{"level":"ERROR"}' }), says: [/detail\.AutoScalingGroupName/, /Auto Scaling group name/, /\\n/] },
  { name: 'group with a semicolon', event: lifecycle({ AutoScalingGroupName: 'dg;reboot' }), says: [/detail\.AutoScalingGroupName/, /Auto Scaling group name/, /"dg;reboot"/] },
  { name: 'missing hook name', event: withoutDetail('LifecycleHookName'), says: [/detail\.LifecycleHookName/, /string/i, /nothing/] },
  { name: 'hook name with a newline', event: lifecycle({ LifecycleHookName: 'gpu-fleet-scaler-drain\nx' }), says: [/detail\.LifecycleHookName/, /lifecycle hook name/, /\\n/] },
  { name: 'hook name of 256 characters', event: lifecycle({ LifecycleHookName: 'h'.repeat(256) }), says: [/detail\.LifecycleHookName/, /lifecycle hook name|<=\s*255|too big/i, /"hhhh/] },
  { name: 'transition of a launch', event: lifecycle({ LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING' }), says: [/detail\.LifecycleTransition/, /only terminations are drained/, /"autoscaling:EC2_INSTANCE_LAUNCHING"/] },
  { name: 'token of 65 characters', event: lifecycle({ LifecycleActionToken: 'a'.repeat(65) }), says: [/detail\.LifecycleActionToken/, /lifecycle action token|<=\s*64|too big/i, /"aaaa/] },
  { name: 'token with a newline', event: lifecycle({ LifecycleActionToken: '87654321-4321\n-4321' }), says: [/detail\.LifecycleActionToken/, /lifecycle action token/, /\\n/] },
  { name: 'token as a number', event: lifecycle({ LifecycleActionToken: 42 }), says: [/detail\.LifecycleActionToken/, /string/i, /42/] },
  { name: 'schedule event without time', event: { 'detail-type': 'Scheduled Event', source: 'aws.events' }, says: [/time/, /string|date/i, /nothing/] },
];

const REDEPLOY: Case[] = [
  { name: 'dryRun as a string', event: { dryRun: 'yes' }, says: [/dryRun/, /must be true or false/, /"yes"/] },
  { name: 'fleets as a string', event: { fleets: 'engine' }, says: [/fleets/, /must be a list of fleet names/, /"engine"/] },
  { name: 'fleets empty', event: { fleets: [] }, says: [/fleets/, />=\s*1|too small|at least/i, /\[\]/] },
  { name: 'a fleet name with a newline', event: { fleets: ['engine\n{"level":"ERROR"}'] }, says: [/fleets\.0/, /fleet name|letters, digits/, /\\n/] },
  { name: 'a fleet name of 65 characters', event: { fleets: ['e'.repeat(65)] }, says: [/fleets\.0/, /fleet name|letters, digits|<=\s*64|too big/i, /"eeee/] },
  { name: 'a fleet the document does not have', event: { fleets: ['engin'] }, says: [/fleets/, /no fleet named/, /"engin"/] },
  { name: 'a string', event: 'now', says: [/\(event\)/, /object/i, /"now"/] },
  { name: 'a misspelt dryRun', event: { dryrun: true }, says: [/unknown key "dryrun" \(did you mean "dryRun"\?\)/, /nothing was run/] },
  { name: 'a misspelt fleets', event: { fleet: ['engine'], dryRun: true }, says: [/unknown key "fleet" \(did you mean "fleets"\?\)/] },
  { name: 'a source that is not the schedule', event: { source: 'aws.events' }, says: [/source/, /gpu-fleet-scaler\.redeploy-schedule/, /"aws\.events"/] },
];

const LICENSE: Case[] = [
  { name: 'an object that is neither a schedule nor {}', event: { proxies: ['http://x'] }, says: [/Scheduled Event/, /\{\}/, /"proxies"/] },
  { name: 'a string', event: 'go', says: [/Scheduled Event/, /"go"/] },
  { name: 'a schedule with a wrong detail-type', event: { source: 'aws.events', 'detail-type': 'Manual' }, says: [/Scheduled Event/, /"Manual"/] },
];

describe('Lambda events: bad input is named and refused before any AWS call', () => {
  let aws: ReturnType<typeof mockedAws>;
  let telemetry: MemoryTelemetry;
  beforeEach(() => {
    aws = mockedAws();
    telemetry = new MemoryTelemetry();
  });
  afterEach(() => aws.restore());

  const deps = () => ({ ports: aws.ports, telemetry, now: () => NOW, loadConfig: async () => validateConfig(validDocument(), 'matrix'), retry: NO_WAIT_RETRY });

  async function expectRefused(invoke: () => Promise<unknown>, says: RegExp[]) {
    let caught: unknown;
    try {
      await invoke();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    const message = (caught as Error).message;
    for (const part of says) expect(message).toMatch(part);
    // A hostile value is quoted, never raw: the message cannot forge a log line.
    expect(controlCharacters(message)).toEqual([]);
    for (const line of telemetry.lines) expect(controlCharacters(line.message)).toEqual([]);
    expect(aws.calls()).toEqual([]);
  }

  it.each(SCALE)('scale: $name', async ({ event, says }) => {
    const handler = createScaleHandler(deps, () => ({ forceDryRun: false }));
    await expectRefused(() => handler(event, context), says);
  });

  it.each(DRAIN)('drain: $name', async ({ event, says }) => {
    const handler = createDrainHandler(() => ({ ...deps(), drainDocumentName: 'gpu-fleet-scaler-drain' }));
    await expectRefused(() => handler(event, context), says);
  });

  it.each(REDEPLOY)('redeploy: $name', async ({ event, says }) => {
    const handler = createRedeployHandler(() => ({ ...deps(), forceDryRun: false }));
    await expectRefused(() => handler(event, context), says);
  });

  it.each(LICENSE)('license-watch: $name', async ({ event, says }) => {
    const settings = parseLicenseSettings({ LICENSE_PROXIES: JSON.stringify([{ name: 'proxy-a', url: 'http://10.0.0.1:8089/v1/status' }]), LICENSE_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:license' });
    let polled = 0;
    const handler = createLicenseWatchHandler({
      ports: aws.ports,
      telemetry,
      now: () => NOW,
      retry: NO_WAIT_RETRY,
      settings,
      poll: async () => {
        polled++;
        throw new Error('must not poll');
      },
    });
    await expectRefused(() => handler(event, context), says);
    expect(polled).toBe(0);
  });
});
