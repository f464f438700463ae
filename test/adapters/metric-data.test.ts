import type { MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { forEachDatapoint, readMetricData } from '../../lib/aws/metric-data.js';
import type { CloudWatchPort } from '../../lib/aws/ports.js';

const query = (id: string, returnData = true): MetricDataQuery => ({ Id: id, ReturnData: returnData, MetricStat: { Metric: { Namespace: 'N', MetricName: 'm' }, Period: 60, Stat: 'Sum' } });
const AT = new Date('2026-11-20T10:00:00Z');
const point = (id: string, statusCode: string | undefined, extra: Partial<MetricDataResult> = {}): MetricDataResult =>
  ({ Id: id, Timestamps: [AT], Values: [1], ...(statusCode === undefined ? {} : { StatusCode: statusCode }), ...extra }) as MetricDataResult;

/** A port answering page after page from `pages` (each page: its results), NextToken between them. */
function paged(pages: MetricDataResult[][]): CloudWatchPort {
  return {
    send: async (command: { input: { NextToken?: string } }) => {
      const index = command.input.NextToken === undefined ? 0 : Number(command.input.NextToken);
      return { MetricDataResults: pages[index], ...(index + 1 < pages.length ? { NextToken: String(index + 1) } : {}) };
    },
  } as unknown as CloudWatchPort;
}

describe('readMetricData: which queries were not answered whole', () => {
  it.each([
    { name: 'Complete on its only page: whole', pages: [[point('a', 'Complete')]], expected: [] },
    { name: 'PartialData, then Complete on the next page: whole', pages: [[point('a', 'PartialData')], [point('a', 'Complete')]], expected: [] },
    { name: 'InternalError, then Complete once the NextToken is followed: whole', pages: [[point('a', 'InternalError')], [point('a', 'Complete')]], expected: [] },
    {
      name: 'InternalError, with its messages',
      pages: [[point('a', 'InternalError', { Messages: [{ Code: 'InternalError', Value: 'try again' }] })]],
      expected: [{ id: 'a', statusCode: 'InternalError', messages: ['InternalError: try again'] }],
    },
    { name: 'Forbidden', pages: [[point('a', 'Forbidden')]], expected: [{ id: 'a', statusCode: 'Forbidden', messages: [] }] },
    { name: 'PartialData on the last page', pages: [[point('a', 'PartialData')], [point('a', 'PartialData')]], expected: [{ id: 'a', statusCode: 'PartialData', messages: [] }] },
    { name: 'left out of every page', pages: [[], []], expected: [{ id: 'a', statusCode: 'Unanswered', messages: [] }] },
    { name: 'without a StatusCode', pages: [[point('a', undefined)]], expected: [{ id: 'a', statusCode: 'NoStatusCode', messages: [] }] },
    {
      name: 'a message, then a page without one: the message stays',
      pages: [[point('a', 'InternalError', { Messages: [{ Code: 'InternalError', Value: 'try again' }] })], [point('a', 'PartialData')]],
      expected: [{ id: 'a', statusCode: 'PartialData', messages: ['InternalError: try again'] }],
    },
    {
      name: 'the same message on two pages: once',
      pages: [[point('a', 'InternalError', { Messages: [{ Code: 'InternalError', Value: 'try again' }] })], [point('a', 'InternalError', { Messages: [{ Code: 'InternalError', Value: 'try again' }] })]],
      expected: [{ id: 'a', statusCode: 'InternalError', messages: ['InternalError: try again'] }],
    },
  ])('$name', async ({ pages, expected }) => {
    const points: number[] = [];
    const incomplete = await readMetricData(paged([...pages.map((p) => [...p, point('b', 'Complete')])]), { queries: [query('a'), query('b'), query('input', false)], start: AT, end: AT, scanBy: 'TimestampAscending' }, (r) =>
      points.push(...(r.Values ?? [])),
    );

    expect(incomplete).toEqual(expected);
    // the datapoints of every result, whole or not, are handed over: one per result of a and of b
    expect(points).toHaveLength(pages.flat().length + pages.length);
  });
});

describe('forEachDatapoint', () => {
  const MS = AT.getTime();
  it.each([
    { name: 'Dates, as the SDK answers', timestamps: [AT, new Date(MS + 60_000)], values: [1, 2], expected: [[MS, 1], [MS + 60_000, 2]] },
    { name: 'an ISO string and a number of ms, read as Date reads them', timestamps: ['2026-11-20T10:00:00Z', MS + 60_000], values: [1, 2], expected: [[MS, 1], [MS + 60_000, 2]] },
    { name: 'a value that is missing or not finite is no datapoint', timestamps: [AT, AT, AT, AT], values: [Number.NaN, Number.POSITIVE_INFINITY, 3], expected: [[MS, 3]] },
    { name: 'a value without a timestamp is no datapoint', timestamps: [AT], values: [1, 2], expected: [[MS, 1]] },
    { name: 'no timestamps or values at all', timestamps: undefined, values: undefined, expected: [] },
  ])('$name', ({ timestamps, values, expected }) => {
    const seen: Array<[number, number]> = [];
    forEachDatapoint({ Id: 'a', Timestamps: timestamps, Values: values } as MetricDataResult, (atMs, value) => seen.push([atMs, value]));
    expect(seen).toEqual(expected);
  });
});
