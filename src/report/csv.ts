/**
 * Telemetry as CSV for spreadsheets and quick plots: one row per LOCAL_POSITION_NED sample, with
 * the mode and arming state the vehicle last reported (HEARTBEAT) at that moment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { px4ModeName } from '../vehicle/px4-modes.js';
import type { Telemetry } from '../vehicle/telemetry.js';

export const TELEMETRY_COLUMNS = ['vehicle_ms', 'host_ms', 'x', 'y', 'z', 'vx', 'vy', 'vz', 'alt', 'mode', 'armed'] as const;

export interface TelemetryRow {
  /** Vehicle clock, ms since boot. */
  vehicleMs: number;
  /** Host clock, ms since the epoch (hostNowMs). */
  hostMs: number;
  /** Local NED position (m) and velocity (m/s). */
  x: number; y: number; z: number;
  vx: number; vy: number; vz: number;
  /** Altitude above home, up positive (−z). */
  alt: number;
  /** PX4 mode name ('' before the first HEARTBEAT). */
  mode: string;
  armed: boolean | null;
}

/** What telemetryRows reads: a vehicle's Telemetry (its localPosition and heartbeat series). */
export type TelemetrySeriesSource = Pick<Telemetry, 'series'>;

/**
 * Joins position samples with the latest HEARTBEAT received before each of them. The join is on
 * the host clock: both arrive on one link in order, while a HEARTBEAT carries no vehicle time.
 */
export function telemetryRows(telemetry: TelemetrySeriesSource): TelemetryRow[] {
  const pos = telemetry.series('localPosition');
  const hb = telemetry.series('heartbeat');
  const rows: TelemetryRow[] = [];
  let h = -1;
  for (let i = 0; i < pos.length; i++) {
    const hostMs = pos.hostMs[i]!;
    while (h + 1 < hb.length && hb.hostMs[h + 1]! <= hostMs) h++;
    const z = pos.z[i]!;
    rows.push({
      vehicleMs: pos.vehicleMs[i]!,
      hostMs,
      x: pos.x[i]!, y: pos.y[i]!, z,
      vx: pos.vx[i]!, vy: pos.vy[i]!, vz: pos.vz[i]!,
      alt: -z,
      mode: h >= 0 ? px4ModeName(hb.mainMode[h]!, hb.subMode[h]!) : '',
      armed: h >= 0 ? hb.armed[h]! !== 0 : null,
    });
  }
  return rows;
}

/** Positions and velocities are float32 at the source: 4 decimals (0.1 mm) keep all they carry. */
function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? String(Number(v.toFixed(digits))) : '';
}

function cell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function telemetryCsv(rows: Iterable<TelemetryRow>): string {
  const lines = [TELEMETRY_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [
        fixed(r.vehicleMs, 3), fixed(r.hostMs, 3),
        fixed(r.x, 4), fixed(r.y, 4), fixed(r.z, 4),
        fixed(r.vx, 4), fixed(r.vy, 4), fixed(r.vz, 4),
        fixed(r.alt, 4), cell(r.mode), r.armed === null ? '' : r.armed ? '1' : '0',
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/** Writes the telemetry of one vehicle (or given rows) to `file`; returns the file. */
export function writeTelemetryCsv(file: string, source: TelemetrySeriesSource | Iterable<TelemetryRow>): string {
  const rows = Symbol.iterator in source ? source : telemetryRows(source);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, telemetryCsv(rows));
  return file;
}
