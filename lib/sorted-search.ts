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
 * Sorts `list` in place by `key`, ascending and stable, as `list.sort((a, b) => key(a) -
 * key(b))` does, and returns it. A list already in order (what CloudWatch answers, and the
 * Engines' equal capacities) is left as it is without the sort's copy of it.
 */
export function sortByKey<T>(list: T[], key: (item: T) => number): T[] {
  for (let i = 1; i < list.length; i++) {
    if (!(key(list[i - 1] as T) <= key(list[i] as T))) return list.sort((a, b) => key(a) - key(b));
  }
  return list;
}
