import { describe, expect, it } from '@jest/globals';
import { INTERRUPTED, SETUP, resultsFromJournal, withDeadWorkerTests, type JournalEntry } from '../../src/cli/journal.js';
import { buildSummary, type JestResults } from '../../src/cli/summary.js';

const A = '/p/scenarios/a.test.ts';
const B = '/p/scenarios/b.test.ts';
const C = '/p/scenarios/c.test.ts';
const result = (file: string, test: string, status: string): JournalEntry => ({ kind: 'test-result', file, test, title: test, ancestorTitles: [], status, duration: 1000, failureMessages: [], hostMs: 2 });

// Jest's own words for a worker that was killed (Jest 30), as its --json results carry them.
const KILLED = '  ● Test suite failed to run\n\n    A jest worker process (pid=9622) was terminated by another process: signal=SIGKILL, exitCode=null. Operating system logs may contain more information on why this occurred.\n';

describe('the run journal', () => {
  const entries: JournalEntry[] = [
    { kind: 'file-start', file: A, hostMs: 0 },
    { kind: 'test-start', file: A, test: 'a flies', hostMs: 1 },
    result(A, 'a flies', 'passed'),
    { kind: 'test-start', file: A, test: 'a lands', hostMs: 3 },
    { kind: 'file-start', file: B, hostMs: 0 },
    { kind: 'file-start', file: C, hostMs: 0 },
    { kind: 'test-start', file: C, test: 'c flies', hostMs: 1 },
    result(C, 'c flies', 'failed'),
    { kind: 'file-result', file: C, error: null, failureMessage: 'c failed', hostMs: 4 },
  ];

  it('an interrupted run: what finished, and each test cut off (one still bringing its stack up is named as such)', () => {
    const jest = resultsFromJournal(entries, 'the run was stopped (SIGINT)');
    const summary = buildSummary(jest, '/nonexistent', { target: 'sim', speed: 'max', shard: null, startedAt: '2026-01-01T00:00:00.000Z', commit: null, interruptedBy: 'SIGINT' });
    expect(summary).toMatchObject({ interrupted: true, interruptedBy: 'SIGINT', passed: 1, failed: 1, skipped: 0, cutOff: 2 });
    expect(summary.scenarios.map((s) => [s.scenario, s.status])).toEqual([
      ['a flies', 'passed'],
      ['a lands', INTERRUPTED],
      [SETUP, INTERRUPTED],
      ['c flies', 'failed'],
    ]);
    expect(summary.failureMessages.join('\n')).toMatch(/a lands\ncut off after [\d.]+ s: the run was stopped \(SIGINT\)/);
  });

  it('a killed Jest worker: its file counts as failed, with the test that was running named and why', () => {
    const jest: JestResults = {
      success: false,
      numTotalTests: 1,
      testResults: [
        { name: A, message: KILLED, assertionResults: [{ title: 'a flies', fullName: 'a flies', ancestorTitles: [], status: 'passed', duration: 1000, failureMessages: [] }] },
        { name: C, message: 'c failed', assertionResults: [{ title: 'c flies', fullName: 'c flies', ancestorTitles: [], status: 'failed', duration: 1000, failureMessages: ['c failed'] }] },
      ],
    };
    const summary = buildSummary(withDeadWorkerTests(jest, entries), '/nonexistent', { target: 'sim', speed: 'max', shard: null, startedAt: '2026-01-01T00:00:00.000Z', commit: null });
    expect(summary).toMatchObject({ interrupted: false, passed: 1, failed: 2, cutOff: 0 });
    expect(summary.scenarios.find((s) => s.scenario === 'a lands')?.status).toBe('failed');
    expect(summary.failureMessages.join('\n')).toMatch(/✗ a lands\ndid not finish: A jest worker process \(pid=9622\) was terminated by another process: signal=SIGKILL/);
  });
});
