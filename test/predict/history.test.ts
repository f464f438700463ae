import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { IncompleteQuery } from '../../lib/aws/metric-data.js';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { loadQueries, readLoads } from '../../lib/predict/history.js';
import { validateConfig } from '../../lib/config/load.js';
import { asgFleet, fleetDocument } from '../fleet-document.js';
import { INCOMPLETE_ANSWERS, incompletePage, namedMessages } from '../incomplete-answers.js';

const cloudwatch = mockClient(CloudWatchClient);
const port = createAwsPorts({ region: 'us-east-1' }).cloudwatch;
const START = new Date('2026-03-09T10:00:00Z');
const END = new Date('2026-03-09T10:05:00Z');
const config = validateConfig(fleetDocument([asgFleet('a', 'dg-a')]), 'test');
const queries = loadQueries(config, config.fleets[0]!, 'r0', 60);

/** The Engines report every minute of the read (it starts three hours before START); no stream datapoint at all. */
function enginesOnly(input: GetMetricDataCommandInput): MetricDataResult[] {
  const timestamps: Date[] = [];
  for (let t = (input.StartTime as Date).getTime(); t < (input.EndTime as Date).getTime(); t += 60_000) timestamps.push(new Date(t));
  return [
    { Id: 'r0_stream', Timestamps: [], Values: [], StatusCode: 'Complete' },
    { Id: 'r0_engines', Timestamps: timestamps, Values: timestamps.map(() => 1), StatusCode: 'Complete' },
  ];
}

beforeEach(() => cloudwatch.reset());

describe('readLoads on a kind without datapoints', () => {
  it('answered whole: the kind was never requested while the Engines reported, zero in each of the 5 periods', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({ MetricDataResults: enginesOnly(input) }));

    const points = await readLoads(port, queries, START, END);

    // 10:00 .. 10:04, no stream datapoint in the 3 h before any of them
    expect(points.get('r0_stream')?.map((p) => [new Date(p.atMs).toISOString().slice(11, 16), p.load])).toEqual([['10:00', 0], ['10:01', 0], ['10:02', 0], ['10:03', 0], ['10:04', 0]]);
  });

  it.each(INCOMPLETE_ANSWERS)('answered $name: its periods are unknown, no zero, and the query is named', async (how) => {
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => incompletePage(enginesOnly(input), 'r0_stream', how, input.NextToken));
    const heard: IncompleteQuery[][] = [];

    const points = await readLoads(port, queries, START, END, undefined, (incomplete) => heard.push(incomplete));

    expect(points.get('r0_stream')).toEqual([]);
    expect(points.get('r0_engines')).toHaveLength(5);
    expect(heard).toEqual([[{ id: 'r0_stream', statusCode: how.statusCode, messages: namedMessages(how.messages) }]]);
  });
});
