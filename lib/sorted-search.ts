/**
 * The first index in [0, length) at which `isBefore` turns false, for a predicate that is
 * true on a prefix of a sorted list and false after it (`length` if it never turns false).
 * One binary search for every "first element at or after" lookup over time-sorted data.
 */
export function firstIndexNotBefore(length: number, isBefore: (index: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isBefore(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Sorts `list` in place with `compare`, as `list.sort(compare)` does (stable, for a
 * consistent comparator), and returns it. A list already in order (what CloudWatch answers,
 * the Engines' equal capacities) is left as it is without the sort's copy of it. A
 * comparator of differences, not keys: a time's key would be boxed on each call, a
 * difference of times is a small integer.
 */
export function sortInOrder<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < list.length; i++) {
    if (!(compare(list[i - 1] as T, list[i] as T) <= 0)) return list.sort(compare);
  }
  return list;
}
