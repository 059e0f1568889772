import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { TELEMETRY_COLUMNS, telemetryCsv, telemetryRows, writeTelemetryCsv, type TelemetrySeriesSource } from '../../src/report/csv.js';
import { px4CustomMode, PX4_MODES, decodePx4CustomMode } from '../../src/vehicle/px4-modes.js';
import { Series } from '../../src/vehicle/series.js';

function source(): TelemetrySeriesSource {
  const pos = new Series({ name: 'localPosition', columns: { north: 'f32', east: 'f32', down: 'f32', vn: 'f32', ve: 'f32', vd: 'f32' } as const });
  const hb = new Series({ name: 'heartbeat', columns: { armed: 'f32', mainMode: 'f32', subMode: 'f32', systemStatus: 'f32' } as const });
  const heartbeat = (hostMs: number, armed: boolean, mode: keyof typeof PX4_MODES) => {
    const { main, sub } = decodePx4CustomMode(px4CustomMode(PX4_MODES[mode].main, PX4_MODES[mode].sub));
    const r = hb.beginRow(NaN, hostMs);
    hb.set(0, r, armed ? 1 : 0); hb.set(1, r, main); hb.set(2, r, sub); hb.set(3, r, 4);
  };
  const position = (vehicleMs: number, hostMs: number, down: number, vd: number) => {
    const r = pos.beginRow(vehicleMs, hostMs);
    [0.5, -0.25, down, 0, 0, vd].forEach((v, i) => pos.set(i, r, v));
  };
  position(1000, 5000.5, 0, 0); // before any HEARTBEAT
  heartbeat(5010, false, 'Hold');
  position(1020, 5020, 0, 0);
  heartbeat(5030, true, 'Takeoff');
  position(1040, 5030, -0.125, -1.5); // same host ms as the heartbeat: it already counts
  position(1060, 5050, -0.5, -1.5);
  return {
    series: ((name: string) => (name === 'localPosition' ? pos.columns() : hb.columns())) as unknown as TelemetrySeriesSource['series'],
  };
}

describe('telemetry CSV', () => {
  it('joins each position with the last HEARTBEAT on the host clock', () => {
    const rows = telemetryRows(source());
    expect(rows.map((r) => [r.vehicleMs, r.mode, r.armed])).toEqual([
      [1000, '', null],
      [1020, 'Hold', false],
      [1040, 'Takeoff', true],
      [1060, 'Takeoff', true],
    ]);
    expect(rows[2]!.alt).toBeCloseTo(0.125, 6);
  });

  it('writes the columns in order, one line per position sample', () => {
    const csv = telemetryCsv(telemetryRows(source()));
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('vehicle_ms,host_ms,north,east,down,vn,ve,vd,alt,mode,armed');
    expect(lines[0]!.split(',')).toEqual([...TELEMETRY_COLUMNS]);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe('1000,5000.5,0.5,-0.25,0,0,0,0,0,,');
    expect(lines[3]).toBe('1040,5030,0.5,-0.25,-0.125,0,0,-1.5,0.125,Takeoff,1');
    for (const l of lines) expect(l.split(',')).toHaveLength(TELEMETRY_COLUMNS.length);
  });

  it('quotes cells that need it and leaves non-finite numbers empty', () => {
    const csv = telemetryCsv([{ vehicleMs: NaN, hostMs: 1, north: 0, east: 0, down: 0, vn: 0, ve: 0, vd: 0, alt: 0, mode: 'Unknown(1,2)', armed: false }]);
    expect(csv.split('\n')[1]).toBe(',1,0,0,0,0,0,0,0,"Unknown(1,2)",0');
  });

  it('writes a file from telemetry or from rows', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-csv-'));
    try {
      const a = writeTelemetryCsv(path.join(dir, 'sub', 'a.csv'), source());
      const b = writeTelemetryCsv(path.join(dir, 'b.csv'), telemetryRows(source()));
      expect(fs.readFileSync(a, 'utf8')).toBe(fs.readFileSync(b, 'utf8'));
      expect(fs.readFileSync(a, 'utf8').split('\n')).toHaveLength(6);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
