import path from 'node:path';
import { formatValue, type BudgetResult } from '../budgets/index.js';
import { readScenarioRecords } from '../report/results.js';
import { FILE_ITSELF, failureText, fileFailures } from '../report/file-failures.js';

/** The subset of Jest's --json output the summary reads. */
export interface JestResults {
  success: boolean;
  numTotalTests: number;
  testResults: {
    name: string;
    message: string;
    status?: string;
    assertionResults: { title: string; fullName: string; ancestorTitles: string[]; status: string; duration?: number | null; failureMessages: string[] }[];
  }[];
}

export interface ScenarioSummary {
  file: string;
  scenario: string;
  status: 'passed' | 'failed' | 'skipped' | 'todo' | 'pending' | 'interrupted' | string;
  durationMs: number | null;
  target: string | null;
  info: Record<string, string>;
  budgets: BudgetResult[];
  /** Why it was not flown (null unless skipped): the target cannot run here, or lacks something it needs. */
  skipReason: string | null;
}

/** A skip the fixture did not record: Jest's own (it.skip, describe.skip, a name filter, todo). */
export const UNRECORDED_SKIP = 'skipped in the scenario file (it.skip / describe.skip) or by a test name filter: no reason recorded';

export interface RunSummary {
  target: string;
  speed: string | null;
  shard: string | null;
  /** The run was stopped (Ctrl-C, SIGTERM) or Jest died before it finished: what is here is what finished, and what was cut off. */
  interrupted: boolean;
  /** How it was stopped (SIGINT, SIGTERM, "Jest exited without results"), or null. */
  interruptedBy: string | null;
  passed: number;
  failed: number;
  skipped: number;
  /** Tests that were running when the run was stopped. */
  cutOff: number;
  budgets: { pass: number; marginal: number; fail: number };
  scenarios: ScenarioSummary[];
  failureMessages: string[];
}

/** Joins Jest's verdicts with the budget records the fixture wrote for each scenario test. */
export function buildSummary(
  jest: JestResults | null,
  results: string,
  run: { target: string; speed: string | null; shard: string | null; interruptedBy?: string | null },
): RunSummary {
  const records = readScenarioRecords(results);
  const byKey = new Map(records.map((r) => [`${path.resolve(r.file)}::${r.test}`, r]));
  const scenarios: ScenarioSummary[] = [];
  const failureMessages: string[] = [];
  const fileFailed = new Map(fileFailures(jest?.testResults ?? []).map((f) => [f.file, f.message]));
  for (const file of jest?.testResults ?? []) {
    for (const a of file.assertionResults) {
      const rec = byKey.get(`${path.resolve(file.name)}::${a.fullName}`);
      const skipped = a.status !== 'passed' && a.status !== 'failed' && a.status !== 'interrupted';
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
      if (a.status === 'failed' || a.status === 'interrupted') failureMessages.push(`✗ ${a.fullName}\n${a.failureMessages.join('\n').split('\n').slice(0, 25).join('\n')}`);
    }
    // A file that failed outside its tests (did not load; a hook after them threw) is one failed scenario.
    const failed = fileFailed.get(file.name);
    if (failed !== undefined) {
      failureMessages.push(`✗ ${path.relative(process.cwd(), file.name)} ${FILE_ITSELF}\n${failureText(failed)}`);
      scenarios.push({
        file: path.relative(process.cwd(), file.name), scenario: `${path.basename(file.name)} ${FILE_ITSELF}`, status: 'failed',
        durationMs: null, target: run.target, info: {}, budgets: [], skipReason: null,
      });
    }
  }
  const all = scenarios.flatMap((s) => s.budgets);
  const { interruptedBy = null, ...rest } = run;
  return {
    ...rest,
    interrupted: interruptedBy !== null,
    interruptedBy,
    passed: scenarios.filter((s) => s.status === 'passed').length,
    failed: scenarios.filter((s) => s.status === 'failed').length,
    skipped: scenarios.filter((s) => s.skipReason !== null).length,
    cutOff: scenarios.filter((s) => s.status === 'interrupted').length,
    budgets: {
      pass: all.filter((b) => b.outcome === 'PASS').length,
      marginal: all.filter((b) => b.outcome === 'MARGINAL').length,
      fail: all.filter((b) => b.outcome === 'FAIL').length,
    },
    scenarios,
    failureMessages,
  };
}

const MARK: Record<string, string> = { passed: '✓', failed: '✗', skipped: '-', pending: '-', todo: '-', interrupted: '!' };

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
    ...(s.interrupted ? [`INTERRUPTED (${s.interruptedBy}): ${s.cutOff} cut off; the results below are what finished before`] : []),
    `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${s.cutOff ? `, ${s.cutOff} cut off` : ''} — budgets: ${b.pass} PASS, ${b.marginal} MARGINAL, ${b.fail} FAIL — target ${s.target}${s.speed ? `, speed ${s.speed}` : ''}${s.shard ? `, shard ${s.shard}` : ''}`,
  );
  return lines.join('\n');
}
