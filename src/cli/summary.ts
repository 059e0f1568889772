import path from 'node:path';
import { formatValue, type BudgetResult } from '../budgets/index.js';
import { readScenarioRecords } from '../report/results.js';
import { reportedPx4Version, type RunMeta } from './run-info.js';

/** The subset of Jest's --json output the summary reads. */
export interface JestResults {
  success: boolean;
  numTotalTests: number;
  testResults: {
    name: string;
    message: string;
    assertionResults: { title: string; fullName: string; ancestorTitles: string[]; status: string; duration?: number | null; failureMessages: string[] }[];
  }[];
}

export interface ScenarioSummary {
  file: string;
  scenario: string;
  status: 'passed' | 'failed' | 'skipped' | 'todo' | 'pending' | string;
  durationMs: number | null;
  target: string | null;
  info: Record<string, string>;
  budgets: BudgetResult[];
  /** Why it was not flown (null unless skipped): the target cannot run here, or lacks something it needs. */
  skipReason: string | null;
}

/** A skip the fixture did not record: Jest's own (it.skip, describe.skip, a name filter, todo). */
export const UNRECORDED_SKIP = 'skipped in the scenario file (it.skip / describe.skip) or by a test name filter: no reason recorded';

export interface RunSummary extends RunMeta {
  /** The PX4 version the vehicles reported (AUTOPILOT_VERSION), or null when no vehicle flew. */
  px4Version: string | null;
  passed: number;
  failed: number;
  skipped: number;
  budgets: { pass: number; marginal: number; fail: number };
  scenarios: ScenarioSummary[];
  failureMessages: string[];
}

/** Joins Jest's verdicts with the budget records the fixture wrote for each scenario test. */
export function buildSummary(jest: JestResults | null, results: string, run: RunMeta): RunSummary {
  const records = readScenarioRecords(results);
  const byKey = new Map(records.map((r) => [`${path.resolve(r.file)}::${r.test}`, r]));
  const scenarios: ScenarioSummary[] = [];
  const failureMessages: string[] = [];
  for (const file of jest?.testResults ?? []) {
    if (file.assertionResults.length === 0 && file.message) failureMessages.push(`${path.relative(process.cwd(), file.name)}: ${file.message}`);
    for (const a of file.assertionResults) {
      const rec = byKey.get(`${path.resolve(file.name)}::${a.fullName}`);
      const skipped = a.status !== 'passed' && a.status !== 'failed';
      scenarios.push({
        file: path.relative(process.cwd(), file.name),
        scenario: a.fullName,
        status: a.status,
        durationMs: a.duration ?? null,
        target: rec?.target ?? null,
        info: rec?.info ?? {},
        budgets: rec?.budgets ?? [],
        skipReason: skipped ? (rec?.skipReason ?? (a.status === 'todo' ? 'todo: not written yet' : UNRECORDED_SKIP)) : null,
      });
      if (a.status === 'failed') failureMessages.push(`✗ ${a.fullName}\n${a.failureMessages.join('\n').split('\n').slice(0, 25).join('\n')}`);
    }
  }
  const all = scenarios.flatMap((s) => s.budgets);
  return {
    ...run,
    px4Version: reportedPx4Version(scenarios.filter((s) => s.status === 'passed' || s.status === 'failed').map((s) => s.info)),
    passed: scenarios.filter((s) => s.status === 'passed').length,
    failed: scenarios.filter((s) => s.status === 'failed').length,
    skipped: scenarios.filter((s) => s.status !== 'passed' && s.status !== 'failed').length,
    budgets: {
      pass: all.filter((b) => b.outcome === 'PASS').length,
      marginal: all.filter((b) => b.outcome === 'MARGINAL').length,
      fail: all.filter((b) => b.outcome === 'FAIL').length,
    },
    scenarios,
    failureMessages,
  };
}

const MARK: Record<string, string> = { passed: '✓', failed: '✗', skipped: '-', pending: '-', todo: '-' };

/** The table `flightcheck run` prints: scenario, result, and each budget's measured value against its limit. */
export function formatSummary(s: RunSummary): string {
  const rows: string[][] = [['scenario', 'result', 'budget', 'measured', 'limit', 'outcome']];
  for (const sc of s.scenarios) {
    const first = [`${MARK[sc.status] ?? '?'} ${sc.scenario}`, sc.status];
    if (sc.budgets.length === 0) rows.push([...first, '', '', '', '']);
    // The reason goes on a line of its own, below the row (it is too long for a column).
    if (sc.skipReason) rows.push([`    skipped: ${sc.skipReason}`]);
    sc.budgets.forEach((b, i) => {
      const check = b.checks.find((c) => c.outcome !== 'PASS') ?? b.checks[0];
      const measured = check?.measured == null ? '-' : `${check.stat} ${formatValue(check.measured, b.unit)}`;
      const limit = check ? `${check.kind === 'atMost' ? '≤' : '≥'} ${formatValue(check.limit, b.unit)}` : '';
      rows.push([...(i === 0 ? first : ['', '']), `${b.name} (${b.clock})`, `${measured} n=${b.count}`, limit, b.outcome]);
    });
  }
  const tableRows = rows.filter((r) => r.length > 1);
  const widths = rows[0]!.map((_, c) => Math.max(...tableRows.map((r) => [...r[c]!].length)));
  const lines = rows.map((r) => (r.length === 1 ? r[0]! : r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()));
  lines.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '));
  const b = s.budgets;
  lines.push(
    '',
    `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped — budgets: ${b.pass} PASS, ${b.marginal} MARGINAL, ${b.fail} FAIL — target ${s.target}${s.speed ? `, speed ${s.speed}` : ''}${s.shard ? `, shard ${s.shard}` : ''}`,
  );
  return lines.join('\n');
}
