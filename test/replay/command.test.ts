import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { replayCommand } from '../../cli/commands/replay.js';
import { FlagError } from '../../cli/flags.js';
import { commandIo, documentFile } from '../cli/command-io.js';
import { simStack } from '../../bench/stack.js';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { validateConfig } from '../../lib/config/load.js';
import { MANAGED_TAG } from '../../lib/fleet/group-state.js';
import { SimCloud } from '../../sim/cloud.js';
import { simHandlerDeps } from '../../sim/deps.js';
import { rates, syntheticTraffic } from '../../sim/traffic.js';
import { SimTelemetry } from '../../sim/telemetry.js';

const cloudwatch = mockClient(CloudWatchClient);
const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

const document = {
  version: 1,
  fleets: [
    {
      name: 'engines',
      target: { type: 'asg', autoScalingGroupName: 'dg-engines' },
      kinds: { stream: { capacity: 100 } },
      targetUtilization: 0.5,
      minInstances: 1,
      maxInstances: 20,
      warmupSeconds: 120,
      dryRun: false,
      scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 10, maxPercentPerStep: 100 },
      scaleDown: { stabilizationSeconds: 300, cooldownSeconds: 0, maxInstancesPerStep: 10, maxPercentPerStep: 100 },
    },
  ],
};

/** Answers each query with a datapoint per complete period of [StartTime, EndTime): `perMinute` of its minute, times the minutes of a period (one sample a minute). */
function answerPerPeriod(perMinute: (query: MetricDataQuery, atMs: number) => number | undefined) {
  return (input: GetMetricDataCommandInput) => {
    const start = (input.StartTime as Date).getTime();
    const end = (input.EndTime as Date).getTime();
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const periodMs = (q.MetricStat?.Period ?? 60) * 1000;
        const ts: Date[] = [];
        const vs: number[] = [];
        for (let t = start; t + periodMs <= end; t += periodMs) {
          const value = perMinute(q, t);
          if (value === undefined) continue;
          ts.push(new Date(t));
          vs.push((value * periodMs) / MIN);
        }
        return { Id: q.Id, Timestamps: ts, Values: vs, StatusCode: 'Complete' };
      }),
    };
  };
}

