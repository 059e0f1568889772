import { percentile, percentileSorted, summarize } from '../../src/budgets/index.js';

/** Seeded PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Independent reference: the sorted samples are the points (k/(n−1), x_k) of a piecewise-linear
 * curve; the percentile is that curve at p/100 (numpy's 'linear' definition, found by scanning).
 */
function reference(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 1) return s[0]!;
  const q = p / 100;
  for (let k = 0; k < s.length - 1; k++) {
    const q0 = k / (s.length - 1);
    const q1 = (k + 1) / (s.length - 1);
    if (q >= q0 && q <= q1) return (s[k]! * (q1 - q) + s[k + 1]! * (q - q0)) / (q1 - q0);
  }
  throw new Error('unreachable');
}

describe('percentile', () => {
  it('matches the reference on random data of many sizes', () => {
    const next = rng(42);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(next() * 200);
      // Mix of magnitudes, negatives and repeated values.
      const values = Array.from({ length: n }, () => (next() < 0.2 ? 7 : (next() - 0.3) * 10 ** Math.floor(next() * 4)));
      for (const p of [0, 1, 5, 25, 50, 75, 90, 95, 99, 99.9, 100, next() * 100]) {
        expect(percentile(values, p)).toBeCloseTo(reference(values, p), 9);
      }
    }
  });

  it('agrees with numpy.percentile on documented examples', () => {
    expect(percentile([15, 20, 35, 40, 50], 40)).toBeCloseTo(29, 12);
    expect(percentile([10, 7, 4, 3, 2, 1], 50)).toBeCloseTo(3.5, 12);
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
  });

  it('handles one sample, two samples and ties', () => {
    expect(percentile([5], 0)).toBe(5);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([10, 0], 50)).toBe(5);
    expect(percentile([0, 10], 95)).toBeCloseTo(9.5, 12);
    expect(percentile([0, 10], 100)).toBe(10);
    expect(percentile([3, 3, 3, 3], 95)).toBe(3);
    expect(percentile([1, 2, 2, 2, 9], 50)).toBe(2);
    expect(percentile([1, 2, 2, 2, 9], 70)).toBe(2);
    expect(percentile([1, 2, 2, 2, 9], 90)).toBeCloseTo(6.2, 12);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it('rejects empty input, non-finite samples and p outside 0..100', () => {
    expect(() => percentile([], 50)).toThrow(/no samples/);
    expect(() => percentile([1, NaN], 50)).toThrow(/sample 1 is NaN/);
    expect(() => percentile([1, Infinity], 50)).toThrow(/Infinity/);
    expect(() => percentileSorted([1], 101)).toThrow(/outside 0..100/);
    expect(() => percentileSorted([1], -1)).toThrow(/outside 0..100/);
  });
});

describe('summarize', () => {
  it('returns every statistic of the samples', () => {
    const next = rng(7);
    const values = Array.from({ length: 57 }, () => next() * 1000);
    const s = summarize(values);
    expect(s.p50).toBeCloseTo(reference(values, 50), 9);
    expect(s.p95).toBeCloseTo(reference(values, 95), 9);
    expect(s.p99).toBeCloseTo(reference(values, 99), 9);
    expect(s.min).toBe(Math.min(...values));
    expect(s.max).toBe(Math.max(...values));
    expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
  });

  it('rejects no samples', () => {
    expect(() => summarize([])).toThrow(/no samples/);
  });
});
