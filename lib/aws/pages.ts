import { withRetry, type RetryPolicy } from './retry.js';

export interface PagedCall<P> {
  /** Asks for the page after `nextToken` (undefined: the first). */
  send: (nextToken: string | undefined) => Promise<P>;
  retry?: RetryPolicy;
  /** Wraps a page that failed (after its retries) in the caller's own error type. */
  failure?: (cause: unknown) => Error;
}

/**
 * Every page of a NextToken-paged call ("service:Operation" first, as withRetry takes it:
 * the IAM test reads the calls a bundle makes from there), in order, each page retried on
 * its own (a throttled third page does not re-read the first two).
 *
 * Written here rather than with the SDK's paginators (paginateListMetrics, ...): they
 * accept only an instance of the SDK's client class, and the ports are any `send` (the
 * simulated cloud, aws-sdk-client-mock); they would also retry outside lib/aws/retry.ts.
 */
export async function forEachPage<P extends { NextToken?: string }>(operation: string, call: PagedCall<P>, onPage: (page: P) => void): Promise<void> {
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    let page: P;
    try {
      page = await withRetry(operation, () => call.send(token), call.retry);
    } catch (cause) {
      throw call.failure ? call.failure(cause) : cause;
    }
    onPage(page);
    nextToken = page.NextToken;
  } while (nextToken);
}
