import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { jestWorkers, shardInstanceBase } from '../../src/cli/run.js';
import { flightcheck, ROOT, run } from './helpers.js';

describe('flightcheck run: how many scenario files fly at once', () => {
  it('the sim target flies at least two files at once; --workers and a rack decide where given; other targets keep Jest\'s default', () => {
    expect(jestWorkers({ target: 'sim', cores: 2, workers: null, rackRigs: null })).toBe(2);
    expect(jestWorkers({ target: 'sim', cores: 8, workers: null, rackRigs: null })).toBe(7);
    expect(jestWorkers({ target: 'sim', cores: 2, workers: 1, rackRigs: null })).toBe(1);
    expect(jestWorkers({ target: 'hil', cores: 2, workers: null, rackRigs: 3 })).toBe(3);
    expect(jestWorkers({ target: 'containers', cores: 2, workers: null, rackRigs: null })).toBeNull();
  });
});

describe('flightcheck run --shard on one machine', () => {
  it('gives each shard its own PX4 instances: blocks of 8 per worker, after the shards before it', () => {
    expect(shardInstanceBase('1/2', 2)).toBe(0);
    expect(shardInstanceBase('2/2', 2)).toBe(16);
    expect(shardInstanceBase('3/4', 1)).toBe(16);
  });
});

