import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InstanceLoadError, readInstanceLoad, readInstanceLoads } from '../../lib/fleet/instance-load.js';
import { queryWindow } from '../../lib/fleet/read-signals.js';
import type { IncompleteQuery } from '../../lib/aws/metric-data.js';
import { INCOMPLETE_ANSWERS, incompletePage, namedMessages } from '../incomplete-answers.js';

const cw = mockClient(CloudWatchClient);
const noRetry = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 };
const now = new Date('2026-11-20T10:05:30Z');
const target = { type: 'asg' as const, autoScalingGroupName: 'engines-a' };
const t = (iso: string) => new Date(`2026-11-20T${iso}Z`);
const client = cw as unknown as CloudWatchClient;

/** ListMetrics answers these instance-level (instance, kind) series. */
function listed(...series: Array<[string, string]>) {
  cw.on(ListMetricsCommand).resolves({
    Metrics: series.map(([instance, kind]) => ({
      Namespace: 'N',
      MetricName: 'engine_active_requests',
      Dimensions: [
        { Name: 'AutoScalingGroupName', Value: 'engines-a' },
        { Name: 'InstanceId', Value: instance },
        { Name: 'kind', Value: kind },
      ],
    })),
  });
}

/** Every query of instance index `i` answered: kinds with the given points, the heartbeat at `heartbeat`. */
function instanceAnswer(i: number, kinds: Partial<Record<'stream' | 'batch' | 'tts', Array<[string, number]>>>, heartbeat: string[]): MetricDataResult[] {
  return [
    ...(['stream', 'batch', 'tts'] as const).map((kind) => ({ Id: `i${i}_${kind}`, Timestamps: (kinds[kind] ?? []).map(([at]) => t(at)), Values: (kinds[kind] ?? []).map(([, v]) => v), StatusCode: 'Complete' as const })),
    { Id: `i${i}_heartbeat`, Timestamps: heartbeat.map(t), Values: heartbeat.map(() => 1), StatusCode: 'Complete' as const },
  ];
}

/** readInstanceLoad of instance i-1 of engines-a at `now`, 60 s periods, no retry; `options` replace any of them. */
function read(options: Partial<Parameters<typeof readInstanceLoad>[1]> = {}) {
  return readInstanceLoad(client, { namespace: 'N', target, instanceIds: ['i-1'], now, periodSeconds: 60, retry: noRetry, ...options });
}

beforeEach(() => {
  cw.reset();
  listed();
});

describe('the instance-load query window', () => {
  it('ends at the start of the still-filling period, and outlasts the ListMetrics lag', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await read();
    const input = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    // 10:05:30 with 60 s periods: the 10:05 period is filling; ceil(900 / 60) + 1 = 16 complete ones before it.
    expect({ start: input?.StartTime, end: input?.EndTime }).toEqual({ start: t('09:49:00'), end: t('10:05:00') });
    expect(queryWindow(now, 60, 16)).toMatchObject({ start: t('09:49:00'), end: t('10:05:00') });
  });
});

