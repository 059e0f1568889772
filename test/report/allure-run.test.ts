import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CATEGORIES, copyHistory, environmentEntries, executorInfo, liftTeardownAttachments, loadJestVerdicts, propertiesText, reconcileResult, resetAllureResults, runInfoFromResults, writeRunFiles,
  type AllureResultFile,
} from '../../src/report/allure-run.js';
import { evaluateBudget, parseBudgets } from '../../src/budgets/index.js';
import { budgetTableHtml } from '../../src/report/budget-html.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-run-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function scenario(name: string, info: Record<string, string>, target = 'sim'): void {
  fs.mkdirSync(path.join(dir, 'scenarios'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'scenarios', `${name}.json`), JSON.stringify({ file: `/r/scenarios/${name}.test.ts`, test: name, target, info, budgets: [], phases: [], artifacts: [], startedHostMs: 1, durationMs: 1 }));
}

/** Java's regex semantics for what Allure does with categories: whole-string match. */
function javaMatches(regex: string, text: string): boolean {
  const flags = regex.startsWith('(?s)') ? 's' : '';
  return new RegExp(`^(?:${regex.replace(/^\(\?s\)/, '')})$`, flags).test(text);
}

describe('run-level Allure files', () => {
  it('gathers target, PX4 version, speed and seed from summary.json and the scenario records', () => {
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ target: 'sim', speed: '10', shard: '1/2' }));
    scenario('a', { px4Version: 'v1.16.0 (built-in simulator)', speed: '10', seed: '1' });
    scenario('b', { px4Version: 'v1.16.0 (built-in simulator)', speed: '10', seed: '2' });
    expect(runInfoFromResults(dir)).toEqual({ target: 'sim', speed: '10', shard: '1/2', px4Version: 'v1.16.0 (built-in simulator)', seed: '1, 2' });
  });

  it('names the commit that flew (summary.json), or why there is none, and the PX4 version the vehicles reported', () => {
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ target: 'sim', speed: 'max', commit: '33cd56baf77523256388dfb02a71928eaaff0499-dirty', px4Version: '1.16.0 (built-in simulator)' }));
    const info = runInfoFromResults(dir);
    expect(info).toMatchObject({ commit: '33cd56baf77523256388dfb02a71928eaaff0499-dirty', px4Version: '1.16.0 (built-in simulator)' });
    writeRunFiles(path.join(dir, 'allure-results'), info, {});
    const props = fs.readFileSync(path.join(dir, 'allure-results', 'environment.properties'), 'utf8');
    expect(props).toContain('commit=33cd56baf77523256388dfb02a71928eaaff0499-dirty\n');
    expect(props).toContain('PX4\\ version=1.16.0 (built-in simulator)\n');
    // The run's own record wins over the CI's; without one the CI's is shown.
    expect(environmentEntries(info, { GITHUB_SHA: 'f'.repeat(40) }).commit).toBe('33cd56baf77523256388dfb02a71928eaaff0499-dirty');
    expect(environmentEntries({}, { GITHUB_SHA: 'f'.repeat(40) }).commit).toBe('ffffffffffff');
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ target: 'sim', commit: null, commitAbsent: 'not a git checkout (git is not installed)' }));
    expect(runInfoFromResults(dir).commit).toBe('none (not a git checkout (git is not installed))');
  });

  it('writes environment.properties as Java properties (escaped keys, \\u escapes)', () => {
    expect(propertiesText({ 'PX4 version': 'v1.16 (sim)', a: 'x=y:z', seed: undefined, empty: '', host: 'münchen\nrack' })).toBe(
      'PX4\\ version=v1.16 (sim)\na=x\\=y\\:z\nhost=m\\u00fcnchen\\nrack\n',
    );
    writeRunFiles(path.join(dir, 'allure-results'), { target: 'hil', px4Version: 'v1.16.0', speed: '1', seed: '3' }, { RUNNER_NAME: 'rack-01' });
    const props = fs.readFileSync(path.join(dir, 'allure-results', 'environment.properties'), 'utf8');
    expect(props).toContain('target=hil\n');
    expect(props).toContain('PX4\\ version=v1.16.0\n');
    expect(props).toContain('speed=1\nseed=3\n');
    expect(props).toContain(`node=${process.version}\n`);
    expect(props).toContain('host=rack-01\n');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'allure-results', 'categories.json'), 'utf8'))).toEqual(CATEGORIES);
  });

  it('describes the GitHub Actions run as the executor, else this machine', () => {
    const gh = executorInfo({
      GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '42', GITHUB_RUN_NUMBER: '7', GITHUB_RUN_ATTEMPT: '2', GITHUB_REPOSITORY: 'org/flightcheck',
      GITHUB_SERVER_URL: 'https://github.com', GITHUB_WORKFLOW: 'pr-gate', GITHUB_JOB: 'merge',
    });
    expect(gh).toEqual({
      name: 'GitHub Actions', type: 'github', url: 'https://github.com/org/flightcheck', buildOrder: 7,
      buildName: 'pr-gate #7 (merge)', buildUrl: 'https://github.com/org/flightcheck/actions/runs/42/attempts/2', reportName: 'flightcheck',
    });
    const local = executorInfo({}, new Date('2026-03-01T12:00:00Z'));
    expect(local).toMatchObject({ name: 'local', type: 'local', buildOrder: 1772366400 });
    expect(local.buildName).toContain('2026-03-01 12:00:00');
  });

  it('categorises by the error named in the trace; everything else is an assertion failure', () => {
    const trace = (first: string) => `${first}\n    at Object.<anonymous> (scenarios/takeoff.test.ts:12:5)`;
    const cases: [string, string][] = [
      [trace('BudgetFailure: 1 of 2 budgets failed\nbudget  clock\nclimb  vehicle'), 'Budget exceeded'],
      [trace('StackDidNotComeUp: stack did not come up at stage "px4": no HEARTBEAT'), 'Stack did not come up'],
      [trace('LinkLost: link udp://:14540 lost: no HEARTBEAT for 3000 ms'), 'Link lost'],
      [trace('Error: expect(received).toBeGreaterThan(expected)'), 'Assertion failed'],
      [trace('WaitTimeout: altitude never reached 2.5 m'), 'Assertion failed'],
    ];
    for (const [text, expected] of cases) {
      const matched = CATEGORIES.filter((c) => javaMatches(c.traceRegex, text)).map((c) => c.name);
      expect([text.split('\n')[0], matched]).toEqual([text.split('\n')[0], [expected]]);
    }
  });

  it('copies the previous report history so trends continue, and tolerates no previous report', () => {
    const report = path.join(dir, 'allure-report');
    fs.mkdirSync(path.join(report, 'history'), { recursive: true });
    fs.writeFileSync(path.join(report, 'history', 'history-trend.json'), '[{"buildOrder":1}]');
    fs.writeFileSync(path.join(report, 'history', 'history.json'), '{}');
    const results = path.join(dir, 'allure-results');
    expect(copyHistory(report, results)).toBe(2);
    expect(fs.readFileSync(path.join(results, 'history', 'history-trend.json'), 'utf8')).toBe('[{"buildOrder":1}]');
    expect(copyHistory(path.join(report, 'history'), results)).toBe(2);
    expect(copyHistory(path.join(dir, 'nope'), results)).toBe(0);
  });

  it('resets allure-results for a fresh run', () => {
    const results = path.join(dir, 'allure-results');
    fs.mkdirSync(results, { recursive: true });
    fs.writeFileSync(path.join(results, 'old-result.json'), '{}');
    expect(resetAllureResults(dir)).toBe(results);
    expect(fs.readdirSync(results)).toEqual([]);
  });
});

