import { describe, expect, it } from 'vitest';
import { forEachPage } from '../../lib/aws/pages.js';
import { AwsCallError, type RetryPolicy } from '../../lib/aws/retry.js';

const noSleep: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {}, random: () => 0 };
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });

describe('forEachPage', () => {
  it('follows NextToken to the last page, handing each page over in order', async () => {
    const asked: Array<string | undefined> = [];
    const pages: string[][] = [];
    const book: Record<string, { Items: string[]; NextToken?: string }> = { first: { Items: ['a', 'b'], NextToken: 't1' }, t1: { Items: ['c'], NextToken: 't2' }, t2: { Items: [] } };

    await forEachPage(
      'test:List',
      { send: async (token) => (asked.push(token), book[token ?? 'first']!), retry: noSleep },
      (page) => pages.push(page.Items),
    );

    expect(asked).toEqual([undefined, 't1', 't2']);
    expect(pages).toEqual([['a', 'b'], ['c'], []]);
  });

  it('retries a throttled page on its own, without asking for the earlier pages again', async () => {
    const asked: Array<string | undefined> = [];
    let throttledOnce = false;
    await forEachPage(
      'test:List',
      {
        send: async (token) => {
          asked.push(token);
          if (token === 't1' && !throttledOnce) {
            throttledOnce = true;
            throw throttled();
          }
          return token === undefined ? { NextToken: 't1' } : {};
        },
        retry: noSleep,
      },
      () => {},
    );

    expect(asked).toEqual([undefined, 't1', 't1']);
  });

  it('wraps a page that fails after its retries in the caller\'s error, the cause kept', async () => {
    class ListError extends Error {}
    const run = forEachPage(
      'test:List',
      { send: () => Promise.reject(throttled()), retry: noSleep, failure: (cause) => new ListError('listing failed', { cause }) },
      () => {},
    );

    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ListError);
    expect((error as ListError).cause).toBeInstanceOf(AwsCallError);
    expect(((error as ListError).cause as AwsCallError).attempts).toBe(3);
  });
});
