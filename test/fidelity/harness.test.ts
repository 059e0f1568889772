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

  it("flies with PX4 SIH's wandering height estimate: the rangefinder and the estimate part", () => {
    for (const run of reference) {
      // The largest gap between the rangefinder and the estimate just before it, in the air.
      let gap = 0;
      let i = 0;
      for (const r of run.ranges!) {
        while (i + 1 < run.samples.length && run.samples[i + 1]!.t <= r.t) i++;
        if (r.range > 1) gap = Math.max(gap, Math.abs(run.samples[i]!.alt - r.range));
      }
      expect(gap).toBeGreaterThan(0.2);
    }
  });

  it('times a takeoff from its command, not from the arm before it', () => {
    const run = reference[0]!;
    const takeoff = run.phases[0]!;
    const acks = run.acks.slice(...takeoff.events.acks);
    expect(acks.map((a) => a.text)).toEqual(['MAV_CMD_COMPONENT_ARM_DISARM ACCEPTED', 'MAV_CMD_NAV_TAKEOFF ACCEPTED']);
    // The arm is in the phase's sequence, but its clock starts after the arm was confirmed.
    expect(acks[0]!.t).toBeLessThan(takeoff.start);
    expect(acks[1]!.t).toBeGreaterThanOrEqual(takeoff.start);
  });

  it('judges landings on the rangefinder and waits for each landing mark on its own', () => {
    for (const run of reference) {
      expect(run.ranges!.length).toBeGreaterThan(100);
      for (const name of ['land', 'return', 'battery failsafe']) {
        const p = run.phases.find((ph) => ph.name === name)!;
        expect([name, p.sources['below 0.5 m']]).toEqual([name, 'range']);
        // Each mark is the first time its own condition held: the landed state comes after the
        // vehicle is below 0.5 m, and the disarm after that (COM_DISARM_LAND), not at the same time.
        expect(p.marks['landed (ON_GROUND)']!).toBeGreaterThan(p.marks['below 0.5 m']!);
        expect(p.marks['disarmed']!).toBeGreaterThan(p.marks['landed (ON_GROUND)']! + 1000);
      }
      // The goto turns to its heading well before it arrives: two marks, two times.
      const goto = run.phases.find((ph) => ph.name === 'goto with yaw')!;
      expect(goto.marks['heading within 5°']!).toBeLessThan(goto.marks['within 0.5 m along the track']! - 500);
      expect(goto.values['peak cross-track']!.value).toBeLessThan(0.5);
    }
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
