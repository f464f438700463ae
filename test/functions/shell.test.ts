import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { parseEvent } from '../../functions/shell/event.js';
import { inProduction, lambda } from '../../functions/shell/lambda.js';
import { booleanSetting, once } from '../../functions/shell/settings.js';
import { MetricUnit, powertoolsTelemetry } from '../../lib/telemetry.js';

// Lambda sets it for an on-demand function; Powertools reports a cold start only then. Set
// before the Powertools singletons of lib/telemetry.ts are built at import.
vi.hoisted(() => {
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
});

class ShellTestError extends Error {
  override readonly name = 'ShellTestError';
}
const rejected = (message: string, cause?: unknown) => new ShellTestError(message, { cause });

describe('parseEvent', () => {
  const schema = z.looseObject({ dryRun: z.boolean({ message: 'must be true or false' }).optional(), fleets: z.array(z.string()).min(1, 'must name a fleet').optional() });

  it('returns the parsed event; no payload is the same as {}', () => {
    expect(parseEvent('test', schema, { dryRun: true }, rejected)).toEqual({ dryRun: true });
    expect(parseEvent('test', schema, undefined, rejected)).toEqual({});
  });

  it('names every problem as field, rule and the value received, in the Lambda\'s own error', () => {
    let caught: unknown;
    try {
      parseEvent('test', schema, { dryRun: 'yes', fleets: [] }, rejected);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ShellTestError);
    expect((caught as Error).message).toBe('test event rejected: dryRun: must be true or false (got "yes"); fleets: must name a fleet (got []); nothing changed');
    expect((caught as Error).cause).toBeInstanceOf(z.ZodError);
  });
});

describe('booleanSetting', () => {
  const cases: Array<[string, string | undefined, boolean]> = [
    ['unset is the fallback', undefined, false],
    ['empty is the fallback', '', false],
    ['"true"', 'true', true],
    ['"false"', 'false', false],
  ];
  it.each(cases)('%s', (_name, value, expected) => {
    expect(booleanSetting(value === undefined ? {} : { FLAG: value }, 'FLAG', rejected)).toBe(expected);
  });

  it('an unset setting can default to true', () => {
    expect(booleanSetting({}, 'FLAG', rejected, true)).toBe(true);
  });

  it.each(['yes', 'True', '1'])('refuses %j, naming the variable and the value', (value) => {
    expect(() => booleanSetting({ FLAG: value }, 'FLAG', rejected)).toThrow(`FLAG must be "true" or "false", got ${JSON.stringify(value)}`);
  });
});

describe('once', () => {
  it('builds on first use and keeps it; a build that throws is tried again next time', () => {
    let builds = 0;
    const fails = [true, false];
    const get = once(() => {
      builds++;
      if (fails.shift()) throw new Error('not yet');
      return { built: builds };
    });
    expect(() => get()).toThrow('not yet');
    expect(get()).toEqual({ built: 2 });
    expect(get()).toBe(get());
    expect(builds).toBe(2);
  });
});

describe('inProduction', () => {
  afterEach(() => vi.restoreAllMocks());

  const context = { awsRequestId: 'req-0001', functionName: 'gpu-fleet-scaler-ci-scale', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:gpu-fleet-scaler-ci-scale', memoryLimitInMB: '256', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

  function captureStdout(): string[] {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter((l) => l.trim() !== ''));
      return true;
    });
    return lines;
  }

  it('puts the request id and cold start in every log line and flushes the metrics with a ColdStart metric', async () => {
    const lines = captureStdout();
    const handler = inProduction(
      lambda(async () => {
        const telemetry = powertoolsTelemetry();
        telemetry.info('tick done', { fleets: 1 });
        telemetry.metric({ name: 'AwsCallsPerTick', value: 3, unit: MetricUnit.Count, dimensions: {} });
        return 'ok';
      }),
    );
    expect(await handler({}, context)).toBe('ok');
    vi.restoreAllMocks();
    const json = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const log = json.find((l) => l.message === 'tick done');
    expect(log).toMatchObject({ function_request_id: 'req-0001', cold_start: true, function_name: 'gpu-fleet-scaler-ci-scale' });
    const emf = json.filter((l) => l._aws !== undefined);
    expect(emf.some((l) => l.ColdStart === 1)).toBe(true);
    expect(emf.some((l) => l.AwsCallsPerTick === 3)).toBe(true);
  });

  it('flushes the metrics of an invocation that fails too', async () => {
    const lines = captureStdout();
    const handler = inProduction(
      lambda(async () => {
        powertoolsTelemetry().metric({ name: 'RedeployAwsCalls', value: 2, unit: MetricUnit.Count, dimensions: {} });
        throw new ShellTestError('tick failed');
      }),
    );
    await expect(handler({}, context)).rejects.toThrow('tick failed');
    vi.restoreAllMocks();
    expect(lines.some((l) => l.includes('"RedeployAwsCalls":2'))).toBe(true);
  });
});
