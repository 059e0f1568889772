/**
 * Telemetry as CSV for spreadsheets and quick plots: one row per LOCAL_POSITION_NED sample, with
 * the mode and arming state the vehicle last reported (HEARTBEAT) at that moment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { px4ModeName } from '../vehicle/px4-modes.js';
import type { Telemetry } from '../vehicle/telemetry.js';

export const TELEMETRY_COLUMNS = ['vehicle_ms', 'host_ms', 'north', 'east', 'down', 'vn', 've', 'vd', 'alt', 'mode', 'armed'] as const;

export interface TelemetryRow {
  /** Vehicle clock, ms since boot. */
  vehicleMs: number;
  /** Host clock, ms since the epoch (hostNowMs). */
  hostMs: number;
  /** Local NED position (m) and velocity (m/s), as LocalPosition. */
  north: number; east: number; down: number;
  vn: number; ve: number; vd: number;
  /** Height above the EKF origin, up positive (−down). */
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
  return telemetryRowsFrom(telemetry, 0, -1).rows;
}

/**
 * The rows of position samples `from` on, `hb` being the index of the HEARTBEAT in force before
 * the first of them (-1: none yet); returns the HEARTBEAT index to continue from.
 */
export function telemetryRowsFrom(telemetry: TelemetrySeriesSource, from: number, hb: number): { rows: TelemetryRow[]; hb: number } {
  const pos = telemetry.series('localPosition');
  const beats = telemetry.series('heartbeat');
  const rows: TelemetryRow[] = [];
  let h = hb;
  for (let i = from; i < pos.length; i++) {
    const hostMs = pos.hostMs[i]!;
    while (h + 1 < beats.length && beats.hostMs[h + 1]! <= hostMs) h++;
    const down = pos.down[i]!;
    rows.push({
      vehicleMs: pos.vehicleMs[i]!,
      hostMs,
      north: pos.north[i]!, east: pos.east[i]!, down,
      vn: pos.vn[i]!, ve: pos.ve[i]!, vd: pos.vd[i]!,
      alt: -down,
      mode: h >= 0 ? px4ModeName(beats.mainMode[h]!, beats.subMode[h]!) : '',
      armed: h >= 0 ? beats.armed[h]! !== 0 : null,
    });
  }
  return { rows, hb: h };
}

/** Positions and velocities are float32 at the source: 4 decimals (0.1 mm) keep all they carry. */
function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? String(Number(v.toFixed(digits))) : '';
}

function cell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(r: TelemetryRow): string {
  return [
    fixed(r.vehicleMs, 3), fixed(r.hostMs, 3),
    fixed(r.north, 4), fixed(r.east, 4), fixed(r.down, 4),
    fixed(r.vn, 4), fixed(r.ve, 4), fixed(r.vd, 4),
    fixed(r.alt, 4), cell(r.mode), r.armed === null ? '' : r.armed ? '1' : '0',
  ].join(',');
}

export function telemetryCsv(rows: Iterable<TelemetryRow>): string {
  const lines = [TELEMETRY_COLUMNS.join(',')];
  for (const r of rows) lines.push(csvLine(r));
  return lines.join('\n') + '\n';
}

/**
 * The telemetry CSV written as the vehicle flies: the rows since it started, appended every
 * `flushEveryMs` as complete lines, so a killed process leaves every row up to its last flush.
 */
export class TelemetryCsvStream {
  private fd: number | null;
  private next: number;
  private hb = -1;
  private written = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly file: string, private readonly telemetry: TelemetrySeriesSource, opts: { flushEveryMs?: number } = {}) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'w');
    fs.writeSync(this.fd, `${TELEMETRY_COLUMNS.join(',')}\n`);
    this.next = telemetry.series('localPosition').length;
    this.timer = setInterval(() => this.flush(), opts.flushEveryMs ?? 250).unref();
  }

  /** Rows written so far. */
  get rows(): number {
    return this.written;
  }

  flush(): void {
    if (this.fd === null) return;
    const { rows, hb } = telemetryRowsFrom(this.telemetry, this.next, this.hb);
    if (rows.length === 0) return;
    this.next += rows.length;
    this.hb = hb;
    this.written += rows.length;
    fs.writeSync(this.fd, rows.map((r) => `${csvLine(r)}\n`).join(''));
  }

  /** Starts the file over from the next sample: rows so far (a reset between tests) are dropped. */
  restart(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'w');
    fs.writeSync(this.fd, `${TELEMETRY_COLUMNS.join(',')}\n`);
    // The HEARTBEAT index stays: it only moves forward, and the next rows come later.
    this.next = this.telemetry.series('localPosition').length;
    this.written = 0;
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    clearInterval(this.timer);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Writes the telemetry of one vehicle (or given rows) to `file`; returns the file. */
export function writeTelemetryCsv(file: string, source: TelemetrySeriesSource | Iterable<TelemetryRow>): string {
  const rows = Symbol.iterator in source ? source : telemetryRows(source);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, telemetryCsv(rows));
  return file;
}
