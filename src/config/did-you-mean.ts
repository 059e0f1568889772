/**
 * The candidate nearest to `name` (fewest edits, ignoring case) and its distance, or null when
 * there is no other candidate. What counts as close enough is the caller's rule.
 */
export function nearest(name: string, candidates: Iterable<string>): { candidate: string; distance: number } | null {
  let best: { candidate: string; distance: number } | null = null;
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (best === null || d < best.distance) best = { candidate: c, distance: d };
  }
  return best;
}

/** "did you mean" for a misspelt name: the closest candidate within a few edits, if any. */
export function closest(name: string, candidates: Iterable<string>): string | null {
  const best = nearest(name, candidates);
  // Close means a typo, not another word: at most a third of the name, and at most 3 edits.
  return best !== null && best.distance <= Math.min(3, Math.max(1, Math.floor(name.length / 3))) ? best.candidate : null;
}

/** ` (did you mean "x"?)`, or '' when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>, quote = '"'): string {
  const c = closest(name, candidates);
  return c === null ? '' : ` (did you mean ${quote}${c}${quote}?)`;
}

/** Optimal string alignment distance (Levenshtein with transpositions). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
