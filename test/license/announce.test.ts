import { describe, expect, it } from 'vitest';
import { announcedAfter, pageMask, planAnnouncement } from '../../lib/license/announce.js';
import type { PageReason } from '../../lib/license/evaluate.js';

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
