import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { formatSummary, type RunSummary, type ScenarioSummary } from '../../src/cli/summary.js';
import { formatProgress, ProgressDisplay } from '../../src/cli/progress-display.js';
import type { BudgetResult } from '../../src/budgets/index.js';
import { flightcheck, ROOT, run } from './helpers.js';

const cols = (s: string) => [...s].length;

const budget = (name: string, outcome: BudgetResult['outcome'], reason: string): BudgetResult => ({
  name, metric: name, clock: 'host', unit: 'ms', outcome, count: 40, minSamples: 1, stats: null, reason,
  checks: [
    { stat: 'p50', kind: 'atMost', limit: 25, measured: 12, outcome: 'PASS' },
    { stat: 'p95', kind: 'atMost', limit: 50, measured: 95.8, outcome: outcome === 'FAIL' ? 'FAIL' : 'PASS' },
  ],
});
const scenario = (s: Partial<ScenarioSummary>): ScenarioSummary => ({
  file: 'scenarios/detection.test.ts', scenario: 'x', status: 'passed', durationMs: 1, target: 'sim', info: {}, budgets: [], skipReason: null, ...s,
});
const summary = (scenarios: ScenarioSummary[]): RunSummary => ({
  target: 'sim', speed: 'max', shard: '2/2', startedAt: '2026-01-01T00:00:00.000Z', commit: 'abc', px4Version: '1.16.0 (built-in simulator)',
  interrupted: false, interruptedBy: null, cutOff: 0, passed: 1, failed: 1, skipped: 1, budgets: { pass: 1, marginal: 0, fail: 1 }, scenarios, failureMessages: [],
});

describe('the summary flightcheck run prints', () => {
  const text = formatSummary(summary([
    scenario({
      scenario: 'detection timing detects the person in view within the latency budget while the vehicle hovers at 2.5 m above home',
      status: 'failed',
      budgets: [budget('detection_latency', 'FAIL', 'p95 95.8ms > 50ms'), budget('detection_rate_of_the_camera_pipeline', 'PASS', 'min 25.493 Hz >= 20 Hz')],
    }),
    scenario({
      scenario: 'failsafe lands on GPS loss', status: 'skipped',
      skipReason: 'hil (rack test-rack) cannot inject SENSOR_GPS failures: on a flight controller PX4 v1.16 acts on MAV_CMD_INJECT_FAILURE only in its simulation modules (battery_simulator, simulator_mavlink) and for ESC reports',
    }),
  ]));
  const lines = text.split('\n');

  it('fits 100 columns, long names and reasons included', () => {
    for (const l of lines) expect(cols(l)).toBeLessThanOrEqual(100);
  });

  it('a failing budget row shows the statistic that failed, against its limit', () => {
    expect(lines.find((l) => l.includes('detection_latency'))).toMatch(/detection_latency \(host\)\s+FAIL\s+n=40\s+p95 95\.8ms > 50ms$/);
  });

  it('a skip\'s reason is on lines of its own, under its scenario', () => {
    const at = lines.findIndex((l) => l.startsWith('- failsafe lands on GPS loss'));
    expect(lines[at + 1]).toMatch(/^ {4}skipped: hil \(rack test-rack\) cannot inject/);
    expect(lines.slice(at + 1).join(' ')).toContain('and for ESC reports');
  });
});

describe('live progress', () => {
  const long = { file: '/x/scenarios/detection.test.ts', test: 'detection timing detects the person in view within the latency budget while hovering' };

  it('shows altitude and mode within 80 columns, whatever the scenario is called', () => {
    const line = formatProgress({ kind: 'state', ...long, altitude: 2.46, mode: 'Hold', armed: true, vehicleTimeMs: 12_345 }, 'climb to 2.5±0.80 m and hold', 80);
    expect(cols(line)).toBeLessThanOrEqual(80);
    expect(line).toMatch(/alt +2\.5 m {2}Hold armed {2}t=12\.3 s/);
  });

  it('on a terminal every line is within 80 columns; in a CI log each phase is a line within 100', () => {
    let tty = '';
    const display = new ProgressDisplay(true, { write: (s: string) => (tty += s), columns: 200 });
    display.update({ kind: 'phase', ...long, phase: 'collect 60 detections from the camera pipeline' });
    display.update({ kind: 'state', ...long, altitude: 2.5, mode: 'Offboard', armed: true, vehicleTimeMs: 1000 });
    for (const l of tty.split('\r\x1b[2K').filter(Boolean)) expect(cols(l)).toBeLessThanOrEqual(80);
    expect(tty).toContain('Offboard');
    let log = '';
    const ci = new ProgressDisplay(false, { write: (s: string) => (log += s) });
    ci.update({ kind: 'budget', ...long, metric: 'detection_latency', outcome: 'FAIL', summary: 'p50 30.149ms > 25ms; p95 95.8ms > 50ms; p99 120ms > 80ms and more text' });
    ci.update({ kind: 'state', ...long, altitude: 2.5, mode: 'Hold', armed: true, vehicleTimeMs: 1000 });
    expect(log.trimEnd().split('\n')).toHaveLength(1);
    expect(cols(log.trimEnd())).toBeLessThanOrEqual(100);
  });
});

describe('the terminal of flightcheck run', () => {
  const dir = path.join(ROOT, 'test', 'cli', `preflight-tmp-terminal-${process.pid}`);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('shows no Node warnings, also where it prints the end of Jest\'s output', async () => {
    // A file that passes every check but throws when it loads: the run shows Jest's output.
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'throws.test.ts'), "throw new Error('this file fails to load');\nexport {};\n");
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-terminal-'));
    try {
      const r = await flightcheck(['run', path.relative(ROOT, dir), '--no-report', '--results', results]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toContain('this file fails to load');
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/Warning/);
    } finally {
      fs.rmSync(results, { recursive: true, force: true });
    }
  }, 120_000);

  it('--help answers in under 1.5 s of CPU, through npx as a project that installed flightcheck calls it', async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-npx-'));
    try {
      fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "a-user-project", "version": "1.0.0", "private": true }');
      fs.mkdirSync(path.join(project, 'node_modules', '.bin'), { recursive: true });
      fs.symlinkSync(path.join(ROOT, 'bin', 'flightcheck.js'), path.join(project, 'node_modules', '.bin', 'flightcheck'));
      // CPU time of the whole call (npx included), not wall time: a loaded host must not make it fail.
      const r = await run('bash', ['-c', `cd ${JSON.stringify(project)} && npx flightcheck --help && times`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('usage: flightcheck <command>');
      const children = r.stdout.trim().split('\n').at(-1)!.match(/(\d+)m([\d.]+)s/g)!.map((t) => {
        const [, m, s] = /(\d+)m([\d.]+)s/.exec(t)!;
        return Number(m) * 60 + Number(s);
      });
      expect(children[0]! + children[1]!).toBeLessThan(1.5);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  }, 60_000);
});
