/**
 * Run-level files in allure-results, written by `flightcheck report` before `allure generate`:
 * environment.properties (where it flew), executor.json (which CI build), categories.json (why
 * scenarios failed), and the previous report's history (so trends continue across runs).
 * Also fixes test statuses Allure cannot know: a budget judged in afterEach fails the test for
 * Jest, but allure-jest has already recorded the test body as passed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readScenarioRecords } from './results.js';
import { showBudgetsOnTestPages } from './test-page.js';

export const ALLURE_RESULTS = 'allure-results';
export const ALLURE_REPORT = 'allure-report';

/** What environment.properties shows; values seen in several scenarios are joined with ", ". */
export interface RunInfo {
  target?: string;
  /** The checkout that flew (summary.json's `commit`), or why there is none. */
  commit?: string;
  px4Version?: string;
  speed?: string;
  seed?: string;
  shard?: string;
  [key: string]: string | undefined;
}

/** The run's target, commit, PX4 version, speed and seed, from summary.json and the scenario records. */
export function runInfoFromResults(resultsDir: string): RunInfo {
  const values = new Map<string, Set<string>>();
  const add = (key: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    if (!values.has(key)) values.set(key, new Set());
    values.get(key)!.add(String(value));
  };
  const summary = readJson<{ target?: string; speed?: string | null; shard?: string | null; commit?: string | null; commitAbsent?: string; px4Version?: string | null }>(
    path.join(resultsDir, 'summary.json'),
  );
  add('target', summary?.target);
  add('commit', summary?.commit ?? (summary?.commitAbsent && `none (${summary.commitAbsent})`));
  for (const v of summary?.px4Version?.split(', ') ?? []) add('px4Version', v);
  add('speed', summary?.speed);
  add('shard', summary?.shard);
  for (const r of readScenarioRecords(resultsDir)) {
    add('target', r.target);
    for (const key of ['px4Version', 'speed', 'seed'] as const) add(key, r.info?.[key]);
  }
  const info: RunInfo = {};
  for (const [k, set] of values) info[k] = [...set].sort().join(', ');
  return info;
}

