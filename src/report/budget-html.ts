/**
 * The budget table a reviewer reads in the report: per budget and limit, the declared limit, the
 * measured value, the sample count and the outcome. Two renderings: the attachment, coloured,
 * self-contained HTML (inline styles) because Allure shows an HTML attachment in a sandboxed
 * frame; and the one open on the test page (`budgetTablePlain`), in the markup Allure keeps of a
 * description. The attachment carries its results as JSON, from which the report draws the second.
 */
import { formatValue, type BudgetResult, type HostStall, type Outcome } from '../budgets/index.js';

const COLOURS: Record<Outcome, { bg: string; fg: string }> = {
  PASS: { bg: '#e6f4ea', fg: '#137333' },
  MARGINAL: { bg: '#fef7e0', fg: '#b06000' },
  FAIL: { bg: '#fce8e6', fg: '#c5221f' },
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What the host's own event loop suffered while a host-clock budget's samples were taken. */
export function hostStallText(s: HostStall): string {
  return `event loop p99 ≤ ${formatValue(s.p99Ms, 'ms')}, max ${formatValue(s.maxMs, 'ms')} over ${formatValue(s.spanMs / 1000, 's')}`;
}

function badge(outcome: Outcome): string {
  const c = COLOURS[outcome];
  return `<span class="outcome outcome-${outcome}" style="display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;background:${c.bg};color:${c.fg}">${outcome}</span>`;
}

/** An HTML document with one row per limit check (and a sample-count row when there were too few). */
export function budgetTableHtml(results: readonly BudgetResult[], title = 'Budgets'): string {
  const th = (t: string) => `<th style="text-align:left;padding:4px 8px;border-bottom:2px solid #ccc;white-space:nowrap">${t}</th>`;
  const td = (t: string, extra = '') => `<td style="padding:4px 8px;border-bottom:1px solid #eee;${extra}">${t}</td>`;
  const rows: string[] = [];
  for (const r of results) {
    const lines: { stat: string; limit: string; measured: string; outcome: Outcome }[] = r.checks.map((c) => ({
      stat: c.stat,
      limit: `${c.kind === 'atMost' ? '≤' : '≥'} ${formatValue(c.limit, r.unit)}`,
      measured: c.measured === null ? '–' : formatValue(c.measured, r.unit) + (r.maxUncertaintyMs !== undefined ? ` ±${formatValue(r.maxUncertaintyMs, 'ms')}` : ''),
      outcome: c.outcome,
    }));
    if (r.count < r.minSamples) lines.push({ stat: 'n', limit: `≥ ${r.minSamples}`, measured: String(r.count), outcome: 'FAIL' });
    lines.forEach((l, i) => {
      const first = i === 0;
      const span = `rowspan="${lines.length}"`;
      rows.push(
        `<tr class="budget-row" data-budget="${escapeHtml(r.name)}" data-outcome="${l.outcome}">` +
          (first
            ? `<td ${span} style="padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top"><b>${escapeHtml(r.name)}</b> ${badge(r.outcome)}` +
              (r.name !== r.metric ? `<br><small>${escapeHtml(r.metric)}</small>` : '') +
              (r.description ? `<br><small style="color:#666">${escapeHtml(r.description)}</small>` : '') +
              `</td><td ${span} style="padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top">${r.clock}${r.declaredClock ? ' <small>(system)</small>' : ''}</td>`
            : '') +
          td(l.stat) +
          td(escapeHtml(l.limit), 'font-family:monospace') +
          td(escapeHtml(l.measured), 'font-family:monospace') +
          (first ? `<td ${span} style="padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top;font-family:monospace">${r.count}</td>` : '') +
          td(badge(l.outcome)) +
          (first
            ? `<td ${span} class="host-stall" style="padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top;font-size:12px;color:#555">` +
              (r.hostStall ? escapeHtml(hostStallText(r.hostStall)) : r.clock === 'host' ? 'not recorded' : '–') +
              '</td>'
            : '') +
          '</tr>',
      );
    });
  }
  const reasons = results
    .filter((r) => r.outcome !== 'PASS')
    .map((r) => `<li style="color:${COLOURS[r.outcome].fg}"><b>${escapeHtml(r.name)}</b> ${r.outcome}: ${escapeHtml(r.reason)}</li>`);
  const counts = (['PASS', 'MARGINAL', 'FAIL'] as const).map((o) => `${results.filter((r) => r.outcome === o).length} ${o}`).join(', ');
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>' + escapeHtml(title) + '</title></head>',
    '<body style="font-family:DejaVu Sans,Liberation Sans,Arial,sans-serif;font-size:13px;margin:8px">',
    `<h3 style="margin:0 0 6px">${escapeHtml(title)} <small style="font-weight:normal;color:#666">${counts}</small></h3>`,
    results.length === 0
      ? '<p>No budgets were evaluated.</p>'
      : `<table class="budgets" style="border-collapse:collapse">` +
        `<thead><tr>${['budget', 'clock', 'stat', 'declared limit', 'measured', 'samples', 'outcome', 'host stall during the samples'].map(th).join('')}</tr></thead>` +
        `<tbody>${rows.join('')}</tbody></table>`,
    reasons.length > 0 ? `<ul style="padding-left:18px">${reasons.join('')}</ul>` : '',
    // Not run (a data block): what the report reads to show the table on the test page.
    `<script type="application/json" class="${RESULTS_CLASS}">${JSON.stringify(results).replace(/</g, '\\u003c')}</script>`,
    '</body></html>',
  ].join('\n');
}

