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
