import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InstanceLoadError, readInstanceLoad, readInstanceLoads } from '../../lib/fleet/instance-load.js';
import { queryWindow } from '../../lib/fleet/query-window.js';

const cw = mockClient(CloudWatchClient);
const noRetry = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 };
const now = new Date('2026-11-20T10:05:30Z');
const target = { type: 'asg' as const, autoScalingGroupName: 'engines-a' };
const t = (iso: string) => new Date(`2026-11-20T${iso}Z`);

beforeEach(() => cw.reset());

/** Results CloudWatch returns for queries with no datapoints in the window. */
const empty = (...ids: string[]) => ids.map((Id) => ({ Id, Timestamps: [], Values: [] }));

describe('the instance-load query window', () => {
  it('ends at the start of the still-filling period', () => {
    // 10:05:30 with 60 s periods: the 10:05 period is filling; three complete ones are 10:02-10:05
    expect(queryWindow(now, 60, 3)).toEqual({ start: t('10:02:00'), end: t('10:05:00'), periodSeconds: 60 });
  });
});

describe('readInstanceLoad', () => {
  it('queries Maximum of engine_active_requests on the instance-level dimension set, one query per kind', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await readInstanceLoad(cw as unknown as CloudWatchClient, { namespace: 'Deepgram/Engine', target, instanceIds: ['i-1'], now, periodSeconds: 60, retry: noRetry });
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const input = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.StartTime).toEqual(t('10:02:00'));
    expect(input?.EndTime).toEqual(t('10:05:00'));
    expect(input?.MetricDataQueries).toEqual(
      ['stream', 'batch', 'tts'].map((kind) => ({
        Id: `i0_${kind}`,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: 'Deepgram/Engine',
            MetricName: 'engine_active_requests',
            Dimensions: [
              { Name: 'AutoScalingGroupName', Value: 'engines-a' },
              { Name: 'InstanceId', Value: 'i-1' },
              { Name: 'kind', Value: kind },
            ],
          },
          Period: 60,
          Stat: 'Maximum',
        },
      })),
    );
  });

  it('names an EKS fleet by cluster and node group', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await readInstanceLoad(cw as unknown as CloudWatchClient, {
      namespace: 'Deepgram/Engine',
      target: { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu' },
      instanceIds: ['i-1'],
      now,
      periodSeconds: 60,
      retry: noRetry,
    });
    const dims = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions;
    expect(dims?.map((d) => d.Name)).toEqual(['ClusterName', 'NodegroupName', 'InstanceId', 'kind']);
  });

  it('takes the latest datapoint of each kind, adds the kinds, and leaves a silent instance unknown', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'i0_stream', Timestamps: [t('10:04:00'), t('10:03:00')], Values: [12, 30] },
        { Id: 'i0_batch', Timestamps: [t('10:04:00')], Values: [2] },
        { Id: 'i0_tts', Timestamps: [], Values: [] },
        { Id: 'i1_stream', Timestamps: [], Values: [] },
        { Id: 'i1_batch', Timestamps: [], Values: [] },
        { Id: 'i1_tts', Timestamps: [], Values: [] },
      ],
    });
    const loads = await readInstanceLoad(cw as unknown as CloudWatchClient, { namespace: 'N', target, instanceIds: ['i-busy', 'i-silent'], now, periodSeconds: 60, retry: noRetry });
    // 12 streams + 2 batch at 10:04; the 10:03 value of 30 is older
    expect(loads.get('i-busy')).toEqual({ activeStreams: 12, activeRequests: 14, at: t('10:04:00') });
    expect(loads.get('i-silent')).toEqual({});
  });

  it('dates the load from the oldest kind it added up', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'i0_stream', Timestamps: [t('10:04:00')], Values: [0] },
        { Id: 'i0_batch', Timestamps: [t('10:02:00')], Values: [1] },
        { Id: 'i0_tts', Timestamps: [], Values: [] },
      ],
    });
    const loads = await readInstanceLoad(cw as unknown as CloudWatchClient, { namespace: 'N', target, instanceIds: ['i-1'], now, periodSeconds: 60, retry: noRetry });
    expect(loads.get('i-1')).toEqual({ activeStreams: 0, activeRequests: 1, at: t('10:02:00') });
  });

  // Found by the fault suite (test/faults): a partial answer without the stream kind read
  // as zero streams, and the drain released an instance that still served three.
  it('leaves an instance unknown when the answer leaves out one of its kinds', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'i0_batch', Timestamps: [t('10:04:00')], Values: [0] },
        { Id: 'i0_tts', Timestamps: [t('10:04:00')], Values: [0] },
        { Id: 'i1_stream', Timestamps: [t('10:04:00')], Values: [3] },
        { Id: 'i1_batch', Timestamps: [], Values: [] },
        { Id: 'i1_tts', Timestamps: [], Values: [] },
      ],
    });
    const loads = await readInstanceLoad(cw as unknown as CloudWatchClient, { namespace: 'N', target, instanceIds: ['i-partial', 'i-whole'], now, periodSeconds: 60, retry: noRetry });
    expect(loads.get('i-partial')).toEqual({});
    expect(loads.get('i-whole')).toEqual({ activeStreams: 3, activeRequests: 3, at: t('10:04:00') });
  });

  it('follows NextToken and keeps the newest datapoint across pages', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'i0_stream', Timestamps: [t('10:03:00')], Values: [9] }], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'i0_stream', Timestamps: [t('10:04:00')], Values: [4] }, ...empty('i0_batch', 'i0_tts')] });
    const loads = await readInstanceLoad(cw as unknown as CloudWatchClient, { namespace: 'N', target, instanceIds: ['i-1'], now, periodSeconds: 60, retry: noRetry });
    expect(cw.commandCalls(GetMetricDataCommand)[1]?.args[0].input.NextToken).toBe('page-2');
    expect(loads.get('i-1')?.activeStreams).toBe(4);
  });

  it('splits into calls of at most 500 queries: 200 instances x 3 kinds = 600 queries = 2 calls', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const instanceIds = Array.from({ length: 200 }, (_, i) => `i-${i}`);
    const loads = await readInstanceLoad(cw as unknown as CloudWatchClient, { namespace: 'N', target, instanceIds, now, periodSeconds: 60, retry: noRetry });
    const sizes = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries?.length);
    expect(sizes).toEqual([500, 100]);
    expect(loads.size).toBe(200);
  });

  it('reads instances of several fleets in one call, each under its own fleet dimensions', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'i1_stream', Timestamps: [t('10:04:00')], Values: [6] }, ...empty('i0_stream', 'i0_batch', 'i0_tts', 'i1_batch', 'i1_tts')] });
    const loads = await readInstanceLoads(cw as unknown as CloudWatchClient, {
      namespace: 'N',
      now,
      periodSeconds: 60,
      retry: noRetry,
      requests: [
        { target, instanceIds: ['i-a'] },
        { target: { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu' }, instanceIds: ['i-b'] },
      ],
    });
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const queries = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? [];
    // 2 instances x 3 kinds
    expect(queries.map((q) => `${q.Id} ${q.MetricStat?.Metric?.Dimensions?.map((d) => d.Value).join('/')}`)).toEqual([
      'i0_stream engines-a/i-a/stream',
      'i0_batch engines-a/i-a/batch',
      'i0_tts engines-a/i-a/tts',
      'i1_stream speech/gpu/i-b/stream',
      'i1_batch speech/gpu/i-b/batch',
      'i1_tts speech/gpu/i-b/tts',
    ]);
    expect(loads.get('i-b')).toEqual({ activeStreams: 6, activeRequests: 6, at: t('10:04:00') });
    expect(loads.get('i-a')).toEqual({});
  });

  it('makes no call for no instances', async () => {
    const loads = await readInstanceLoad(cw as unknown as CloudWatchClient, { namespace: 'N', target, instanceIds: [], now, periodSeconds: 60, retry: noRetry });
    expect(loads.size).toBe(0);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });

  it('retries throttling, then fails with an InstanceLoadError carrying the cause', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    cw.on(GetMetricDataCommand).rejects(throttled);
    const retry = { ...noRetry, attempts: 3 };
    const outcome = readInstanceLoad(cw as unknown as CloudWatchClient, { namespace: 'N', target, instanceIds: ['i-1'], now, periodSeconds: 60, retry });
    await expect(outcome).rejects.toBeInstanceOf(InstanceLoadError);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
  });
});
