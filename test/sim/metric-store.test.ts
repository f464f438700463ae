import { describe, expect, it } from 'vitest';
import { MetricStore } from '../../sim/metric-store.js';

describe('MetricStore.find', () => {
  const store = new MetricStore();
  const fleet = store.seriesFor('Deepgram/Engine', 'engine_active_requests', { AutoScalingGroupName: 'gpu', kind: 'stream' });
  const instance = store.seriesFor('Deepgram/Engine', 'engine_active_requests', { InstanceId: 'i-1', AutoScalingGroupName: 'gpu', kind: 'stream' });
  const bare = store.seriesFor('Deepgram/Engine', 'engine_active_requests', {});

  it.each<[string, string, Array<{ Name?: string; Value?: string }>, unknown]>([
    ['the exact set, in name order', 'engine_active_requests', [{ Name: 'AutoScalingGroupName', Value: 'gpu' }, { Name: 'kind', Value: 'stream' }], fleet],
    ['the exact set, in any order', 'engine_active_requests', [{ Name: 'kind', Value: 'stream' }, { Name: 'InstanceId', Value: 'i-1' }, { Name: 'AutoScalingGroupName', Value: 'gpu' }], instance],
    ['no dimensions: the series published without any', 'engine_active_requests', [], bare],
    ['a subset of a published set', 'engine_active_requests', [{ Name: 'kind', Value: 'stream' }], undefined],
    ['a superset of a published set', 'engine_active_requests', [{ Name: 'AutoScalingGroupName', Value: 'gpu' }, { Name: 'kind', Value: 'stream' }, { Name: 'zone', Value: 'a' }], undefined],
    ['another value', 'engine_active_requests', [{ Name: 'AutoScalingGroupName', Value: 'gpu' }, { Name: 'kind', Value: 'batch' }], undefined],
    ['a repeated name', 'engine_active_requests', [{ Name: 'AutoScalingGroupName', Value: 'gpu' }, { Name: 'kind', Value: 'stream' }, { Name: 'kind', Value: 'batch' }], undefined],
    ['a name without a value (only ListMetrics filters on that)', 'engine_active_requests', [{ Name: 'AutoScalingGroupName', Value: 'gpu' }, { Name: 'kind' }], undefined],
    ['another metric with the same dimensions', 'engine_max_active_requests', [{ Name: 'AutoScalingGroupName', Value: 'gpu' }, { Name: 'kind', Value: 'stream' }], undefined],
  ])('finds for %s', (_name, metric, dimensions, expected) => {
    expect(store.find('Deepgram/Engine', metric, dimensions)).toBe(expected);
  });

  it('creates a series once per dimension set, whatever the order it is given in, and lists in creation order', () => {
    expect(store.seriesFor('Deepgram/Engine', 'engine_active_requests', { kind: 'stream', AutoScalingGroupName: 'gpu' })).toBe(fleet);
    expect([...store.all()]).toEqual([fleet, instance, bare]);
    expect(instance.dimensions.map((d) => d.Name)).toEqual(['AutoScalingGroupName', 'InstanceId', 'kind']);
  });
});

describe('Series.accumulate', () => {
  const sum = (series: ReturnType<MetricStore['seriesFor']>, from: number, to: number) => {
    const stats = { sum: 0, count: 0, min: 0, max: 0 };
    return series.accumulate(from, to, stats) ? stats.sum : undefined;
  };

  it('reads what was added since an earlier read, in the chunk read before and in one created after', () => {
    const series = new MetricStore().seriesFor('N', 'm', {});
    series.add(10, 1);
    series.add(540, 4);
    expect(sum(series, 0, 256)).toBe(1);
    // the same 256-minute chunk, written after the read: 1 + 2
    series.add(10, 2);
    expect(sum(series, 0, 256)).toBe(3);
    // the chunk between: nothing yet, then a datapoint
    expect(sum(series, 256, 512)).toBeUndefined();
    series.add(300, 5);
    expect(sum(series, 256, 512)).toBe(5);
    // all three chunks at once: 3 + 5 + 4
    expect(sum(series, 0, 768)).toBe(12);
  });

  // minute 10: 3 then 7 (sum 10, count 2, min 3, max 7); minute 20: 4; minute 600 (a later chunk): 1
  const samples = (): ReturnType<MetricStore['seriesFor']> => {
    const series = new MetricStore().seriesFor('N', 'm', {});
    series.add(10, 3);
    series.add(10, 7);
    series.add(20, 4);
    series.add(600, 1);
    return series;
  };

  it.each([
    { name: 'a minute with two samples', minute: 10, expected: { sum: 10, count: 2, min: 3, max: 7 } },
    { name: 'a minute with one sample', minute: 20, expected: { sum: 4, count: 1, min: 4, max: 4 } },
    { name: 'an empty minute between two with data', minute: 15, expected: undefined },
    { name: 'a minute in a chunk with no data at all', minute: 300, expected: undefined },
    { name: 'before the first datapoint', minute: 5, expected: undefined },
    { name: 'after the last datapoint', minute: 601, expected: undefined },
    { name: 'the last datapoint, in its own chunk', minute: 600, expected: { sum: 1, count: 1, min: 1, max: 1 } },
  ])('one minute: $name', ({ minute, expected }) => {
    const stats = { sum: 0, count: 0, min: 0, max: 0 };
    const found = samples().accumulate(minute, minute + 1, stats);
    expect(found ? stats : undefined).toEqual(expected);
  });

  it.each([
    { name: 'every minute, across chunks', from: 0, to: 700, minutes: [10, 20, 600] },
    { name: 'from a minute with data, to the one before another', from: 10, to: 600, minutes: [10, 20] },
    { name: 'only empty minutes', from: 11, to: 20, minutes: [] },
    { name: 'after the last datapoint', from: 601, to: 700, minutes: [] },
  ])('forEachMinute, $name: the minutes with data, each with what accumulate gives for it alone', ({ from, to, minutes }) => {
    const series = samples();
    const visited: Array<[number, unknown]> = [];
    const stats = { sum: 0, count: 0, min: 0, max: 0 };
    series.forEachMinute(from, to, stats, (minute) => visited.push([minute, { ...stats }]));
    expect(visited).toEqual(
      minutes.map((minute) => {
        const alone = { sum: 0, count: 0, min: 0, max: 0 };
        series.accumulate(minute, minute + 1, alone);
        return [minute, alone];
      }),
    );
  });
});