const RESULTS_CLASS = 'flightcheck-budget-results';

/** The results a budget attachment (budgetTableHtml) carries, or null when it is not one. */
export function budgetResultsFromHtml(html: string): BudgetResult[] | null {
  const open = `<script type="application/json" class="${RESULTS_CLASS}">`;
  const start = html.indexOf(open);
  const end = start < 0 ? -1 : html.indexOf('</script>', start);
  if (end < 0) return null;
  try {
    const parsed = JSON.parse(html.slice(start + open.length, end)) as unknown;
    return Array.isArray(parsed) ? (parsed as BudgetResult[]) : null;
  } catch {
    return null;
  }
}

/**
 * The table for the test page. Allure keeps only plain markup of a description (jsoup's relaxed
 * safelist: no style, no class), so spacing comes from column widths, and what is not PASS is bold.
 */
export function budgetTablePlain(results: readonly BudgetResult[], title = 'Budgets'): string {
  const counts = (['PASS', 'MARGINAL', 'FAIL'] as const).map((o) => `${results.filter((r) => r.outcome === o).length} ${o}`).join(', ');
  const outcome = (o: Outcome) => (o === 'PASS' ? o : `<b>${o}</b>`);
  const columns: [string, number][] = [['budget', 30], ['clock', 8], ['limit', 14], ['measured', 14], ['samples', 7], ['outcome', 10], ['host stall', 17]];
  const rows: string[] = [];
  for (const r of results) {
    const lines = r.checks.map((c) => ({
      limit: `${c.stat} ${c.kind === 'atMost' ? '≤' : '≥'} ${formatValue(c.limit, r.unit)}`,
      measured: c.measured === null ? '–' : formatValue(c.measured, r.unit) + (r.maxUncertaintyMs !== undefined ? ` ±${formatValue(r.maxUncertaintyMs, 'ms')}` : ''),
      outcome: c.outcome,
    }));
    if (r.count < r.minSamples) lines.push({ limit: `n ≥ ${r.minSamples}`, measured: String(r.count), outcome: 'FAIL' });
    const span = `rowspan="${Math.max(1, lines.length)}"`;
    lines.forEach((l, i) => {
      const first = i === 0;
      const cells = [
        first ? `<td ${span}><b>${escapeHtml(r.name)}</b> ${outcome(r.outcome)}${r.name !== r.metric ? `<br><small>${escapeHtml(r.metric)}</small>` : ''}${r.description ? `<br><small>${escapeHtml(r.description)}</small>` : ''}</td>` : '',
        first ? `<td ${span}>${r.clock}${r.declaredClock ? ' (system)' : ''}</td>` : '',
        `<td>${escapeHtml(l.limit)}</td>`,
        `<td>${escapeHtml(l.measured)}</td>`,
        first ? `<td ${span}>${r.count}</td>` : '',
        `<td>${outcome(l.outcome)}</td>`,
        first ? `<td ${span}><small>${r.hostStall ? escapeHtml(hostStallText(r.hostStall)) : r.clock === 'host' ? 'not recorded' : '–'}</small></td>` : '',
      ];
      rows.push(`<tr>${cells.join('')}</tr>`);
    });
  }
  const reasons = results.filter((r) => r.outcome !== 'PASS').map((r) => `<li><b>${escapeHtml(r.name)} ${r.outcome}</b>: ${escapeHtml(r.reason)}</li>`);
  return [
    `<p><b>${escapeHtml(title)}</b>: ${counts}</p>`,
    results.length === 0
      ? '<p>No budgets were evaluated.</p>'
      : `<table width="100%"><thead><tr>${columns.map(([c, w]) => `<th width="${w}%">${c}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`,
    reasons.length > 0 ? `<ul>${reasons.join('')}</ul>` : '',
  ].filter(Boolean).join('\n');
}
