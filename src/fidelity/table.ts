import type { Comparison } from './compare.js';

const s2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');

/** The comparison as a terminal table: marks (judged), other figures (shown), sequences (judged), traces (shown). */
export function fidelityTable(c: Comparison): string {
  const lines: string[] = [];
  const ref = c.reference;
  const cand = c.candidate;
  lines.push(`fidelity: ${cand} against ${ref} (${c.runs.candidate} and ${c.runs.reference} runs; medians, vehicle seconds from each phase's start; allowed ±${(c.thresholds.durationShare * 100).toFixed(0)} % or the mark's resolution)`);
  const rows: string[][] = [['phase', 'mark', ref, cand, 'ratio', 'allowed', 'verdict']];
  for (const m of c.marks) {
    rows.push([m.phase, m.mark, `${s2(m.refMedian)} s (${m.reference.length})`, `${s2(m.candMedian)} s (${m.candidate.length})`, s2(m.ratio), `±${s2(m.allowedS)} s`, m.verdict.toUpperCase()]);
  }
  lines.push(...columns(rows));
  if (c.values.length > 0) {
    lines.push('', 'other figures (shown, not judged):');
    lines.push(...columns([['phase', 'figure', ref, cand], ...c.values.map((v) => [v.phase, v.name, `${s2(v.refMedian)} ${v.unit}`, `${s2(v.candMedian)} ${v.unit}`])]));
  }
  const differing = c.sequences.filter((q) => q.verdict !== 'pass');
  lines.push('', `mode and ACK sequences: ${c.sequences.length - differing.length} of ${c.sequences.length} identical`);
  for (const q of differing) {
    lines.push(`  ${q.phase} › ${q.kind}${q.verdict === 'known gap' ? ' (KNOWN GAP)' : ''}:`, `    ${ref.padEnd(8)} ${q.reference.join(' → ') || '(none)'}  [${q.referenceShare}]`, `    ${cand.padEnd(8)} ${q.candidate.join(' → ') || '(none)'}  [${q.candidateShare}]`);
  }
  const gaps = c.thresholds.knownGaps ?? {};
  const admitted = [...c.marks.filter((m) => m.verdict === 'known gap').map((m) => `${m.phase} › ${m.mark}`), ...differing.filter((q) => q.verdict === 'known gap').map((q) => `${q.phase} › ${q.kind}`)];
  if (admitted.length > 0) {
    lines.push('', `known gaps (admitted, not failed: ${admitted.length}):`);
    for (const k of admitted) lines.push(`  ${k}: ${gaps[k]}`);
  }
  for (const k of c.closedGaps) lines.push(`known gap closed (within the allowance now; take it off the list): ${k}`);
  lines.push('', 'traces, time-aligned at each phase start (RMS of the median traces\' difference, shown, not judged):');
  lines.push(...columns([['phase', 'height', 'distance'], ...c.traces.map((t) => [t.phase, `${s2(t.altitudeRmsM)} m`, `${s2(t.distanceRmsM)} m`])]));
  return lines.join('\n');
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}`);
}
