import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mergeResults } from '../../src/report/merge.js';
import { effectiveSpeed, gitCommit } from '../../src/cli/run-info.js';
import type { RunSummary, ScenarioSummary } from '../../src/cli/summary.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-merge-summary-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const row = (scenario: string, status: string): ScenarioSummary => ({
  file: 'scenarios/takeoff.test.ts', scenario, status, durationMs: 5, target: 'sim', info: { px4Version: '1.16.0' }, skipReason: status === 'skipped' ? 'why' : null,
  budgets: [{ outcome: status === 'failed' ? 'FAIL' : 'PASS' } as ScenarioSummary['budgets'][number]],
});

/** A shard's results directory as `flightcheck run --shard` leaves it (only what the merge reads). */
function shard(name: string, s: Partial<RunSummary>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'scenarios'), { recursive: true });
  const full: RunSummary = {
    target: 'sim', speed: 'max', shard: null, startedAt: '', commit: 'abc', px4Version: '1.16.0', interrupted: false, interruptedBy: null, passed: 0, failed: 0, skipped: 0, cutOff: 0,
    budgets: { pass: 0, marginal: 0, fail: 0 }, scenarios: [], failureMessages: [], ...s,
  };
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(full));
  return dir;
}

describe('report --merge writes a merged summary.json', () => {
  it('every scenario once, counts from them (plus a shard\'s load failures), the shards, the earliest start, the commit and PX4 version', () => {
    const s1 = shard('s1', { shard: '1/2', startedAt: '2026-01-01T10:00:05.000Z', passed: 1, failed: 1, scenarios: [row('a', 'passed'), row('b', 'failed')], failureMessages: ['✗ b'] });
    // Shard 2 counted a file that failed to load: no scenario row, one failure.
    const s2 = shard('s2', { shard: '2/2', startedAt: '2026-01-01T10:00:01.000Z', failed: 1, skipped: 1, scenarios: [row('c', 'skipped')] });
    const dest = path.join(tmp, 'merged');
    const m = mergeResults([s1, s2], dest);
    expect(m.summaryMissing).toEqual([]);
    const merged = JSON.parse(fs.readFileSync(path.join(dest, 'summary.json'), 'utf8'));
    expect(merged).toMatchObject({
      target: 'sim', speed: 'max', shards: ['1/2', '2/2'], startedAt: '2026-01-01T10:00:01.000Z', commit: 'abc', px4Version: '1.16.0',
      passed: 1, failed: 2, skipped: 1, budgets: { pass: 2, marginal: 0, fail: 1 }, failureMessages: ['✗ b'],
    });
    expect(merged.scenarios.map((s: ScenarioSummary) => s.scenario)).toEqual(['a', 'b', 'c']);
  });

  it('says which sources had no summary.json; with none, no merged summary.json is left behind', () => {
    const s1 = shard('s1', { shard: '1/2', scenarios: [row('a', 'passed')], passed: 1 });
    const bare = path.join(tmp, 'bare');
    fs.mkdirSync(path.join(bare, 'scenarios'), { recursive: true });
    const dest = path.join(tmp, 'merged');
    expect(mergeResults([s1, bare], dest).summaryMissing).toEqual([bare]);
    expect(JSON.parse(fs.readFileSync(path.join(dest, 'summary.json'), 'utf8')).passed).toBe(1);
    expect(mergeResults([bare], dest).summaryMissing).toEqual([bare]);
    expect(fs.existsSync(path.join(dest, 'summary.json'))).toBe(false);
  });
});

describe('what summary.json says about the run', () => {
  it('the commit of a git checkout; null with the reason elsewhere', () => {
    expect(gitCommit().commit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    const absent = gitCommit(tmp);
    expect(absent.commit).toBeNull();
    expect(absent.commitAbsent).toMatch(/^not a git checkout/);
  });

  it('the speed scenarios flew at when none was given: the target\'s default, or FLIGHT_SPEED', () => {
    expect(effectiveSpeed('sim', undefined, {})).toBe('max');
    expect(effectiveSpeed('native', undefined, {})).toBe('1');
    expect(effectiveSpeed('sim', undefined, { FLIGHT_SPEED: '10' })).toBe('10');
    expect(effectiveSpeed('sim', '5', { FLIGHT_SPEED: '10' })).toBe('5');
  });
});
