import { SendCommandCommand } from '@aws-sdk/client-ssm';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { drainSchema } from '../../lib/config/schema.js';
import { sendDrainCommand } from '../../lib/drain/commands.js';
import { parseStatusBody } from '../../lib/license/answer.js';
import { powertoolsTelemetry } from '../../lib/telemetry.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { controlCharacters, HOSTILE } from './aws.js';

/**
 * Injection: nothing an event, a proxy or the fleet document carries reaches a shell
 * through the drain command, or a log line unescaped.
 */

interface Parameter {
  allowedPattern?: string;
}
const fragment = parse(readFileSync(new URL('../../infra/ssm-drain-document.yml', import.meta.url), 'utf8')) as {
  Resources: { GpuFleetScalerDrainDocument: { Properties: { Content: { parameters: Record<string, Parameter> } } } };
};
const parameters = fragment.Resources.GpuFleetScalerDrainDocument.Properties.Content.parameters;
const allowed = (name: string) => new RegExp(parameters[name]?.allowedPattern ?? '(?!)');

describe('the drain SSM command', () => {
  it.each(Object.keys(parameters).flatMap((parameter) => HOSTILE.map((h) => ({ parameter, hostile: h.name, text: h.text }))))(
    'document parameter $parameter refuses $hostile',
    ({ parameter, text }) => {
      // SSM checks allowedPattern before the agent ever sees the value.
      expect(allowed(parameter).test(text)).toBe(false);
    },
  );

  it('every container name pattern the fleet document accepts is one the SSM document accepts too', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[A-Za-z0-9_.;$`|&\n -]{0,70}$/)), (pattern) => {
        const accepted = drainSchema.safeParse({ containerNamePattern: pattern }).success;
        if (accepted) expect(allowed('containerNamePattern').test(pattern)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('sends each value as a separate document parameter, every one inside its allowedPattern, and the instance only as a target', async () => {
    const sent: SendCommandCommand[] = [];
    const ssm = { send: async (command: SendCommandCommand) => (sent.push(command), { Command: { CommandId: 'c-1' } }) } as never;
    await sendDrainCommand(ssm, { documentName: 'gpu-fleet-scaler-drain', instanceId: 'i-0123456789abcdef0', containerNamePattern: 'deepgram', runtime: 'docker', waitSeconds: 3600, deliveryTimeoutSeconds: 300 });
    const input = sent[0]?.input;
    expect(input?.InstanceIds).toEqual(['i-0123456789abcdef0']);
    for (const [name, values] of Object.entries(input?.Parameters ?? {})) {
      for (const value of values) expect({ name, value, allowed: allowed(name).test(value) }).toEqual({ name, value, allowed: true });
    }
  });
});

describe('log lines', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(HOSTILE)('a field with $name stays inside one JSON log line', ({ text }) => {
    const written: string[] = [];
    for (const stream of [process.stdout, process.stderr]) vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    const logger = new Logger({ serviceName: 'bad-input' });
    const telemetry = powertoolsTelemetry(logger, new Metrics({ namespace: 'BadInput', serviceName: 'bad-input' }));
    telemetry.info('drain decision', { fleet: text, instanceId: text, detail: text });
    telemetry.error(`drain event for ${JSON.stringify(text)}`, { error: text });
    const output = written.join('');
    const lines = output.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(controlCharacters(line)).toEqual([]);
      expect(JSON.parse(line).fleet ?? JSON.parse(line).error).toBe(text);
    }
  });

  it.each(HOSTILE)('a License Proxy state with $name is quoted in the problem detail', ({ text }) => {
    const parsed = parseStatusBody(JSON.stringify({ state: text }), 'application/json');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(controlCharacters(parsed.detail)).toEqual([]);
    expect(parsed.detail).not.toContain('\n');
    expect(parsed.detail).toContain(JSON.stringify(text));
  });
});
