import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { reportCommand } from '../../src/cli/report.js';
import { UsageError } from '../../src/cli/args.js';
import { expandDirs, mergeResults } from '../../src/report/merge.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-merge-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const write = (file: string, data: unknown) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
};

/** An Allure result with one step carrying one attachment. */
function result(dir: string, n: number, test: string, stop: number, attachment: number) {
  const a = `${uuid(attachment)}-attachment.txt`;
  write(path.join(dir, 'allure-results', a), `attachment of ${test} stopping at ${stop}`);
  write(path.join(dir, 'allure-results', `${uuid(n)}-result.json`), {
    uuid: uuid(n), name: test, fullName: `flightcheck:scenarios/takeoff.test.ts#takeoff ${test}`, historyId: `h-${test}`, testCaseId: `t-${test}`,
    status: 'passed', start: stop - 10, stop, steps: [{ name: 'climb', steps: [], attachments: [{ name: 'log', source: a, type: 'text/plain' }] }], attachments: [], labels: [], parameters: [],
  });
}
function scenario(dir: string, test: string, startedHostMs: number) {
  write(path.join(dir, 'scenarios', `takeoff--${test}.json`), { file: '/ci/scenarios/takeoff.test.ts', test: `takeoff ${test}`, target: 'sim', info: { seed: String(startedHostMs) }, budgets: [], phases: [], artifacts: [], startedHostMs, durationMs: 5 });
}

/** Shard 1: a, b. Shard 2 (the re-run of b, plus c): b newer, c — which Jest failed in afterEach. */
function shards(): [string, string] {
  const s1 = path.join(tmp, 'shard-1');
  const s2 = path.join(tmp, 'shard-2');
  result(s1, 1, 'a', 100, 101);
  result(s1, 2, 'b', 100, 102);
  write(path.join(s1, 'allure-results', `${uuid(3)}-container.json`), { uuid: uuid(3), children: [uuid(1), uuid(2)], befores: [], afters: [{ name: 'afterEach', attachments: [{ name: 'budgets', source: `${uuid(103)}-attachment.html` }] }] });
  write(path.join(s1, 'allure-results', `${uuid(103)}-attachment.html`), '<table>');
  write(path.join(s1, 'allure-results', `${uuid(104)}-attachment.txt`), 'referenced by nothing');
  write(path.join(s1, 'allure-results', 'environment.properties'), 'target=sim\n');
  scenario(s1, 'a', 1000);
  scenario(s1, 'b', 1000);
  write(path.join(s1, 'recordings', 'takeoff--a.jsonl'), '{}\n');
  write(path.join(s1, 'summary.json'), { target: 'sim', shard: '1/2' });

  result(s2, 11, 'b', 200, 111);
  result(s2, 12, 'c', 150, 112);
  write(path.join(s2, 'allure-results', `${uuid(13)}-container.json`), { uuid: uuid(13), children: [uuid(11), uuid(12)], befores: [], afters: [] });
  scenario(s2, 'b', 2000);
  scenario(s2, 'c', 2000);
  write(path.join(s2, 'recordings', 'takeoff--c.jsonl'), '{}\n');
  write(path.join(s2, 'jest-results.json'), {
    testResults: [{ name: '/elsewhere/scenarios/takeoff.test.ts', assertionResults: [{ fullName: 'takeoff c', status: 'failed', failureMessages: ['BudgetFailure: 1 of 1 budgets failed\n    at x'] }] }],
  });
  return [s1, s2];
}

const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const resultsIn = (dir: string) =>
  fs.readdirSync(path.join(dir, 'allure-results')).filter((f) => f.endsWith('-result.json')).map((f) => read(path.join(dir, 'allure-results', f)));