describe('readInstanceLoad', () => {
  it('queries Maximum of each kind and the SampleCount of the Engine limit on the instance-level dimension sets, after one ListMetrics walk', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await read({ namespace: 'Deepgram/Engine' });
    expect(cw).toHaveReceivedCommandWith(ListMetricsCommand, { Namespace: 'Deepgram/Engine', MetricName: 'engine_active_requests', Dimensions: [{ Name: 'InstanceId' }], RecentlyActive: 'PT3H' });
    const queries = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? [];
    expect(queries.map((q) => `${q.Id} ${q.MetricStat?.Metric?.MetricName} ${q.MetricStat?.Metric?.Dimensions?.map((d) => `${d.Name}=${d.Value}`).join(',')} ${q.MetricStat?.Stat}`)).toEqual([
      'i0_stream engine_active_requests AutoScalingGroupName=engines-a,InstanceId=i-1,kind=stream Maximum',
      'i0_batch engine_active_requests AutoScalingGroupName=engines-a,InstanceId=i-1,kind=batch Maximum',
      'i0_tts engine_active_requests AutoScalingGroupName=engines-a,InstanceId=i-1,kind=tts Maximum',
      'i0_heartbeat engine_max_active_requests AutoScalingGroupName=engines-a,InstanceId=i-1 SampleCount',
    ]);
  });

  it('names an EKS fleet by cluster and node group', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await read({ target: { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu' } });
    const dims = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions;
    expect(dims?.map((d) => d.Name)).toEqual(['ClusterName', 'NodegroupName', 'InstanceId', 'kind']);
  });

  // Issue 13, fault 4: a configured kind without datapoints was read as zero requests, and
  // the drain released an instance 330 s into a 3600 s grace.
  it.each([
    {
      name: 'stream and batch in the newest period, tts never requested (no series): whole, tts zero',
      listing: [['i-1', 'stream'], ['i-1', 'batch']] as Array<[string, string]>,
      answer: instanceAnswer(0, { stream: [['10:04:00', 12], ['10:03:00', 30]], batch: [['10:04:00', 2]] }, ['10:04:00', '10:03:00']),
      // 12 streams + 2 batch at 10:04; the 10:03 value of 30 is older
      expected: { activeStreams: 12, activeRequests: 14, at: t('10:04:00'), neverRequested: ['tts'] },
    },
    {
      name: 'a fresh Engine, no kind ever requested, its limit reported: whole, zero',
      listing: [],
      answer: instanceAnswer(0, {}, ['10:04:00']),
      expected: { activeStreams: 0, activeRequests: 0, at: t('10:04:00'), neverRequested: ['stream', 'batch', 'tts'] },
    },
    {
      name: 'batch listed but without datapoints: unknown, never zero',
      listing: [['i-1', 'stream'], ['i-1', 'batch']] as Array<[string, string]>,
      answer: instanceAnswer(0, { stream: [['10:04:00', 0]] }, ['10:04:00']),
      expected: {},
    },
    {
      name: 'batch seen earlier in the window, not yet listed (ListMetrics lag), silent now: unknown',
      listing: [['i-1', 'stream']] as Array<[string, string]>,
      answer: instanceAnswer(0, { stream: [['10:04:00', 0], ['09:55:00', 1]], batch: [['09:55:00', 1]] }, ['10:04:00', '09:55:00']),
      // 09:55 has both kinds: that period is the newest whole one.
      expected: { activeStreams: 1, activeRequests: 2, at: t('09:55:00'), neverRequested: ['tts'] },
    },
    {
      name: 'kinds from different periods are never added up: the newest period with all of them counts',
      listing: [['i-1', 'stream'], ['i-1', 'batch']] as Array<[string, string]>,
      answer: instanceAnswer(0, { stream: [['10:04:00', 0], ['10:02:00', 4]], batch: [['10:02:00', 1]] }, ['10:04:00', '10:02:00']),
      expected: { activeStreams: 4, activeRequests: 5, at: t('10:02:00'), neverRequested: ['tts'] },
    },
    {
      name: 'a silent instance (nothing at all): unknown',
      listing: [],
      answer: instanceAnswer(0, {}, []),
      expected: {},
    },
  ])('$name', async ({ listing, answer, expected }) => {
    listed(...listing);
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: answer });
    const loads = await read();
    expect(loads.get('i-1')).toEqual(expected);
  });

  it('with the listing unreadable, every kind counts as existing: a kind without datapoints holds', async () => {
    cw.on(ListMetricsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: instanceAnswer(0, { stream: [['10:04:00', 0]] }, ['10:04:00']) });
    const errors: string[] = [];
    const loads = await readInstanceLoads(client, { namespace: 'N', requests: [{ target, instanceIds: ['i-1'] }], now, periodSeconds: 60, retry: noRetry, onListingError: (e) => errors.push(e) });
    expect(loads.get('i-1')).toEqual({});
    expect(errors).toEqual([expect.stringMatching(/denied/)]);
  });

  it('takes the listing it is given instead of walking again', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: instanceAnswer(0, { stream: [['10:04:00', 3]] }, ['10:04:00']) });
    const loads = await read({ presence: new Map([['i-1', new Set(['stream' as const])]]) });
    expect(cw).toHaveReceivedCommandTimes(ListMetricsCommand, 0);
    expect(loads.get('i-1')).toEqual({ activeStreams: 3, activeRequests: 3, at: t('10:04:00'), neverRequested: ['batch', 'tts'] });
  });

  // Found by the fault suite (test/faults): a partial answer without the stream kind read
  // as zero streams, and the drain released an instance that still served three.
  it('leaves an instance unknown when the answer leaves out one of its queries', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [...instanceAnswer(0, { batch: [['10:04:00', 0]], tts: [['10:04:00', 0]] }, ['10:04:00']).filter((r) => r.Id !== 'i0_stream'), ...instanceAnswer(1, { stream: [['10:04:00', 3]] }, ['10:04:00'])],
    });
    const loads = await read({ instanceIds: ['i-partial', 'i-whole'] });
    expect(loads.get('i-partial')).toEqual({});
    expect(loads.get('i-whole')).toMatchObject({ activeStreams: 3, activeRequests: 3, at: t('10:04:00') });
  });

  // Unlisted, with a heartbeat, a failed stream query read as never requested: zero streams.
  it.each(INCOMPLETE_ANSWERS)('a stream query answered $name leaves its instance unknown, never zero, and is heard of', async (how) => {
    const whole = [...instanceAnswer(0, {}, ['10:04:00']), ...instanceAnswer(1, { stream: [['10:04:00', 3]] }, ['10:04:00'])];
    cw.on(GetMetricDataCommand).callsFake((input: { NextToken?: string }) => incompletePage(whole, 'i0_stream', how, input.NextToken));
    const heard: IncompleteQuery[][] = [];

    const loads = await readInstanceLoads(client, { namespace: 'N', requests: [{ target, instanceIds: ['i-failed', 'i-whole'] }], now, periodSeconds: 60, retry: noRetry, onIncomplete: (q) => heard.push(q) });

    expect(loads.get('i-failed')).toEqual({});
    expect(loads.get('i-whole')).toMatchObject({ activeStreams: 3, activeRequests: 3, at: t('10:04:00') });
    expect(heard).toEqual([[{ id: 'i0_stream', statusCode: how.statusCode, messages: namedMessages(how.messages) }]]);
  });

  it('follows NextToken and merges one query datapoints across pages', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'i0_stream', Timestamps: [t('10:03:00')], Values: [9], StatusCode: 'PartialData' }], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: instanceAnswer(0, { stream: [['10:04:00', 4]] }, ['10:04:00', '10:03:00']) });
    const loads = await read();
    expect(cw.commandCalls(GetMetricDataCommand)[1]?.args[0].input.NextToken).toBe('page-2');
    expect(loads.get('i-1')?.activeStreams).toBe(4);
  });

  it('splits into calls of at most 500 queries: 200 instances x (3 kinds + heartbeat) = 800 queries = 2 calls', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const instanceIds = Array.from({ length: 200 }, (_, i) => `i-${i}`);
    const loads = await read({ instanceIds });
    const sizes = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries?.length);
    expect(sizes).toEqual([500, 300]);
    expect(loads.size).toBe(200);
  });

  it('reads instances of several fleets in one call, each under its own fleet dimensions', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [...instanceAnswer(0, {}, []), ...instanceAnswer(1, { stream: [['10:04:00', 6]] }, ['10:04:00'])] });
    const loads = await readInstanceLoads(client, {
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
    expect(queries.map((q) => `${q.Id} ${q.MetricStat?.Metric?.Dimensions?.map((d) => d.Value).join('/')}`)).toEqual([
      'i0_stream engines-a/i-a/stream',
      'i0_batch engines-a/i-a/batch',
      'i0_tts engines-a/i-a/tts',
      'i0_heartbeat engines-a/i-a',
      'i1_stream speech/gpu/i-b/stream',
      'i1_batch speech/gpu/i-b/batch',
      'i1_tts speech/gpu/i-b/tts',
      'i1_heartbeat speech/gpu/i-b',
    ]);
    expect(loads.get('i-b')).toMatchObject({ activeStreams: 6, activeRequests: 6, at: t('10:04:00') });
    expect(loads.get('i-a')).toEqual({});
  });

  it('makes no call for no instances', async () => {
    const loads = await read({ instanceIds: [] });
    expect(loads.size).toBe(0);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
    expect(cw).toHaveReceivedCommandTimes(ListMetricsCommand, 0);
  });

  it('retries throttling, then fails with an InstanceLoadError carrying the cause', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    cw.on(GetMetricDataCommand).rejects(throttled);
    const retry = { ...noRetry, attempts: 3 };
    const outcome = read({ retry });
    await expect(outcome).rejects.toBeInstanceOf(InstanceLoadError);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
  });
});