describe('reconcileResult', () => {
  const jestFile = () => {
    const file = path.join(dir, 'jest-results.json');
    fs.writeFileSync(file, JSON.stringify({
      testResults: [{
        name: '/home/runner/work/fc/fc/scenarios/takeoff.test.ts',
        assertionResults: [
          { fullName: 'takeoff climbs', status: 'failed', failureMessages: ['\u001b[31mBudgetFailure: 1 of 1 budgets failed\nclimb FAIL\u001b[39m\n    at x (scenarios/takeoff.test.ts:3:1)'] },
          { fullName: 'takeoff lands', status: 'passed', failureMessages: [] },
        ],
      }],
    }));
    return loadJestVerdicts(file)!;
  };
  const result = (name: string, status = 'passed', file = 'scenarios/takeoff.test.ts'): AllureResultFile => ({ uuid: 'u', fullName: `flightcheck:${file}#takeoff ${name}`, status });

  it('marks a test Jest failed but Allure passed as failed, with Jest text as message and trace', () => {
    const r = result('climbs');
    expect(reconcileResult(r, jestFile())).toBe(true);
    expect(r.status).toBe('failed');
    expect(r.statusDetails).toEqual({ message: 'BudgetFailure: 1 of 1 budgets failed\nclimb FAIL', trace: expect.stringContaining('at x (scenarios/takeoff.test.ts:3:1)') });
  });

  it('leaves agreeing, already failed, and other files’ tests alone', () => {
    const v = jestFile();
    expect(reconcileResult(result('lands'), v)).toBe(false);
    expect(reconcileResult(result('climbs', 'broken'), v)).toBe(false);
    expect(reconcileResult(result('climbs', 'passed', 'scenarios/other.test.ts'), v)).toBe(false);
  });
});

describe('the budget table on the test page', () => {
  const [climb] = parseBudgets({ climb: { metric: 'time_to_alt', clock: 'vehicle', unit: 's', limits: { max: 8 } } });
  const write = (name: string, body: string | object) => fs.writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));

  it('is put open in the description of each test whose after-hook attached it, after the description the test gave', () => {
    write('t1-attachment.html', budgetTableHtml([evaluateBudget(climb!, [9])]));
    write('t1-result.json', { uuid: 't1', name: 'climbs', description: 'Takes off *to* 2.5 m', attachments: [] });
    write('c1-container.json', { name: 'afterEach', children: ['t1'], afters: [{ name: 'afterEach', steps: [{ name: 'Budgets.html', attachments: [{ name: 'Budgets.html', source: 't1-attachment.html', type: 'text/html' }], steps: [] }] }] });
    write('t2-result.json', { uuid: 't2', name: 'no budgets', attachments: [] });
    expect(liftTeardownAttachments(dir)).toBe(1);
    const page = read('t1-result.json').descriptionHtml as string;
    expect(page.indexOf('Takes off *to* 2.5 m')).toBeLessThan(page.indexOf('<table'));
    expect(page.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')).toContain('climb FAIL time_to_alt vehicle max ≤ 8s 9s 1 FAIL');
    expect(page).not.toMatch(/style=|class=/);
    expect(read('t2-result.json').descriptionHtml).toBeUndefined();
    // Preparing the report again changes nothing.
    liftTeardownAttachments(dir);
    expect(read('t1-result.json').descriptionHtml).toBe(page);
  });
});
