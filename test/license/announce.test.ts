import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { announcedAfter, pageMask, planAnnouncement, readAnnouncedMasks } from '../../lib/license/announce.js';
import type { PageReason } from '../../lib/license/evaluate.js';
import { INCOMPLETE_ANSWERS, incompletePage } from '../incomplete-answers.js';

const TB: PageReason[] = ['TrustBasedOverAnHour'];
const TB_EXP: PageReason[] = ['TrustBasedOverAnHour', 'TrustExpiresWithinADay'];

describe('planAnnouncement', () => {
  it.each([
    { name: 'nothing pages', current: [] as PageReason[], previous: pageMask(TB), expected: { announce: false, reason: 'NotPaging' } },
    { name: 'a condition starts', current: TB, previous: 0, expected: { announce: true, newReasons: TB, reason: 'NewPageCondition' } },
    { name: 'it continues', current: TB, previous: pageMask(TB), expected: { announce: false, reason: 'AlreadyAnnounced' } },
    { name: 'a second condition joins: only it is new', current: TB_EXP, previous: pageMask(TB), expected: { announce: true, newReasons: ['TrustExpiresWithinADay'], reason: 'NewPageCondition' } },
    { name: 'one of two clears: nothing new to say', current: TB, previous: pageMask(TB_EXP), expected: { announce: false, reason: 'AlreadyAnnounced' } },
    { name: 'history unreadable: say it again rather than not at all', current: TB, previous: undefined, expected: { announce: true, newReasons: TB, reason: 'NoAnnouncementHistory' } },
  ])('$name', ({ current, previous, expected }) => {
    expect(planAnnouncement(current, previous)).toMatchObject(expected);
  });
});

describe('announcedAfter', () => {
  it.each([
    { name: 'published: everything current is announced', current: TB_EXP, previous: pageMask(TB), published: true, expected: pageMask(TB_EXP) },
    { name: 'publish failed: only what was announced before and still holds', current: TB_EXP, previous: pageMask(TB), published: false, expected: pageMask(TB) },
    { name: 'condition cleared: forgotten, so its return is announced again', current: [] as PageReason[], previous: pageMask(TB), published: false, expected: 0 },
    { name: 'no history and publish failed: nothing recorded, retried next tick', current: TB, previous: undefined, published: false, expected: 0 },
  ])('$name', ({ current, previous, published, expected }) => {
    expect(announcedAfter(current, previous, published)).toBe(expected);
  });
});

describe('readAnnouncedMasks on an incomplete answer', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  const port = createAwsPorts({ region: 'us-east-1' }).cloudwatch;
  const now = new Date('2026-11-20T12:00:30Z');
  beforeEach(() => cloudwatch.reset());

  // p0 returned only an older mask holding a reason since cleared (TrustExpiresWithinADay):
  // taken at its word, TB_EXP would read as announced, and a return of that reason would not be.
  it.each(INCOMPLETE_ANSWERS)("a proxy's query answered $name has no history: absent, so paging announces again", async (how) => {
    const older = { Timestamps: [new Date('2026-11-20T11:57:00Z')], Values: [pageMask(TB_EXP)] };
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) =>
      incompletePage([{ Id: 'p0' }, { Id: 'p1', Timestamps: [new Date('2026-11-20T11:59:00Z')], Values: [pageMask(TB)], StatusCode: 'Complete' }], 'p0', how, input.NextToken, older),
    );

    const masks = await readAnnouncedMasks(port, ['proxy-a', 'proxy-b'], now);

    expect([...masks]).toEqual([['proxy-b', pageMask(TB)]]);
    expect(planAnnouncement(TB_EXP, masks.get('proxy-a'))).toMatchObject({ announce: true, reason: 'NoAnnouncementHistory' });
  });
});