describe('replay command against CloudWatch (aws-sdk-client-mock)', () => {
  beforeEach(() => cloudwatch.reset());

  it('reads the fleet history with the scale loop queries and compares the policy with the recorded fleet', async () => {
    // 300 streams per minute from 10:00 on, 100 before; 2 Engines reported throughout.
    cloudwatch.on(GetMetricDataCommand).callsFake(answerPerPeriod((q, t) => (q.Id === 'f0_active_stream' ? (t < T0 ? 100 : 300) : q.Id === 'f0_samples' ? 2 : undefined)));
    const { out, io } = commandIo();
    const code = await replayCommand(
      ['--config', documentFile(document), '--fleet', 'engines', '--from', '2026-03-02T10:00:00Z', '--to', '2026-03-02T10:10:00Z', '--json'],
      io,
      createAwsPorts({ region: 'us-east-1' }).cloudwatch,
    );
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out.stdout);
    // one read over lookback + span; the lookback is ceil((300 + 180) / 60) + 1 = 9 periods before 10:00
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, { StartTime: new Date(T0 - 9 * MIN), EndTime: new Date(T0 + 10 * MIN) });
    // as in the pure case: 2 -> 6 at 10:01, serving from 10:03; short 3 minutes by 100
    expect(result.replayed).toEqual({ instanceHours: 0.93, minutesShort: 3, requestMinutesShort: 300, scaleActions: 1, heldByForecast: 0 });
    expect(result.actual).toEqual({ instanceHours: 0.33, minutesShort: 10, requestMinutesShort: 1000 });
    expect(result.decisions[0]).toMatchObject({ from: 2, to: 6, reason: 'ScaleUp' });
  });

  it('--predictive runs the live forecast provider on the recorded load and names each decision\'s headroom source', async () => {
    // 100 streams a minute for weeks, on 8 Engines: the provider's queries (the one-minute and
    // five-minute load, the Engines' samples) and the scale loop's alike.
    cloudwatch.on(GetMetricDataCommand).callsFake(
      answerPerPeriod((q) => {
        const metric = q.MetricStat?.Metric?.MetricName;
        if (q.Id === 'f0_samples' || metric === 'engine_max_active_requests') return 8;
        return q.Id === 'f0_active_stream' || metric === 'engine_active_requests' ? 100 : undefined;
      }),
    );
    const argv = ['--config', documentFile(document), '--fleet', 'engines', '--from', '2026-03-02T10:00:00Z', '--to', '2026-03-02T10:10:00Z', '--predictive'];
    const text = commandIo();
    expect(await replayCommand(argv, text.io, createAwsPorts({ region: 'us-east-1' }).cloudwatch)).toBe(0);
    const json = commandIo();
    expect(await replayCommand([...argv, '--json'], json.io, createAwsPorts({ region: 'us-east-1' }).cloudwatch)).toBe(0);
    expect(text.out.stderr).toBe('');
    // the fleet history, the provider's one-minute load from 10:00 - (60 + 5) min - 3 h, and its
    // five-minute history from 10:00 - 29 days - 3 h: three reads per run
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 6);
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, { StartTime: new Date(T0 - 245 * MIN), EndTime: new Date(T0 + 10 * MIN) });
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, { StartTime: new Date(T0 - 29 * 1440 * MIN - 180 * MIN), EndTime: new Date(T0 + 10 * MIN) });
    // 8 instances for 100 streams: ceil(100 / (100 x 0.5)) = 2; the weeks of flat load forecast
    // ceil(100 / 100) = 1, and a week of past forecasts that never missed measures no headroom
    const result = JSON.parse(json.out.stdout);
    expect(result.decisions[0]).toMatchObject({ from: 8, to: 2, reason: 'ScaleDown', forecast: { source: 'WeeklyPattern', instances: 1, scaleInHold: 1, headroom: { source: 'EmpiricalResiduals', requests: 0, fraction: 0 } } });
    expect(text.out.stdout).toContain('ticks at which the forecast held off a scale-in: 0');
    expect(text.out.stdout).toMatch(/2026-03-02T10:00:00.000Z 8 -> 2 ScaleDown: .*\[forecast WeeklyPattern 1, scale-in hold 1, headroom 0 measured \(0 of the peak, \d+ past forecasts\)\]/);
  });

  it.each([
    { name: 'a span that ends before it starts', argv: ['--from', '2026-03-02T10:00:00Z', '--to', '2026-03-02T09:00:00Z'], error: /--to: must be after --from \(2026-03-02T10:00:00.000Z\) \(got 2026-03-02T09:00:00.000Z\)/ },
    { name: 'a time that is not ISO 8601', argv: ['--from', 'yesterday', '--to', '2026-03-02T09:00:00Z'], error: /--from: must be an ISO 8601 time .* \(got "yesterday"\)/ },
    { name: 'more days than CloudWatch keeps minutes', argv: ['--from', '2026-03-01T00:00:00Z', '--to', '2026-03-20T00:00:00Z'], error: /--to: at most 15 days after --from/ },
  ])('rejects $name naming the flag, the rule and the value', async ({ argv, error }) => {
    await expect(replayCommand(['--config', documentFile(document), '--fleet', 'engines', ...argv], commandIo().io, createAwsPorts({ region: 'us-east-1' }).cloudwatch)).rejects.toThrow(error);
  });

  it('rejects an unknown fleet, listing the known ones', async () => {
    const run = replayCommand(['--config', documentFile(document), '--fleet', 'nope', '--from', '2026-03-02T10:00:00Z', '--to', '2026-03-02T11:00:00Z'], commandIo().io, createAwsPorts({ region: 'us-east-1' }).cloudwatch);
    await expect(run).rejects.toThrow(FlagError);
    await expect(run).rejects.toThrow(/--fleet: must name a fleet of .* \(engines\) \(got "nope"\)/);
  });
});

describe('replay command against the simulated cloud', () => {
  it('what the fleet did is what the simulated Engines reported', async () => {
    const config = validateConfig(document, 'test');
    const traffic = syntheticTraffic({ rate: rates.ramp(20, 120, 30, 120), seed: 3 });
    const cloud = new SimCloud({ start: new Date(T0), seed: 3 });
    cloud.addAutoScalingGroup({ name: 'dg-engines', minSize: 1, maxSize: 20, desiredCapacity: 2, capacity: 100, bootMinutes: 2, tags: { [MANAGED_TAG]: 'true' }, traffic });
    const stack = simStack(cloud, simHandlerDeps(cloud, config, { telemetry: new SimTelemetry({ warningsOnly: true }) }));
    let reported = 0;
    await stack.drain(cloud.now());
    await stack.run(180, [async (now) => void (await stack.scale(now)), stack.drain], {
      onMinute: (r) => {
        // minutes 30..149 are replayed below: count the Engines that published in them
        if (r.minute >= 30 && r.minute < 150) reported += r.inService + r.draining;
      },
    });
    const { out, io } = commandIo();
    const code = await replayCommand(
      ['--config', documentFile(document), '--fleet', 'engines', '--from', new Date(T0 + 30 * MIN).toISOString(), '--to', new Date(T0 + 150 * MIN).toISOString(), '--json'],
      io,
      cloud.ports.cloudwatch,
    );
    expect(code).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.periods).toBe(120);
    expect(result.actual.instanceHours).toBeCloseTo(reported / 60, 1);
    // the same policy that ran: its replay keeps the load served as the fleet did
    expect(result.replayed.minutesShort).toBeLessThanOrEqual(result.actual.minutesShort + 5);
    expect(result.replayed.instanceHours).toBeGreaterThan(0);
  });
});
