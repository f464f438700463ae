import { describe, expect, it } from 'vitest';
import { instancesForBacklog } from '../../lib/config/backlog.js';
import { ConfigError, validateConfig } from '../../lib/config/load.js';

const fleet = { name: 'batch', target: { type: 'asg', autoScalingGroupName: 'g' }, kinds: { batch: { capacity: 8 } }, minInstances: 1, maxInstances: 10 };
const queue = { metric: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'transcripts' } }, requestsPerInstancePerMinute: 30, clearWithinSeconds: 600 };

function problemsOf(patch: Record<string, unknown>) {
  try {
    validateConfig({ version: 1, fleets: [{ ...fleet, ...patch }] }, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('signals in the fleet document', () => {
  it.each([
    {
      name: 'minInstances 0 without a backlog: nothing could wake the fleet',
      patch: { minInstances: 0 },
      field: 'fleets[0].minInstances',
      rule: /at least 1 unless the fleet declares a backlog.*no Engine publishes/,
      value: 0,
    },
    { name: 'a backlog that clears within less than a minute', patch: { backlog: { ...queue, clearWithinSeconds: 30 } }, field: 'fleets[0].backlog.clearWithinSeconds', rule: /must be at least 60$/, value: 30 },
    { name: 'a backlog cleared at no rate', patch: { backlog: { ...queue, requestsPerInstancePerMinute: 0 } }, field: 'fleets[0].backlog.requestsPerInstancePerMinute', rule: /at least 0.001/, value: 0 },
    { name: 'a backlog statistic CloudWatch has not', patch: { backlog: { ...queue, metric: { ...queue.metric, statistic: 'p99' } } }, field: 'fleets[0].backlog.metric.statistic', rule: /./, value: 'p99' },
    { name: 'a backlog namespace with a control character', patch: { backlog: { ...queue, metric: { ...queue.metric, namespace: 'AWS/\nSQS' } } }, field: 'fleets[0].backlog.metric.namespace', rule: /printable ASCII/, value: 'AWS/\nSQS' },
    {
      name: 'a capacity above the Engines own limit',
      patch: { engineMaxActiveRequests: 6 },
      field: 'fleets[0].kinds.batch.capacity',
      rule: /at most engineMaxActiveRequests \(6\).*429|turn away/,
      value: 8,
    },
    {
      name: 'an engine fallback above the Engines own limit',
      patch: { kinds: { stream: { capacity: 'engine', fallbackCapacity: 200 } }, engineMaxActiveRequests: 150 },
      field: 'fleets[0].kinds.stream.fallbackCapacity',
      rule: /at most engineMaxActiveRequests \(150\)/,
      value: 200,
    },
  ])('$name: names the field, the rule and the value', ({ patch, field, rule, value }) => {
    const problems = problemsOf(patch);
    const problem = problems.find((p) => p.field === field);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem?.rule).toMatch(rule);
    expect(problem?.value).toEqual(value);
  });

  it.each([
    { name: 'minInstances 0 with a backlog to wake it', patch: { minInstances: 0, backlog: queue } },
    { name: 'an Engine limit of 0 means none', patch: { engineMaxActiveRequests: 0 } },
    { name: 'a capacity at the Engines limit', patch: { engineMaxActiveRequests: 8 } },
  ])('accepts $name', ({ patch }) => {
    expect(problemsOf(patch)).toEqual([]);
  });

  it('fills the backlog defaults: Maximum of a depth, missing data holds', () => {
    const config = validateConfig({ version: 1, fleets: [{ ...fleet, backlog: queue }] }, 'test');
    expect(config.fleets[0]?.backlog).toMatchObject({ whenMissing: 'hold', metric: { statistic: 'Maximum' } });
  });

  it.each([
    // 30 per minute for 10 minutes: one instance clears 300 within the target.
    { name: 'empty', backlog: 0, expected: 0 },
    { name: 'one request', backlog: 1, expected: 1 },
    { name: 'exactly one instance worth', backlog: 300, expected: 1 },
    { name: 'one over', backlog: 301, expected: 2 },
    { name: '3000 waiting: 3000 / 300', backlog: 3000, expected: 10 },
  ])('a backlog of $name needs $expected instance(s)', ({ backlog, expected }) => {
    expect(instancesForBacklog(backlog, { requestsPerInstancePerMinute: 30, clearWithinSeconds: 600 })).toBe(expected);
  });
});
