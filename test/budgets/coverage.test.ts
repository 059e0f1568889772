/**
 * Nothing measured goes unjudged, nothing declared goes unmeasured: a budget no test of its file
 * measured fails the file (unless optional), a sample of a metric no budget declares is an error
 * naming the closest declared one (unless recorded with flight.record), and a file that fails
 * that way, or fails to load, counts as failed in the terminal, summary.json and the report.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { UnknownMetric, assertDeclaredMetric, closestName, parseBudgets, unjudgedBudgets } from '../../src/budgets/index.js';
import { flightcheck } from '../cli/helpers.js';

const spec = (metric: string, extra: object = {}) => ({ metric, clock: 'vehicle', unit: 's', limits: { max: '8s' }, ...extra });

describe('closestName', () => {
  it('names a likely typo, and nothing when no candidate is close', () => {
    const declared = ['time_to_altitude', 'command_ack_latency', 'altitude_overshoot'];
    expect(closestName('time_to_altitud', declared)).toBe('time_to_altitude');
    expect(closestName('command_ack', declared)).toBe('command_ack_latency');
    expect(closestName('totally_unknown_metric', declared)).toBeNull();
    expect(closestName('x', [])).toBeNull();
  });
});

describe('measuring a metric no budget declares', () => {
  it('is UnknownMetric naming the closest declared metric and how to record it unjudged', () => {
    const budgets = parseBudgets({ tta: spec('time_to_altitude'), ack: spec('command_ack_latency') });
    expect(() => assertDeclaredMetric('time_to_altitude', budgets)).not.toThrow();
    let error: unknown;
    try {
      assertDeclaredMetric('time_to_altitud', budgets);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownMetric);
    expect((error as Error).message).toBe(
      'flight.measure: no budget declares metric "time_to_altitud" (did you mean time_to_altitude?); declared: time_to_altitude, command_ack_latency. ' +
        "Declare a budget on it, or record it unjudged with flight.record('time_to_altitud', value)",
    );
    expect(() => assertDeclaredMetric('totally_unknown_metric', [])).toThrow(/no budget declares metric "totally_unknown_metric"; declared: none/);
  });
});

describe('budgets no test judged', () => {
  it('are every declared budget not judged, except those declared optional', () => {
    const budgets = parseBudgets({ tta: spec('time_to_altitude'), typo: spec('time_to_altitud'), landing: spec('landing_time', { optional: true }) });
    expect(budgets.find((b) => b.name === 'landing')?.optional).toBe(true);
    expect(budgets.find((b) => b.name === 'tta')).not.toHaveProperty('optional');
    expect(unjudgedBudgets(budgets, new Set(['tta'])).map((b) => b.name)).toEqual(['typo']);
    expect(unjudgedBudgets(budgets, new Set(['tta', 'typo']))).toEqual([]);
  });

  it('optional must be a boolean', () => {
    expect(() => parseBudgets({ tta: spec('time_to_altitude', { optional: 'yes' }) })).toThrow(/^budgets\.tta\.optional: /);
  });
});

interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  failureMessages: string[];
  scenarios: { file: string; scenario: string; status: string }[];
}

describe('flightcheck run: nothing passes silently', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('an unjudged budget, an unknown metric and a file that fails to load each fail the run, in the terminal, summary.json and the report', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-coverage-'));
    dirs.push(results);
    const r = await flightcheck(['run', 'test/budgets/fixtures', '--results', results, '--no-report'], { FLIGHT_COVERAGE_FIXTURE: '1' }, 180_000);
    expect({ code: r.code, stdout: r.stdout }).toMatchObject({ code: 1 });
    expect(r.stdout).toMatch(/1 passed, 3 failed, 0 skipped/);
    // The terminal: each failure with its reason.
    expect(r.stdout).toMatch(/✗ unjudged-budget\.test\.ts \(the file itself\)\s+failed/);
    expect(r.stdout).toContain('budget typo (metric time_to_altitud) got no sample (did you mean time_to_altitude?)');
    expect(r.stdout).toContain('UnknownMetric: flight.measure: no budget declares metric "time_to_altitud" (did you mean time_to_altitude?)');
    expect(r.stdout).toMatch(/✗ bad-budget\.test\.ts \(the file itself\)\s+failed/);
    expect(r.stdout).toContain('BudgetError: budgets.takeoff.limits.p95: invalid duration "fast"');
    // The optional budget nothing measured is not named.
    expect(r.stdout).not.toMatch(/budget maybe/);

    const summary = JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8')) as Summary;
    expect(summary).toMatchObject({ passed: 1, failed: 3, skipped: 0 });
    const status = Object.fromEntries(summary.scenarios.map((s) => [s.scenario, s.status]));
    expect(status).toEqual({
      'unjudged budget measures time_to_altitude only': 'passed',
      'unjudged-budget.test.ts (the file itself)': 'failed',
      'unknown metric measures a metric nobody declared': 'failed',
      'bad-budget.test.ts (the file itself)': 'failed',
    });
    expect(summary.failureMessages.some((m) => m.includes('UnjudgedBudgets: 1 declared budget of unjudged-budget.test.ts never judged'))).toBe(true);
    expect(summary.failureMessages.some((m) => m.includes('BudgetError: budgets.takeoff.limits.p95'))).toBe(true);

    // The report: the files that failed outside their tests are failed results with their reason.
    const prepared = await flightcheck(['report', '--results', results, '--skip-generate']);
    expect(prepared.code).toBe(0);
    const allure = path.join(results, 'allure-results');
    const byName = new Map<string, { status: string; statusDetails: { message: string } }>();
    for (const f of fs.readdirSync(allure).filter((x) => x.endsWith('-result.json'))) {
      const res = JSON.parse(fs.readFileSync(path.join(allure, f), 'utf8'));
      byName.set(res.name, res);
    }
    expect(byName.get('unjudged-budget.test.ts (the file itself)')).toMatchObject({ status: 'failed', statusDetails: { message: expect.stringMatching(/^UnjudgedBudgets: .*\nbudget typo \(metric time_to_altitud\) got no sample/) } });
    expect(byName.get('bad-budget.test.ts (the file itself)')).toMatchObject({ status: 'failed', statusDetails: { message: expect.stringMatching(/^BudgetError: budgets\.takeoff\.limits\.p95: invalid duration "fast"/) } });
    // allure-jest calls an error that is not an assertion "broken": a failure all the same.
    expect(byName.get('measures a metric nobody declared')?.status).toMatch(/^(failed|broken)$/);
  }, 200_000);
});
