import type { MessageData, MetricDataResult, StatusCode } from '@aws-sdk/client-cloudwatch';

/** One way CloudWatch leaves a query of GetMetricData not answered whole, without a datapoint of it. */
export interface IncompleteAnswer {
  name: string;
  statusCode: StatusCode;
  messages: MessageData[];
  /** Pages the answer spans; on each the query's result says statusCode. */
  pages: number;
}

/** The named cases the readers of GetMetricData are tested on (lib/aws/metric-data.ts). */
export const INCOMPLETE_ANSWERS: IncompleteAnswer[] = [
  { name: 'InternalError', statusCode: 'InternalError', messages: [{ Code: 'InternalError', Value: 'An internal error occurred' }], pages: 1 },
  { name: 'Forbidden', statusCode: 'Forbidden', messages: [{ Code: 'Forbidden', Value: 'Not authorized to read this metric' }], pages: 1 },
  { name: 'PartialData after the last page', statusCode: 'PartialData', messages: [], pages: 2 },
];

/**
 * The page of a GetMetricData answer that a call with `nextToken` receives: `results`, with
 * the result of `damagedId` marked as `how` says and holding only `kept` (by default no
 * datapoint). The first page carries them all; a later page only the damaged result, with
 * no datapoint, as CloudWatch pages what it still owes.
 */
export function incompletePage(
  results: readonly MetricDataResult[],
  damagedId: string,
  how: IncompleteAnswer,
  nextToken: string | undefined,
  kept: Pick<MetricDataResult, 'Timestamps' | 'Values'> = {},
): { MetricDataResults: MetricDataResult[]; NextToken?: string } {
  const damaged: MetricDataResult = { Id: damagedId, Timestamps: [], Values: [], StatusCode: how.statusCode, ...(how.messages.length > 0 ? { Messages: how.messages } : {}) };
  const page = nextToken === undefined ? 1 : Number(nextToken.replace('page-', ''));
  const carried = page === 1 ? results.map((r) => (r.Id === damagedId ? { ...damaged, ...kept } : r)) : [damaged];
  return { MetricDataResults: carried, ...(page < how.pages ? { NextToken: `page-${page + 1}` } : {}) };
}

/** The messages a warning names for the damaged query: Code: Value. */
export function namedMessages(messages: readonly MessageData[]): string[] {
  return messages.map((m) => `${m.Code}: ${m.Value}`);
}
