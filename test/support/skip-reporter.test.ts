/**
 * `npm test` says what it skipped and why: fixtures/skip-reporter.cjs lists every skipped
 * test after the run, with the reason from its title or a describe block's ("— skipped: …", as
 * test/support/skip.ts writes it) or the scenario record the flight fixture wrote; a skip
 * without a reason is listed as one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { ROOT, run } from '../cli/helpers.js';

const { skippedTests, formatSkipped } = createRequire(import.meta.url)('../../fixtures/skip-reporter.cjs') as {
  skippedTests(results: unknown, rootDir: string, records: Map<string, string>): { file: string; reason: string; tests: string[] }[];
  formatSkipped(groups: unknown): string;
};

const test = (fullName: string, status: string, ancestorTitles: string[] = []) => ({ title: fullName.split(' ').pop()!, fullName, status, ancestorTitles });

describe('the skip reporter', () => {
  it('finds each skipped test\'s reason in its titles or the scenario records, and names the skips that give none', () => {
    const results = {
      testResults: [
        { testFilePath: '/repo/test/hil/suite.test.ts', testResults: [test('suite over socat flies', 'pending', ['suite over socat — skipped: socat not found']), test('suite over socat lands', 'pending', ['suite over socat — skipped: socat not found'])] },
        { testFilePath: '/repo/scenarios/failsafe.test.ts', testResults: [test('failsafes gps', 'pending', ['failsafes']), test('failsafes battery', 'passed', ['failsafes'])] },
        {
          testFilePath: '/repo/test/containers/kill.test.ts',
          testResults: [test('kill flies', 'pending', ['interrupting a containers flight — skipped: no Docker engine reachable'])],
        },
        { testFilePath: '/repo/test/x.test.ts', testResults: [test('x silent', 'pending'), test('x later', 'todo')] },
        { testFilePath: '/repo/test/ran.test.ts', testResults: [test('ran fine', 'passed')] },
      ],
    };
    const records = new Map([[`${path.resolve('/repo/scenarios/failsafe.test.ts')}::failsafes gps`, 'native (PX4 SITL SIH) cannot inject SENSOR_GPS failures']]);
    const groups = skippedTests(results, '/repo', records);
    expect(groups.map((g) => [g.file, g.reason, g.tests.length])).toEqual([
      ['test/hil/suite.test.ts', 'socat not found', 2],
      ['scenarios/failsafe.test.ts', 'native (PX4 SITL SIH) cannot inject SENSOR_GPS failures', 1],
      ['test/containers/kill.test.ts', 'no Docker engine reachable', 1],
      ['test/x.test.ts', expect.stringMatching(/^no reason given/), 1],
      ['test/x.test.ts', 'todo: not written yet', 1],
    ]);
    const text = formatSkipped(groups);
    expect(text.split('\n')[0]).toBe('Skipped: 6 tests in 4 files, and why');
    expect(text).toContain('  test/hil/suite.test.ts (2) — socat not found\n      suite over socat flies\n      suite over socat lands');
    expect(formatSkipped([])).toBe('');
  });

  it('is part of the project\'s Jest run: skipped tests are listed with their reasons at the end', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-skip-reporter-'));
    try {
      const r = await run(
        process.execPath,
        ['--experimental-vm-modules', path.join(ROOT, 'node_modules/jest/bin/jest.js'), '--roots', '<rootDir>/test/support/fixtures', '--testMatch', '**/*.skipcase.ts'],
        { FLIGHT_RESULTS_DIR: results },
        60_000,
      );
      expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
      const list = r.stderr.slice(r.stderr.indexOf('Skipped: '));
      expect(list).toMatch(/^Skipped: 3 tests in 1 file, and why\n/);
      expect(list).toContain(
        '  test/support/fixtures/skips.skipcase.ts (2) — the rig is on the bench today\n' +
          '      a block that needs a rig — skipped: the rig is on the bench today arms the rig\n' +
          '      a block that needs a rig — skipped: the rig is on the bench today flies the rig',
      );
      expect(list).toMatch(/test\/support\/fixtures\/skips\.skipcase\.ts \(1\) — no reason given .*\n {6}a block with a test skipped without a reason is skipped in silence/);
    } finally {
      fs.rmSync(results, { recursive: true, force: true });
    }
  }, 60_000);
});