describe('flightcheck CLI', () => {
  it.each([
    [['run', '--speed', 'fast'], /^flightcheck run: --speed: expected a positive number \(1 = real time\) or "max", got "fast"$/],
    [['run', '--target', 'moon'], /^flightcheck run: --target: unknown target "moon"/],
    [['run', '--shard', '3/2'], /^flightcheck run: --shard: 3\/2 is not i\/n/],
    [['run', '--bogus'], /^flightcheck run: Unknown option '--bogus'$/],
    [['run', '--workers', '0'], /^flightcheck run: --workers: expected a whole number of Jest workers, at least 1, got "0"$/],
    [['fly'], /^flightcheck: unknown command "fly"/],
    [['sim', '--bogus'], /^flightcheck sim: Unknown option '--bogus' \(usage: flightcheck sim /],
    [['sim', '--serial', 'ttyACM0'], /^flightcheck sim: --serial: expected PATH:BAUD/],
  ])('rejects %j with one line naming the option', async (args, message) => {
    const r = await flightcheck(args);
    expect(r.code).toBe(2);
    const first = r.stderr.trim().split('\n')[0]!;
    expect(first).toMatch(message);
    // No stack trace: the one line is all there is.
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a run in which every scenario was skipped fails (nothing was checked), unless --allow-all-skipped', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-all-skipped-'));
    // A PX4 build directory (never started: PX4 SITL provides no detections, so the detection
    // scenario is skipped before anything comes up).
    const px4Dir = path.join(results, 'px4');
    fs.mkdirSync(path.join(px4Dir, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(px4Dir, 'etc', 'init.d-posix'), { recursive: true });
    fs.writeFileSync(path.join(px4Dir, 'bin', 'px4'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    fs.writeFileSync(path.join(px4Dir, 'etc', 'init.d-posix', 'rcS'), '');
    const env = { FLIGHT_NATIVE: 'px4', FLIGHT_PX4_DIR: px4Dir };
    try {
      const r = await flightcheck(['run', 'scenarios/detection', '--target', 'native', '--no-report', '--results', results], env);
      expect(r.stdout).toMatch(/0 passed, 0 failed, 2 skipped/);
      expect(r.stdout).toContain('every scenario was skipped: nothing was checked on target native');
      expect(r.code).toBe(3);
      const ok = await flightcheck(['run', 'scenarios/detection', '--target', 'native', '--no-report', '--allow-all-skipped', '--results', results], env);
      expect(ok.code).toBe(0);
    } finally {
      fs.rmSync(results, { recursive: true, force: true });
    }
  }, 120_000);

  it('a target named for the run that cannot come up fails it, with the reason in the terminal, summary.json and the report', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-unavailable-'));
    const missing = path.join(results, 'no-px4-here');
    try {
      const r = await flightcheck(['run', 'scenarios/takeoff', '--target', 'native', '--no-report', '--results', results], { FLIGHT_NATIVE: 'px4', FLIGHT_PX4_DIR: missing });
      const reason = `native: FLIGHT_PX4_DIR ${missing} does not exist`;
      expect({ code: r.code, stdout: r.stdout }).toMatchObject({ code: 1 });
      expect(r.stdout).toMatch(/0 passed, 2 failed, 0 skipped/);
      // The terminal: the reason once, under the tests it failed.
      expect(r.stdout.split(`TargetUnavailable: ${reason}`)).toHaveLength(2);
      expect(r.stdout).toMatch(/✗ takeoff climbs to MIS_TAKEOFF_ALT and holds it in Hold\n✗ takeoff takes off to a commanded altitude\nTargetUnavailable: /);
      const summary = JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8'));
      expect(summary).toMatchObject({ passed: 0, failed: 2, skipped: 0 });
      for (const s of summary.scenarios) expect(s).toMatchObject({ status: 'failed', skipReason: null });
      expect(summary.failureMessages).toHaveLength(2);
      for (const m of summary.failureMessages) expect(m).toContain(reason);
      // The report: each test a failed (broken: an error, not an assertion) result with the reason.
      const allure = path.join(results, 'allure-results');
      const tests = fs.readdirSync(allure).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(fs.readFileSync(path.join(allure, f), 'utf8')));
      expect(tests).toHaveLength(2);
      for (const t of tests) expect(t).toMatchObject({ status: expect.stringMatching(/^(failed|broken)$/), statusDetails: { message: reason } });
    } finally {
      fs.rmSync(results, { recursive: true, force: true });
    }
  }, 120_000);

  it('run --json writes every scenario with its status, duration and budgets', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-run-'));
    const json = path.join(results, 'out', 'summary.json');
    try {
      const r = await flightcheck(['run', 'scenarios/takeoff', '--results', results, '--json', json]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/2 passed, 0 failed, 0 skipped/);
      const summary = JSON.parse(fs.readFileSync(json, 'utf8'));
      // What the run was: the effective speed (none given: the sim's default), when, which commit, what PX4 said it runs.
      expect(summary).toMatchObject({ target: 'sim', speed: 'max', shard: null, commit: expect.stringMatching(/^[0-9a-f]{40}(-dirty)?$/), px4Version: '1.16.0 (built-in simulator)' });
      expect(Date.now() - Date.parse(summary.startedAt)).toBeLessThan(120_000);
      expect(summary.scenarios).toHaveLength(2);
      for (const s of summary.scenarios) {
        expect(s.status).toBe('passed');
        expect(s.durationMs).toBeGreaterThan(0);
      }
      const first = summary.scenarios.find((s: { scenario: string }) => s.scenario.includes('MIS_TAKEOFF_ALT'));
      const tta = first.budgets.find((b: { name: string }) => b.name === 'time_to_altitude');
      expect(tta).toMatchObject({ outcome: 'PASS', clock: 'vehicle', unit: 's', count: 1 });
      expect(tta.checks[0]).toMatchObject({ stat: 'max', kind: 'atMost', limit: 8 });
      // Spool-up + ramp + 2.5 m at 1.5 m/s: a few seconds of vehicle time, never instant.
      expect(tta.checks[0].measured).toBeGreaterThan(2);
      expect(tta.checks[0].measured).toBeLessThan(8);
      expect(fs.readdirSync(path.join(results, 'recordings')).filter((f) => f.endsWith('.mcap'))).toHaveLength(2);
    } finally {
      fs.rmSync(results, { recursive: true, force: true });
    }
  }, 120_000);

  it('a scenario with an impossible budget fails with the budget numbers in the message', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-impossible-'));
    try {
      const r = await run(
        process.execPath,
        ['--experimental-vm-modules', path.join(ROOT, 'node_modules/jest/bin/jest.js'), '--roots', '<rootDir>/test/cli/fixtures', '--testMatch', '**/*.scenario.ts'],
        { FLIGHT_RESULTS_DIR: results },
      );
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/BudgetFailure: 1 of 1 budgets failed/);
      expect(r.stderr).toMatch(/impossible_takeoff \(time_to_altitude\)\s+vehicle\s+max\s+<= 0\.1s\s+\d+(\.\d+)?s\s+1\s+FAIL/);
      expect(r.stderr).toMatch(/max \d+\.\d+s > 0\.1s/);
    } finally {
      fs.rmSync(results, { recursive: true, force: true });
    }
  }, 120_000);
});
