import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { drainHistoryCommand } from '../../cli/commands/drain-history.js';
import { FlagError } from '../../cli/flags.js';
import { commandIo, documentFile } from '../cli/command-io.js';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { summarizeDrainHistory, type DrainDay } from '../../lib/drain/history.js';
import { INCOMPLETE_ANSWERS, incompletePage } from '../incomplete-answers.js';

const cloudwatch = mockClient(CloudWatchClient);
const DAY1 = new Date('2026-03-02T00:00:00Z');
const DAY2 = new Date('2026-03-03T00:00:00Z');

function day(at: Date, d: Partial<DrainDay> & { within?: Record<number, number> }): DrainDay {
  return { at, releases: 0, emptied: 0, streamsCut: 0, ...d, percentWithin: new Map(Object.entries(d.within ?? {}).map(([k, v]) => [Number(k), v])) };
}

describe('summarizeDrainHistory', () => {
  it.each([
    { name: 'no drains: nothing to size from', days: [], grace: 3600, safe: undefined, verdict: /no drain in the span/ },
    // longest 42 min 10 s -> 43 min
    { name: 'no stream cut: the longest time to empty, rounded up to a minute', days: [day(DAY1, { releases: 10, emptied: 10, longestToEmptySeconds: 2530 }), day(DAY2, { releases: 5, emptied: 5, longestToEmptySeconds: 1200 })], grace: 3600, safe: 43, verdict: /every drain emptied within 43 min/ },
    { name: 'no stream cut but a drain ran past a shorter grace: raise it', days: [day(DAY1, { releases: 2, emptied: 2, longestToEmptySeconds: 5000 })], grace: 3600, safe: 84, verdict: /not so: raise it/ },
    { name: 'streams cut: the length those drains needed is unknown', days: [day(DAY1, { releases: 10, emptied: 8, longestToEmptySeconds: 3000, streamsCut: 3 })], grace: 3600, safe: undefined, verdict: /2 drain\(s\) reached the 60-min grace and cut 3 stream\(s\)/ },
    { name: 'released at the deadline with nothing left: still safe', days: [day(DAY1, { releases: 4, emptied: 3, longestToEmptySeconds: 600 })], grace: 3600, safe: 10, verdict: /1 released at the deadline with no stream left/ },
  ])('$name', ({ days, grace, safe, verdict }) => {
    const history = summarizeDrainHistory(days, grace);
    expect(history.shortestSafeGraceMinutes).toBe(safe);
    expect(history.verdict).toMatch(verdict);
  });

  it('adds the days up exactly: a day\'s percentile rank times its drains', () => {
    // day 1: 50 % of 10 within 10 min = 5; day 2: 100 % of 4 = 4 -> 9 of 14 releases
    const history = summarizeDrainHistory([day(DAY1, { releases: 10, emptied: 10, longestToEmptySeconds: 1800, within: { 10: 50 } }), day(DAY2, { releases: 4, emptied: 4, longestToEmptySeconds: 500, within: { 10: 100 } })], 3600);
    expect(history.within.find((w) => w.graceMinutes === 10)).toEqual({ graceMinutes: 10, drains: 9, shareOfReleases: 9 / 14 });
    expect(history).toMatchObject({ releases: 14, emptied: 14, forced: 0, longestToEmptySeconds: 1800 });
  });
});

const document = {
  version: 1,
  fleets: [{ name: 'engines', target: { type: 'asg', autoScalingGroupName: 'dg-engines' }, kinds: { stream: { capacity: 100 } }, minInstances: 1, maxInstances: 20, drain: { gracePeriodSeconds: 3600 } }],
};

const port = () => createAwsPorts({ region: 'us-east-1' }).cloudwatch;

