/**
 * Keys of an operator's hand-written invocation event are checked strictly: a misspelt
 * `{"dryrun": true}` passed over would run the tick for real. The rule names the keys
 * the event may have and the one closest to the misspelling.
 */
export function unknownKeysRule(keys: readonly string[], known: readonly string[]): string {
  const hints = keys.map((key) => {
    const near = closestKey(key, known);
    return near ? `"${key}" (did you mean "${near}"?)` : `"${key}"`;
  });
  const allowed = known.length > 0 ? `it may have only ${known.map((k) => `"${k}"`).join(', ')}` : 'it may have no keys';
  return `unknown key${keys.length > 1 ? 's' : ''} ${hints.join(', ')}: ${allowed}; nothing was run`;
}

/** The known key spelt the same but for case, or within two edits; undefined if none is that close. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameButCase = known.find((k) => k.toLowerCase() === lower);
  if (sameButCase) return sameButCase;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

// Levenshtein distance over short keys; a library for a dozen lines is not worth the dependency.
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}