describe('mergeResults', () => {
  it('keeps every scenario exactly once, the latest run of each', () => {
    const dest = path.join(tmp, 'merged');
    const summary = mergeResults(shards(), dest);
    const results = resultsIn(dest);
    expect(results.map((r) => r.name).sort()).toEqual(['a', 'b', 'c']);
    expect(results.find((r) => r.name === 'b').uuid).toBe(uuid(11));
    expect(summary).toMatchObject({ results: 3, duplicates: 1, scenarios: 3, scenarioDuplicates: 1, reconciled: 1 });

    const records = fs.readdirSync(path.join(dest, 'scenarios')).map((f) => read(path.join(dest, 'scenarios', f)));
    expect(records.map((r) => r.test).sort()).toEqual(['takeoff a', 'takeoff b', 'takeoff c']);
    expect(records.find((r) => r.test === 'takeoff b').startedHostMs).toBe(2000);
  });

  it('copies only attachments still referenced, and prunes containers of dropped results', () => {
    const dest = path.join(tmp, 'merged');
    mergeResults(shards(), dest);
    const files = fs.readdirSync(path.join(dest, 'allure-results'));
    expect(files).toEqual(expect.arrayContaining([`${uuid(101)}-attachment.txt`, `${uuid(111)}-attachment.txt`, `${uuid(112)}-attachment.txt`, `${uuid(103)}-attachment.html`]));
    expect(files).not.toContain(`${uuid(102)}-attachment.txt`); // the older b's
    expect(files).not.toContain(`${uuid(104)}-attachment.txt`); // nobody's
    expect(files).not.toContain('environment.properties'); // the report step writes the run's own
    expect(read(path.join(dest, 'allure-results', `${uuid(3)}-container.json`)).children).toEqual([uuid(1)]);
    expect(read(path.join(dest, 'allure-results', `${uuid(13)}-container.json`)).children).toEqual([uuid(11), uuid(12)]);
  });

  it('takes each shard’s Jest verdict, copies recordings, and leaves shard-only files behind', () => {
    const dest = path.join(tmp, 'merged');
    mergeResults(shards(), dest);
    const c = resultsIn(dest).find((r) => r.name === 'c');
    expect(c.status).toBe('failed');
    expect(c.statusDetails.message).toBe('BudgetFailure: 1 of 1 budgets failed');
    expect(fs.readdirSync(path.join(dest, 'recordings')).sort()).toEqual(['takeoff--a.jsonl', 'takeoff--c.jsonl']);
    expect(fs.existsSync(path.join(dest, 'summary.json'))).toBe(false);
    expect(read(path.join(dest, 'merge.json')).sources).toHaveLength(2);
  });

  it('replaces what a previous merge left in the destination', () => {
    const dest = path.join(tmp, 'merged');
    const [s1, s2] = shards();
    mergeResults([s1, s2], dest);
    mergeResults([s1], dest);
    expect(resultsIn(dest).map((r) => r.name).sort()).toEqual(['a', 'b']);
    expect(fs.readdirSync(path.join(dest, 'recordings'))).toEqual(['takeoff--a.jsonl']);
  });

  it('names what is wrong with its inputs', () => {
    const [s1] = shards();
    expect(() => mergeResults([], path.join(tmp, 'm'))).toThrow('no results directories given');
    expect(() => mergeResults([path.join(tmp, 'missing')], path.join(tmp, 'm'))).toThrow(`${path.join(tmp, 'missing')} is not a directory`);
    fs.mkdirSync(path.join(tmp, 'empty'));
    expect(() => mergeResults([path.join(tmp, 'empty')], path.join(tmp, 'm'))).toThrow(/has neither allure-results\/ nor scenarios\//);
    expect(() => mergeResults([s1], s1)).toThrow('is also a source');
  });
});

describe('expandDirs', () => {
  it('expands * and ? within path segments to directories, sorted', () => {
    shards();
    fs.writeFileSync(path.join(tmp, 'shard-file'), '');
    expect(expandDirs(['shard-*'], tmp)).toEqual([path.join(tmp, 'shard-1'), path.join(tmp, 'shard-2')]);
    expect(expandDirs(['shard-?/recordings'], tmp)).toEqual([path.join(tmp, 'shard-1', 'recordings'), path.join(tmp, 'shard-2', 'recordings')]);
    expect(expandDirs([path.join(tmp, 'shard-2')])).toEqual([path.join(tmp, 'shard-2')]);
    expect(expandDirs(['nothing-*'], tmp)).toEqual([]);
  });
});

describe('flightcheck report --merge / --from', () => {
  const quiet = async (argv: string[]) => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      return await reportCommand(argv);
    } finally {
      log.mockRestore();
    }
  };

  it('merges the directories given, then writes the run files into the merged allure-results', async () => {
    const [s1, s2] = shards();
    const dest = path.join(tmp, 'merged');
    expect(await quiet(['--merge', s1, s2, '--results', dest, '--skip-generate'])).toBe(0);
    expect(resultsIn(dest)).toHaveLength(3);
    for (const f of ['environment.properties', 'executor.json', 'categories.json']) expect(fs.existsSync(path.join(dest, 'allure-results', f))).toBe(true);
    expect(fs.readFileSync(path.join(dest, 'allure-results', 'environment.properties'), 'utf8')).toContain('seed=1000, 2000\n');
  });

  it('merges directories matching --from patterns', async () => {
    shards();
    const dest = path.join(tmp, 'merged');
    expect(await quiet(['--from', path.join(tmp, 'shard-*'), '--results', dest, '--skip-generate'])).toBe(0);
    expect(resultsIn(dest).map((r) => r.name).sort()).toEqual(['a', 'b', 'c']);
  });

  it('rejects stray arguments, an empty --merge and patterns matching nothing', async () => {
    await expect(reportCommand(['somewhere'])).rejects.toThrow(new UsageError('unexpected argument "somewhere" (to merge directories, use --merge DIR…)'));
    await expect(reportCommand(['--merge'])).rejects.toThrow('--merge: expected one or more results directories');
    await expect(reportCommand(['--from', path.join(tmp, 'none-*')])).rejects.toThrow(/--from: no directories match/);
    await expect(reportCommand(['--merge', path.join(tmp, 'missing'), '--results', path.join(tmp, 'm')])).rejects.toThrow(/is not a directory/);
  });
});