/** Java properties text (ISO-8859-1 with \uXXXX escapes), which is what Allure reads. */
export function propertiesText(entries: Record<string, string | undefined>): string {
  const esc = (s: string, key: boolean) =>
    s
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
      .replace(key ? /[=: #!]/g : /^[ #!]|[=:]/g, (c) => `\\${c}`)
      .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return (
    Object.entries(entries)
      .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
      .map(([k, v]) => `${esc(k, true)}=${esc(v, false)}`)
      .join('\n') + '\n'
  );
}

export function environmentEntries(info: RunInfo, env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const { target, commit, px4Version, speed, seed, shard, ...rest } = info;
  return {
    target,
    // What flew: the run's own record of its checkout, else the CI's commit.
    commit: commit ?? env.GITHUB_SHA?.slice(0, 12),
    'PX4 version': px4Version,
    speed,
    seed,
    shard,
    ...rest,
    node: process.version,
    host: env.RUNNER_NAME ?? os.hostname(),
    ...(env.GITHUB_REF_NAME ? { ref: env.GITHUB_REF_NAME } : {}),
  };
}

/** Allure's executor block: the GitHub Actions run when there is one, else this machine. */
export function executorInfo(env: NodeJS.ProcessEnv = process.env, now = new Date()): Record<string, string | number> {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_RUN_ID) {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const repo = `${server}/${env.GITHUB_REPOSITORY ?? ''}`;
    const attempt = env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '';
    return {
      name: 'GitHub Actions',
      type: 'github',
      url: repo,
      buildOrder: Number(env.GITHUB_RUN_NUMBER ?? 0),
      buildName: `${env.GITHUB_WORKFLOW ?? 'workflow'} #${env.GITHUB_RUN_NUMBER ?? '?'}${env.GITHUB_JOB ? ` (${env.GITHUB_JOB})` : ''}`,
      buildUrl: `${repo}/actions/runs/${env.GITHUB_RUN_ID}${attempt}`,
      reportName: 'flightcheck',
    };
  }
  return {
    name: 'local',
    type: 'local',
    // Seconds since the epoch: increasing, so the history trend orders local runs correctly.
    buildOrder: Math.floor(now.getTime() / 1000),
    buildName: `${os.userInfo().username}@${os.hostname()} ${now.toISOString().slice(0, 19).replace('T', ' ')}`,
    reportName: 'flightcheck',
  };
}

/**
 * Why a scenario failed. Allure matches regexes against the whole text (Java), hence `(?s)…`; the
 * error class names appear in the stack trace's first line (e.g. "BudgetFailure: 2 of 3 budgets failed").
 * A result may match several categories, so the last one excludes the named failures.
 */
export const CATEGORIES = [
  { name: 'Budget exceeded', description: 'A declared budget failed (BudgetFailure)', matchedStatuses: ['failed', 'broken'], traceRegex: '(?s).*\\bBudgetFailure\\b.*' },
  { name: 'Stack did not come up', description: 'The target did not come up (StackDidNotComeUp)', matchedStatuses: ['failed', 'broken'], traceRegex: '(?s).*\\bStackDidNotComeUp\\b.*' },
  { name: 'Link lost', description: 'The MAVLink link went silent (LinkLost)', matchedStatuses: ['failed', 'broken'], traceRegex: '(?s).*\\bLinkLost\\b.*' },
  {
    name: 'Assertion failed',
    description: 'Any other failure: an expectation or wait in the scenario did not hold',
    matchedStatuses: ['failed', 'broken'],
    traceRegex: '(?s)(?!.*\\b(BudgetFailure|StackDidNotComeUp|LinkLost)\\b).*',
  },
];

/** Writes environment.properties, executor.json and categories.json into an allure-results directory. */
export function writeRunFiles(allureResults: string, info: RunInfo, env: NodeJS.ProcessEnv = process.env): void {
  fs.mkdirSync(allureResults, { recursive: true });
  fs.writeFileSync(path.join(allureResults, 'environment.properties'), propertiesText(environmentEntries(info, env)));
  fs.writeFileSync(path.join(allureResults, 'executor.json'), JSON.stringify(executorInfo(env), null, 2));
  fs.writeFileSync(path.join(allureResults, 'categories.json'), JSON.stringify(CATEGORIES, null, 2));
}

/**
 * Copies `<previous report>/history` into `<allure-results>/history` (Allure's way of carrying
 * trends from run to run). Accepts the report directory or its history directory. Returns the
 * number of history files copied (0 when there was no previous report).
 */
export function copyHistory(previousReport: string, allureResults: string): number {
  const from = path.basename(previousReport) === 'history' ? previousReport : path.join(previousReport, 'history');
  if (!fs.existsSync(from) || !fs.statSync(from).isDirectory()) return 0;
  const to = path.join(allureResults, 'history');
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
  return fs.readdirSync(to).length;
}

/** Empties a run's allure-results so a new run does not show stale results (call before Jest starts). */
export function resetAllureResults(resultsDir: string): string {
  const dir = path.join(resultsDir, ALLURE_RESULTS);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// ---- statuses -----------------------------------------------------------------------------------

/** The part of an Allure result file this module reads and rewrites. */
export interface AllureResultFile {
  uuid: string;
  name?: string;
  fullName?: string;
  historyId?: string;
  testCaseId?: string;
  status?: string;
  statusDetails?: { message?: string; trace?: string };
  description?: string;
  /** Shown open at the top of the test page (test-page.ts puts the budget table there). */
  descriptionHtml?: string;
  start?: number;
  stop?: number;
  steps?: AllureStepLike[];
  attachments?: { source: string }[];
  labels?: { name: string; value: string }[];
  parameters?: { name: string; value: string; excluded?: boolean }[];
}
export interface AllureStepLike {
  steps?: AllureStepLike[];
  attachments?: { source: string }[];
}

export interface JestAssertion {
  fullName: string;
  status: string;
  failureMessages?: string[];
}
interface JestResultsFile {
  testResults?: { name: string; assertionResults?: JestAssertion[] }[];
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** Jest's verdict per test name, each with the test file it came from (absolute, on the machine that ran it). */
export type JestVerdicts = Map<string, { file: string; assertion: JestAssertion }[]>;

export function loadJestVerdicts(jestResultsFile: string): JestVerdicts | null {
  const jest = readJson<JestResultsFile>(jestResultsFile);
  if (!jest?.testResults) return null;
  const verdicts: JestVerdicts = new Map();
  for (const file of jest.testResults) {
    for (const a of file.assertionResults ?? []) {
      const list = verdicts.get(a.fullName) ?? [];
      list.push({ file: toPosix(file.name), assertion: a });
      verdicts.set(a.fullName, list);
    }
  }
  return verdicts;
}

/**
 * Makes one Allure result agree with Jest's verdict: a test Jest failed but Allure recorded as
 * passed (a budget judged in afterEach) becomes failed, with Jest's failure text as message and
 * trace, so it lands in the right category. Returns whether it changed.
 */
export function reconcileResult(result: AllureResultFile, verdicts: JestVerdicts): boolean {
  if (!result.fullName || (result.status !== 'passed' && result.status !== undefined)) return false;
  // fullName is "[project:]path/relative/to/rootDir.test.ts#describe test"; Jest's names the file absolutely.
  const hash = result.fullName.indexOf('#');
  if (hash < 0) return false;
  const rel = result.fullName.slice(0, hash).replace(/^[^:]*:/, '');
  const name = result.fullName.slice(hash + 1);
  const verdict = verdicts.get(name)?.find((v) => v.file === rel || v.file.endsWith(`/${rel}`))?.assertion;
  if (!verdict || verdict.status !== 'failed') return false;
  const text = (verdict.failureMessages ?? []).join('\n\n').replace(ANSI, '');
  // The message is the error text before its stack frames ("BudgetFailure: 1 of 2 budgets failed" + table).
  const message = text.split(/\n\s+at /)[0]!.trim() || 'failed after the test body (afterEach)';
  result.status = 'failed';
  result.statusDetails = { ...result.statusDetails, message, trace: text };
  return true;
}

/** reconcileResult for every result file of an allure-results directory; returns how many changed. */
export function reconcileWithJest(allureResults: string, jestResultsFile: string): number {
  const verdicts = loadJestVerdicts(jestResultsFile);
  if (!verdicts || !fs.existsSync(allureResults)) return 0;
  let changed = 0;
  for (const f of fs.readdirSync(allureResults).filter((n) => n.endsWith('-result.json'))) {
    const file = path.join(allureResults, f);
    const result = readJson<AllureResultFile>(file);
    if (result && reconcileResult(result, verdicts)) {
      fs.writeFileSync(file, JSON.stringify(result));
      changed++;
    }
  }
  return changed;
}

interface ContainerFile {
  name?: string;
  children?: string[];
  afters?: { name?: string; steps?: AllureStepLike[] }[];
}

/**
 * The fixture judges budgets and attaches the budget table, plots and recordings in afterEach,
 * which Allure files under "Tear down". A reviewer looks for them on the test itself: move each
 * afterEach attachment step onto the test result it belongs to, then show each test's budget
 * table open on its page (test-page.ts). Idempotent (moved steps are gone from the container).
 * Returns how many attachments moved.
 */
export function liftTeardownAttachments(allureResults: string): number {
  const moved = moveTeardownAttachments(allureResults);
  showBudgetsOnTestPages(allureResults);
  return moved;
}

function moveTeardownAttachments(allureResults: string): number {
  if (!fs.existsSync(allureResults)) return 0;
  const files = fs.readdirSync(allureResults);
  const resultFiles = new Map<string, string>();
  for (const f of files.filter((n) => n.endsWith('-result.json'))) resultFiles.set(f.slice(0, -'-result.json'.length), path.join(allureResults, f));
  let moved = 0;
  for (const f of files.filter((n) => n.endsWith('-container.json'))) {
    const file = path.join(allureResults, f);
    const container = readJson<ContainerFile>(file);
    if (!container || container.name !== 'afterEach' || container.children?.length !== 1) continue;
    const resultFile = resultFiles.get(container.children[0]!);
    const result = resultFile ? readJson<AllureResultFile & { attachments?: { source: string }[] }>(resultFile) : null;
    if (!result || !resultFile) continue;
    const lifted: { source: string }[] = [];
    for (const after of container.afters ?? []) {
      const keep: AllureStepLike[] = [];
      for (const step of after.steps ?? []) {
        const isAttachment = step.attachments?.length === 1 && (step.steps?.length ?? 0) === 0;
        if (isAttachment) lifted.push(step.attachments![0]!);
        else keep.push(step);
      }
      after.steps = keep;
    }
    if (lifted.length === 0) continue;
    result.attachments = [...(result.attachments ?? []), ...lifted];
    fs.writeFileSync(resultFile, JSON.stringify(result));
    fs.writeFileSync(file, JSON.stringify(container));
    moved += lifted.length;
  }
  return moved;
}

export function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
