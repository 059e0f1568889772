/**
 * @jest-environment node
 */
// A test's plots and CSV begin where its body does, not with the state the previous test left,
// and every time plot carries the test's phases.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Measurements } from '../../src/budgets/index.js';
import { hostNowMs } from '../../src/clock/host.js';
import { ScenarioRecording } from '../../src/report/scenario-recording.js';
import { Series } from '../../src/vehicle/series.js';
import type { Vehicle } from '../../src/vehicle/vehicle.js';

/** A vehicle with just what the recording reads: a name, its clock, position and HEARTBEAT series, a link to listen on. */
function fakeVehicle(name: string) {
  const pos = new Series({ name: 'localPosition', columns: { north: 'f32', east: 'f32', down: 'f32', vn: 'f32', ve: 'f32', vd: 'f32' } as const });
  const hb = new Series({ name: 'heartbeat', columns: { armed: 'f32', mainMode: 'f32', subMode: 'f32', systemStatus: 'f32' } as const });
  const telemetry = {
    vehicleTimeMs: null as number | null,
    series: (n: string) => (n === 'localPosition' ? pos.columns() : hb.columns()),
  };
  /** `ms` of vehicle time later, a position sample at altitude `alt`, `north` m north. */
  const fly = (ms: number, alt: number, north = 0) => {
    telemetry.vehicleTimeMs = (telemetry.vehicleTimeMs ?? 10_000) + ms;
    const r = pos.beginRow(telemetry.vehicleTimeMs, hostNowMs());
    [north, 0, -alt, 0, 0, 0].forEach((v, i) => pos.set(i, r, v));
  };
  const vehicle = { name, telemetry, link: { on: () => () => {}, onReceivedFrame: () => () => {} } } as unknown as Vehicle;
  return { vehicle, fly };
}

/** The data rows and phase rows of a chart spec (a layered vega-lite spec). */
const dataOf = (spec: any): any[] => spec.data.values;
const phaseRows = (spec: any): { phase: string; start: number; end: number }[] => spec.layer.find((l: any) => l.encoding?.color?.field === 'phase')?.data.values ?? [];

describe('ScenarioRecording', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-recording-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('plots and writes from where the test body begins: no sample of the previous test at t = 0', async () => {
    const { vehicle, fly } = fakeVehicle('drone1');
    // The previous test ended hovering at 5 m, 20 m north.
    for (let i = 0; i < 10; i++) fly(100, 5, 20);
    const measurements = new Measurements();
    const rec = new ScenarioRecording(dir, 'takeoff--second', [vehicle], measurements);
    rec.start();
    rec.phase('reset to a known state', 'start');
    fly(100, 5, 20); // still where the previous test left it
    fly(100, 0, 0); // back home, landed
    rec.phase('reset to a known state', 'end');
    rec.beginTest();
    rec.phase('arm', 'start');
    fly(1000, 0);
    rec.phase('arm', 'end');
    rec.phase('climb', 'start');
    for (let i = 1; i <= 20; i++) fly(100, i * 0.125);
    rec.phase('climb', 'end');
    rec.phase('hold', 'start'); // unfinished when the test ends
    fly(500, 2.5);

    const charts = rec.charts();
    expect(charts.map((c) => c.name)).toEqual(['drone1 altitude', 'drone1 track']);
    const altitude = charts[0]!.spec;
    const rows = dataOf(altitude);
    // Time counts from the test body's start; its first sample is the vehicle at home, on the ground.
    expect(rows[0]).toEqual({ t: 1, alt: 0 });
    expect(rows.every((r) => r.t > 0)).toBe(true);
    expect(Math.max(...rows.map((r) => r.alt))).toBe(2.5);
    expect(JSON.stringify(altitude)).toContain('vehicle time since the test began (s)');
    // The reset is before the plot's zero: not a band, not a number.
    expect(phaseRows(altitude).map((p) => [p.phase, p.start, p.end])).toEqual([
      ['1 arm', 0, 1],
      ['2 climb', 1, 3],
      ['3 hold', 3, 3.5],
    ]);
    // The track neither starts 20 m north.
    expect(dataOf(charts[1]!.spec)[0]).toMatchObject({ north: 0, east: 0 });

    await rec.finish([], null);
    const csv = fs.readFileSync(path.join(dir, 'takeoff--second--drone1.csv'), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(1 + 22);
    expect(csv[1]!.split(',').slice(2, 5)).toEqual(['0', '0', '0']); // x, y, z of the first row: home
  });

  it('marks the phases on the stack charts, on the host clock, the reset before zero', async () => {
    const measurements = new Measurements();
    const rec = new ScenarioRecording(dir, 'stack', [], measurements);
    rec.start();
    rec.phase('reset to a known state', 'start');
    await new Promise((r) => setTimeout(r, 30));
    rec.phase('reset to a known state', 'end');
    rec.beginTest();
    rec.phase('fly', 'start');
    const t0 = hostNowMs();
    for (let i = -1; i < 5; i++) {
      measurements.record('cpu_percent:px4', 40 + i, { hostTimeMs: t0 + 100 * i, vehicle: 'drone1' });
      measurements.record('memory_mib:xrce-agent', 12, { hostTimeMs: t0 + 100 * i, vehicle: 'drone1' });
    }
    await new Promise((r) => setTimeout(r, 30));
    rec.phase('fly', 'end');
    const charts = rec.charts();
    expect(charts.map((c) => c.name)).toEqual(['stack CPU', 'stack memory']);
    for (const c of charts) {
      const phases = phaseRows(c.spec);
      expect(phases.map((p) => p.phase)).toEqual(['1 reset to a known state', '2 fly']);
      expect(phases[0]!.end).toBeLessThanOrEqual(0);
      expect(phases[1]!.start).toBeGreaterThanOrEqual(0);
      // Components and phases each have their own colours.
      expect((c.spec as any).resolve).toEqual({ scale: { color: 'independent' }, legend: { color: 'independent' } });
    }
    await rec.finish([], null);
  });
});
