/**
 * The fidelity harness end to end on the built-in simulator: the manoeuvre set flies every phase,
 * the simulator matches itself, and a simulator with a slower takeoff climb (MPC_TKO_SPEED 1
 * instead of 1.5, MPC_TKO_RAMP_T 5 instead of 3) is caught on the takeoff marks. Real PX4 as the
 * reference runs in CI (`flightcheck fidelity`, .ci/run).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { useBuiltinPlugins } from '../../fixtures/plugins.js';
import { compareRuns, type FlightRun } from '../../src/fidelity/compare.js';
import { PHASES } from '../../src/fidelity/manoeuvres.js';
import { flyRuns } from '../../src/fidelity/run.js';

const THRESHOLDS = { durationShare: 0.15, minRuns: 2 };
let dir: string;
let reference: FlightRun[];

beforeAll(async () => {
  useBuiltinPlugins();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-fidelity-'));
  reference = await flyRuns({ target: 'sim', runs: 2, parallel: 1, speed: 'max', instance: 910, seed: 1, artifactsDir: dir });
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('fidelity harness on the simulator', () => {
  it('flies every phase of the manoeuvre set, with its marks', () => {
    for (const run of reference) {
      expect(run.error).toBeUndefined();
      expect(run.phases.map((p) => p.name)).toEqual([...PHASES]);
      for (const p of run.phases) for (const [mark, t] of Object.entries(p.marks)) expect([p.name, mark, typeof t]).toEqual([p.name, mark, 'number']);
    }
    const takeoff = reference[0]!.phases[0]!;
    expect(Object.keys(takeoff.marks)).toEqual(['climb to 2.0 m', 'Hold after takeoff']);
    expect(takeoff.values['peak climb']!.value).toBeGreaterThan(0.5);
  });

  it('finds the simulator equal to itself', async () => {
    const candidate = await flyRuns({ target: 'sim', runs: 2, parallel: 1, speed: 'max', instance: 912, seed: 11, artifactsDir: dir });
    const c = compareRuns(reference, candidate, THRESHOLDS);
    expect(c.failures).toEqual([]);
    expect(c.marks.length).toBeGreaterThanOrEqual(20);
  }, 120_000);

  it('catches a slower takeoff climb on the takeoff marks and nowhere else', async () => {
    const candidate = await flyRuns({ target: 'sim', runs: 2, parallel: 1, speed: 'max', instance: 914, seed: 21, artifactsDir: dir, params: { MPC_TKO_SPEED: 1, MPC_TKO_RAMP_T: 5 } });
    expect(candidate.map((r) => r.error)).toEqual([undefined, undefined]);
    const c = compareRuns(reference, candidate, THRESHOLDS);
    const failed = c.marks.filter((m) => m.verdict === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((m) => m.phase.replace(/ again| for battery/, '')))).toEqual(new Set(['takeoff']));
    expect(c.failures.join('\n')).toMatch(/takeoff › climb to 2\.0 m: sim \d+\.\d\d s against sim \d+\.\d\d s \(\+\d+ %/);
  }, 120_000);
});
