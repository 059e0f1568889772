import type { Comparison } from './compare.js';

const r3 = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(3)) : null);

/** The comparison's figures as one JSON-able object (the bench's and the CLI's last line). */
export function fidelitySummary(c: Comparison): Record<string, unknown> {
  return {
    bench: 'fidelity',
    compared: `${c.candidate} against ${c.reference}: medians of each phase mark (vehicle s), sequences`,
    runs: c.runs,
    thresholdShare: c.thresholds.durationShare,
    marks: c.marks.map((m) => ({ phase: m.phase, mark: m.mark, reference: r3(m.refMedian), candidate: r3(m.candMedian), ratio: r3(m.ratio), allowedS: r3(m.allowedS), verdict: m.verdict })),
    marksPassed: c.marks.filter((m) => m.verdict === 'pass').length,
    marksJudged: c.marks.length,
    sequencesIdentical: c.sequences.filter((q) => q.verdict === 'pass').length,
    sequences: c.sequences.length,
    knownGaps: [...c.marks.filter((m) => m.verdict === 'known gap').map((m) => `${m.phase} › ${m.mark}`), ...c.sequences.filter((q) => q.verdict === 'known gap').map((q) => `${q.phase} › ${q.kind}`)],
    closedGaps: c.closedGaps,
    pass: c.failures.length === 0,
    failures: c.failures,
  };
}
