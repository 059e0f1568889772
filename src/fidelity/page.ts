import fs from 'node:fs';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml } from '../report/budget-html.js';
import { renderSvg } from '../report/plots.js';
import { resample, type Comparison, type FlightRun } from './compare.js';

/** Points per trace on a chart: 100 ms steps, up to this many. */
const MAX_STEPS = 900;

/**
 * A self-contained HTML page a reviewer opens without the tool: the verdicts, then per phase the
 * height and the horizontal distance from where the phase began, every run of both targets
 * overlaid on the phase's own clock (vehicle seconds since its start).
 */
export async function writeFidelityPage(file: string, cmp: Comparison, reference: readonly FlightRun[], candidate: readonly FlightRun[]): Promise<string> {
  const sections: string[] = [];
  for (const phase of [...new Set(cmp.marks.map((m) => m.phase).concat(cmp.traces.map((t) => t.phase)))]) {
    const rows = traceRows(phase, reference).concat(traceRows(phase, candidate));
    const charts = await Promise.all([
      renderSvg(chart(phase, rows, 'alt', 'height above home (m)')),
      renderSvg(chart(phase, rows, 'dist', 'distance from the phase start (m)')),
    ]).catch((err: Error) => [`<p>chart not drawn: ${escapeHtml(err.message)}</p>`]);
    const marks = cmp.marks.filter((m) => m.phase === phase);
    const seqs = cmp.sequences.filter((q) => q.phase === phase);
    sections.push(`<section><h2>${escapeHtml(phase)}</h2>
<table><tr><th>mark</th><th>${escapeHtml(cmp.reference)}</th><th>${escapeHtml(cmp.candidate)}</th><th>ratio</th><th>allowed</th><th>verdict</th></tr>
${marks.map((m) => `<tr class="${VERDICT_CLASS[m.verdict]}"><td>${escapeHtml(m.mark)}</td><td>${f2(m.refMedian)} s <small>(${m.reference.map(f2).join(', ')})</small></td><td>${f2(m.candMedian)} s <small>(${m.candidate.map(f2).join(', ')})</small></td><td>${f2(m.ratio)}</td><td>±${f2(m.allowedS)} s</td><td>${m.verdict}</td></tr>`).join('\n')}
</table>
${seqs.map((q) => `<p class="${VERDICT_CLASS[q.verdict]}"><b>${q.kind}</b> ${q.verdict === 'pass' ? 'identical' : q.verdict === 'known gap' ? 'differ (known gap)' : 'differ'}: ${escapeHtml(cmp.reference)} ${escapeHtml(q.reference.join(' → ') || '(none)')} <small>[${q.referenceShare}]</small>; ${escapeHtml(cmp.candidate)} ${escapeHtml(q.candidate.join(' → ') || '(none)')} <small>[${q.candidateShare}]</small></p>`).join('\n')}
<div class="charts">${charts.join('\n')}</div></section>`);
  }
  const gaps = cmp.thresholds.knownGaps ?? {};
  const admitted = Object.keys(gaps).filter((k) => cmp.marks.some((m) => m.verdict === 'known gap' && `${m.phase} › ${m.mark}` === k) || cmp.sequences.some((q) => q.verdict === 'known gap' && `${q.phase} › ${q.kind}` === k));
  const verdict = (cmp.failures.length === 0 ? '<p class="pass">PASS: every mark within its allowance or a known gap, every sequence identical or a known gap.</p>' : `<ul class="fail">${cmp.failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`) +
    (admitted.length > 0 ? `<p class="gap">Known gaps (admitted, not failed):</p><ul class="gap">${admitted.map((k) => `<li>${escapeHtml(k)}: ${escapeHtml(gaps[k]!)}</li>`).join('')}</ul>` : '') +
    (cmp.closedGaps.length > 0 ? `<p class="pass">Known gaps now within the allowance (take them off the list): ${escapeHtml(cmp.closedGaps.join('; '))}</p>` : '');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>fidelity: ${escapeHtml(cmp.candidate)} against ${escapeHtml(cmp.reference)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
tr.pass td:last-child,p.pass{color:#137333}tr.gap td:last-child,p.gap{color:#b06000}tr.fail td:last-child,.fail{color:#c5221f}.charts{display:flex;flex-wrap:wrap;gap:1em}small{color:#666}</style></head><body>
<h1>Fidelity: ${escapeHtml(cmp.candidate)} against ${escapeHtml(cmp.reference)}</h1>
<p>${cmp.runs.candidate} runs of ${escapeHtml(cmp.candidate)}, ${cmp.runs.reference} of ${escapeHtml(cmp.reference)}. Times are vehicle seconds from each phase's start; medians are judged within ±${(cmp.thresholds.durationShare * 100).toFixed(0)} % of the reference or the mark's resolution.</p>
${verdict}
${sections.join('\n')}
</body></html>`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, html);
  return file;
}

const VERDICT_CLASS: Record<string, string> = { pass: 'pass', fail: 'fail', 'too few runs': 'fail', 'known gap': 'gap' };

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');

type Row = { run: string; target: string; t: number; alt: number; dist: number };

function traceRows(phase: string, runs: readonly FlightRun[]): Row[] {
  const rows: Row[] = [];
  for (const run of runs) {
    for (const w of run.phases.filter((p) => p.name === phase)) {
      const steps = Math.min(MAX_STEPS, Math.floor((w.end - w.start) / 100) + 1);
      const { alt, dist } = resample(run.samples, w.start, steps);
      for (let i = 0; i < steps; i++) {
        if (Number.isFinite(alt[i]!)) rows.push({ run: `${run.target} ${run.run}`, target: run.target, t: i / 10, alt: round(alt[i]!), dist: round(dist[i]!) });
      }
    }
  }
  return rows;
}

const round = (x: number) => Math.round(x * 100) / 100;

function chart(phase: string, rows: Row[], field: 'alt' | 'dist', title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${phase}: ${title}`,
    width: 520,
    height: 220,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1.2, opacity: 0.75 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'vehicle s since the phase began' },
      y: { field, type: 'quantitative', title },
      color: { field: 'target', type: 'nominal', title: 'target' },
      detail: { field: 'run', type: 'nominal' },
    },
    config: { font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif', background: 'white' },
  } as TopLevelSpec;
}
