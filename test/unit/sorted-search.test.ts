import { describe, expect, it, vi } from 'vitest';
import { firstIndexNotBefore, sortInOrder } from '../../lib/sorted-search.js';

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

describe('sortInOrder: list.sort in place, skipped for a list already in order', () => {
  const point = (atMs: number, tag: string) => ({ atMs, tag });
  it.each([
    { name: 'in order, with a tie: as it was', list: [point(1, 'a'), point(2, 'b'), point(2, 'c'), point(5, 'd')] },
    { name: 'out of order, with a tie: ascending, the tie in its first order', list: [point(5, 'a'), point(2, 'b'), point(1, 'c'), point(2, 'd')] },
    { name: 'one element', list: [point(3, 'a')] },
    { name: 'empty', list: [] },
    { name: 'a NaN key: as the sort leaves it', list: [point(2, 'a'), point(Number.NaN, 'b'), point(1, 'c')] },
  ])('$name: the order list.sort gives', ({ list }) => {
    const expected = [...list].sort((a, b) => a.atMs - b.atMs).map((p) => p.tag);
    const sorted = sortInOrder(list, (a, b) => a.atMs - b.atMs);
    expect(sorted).toBe(list);
    expect(sorted.map((p) => p.tag)).toEqual(expected);
  });

  it('does not sort a list already in order', () => {
    const list = [1, 1, 2, 3];
    const sort = vi.spyOn(list, 'sort');
    sortInOrder(list, (a, b) => a - b);
    expect(sort).not.toHaveBeenCalled();
  });
});
