import path from 'node:path';
import type { BudgetResult } from '../budgets/index.js';
import { columns, cut, fitLine, SUMMARY_WIDTH, wrap } from './fit.js';
import { readScenarioRecords } from '../report/results.js';
import { FILE_ITSELF, failureText, fileFailures } from '../report/file-failures.js';
import { reportedPx4Version, type RunMeta } from './run-info.js';

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

export interface RunSummary extends RunMeta {
  /** The PX4 version the vehicles reported (AUTOPILOT_VERSION), or null when no vehicle flew. */
  px4Version: string | null;
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
export function buildSummary(jest: JestResults | null, results: string, run: RunMeta & { interruptedBy?: string | null }): RunSummary {
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
    px4Version: reportedPx4Version(scenarios.filter((s) => s.status === 'passed' || s.status === 'failed').map((s) => s.info)),
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

/**
 * What `flightcheck run` prints, within 100 columns: a line per scenario (mark, name, result), under
 * it a line per budget with the statistic that decided it (a FAIL shows the one that failed, e.g.
 * `p95 95.8ms > 50ms`), and a skip's reason on lines of its own.
 */
export function formatSummary(s: RunSummary, width = SUMMARY_WIDTH): string {
  const lines: string[] = [];
  const budgetRows = s.scenarios.flatMap((sc) => sc.budgets.map((b) => [`${b.name} (${b.clock})`, `n=${b.count}`, b.outcome]));
  const w = [0, 1, 2].map((c) => Math.max(0, ...budgetRows.map((r) => columns(r[c]!))));
  for (const sc of s.scenarios) {
    const result = `  ${sc.status}`;
    lines.push(fitLine(`${MARK[sc.status] ?? '?'} `, sc.scenario, result, width));
    for (const b of sc.budgets) {
      const head = `    ${`${b.name} (${b.clock})`.padEnd(w[0]!)}  ${b.outcome.padEnd(w[2]!)}  ${`n=${b.count}`.padEnd(w[1]!)}  `;
      lines.push(cut(head + b.reason, width));
    }
    if (sc.skipReason) lines.push(...wrap(`skipped: ${sc.skipReason}`, width, '    '));
  }
  const b = s.budgets;
  lines.push(
    '',
    ...(s.interrupted ? [`INTERRUPTED (${s.interruptedBy}): ${s.cutOff} cut off; the results below are what finished before`] : []),
    `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${s.cutOff ? `, ${s.cutOff} cut off` : ''} — budgets: ${b.pass} PASS, ${b.marginal} MARGINAL, ${b.fail} FAIL`,
    cut(`target ${s.target}, speed ${s.speed}${s.shard ? `, shard ${s.shard}` : ''}${s.px4Version ? `, PX4 ${s.px4Version}` : ''}`, width),
  );
  return lines.join('\n');
}
