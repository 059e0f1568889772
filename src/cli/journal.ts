/**
 * The run's journal (written by src/cli/journal-reporter.cjs as tests start and end) read back:
 * the results of a run Jest could not finish (interrupted, or Jest itself died), and the tests a
 * dead Jest worker took down with it. Jest's own --json results, when it wrote them, stay the
 * authority for everything they contain.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JestResults } from './summary.js';

export type JournalEntry =
  | { kind: 'file-start'; file: string; hostMs: number }
  | { kind: 'test-start'; file: string; test: string; hostMs: number }
  | { kind: 'test-result'; file: string; test: string; title: string; ancestorTitles: string[]; status: string; duration: number | null; failureMessages: string[]; hostMs: number }
  | { kind: 'file-result'; file: string; error: string | null; failureMessage: string | null; hostMs: number }
  | { kind: 'run-complete'; hostMs: number };

/** The status of a test that was running when the run was interrupted. */
export const INTERRUPTED = 'interrupted';

export function journalFile(results: string): string {
  return path.join(results, 'run-journal.jsonl');
}

/** Complete lines only: the last one may have been cut mid-write. */
export function readJournal(file: string): JournalEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    try {
      if (line) out.push(JSON.parse(line) as JournalEntry);
    } catch {
      // a torn last line
    }
  }
  return out;
}

/** Tests that started and never ended, by file; a file that started and never got to a test or a result is listed with none. */
export function cutOff(entries: JournalEntry[]): Map<string, { test: string; sinceMs: number }[]> {
  const open = new Map<string, Map<string, number>>();
  const fileDone = new Set<string>();
  for (const e of entries) {
    if (e.kind === 'run-complete') continue;
    const tests = open.get(e.file) ?? new Map<string, number>();
    open.set(e.file, tests);
    if (e.kind === 'file-start') fileDone.delete(e.file);
    else if (e.kind === 'test-start') tests.set(e.test, e.hostMs);
    else if (e.kind === 'test-result') tests.delete(e.test);
    else if (e.kind === 'file-result') fileDone.add(e.file);
  }
  const out = new Map<string, { test: string; sinceMs: number }[]>();
  for (const [file, tests] of open) {
    if (tests.size > 0 || !fileDone.has(file)) out.set(file, [...tests].map(([test, sinceMs]) => ({ test, sinceMs })));
  }
  return out;
}

/** Jest-shaped results of an unfinished run: every test that ended, and each one cut off as `interrupted`. */
export function resultsFromJournal(entries: JournalEntry[], why: string): JestResults {
  const files = new Map<string, JestResults['testResults'][number]>();
  const fileOf = (name: string) => {
    let f = files.get(name);
    if (!f) files.set(name, (f = { name, message: '', assertionResults: [] }));
    return f;
  };
  for (const e of entries) {
    if (e.kind === 'run-complete') continue;
    const f = fileOf(e.file);
    if (e.kind === 'test-result') {
      f.assertionResults = f.assertionResults.filter((a) => a.fullName !== e.test);
      f.assertionResults.push({ title: e.title, fullName: e.test, ancestorTitles: e.ancestorTitles, status: e.status, duration: e.duration, failureMessages: e.failureMessages });
    } else if (e.kind === 'file-result') {
      f.message = e.error ?? e.failureMessage ?? '';
    }
  }
  const now = Date.now();
  for (const [file, tests] of cutOff(entries)) {
    const f = fileOf(file);
    const cut = tests.length > 0 ? tests : [{ test: SETUP, sinceMs: now }];
    for (const t of cut) {
      const ran = tests.length > 0 ? ` after ${((now - t.sinceMs) / 1000).toFixed(1)} s` : '';
      f.assertionResults.push({ title: t.test, fullName: t.test, ancestorTitles: [], status: INTERRUPTED, duration: tests.length > 0 ? now - t.sinceMs : null, failureMessages: [`cut off${ran}: ${why}`] });
    }
  }
  const all = [...files.values()].flatMap((f) => f.assertionResults);
  return { success: false, numTotalTests: all.length, testResults: [...files.values()] };
}

/** The name under which a file is listed when it was cut off before its first test (bringing its stack up). */
export const SETUP = '(setting up, before its first test)';

/**
 * Jest's results with the tests a dead worker took down named: Jest reports such a file with an
 * error and without the test that was running ("a worker process has quit unexpectedly"); the
 * journal knows which test that was, and it counts as failed.
 */
export function withDeadWorkerTests(jest: JestResults, entries: JournalEntry[]): JestResults {
  const cut = cutOff(entries);
  return {
    ...jest,
    testResults: jest.testResults.map((file) => {
      const tests = cut.get(file.name);
      if (!file.message || tests === undefined) return file;
      const known = new Set(file.assertionResults.map((a) => a.fullName));
      const missing = (tests.length > 0 ? tests.map((t) => t.test) : file.assertionResults.length === 0 ? [SETUP] : []).filter((t) => !known.has(t));
      // Jest's message starts with a "● Test suite failed to run" title; the line after says why.
      const reason = file.message.split('\n').find((l) => l.trim() && !l.trim().startsWith('●')) ?? 'the file did not finish';
      return {
        ...file,
        assertionResults: [...file.assertionResults, ...missing.map((t) => ({ title: t, fullName: t, ancestorTitles: [], status: 'failed', duration: null, failureMessages: [`did not finish: ${reason.trim()}`] }))],
      };
    }),
  };
}
