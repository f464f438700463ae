import { describe, expect, it } from 'vitest';
import { firstIndexNotBefore } from '../../lib/sorted-search.js';

describe('firstIndexNotBefore: the first element at or after a key in a sorted list', () => {
  const minutes = [1, 3, 3, 5, 8];
  it.each([
    { name: 'a key before every element: the first index', key: 0, index: 0 },
    { name: 'a key equal to repeated elements: the first of them', key: 3, index: 1 },
    { name: 'a key between elements: the next one', key: 4, index: 3 },
    { name: 'a key equal to the last element: its index', key: 8, index: 4 },
    { name: 'a key after every element: the length', key: 9, index: 5 },
  ])('$name', ({ key, index }) => {
    expect(firstIndexNotBefore(minutes.length, (i) => (minutes[i] as number) < key)).toBe(index);
  });

  it('an empty list: 0, without asking the predicate', () => {
    expect(firstIndexNotBefore(0, () => { throw new Error('asked'); })).toBe(0);
  });
});