describe('drain-history command against CloudWatch (aws-sdk-client-mock)', () => {
  beforeEach(() => cloudwatch.reset());

  it('reads the drain metrics per day in one call and prints the distribution and the shortest safe grace', async () => {
    // two days: 20 and 10 drains, all emptied, none cut; the longest 47.5 min
    const answers: Record<string, [number, number]> = { releases: [20, 10], emptied: [20, 10], longest: [2850, 1500], cut: [0, 0], within30: [70, 90], within60: [100, 100] };
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const values = answers[q.Id ?? ''];
        return { Id: q.Id, Timestamps: values ? [DAY1, DAY2] : [], Values: values ?? [], StatusCode: 'Complete' };
      }),
    }));
    const { out, io } = commandIo();
    const code = await drainHistoryCommand(['--config', documentFile(document), '--fleet', 'engines', '--from', '2026-03-02T06:00:00Z', '--to', '2026-03-03T18:00:00Z'], io, port());
    expect(code).toBe(0);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    // whole days from midnight UTC
    expect(input.StartTime).toEqual(DAY1);
    expect(input.EndTime).toEqual(new Date('2026-03-04T00:00:00Z'));
    const byId = new Map((input.MetricDataQueries ?? []).map((q) => [q.Id, q.MetricStat]));
    expect(byId.get('emptied')).toEqual({
      Metric: { Namespace: 'GpuFleetScaler', MetricName: 'DrainSecondsToEmpty', Dimensions: [{ Name: 'Fleet', Value: 'engines' }, { Name: 'service', Value: 'gpu-fleet-scaler' }] },
      Period: 86_400,
      Stat: 'SampleCount',
    });
    expect(byId.get('within60')?.Stat).toBe('PR(:3600)');
    expect(byId.get('cut')).toMatchObject({ Stat: 'Sum', Metric: { MetricName: 'StreamsCutAtGrace' } });
    // 70 % of 20 + 90 % of 10 = 23 of 30 within 30 min
    expect(out.stdout).toMatch(/^\s+30\s+23\s+76\.67 %$/m);
    expect(out.stdout).toContain('drains released      30: 30 emptied, 0 at the grace deadline; streams cut 0');
    expect(out.stdout).toContain('shortest safe grace  48 min');
  });

  it('says the safe grace is unknown when drains cut streams (--json)', async () => {
    const answers: Record<string, number[]> = { releases: [12], emptied: [10], longest: [3400], cut: [4] };
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({ Id: q.Id, Timestamps: answers[q.Id ?? ''] ? [DAY1] : [], Values: answers[q.Id ?? ''] ?? [], StatusCode: 'Complete' })),
    }));
    const { out, io } = commandIo();
    expect(await drainHistoryCommand(['--config', documentFile(document), '--fleet', 'engines', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-03T00:00:00Z', '--json'], io, port())).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(json).toMatchObject({ fleet: 'engines', gracePeriodSeconds: 3600, releases: 12, emptied: 10, forced: 2, streamsCut: 4 });
    expect(json.shortestSafeGraceMinutes).toBeUndefined();
    expect(json.verdict).toMatch(/2 drain\(s\) reached the 60-min grace and cut 4 stream\(s\)/);
  });

  it('a failed read exits 1 naming the fleet and the cause, and prints no figures', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('User is not authorized to perform cloudwatch:GetMetricData'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const { out, io } = commandIo();
    expect(await drainHistoryCommand(['--config', documentFile(document), '--fleet', 'engines', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-03T00:00:00Z'], io, port())).toBe(1);
    expect(out.stderr).toMatch(/drain history of fleet engines .*AccessDenied/);
    expect(out.stdout).toBe('');
  });

  // Read as it came, the day without its cut streams would say "no stream cut" and size a grace that cuts.
  it.each(INCOMPLETE_ANSWERS)('a query answered $name exits 1 naming it, and prints no figures', async (how) => {
    const answers: Record<string, number[]> = { releases: [12], emptied: [10], longest: [3400] };
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) =>
      incompletePage(
        (input.MetricDataQueries ?? []).map((q) => ({ Id: q.Id, Timestamps: answers[q.Id ?? ''] ? [DAY1] : [], Values: answers[q.Id ?? ''] ?? [], StatusCode: 'Complete' })),
        'cut',
        how,
        input.NextToken,
      ),
    );
    const { out, io } = commandIo();
    expect(await drainHistoryCommand(['--config', documentFile(document), '--fleet', 'engines', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-03T00:00:00Z'], io, port())).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`drain history of fleet engines whole: cut ${how.statusCode}`));
    expect(out.stdout).toBe('');
  });

  it.each([
    { name: 'an unknown fleet', argv: ['--fleet', 'nope', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-03T00:00:00Z'], error: /--fleet: must name a fleet of .* \(engines\) \(got "nope"\)/ },
    { name: '--to before --from', argv: ['--fleet', 'engines', '--from', '2026-03-03T00:00:00Z', '--to', '2026-03-02T00:00:00Z'], error: /--to: must be after --from/ },
    { name: 'a span beyond hourly retention', argv: ['--fleet', 'engines', '--from', '2024-01-01T00:00:00Z', '--to', '2026-03-02T00:00:00Z'], error: /--to: at most 455 days after --from/ },
  ])('refuses $name by flag, rule and value, and reads nothing', async ({ argv, error }) => {
    const { io } = commandIo();
    await expect(drainHistoryCommand(['--config', documentFile(document), ...argv], io, port())).rejects.toThrow(FlagError);
    await expect(drainHistoryCommand(['--config', documentFile(document), ...argv], io, port())).rejects.toThrow(error);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });
});
