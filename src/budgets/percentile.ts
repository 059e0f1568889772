/** The statistics a budget can put a limit on. */
export interface Stats {
  p50: number;
  p95: number;
  p99: number;
  /** p95 − p50. */
  jitter: number;
  mean: number;
  min: number;
  max: number;
}

/** Sorted ascending copy; rejects NaN/Infinity so one bad sample cannot poison every statistic. */
export function sortedCopy(values: readonly number[]): number[] {
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`sample ${i} is ${v}: expected a finite number`);
  });
  return [...values].sort((a, b) => a - b);
}

/**
 * Percentile `p` (0–100) of an ascending array by linear interpolation between closest ranks:
 * rank h = (n − 1)·p/100, value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). This is numpy's default
 * ('linear', type 7), so numbers match what reviewers compute from an exported recording.
 */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside 0..100`);
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a === b ? a : a + (h - lo) * (b - a);
}

export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(sortedCopy(values), p);
}

/** All budget statistics of a non-empty sample set. */
export function summarize(values: readonly number[]): Stats {
  const sorted = sortedCopy(values);
  if (sorted.length === 0) throw new RangeError('cannot summarize no samples');
  let sum = 0;
  for (const v of sorted) sum += v;
  const p50 = percentileSorted(sorted, 50);
  const p95 = percentileSorted(sorted, 95);
  return {
    p50,
    p95,
    p99: percentileSorted(sorted, 99),
    jitter: p95 - p50,
    mean: sum / sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}
