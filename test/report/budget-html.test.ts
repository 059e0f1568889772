import { describe, expect, it } from '@jest/globals';
import { evaluateBudget, parseBudgets } from '../../src/budgets/index.js';
import { budgetResultsFromHtml, budgetTableHtml, budgetTablePlain, escapeHtml } from '../../src/report/budget-html.js';

const [climb, ack, frames] = parseBudgets([
  { name: 'climb', metric: 'time_to_alt', clock: 'vehicle', unit: 's', limits: { max: 8 }, marginal: { fraction: 0.1 }, description: 'arm → 2.5 m <b>held</b>' },
  { name: 'ack', metric: 'cmd_ack', clock: 'host', unit: 'ms', limits: { p50: 50, p95: 100 } },
  { name: 'frames', metric: 'detect_latency', clock: 'host', unit: 'ms', limits: { p95: 40 }, minSamples: 5 },
]);

describe('budgetTableHtml', () => {
  const results = [
    evaluateBudget(climb!, [7.5]), // MARGINAL (within 0.8 s of 8 s)
    evaluateBudget(ack!, [20, 30, 40, 250]), // p50 PASS, p95 FAIL
    evaluateBudget(frames!, [12, 13]), // too few samples
  ];
  const html = budgetTableHtml(results, 'Takeoff budgets');
  const rows = [...html.matchAll(/<tr class="budget-row" data-budget="([^"]+)" data-outcome="([A-Z]+)">(.*?)<\/tr>/g)];

  it('has one row per declared limit plus a sample-count row when samples were too few', () => {
    expect(rows.map((r) => [r[1], r[2]])).toEqual([
      ['climb', 'MARGINAL'],
      ['ack', 'PASS'],
      ['ack', 'FAIL'],
      ['frames', 'PASS'],
      ['frames', 'FAIL'],
    ]);
  });

  it('shows declared limit, measured value and sample count', () => {
    expect(rows[0]![3]).toContain('≤ 8s');
    expect(rows[0]![3]).toContain('7.5s');
    expect(rows[2]![3]).toContain('p95');
    expect(rows[2]![3]).toContain('≤ 100ms');
    expect(rows[2]![3]).toMatch(/>\d+(\.\d+)?ms</);
    expect(rows[1]![3]).toMatch(/>4<\/td>/); // n
    expect(rows[4]![3]).toContain('≥ 5');
    expect(rows[4]![3]).toMatch(/>2<\/td>/);
  });

  it('colours outcomes and sums them up, with reasons for what did not pass', () => {
    expect(html).toContain('0 PASS, 1 MARGINAL, 2 FAIL');
    expect(html).toMatch(/outcome-FAIL" style="[^"]*color:#c5221f/);
    expect(html).toMatch(/outcome-MARGINAL" style="[^"]*color:#b06000/);
    expect(html).toMatch(/outcome-PASS" style="[^"]*color:#137333/);
    expect(html).toContain('climb</b> MARGINAL: max 7.5s &lt;= 8s');
    expect(html).toContain('frames</b> FAIL: 2 samples &lt; minSamples 5');
  });

  it('escapes text from budget declarations', () => {
    expect(html).toContain('arm → 2.5 m &lt;b&gt;held&lt;/b&gt;');
    expect(html).not.toContain('<b>held</b>');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('says so when nothing was evaluated', () => {
    expect(budgetTableHtml([])).toContain('No budgets were evaluated.');
  });
});

describe('the budget table on the test page', () => {
  const results = [evaluateBudget(climb!, [7.5]), evaluateBudget(ack!, [20, 30, 40, 250]), evaluateBudget(frames!, [12, 13])];

  it('is drawn from the results the attachment carries', () => {
    const html = budgetTableHtml(results);
    expect(budgetResultsFromHtml(html)).toEqual(JSON.parse(JSON.stringify(results)));
    // A description with "</script>" in it does not end the data block early.
    const [tricky] = parseBudgets([{ name: 'x', metric: 'm', clock: 'host', unit: 'ms', limits: { max: 1 }, description: '</script><b>' }]);
    expect(budgetResultsFromHtml(budgetTableHtml([evaluateBudget(tricky!, [2])]))![0]!.description).toBe('</script><b>');
    expect(budgetResultsFromHtml('<html><body><table></table></body></html>')).toBeNull();
  });

  it('keeps to the markup Allure keeps of a description (jsoup relaxed: no style, no class), and says everything in text', () => {
    const plain = budgetTablePlain(results, 'Budgets');
    const allowed: Record<string, string[]> = { p: [], b: [], small: [], br: [], table: ['width'], thead: [], tbody: [], tr: [], th: ['width'], td: ['rowspan', 'width'], ul: [], li: [] };
    for (const [, tag, attrs] of plain.matchAll(/<([a-z0-9]+)([^>]*)>/g)) {
      expect([tag, tag! in allowed]).toEqual([tag, true]);
      for (const [, name] of attrs!.matchAll(/\s([a-z-]+)=/g)) expect([tag, name, allowed[tag!]!.includes(name!)]).toEqual([tag, name, true]);
    }
    const text = plain.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Budgets : 0 PASS, 1 MARGINAL, 2 FAIL');
    expect(text).toContain('climb MARGINAL time_to_alt arm → 2.5 m &lt;b&gt;held&lt;/b&gt; vehicle max ≤ 8s 7.5s 1 MARGINAL');
    expect(text).toContain('p95 ≤ 100ms');
    expect(text).toContain('n ≥ 5 2 FAIL');
    expect(text).toContain('frames FAIL : 2 samples &lt; minSamples 5');
    expect(plain).toContain('<b>FAIL</b>');
    expect(budgetTablePlain([])).toContain('No budgets were evaluated.');
  });
});
