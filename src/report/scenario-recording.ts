import fs from 'node:fs';
import path from 'node:path';
import type { BudgetResult, Measurements } from '../budgets/index.js';
import { hostNowMs } from '../clock/host.js';
import type { Vehicle } from '../vehicle/vehicle.js';
import { toDetectionFrame, type DetectionSource } from '../vehicle/detections.js';
import { attachBudgets, attachChart, attachFile, attachLogs } from './allure.js';
import { onCleanup } from '../lifecycle/cleanup.js';
import { TelemetryCsvStream, telemetryRowsFrom } from './csv.js';
import { McapRecording, type McapTime } from './mcap.js';
import { payloadJson } from '../mavlink/json.js';
import { messageName } from '../mavlink/registry.js';
import { altitudeChart, resourceChart, startTimelineChart, trackChart, type PhaseSpan, type ResourcePoint, type StartStage } from './plots.js';
import { parseStackMetric } from '../budgets/stack-metrics.js';
import { budgetHistogramChart } from './scenario-plots.js';
import type { TopLevelSpec } from 'vega-lite';

/** Where a vehicle's part of the test begins: its first position sample and its clock then. */
interface VehicleMark {
  row: number;
  vehicleMs: number | null;
}

/** A phase on both clocks: host ms, and each vehicle's own clock (vehicles' clocks differ). */
interface PhaseTimes {
  name: string;
  hostStart: number;
  hostEnd: number | null;
  vehicleStart: Map<Vehicle, number | null>;
  vehicleEnd: Map<Vehicle, number | null> | null;
}

/**
 * Everything one scenario test leaves behind: an MCAP recording per vehicle (every MAVLink
 * message, detections, budget samples and phases, flushed as it grows) and a telemetry CSV per
 * vehicle (appended as it flies), and at the end altitude and track charts, a histogram per judged
 * budget and the budget table, all attached to the Allure result (the charts as specs, drawn when
 * the report is built: src/report/charts.ts). Time plots carry the test's phases as named bands.
 *
 * The MCAP holds the reset between tests too; the CSV and the plots begin where the test body
 * does (`beginTest`), so the state the previous test left (its altitude, its track's end) is
 * not shown as this test's first samples.
 */
export class ScenarioRecording {
  readonly files: string[] = [];
  private readonly recordings = new Map<Vehicle, McapRecording>();
  private readonly begin = new Map<Vehicle, VehicleMark>();
  private readonly csvs = new Map<Vehicle, TelemetryCsvStream>();
  private readonly phases: PhaseTimes[] = [];
  private stops: (() => void)[] = [];
  private startedHostMs = hostNowMs();
  /** Host time the test body began (after the reset), the zero of the host-time plots. */
  private beganHostMs: number | null = null;
  /** The stack's start order, drawn with the first test of a file (the stack starts once per file). */
  startOrder: StartStage[] | null = null;

  constructor(
    private readonly dir: string,
    private readonly baseName: string,
    private readonly vehicles: readonly Vehicle[],
    private readonly measurements: Measurements,
  ) {}

  start(): void {
    this.startedHostMs = hostNowMs();
    for (const v of this.vehicles) {
      const rec = new McapRecording(path.join(this.dir, `${this.baseName}--${v.name}.mcap`));
      this.recordings.set(v, rec);
      this.files.push(rec.file);
      this.begin.set(v, this.markOf(v));
      const csv = new TelemetryCsvStream(path.join(this.dir, `${this.baseName}--${v.name}.csv`), v.telemetry);
      this.csvs.set(v, csv);
      this.stops.push(onCleanup(`telemetry CSV ${csv.file}`, () => csv.close(), { sync: () => csv.flush() }));
      // Every frame the link receives, as JSON straight from its bytes: the link decodes only what
      // a listener asks for (the telemetry's dozen messages), not the hundreds a second PX4 streams.
      const time: McapTime = { hostMs: 0, vehicleMs: null };
      this.stops.push(
        v.link.onReceivedFrame((f, hostMs) => {
          const json = payloadJson(f.msgid, f.buf, f.payloadStart, f.payloadLength);
          if (json === null) return;
          time.hostMs = hostMs;
          time.vehicleMs = v.telemetry.vehicleTimeMs;
          rec.mavlinkJson(messageName(f.msgid), json, time);
        }),
      );
      const detections = v.detections as DetectionSource | undefined;
      if (detections?.onDetections) {
        this.stops.push(
          detections.onDetections((msg) => {
            const now = hostNowMs();
            const frame = toDetectionFrame(msg, now);
            rec.detections({ captureMs: frame.captureMs, frameId: msg.header.frameId ?? msg.header.frame_id, detections: frame.detections }, { hostMs: now, vehicleMs: v.telemetry.vehicleTimeMs });
          }),
        );
      }
    }
    const first = this.vehicles[0] && this.recordings.get(this.vehicles[0]);
    if (first) this.stops.push(this.measurements.onSample((s) => first.sample(s)));
  }

  /**
   * The test body begins here (its vehicles reset to a known state): the CSV starts over and the
   * plots' time axes start at zero here.
   */
  beginTest(): void {
    this.beganHostMs = hostNowMs();
    for (const v of this.vehicles) {
      this.begin.set(v, this.markOf(v));
      this.csvs.get(v)?.restart();
    }
  }

  phase(name: string, event: 'start' | 'end', error?: string): void {
    const now = hostNowMs();
    const clocks = new Map(this.vehicles.map((x) => [x, x.telemetry.vehicleTimeMs] as const));
    if (event === 'start') this.phases.push({ name, hostStart: now, hostEnd: null, vehicleStart: clocks, vehicleEnd: null });
    else {
      // Phases nest: the innermost open one of that name ends.
      const open = this.phases.findLast((p) => p.name === name && p.hostEnd === null);
      if (open) Object.assign(open, { hostEnd: now, vehicleEnd: clocks });
    }
    const v = this.vehicles[0];
    const rec = v && this.recordings.get(v);
    rec?.phase({ name, event, ...(error ? { error } : {}) }, { hostMs: now, vehicleMs: v.telemetry.vehicleTimeMs });
  }

  private markOf(v: Vehicle): VehicleMark {
    return { row: v.telemetry.series('localPosition').length, vehicleMs: v.telemetry.vehicleTimeMs };
  }

  /** The phases on a vehicle's clock, seconds since `zeroMs` of it. */
  private vehiclePhases(v: Vehicle, zeroMs: number): PhaseSpan[] {
    const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : (ms - zeroMs) / 1000);
    return this.phases.flatMap((p) => {
      const start = s(p.vehicleStart.get(v));
      return start === null ? [] : [{ name: p.name, start, end: p.vehicleEnd ? s(p.vehicleEnd.get(v)) : null }];
    });
  }

  /** The phases on the host clock, seconds since `zeroMs`. */
  private hostPhases(zeroMs: number): PhaseSpan[] {
    return this.phases.map((p) => ({ name: p.name, start: (p.hostStart - zeroMs) / 1000, end: p.hostEnd === null ? null : (p.hostEnd - zeroMs) / 1000 }));
  }

  /** Closes the recordings and writes and attaches the per-test artifacts. */
  async finish(results: readonly BudgetResult[], logs: Record<string, string> | null): Promise<void> {
    for (const stop of this.stops) stop();
    this.stops = [];
    const first = this.vehicles[0] && this.recordings.get(this.vehicles[0]);
    first?.budgetResults(results);
    for (const rec of this.recordings.values()) rec.close();
    for (const csv of this.csvs.values()) csv.close();

    if (results.length > 0) await attachBudgets(results);
    for (const r of results) {
      const chart = budgetHistogramChart(r, this.measurements.samples(r.metric));
      if (chart) await attachChart(`${r.name} histogram`, chart);
    }
    for (const c of this.charts()) await attachChart(c.name, c.spec);
    for (const v of this.vehicles) {
      const csv = this.csvs.get(v);
      if (csv && csv.rows > 0) {
        this.files.push(csv.file);
        await attachFile(`${v.name} telemetry (CSV)`, csv.file, 'text/csv');
      } else if (csv) fs.rmSync(csv.file, { force: true });
      const rec = this.recordings.get(v);
      if (rec) await attachFile(`${v.name} recording (MCAP, opens in Foxglove)`, rec.file, 'application/octet-stream');
    }
    if (logs) await attachLogs(logs);
  }

  /**
   * The test's charts as vega-lite specs, by attachment name: each vehicle's altitude (vehicle
   * time since the test began) and track, from the test's own samples; and where measured, CPU
   * and memory of every stack component (host time) and the start order. The time plots carry
   * the phases. Stack samples from the reset are this test's (and judged with it): they sit
   * before zero, in the reset's band.
   */
  charts(): { name: string; spec: TopLevelSpec }[] {
    const charts: { name: string; spec: TopLevelSpec }[] = [];
    for (const v of this.vehicles) {
      const begin = this.begin.get(v) ?? { row: 0, vehicleMs: null };
      const { rows } = telemetryRowsFrom(v.telemetry, begin.row, -1);
      if (rows.length === 0) continue;
      const t0 = begin.vehicleMs ?? rows[0]!.vehicleMs;
      charts.push({
        name: `${v.name} altitude`,
        spec: altitudeChart({
          t: rows.map((r) => (r.vehicleMs - t0) / 1000),
          alt: rows.map((r) => r.alt),
          phases: this.vehiclePhases(v, t0),
          timeTitle: 'vehicle time since the test began (s)',
          title: `Altitude — ${v.name}`,
        }),
      });
      charts.push({ name: `${v.name} track`, spec: trackChart({ north: rows.map((r) => r.north), east: rows.map((r) => r.east), title: `Track (top view) — ${v.name}` }) });
    }
    const cpu: ResourcePoint[] = [];
    const memory: ResourcePoint[] = [];
    const zero = this.beganHostMs ?? this.startedHostMs;
    for (const metric of this.measurements.metrics()) {
      const m = parseStackMetric(metric);
      if (!m || (m.quantity !== 'cpu_percent' && m.quantity !== 'memory_mib')) continue;
      for (const s of this.measurements.samples(metric)) {
        const point = { t: ((s.hostTimeMs ?? zero) - zero) / 1000, component: s.vehicle ? `${m.component} (${s.vehicle})` : m.component, value: s.value };
        (m.quantity === 'cpu_percent' ? cpu : memory).push(point);
      }
    }
    const phases = this.hostPhases(zero);
    if (cpu.length > 0) charts.push({ name: 'stack CPU', spec: resourceChart(cpu, { quantity: 'CPU (%)', phases, title: 'CPU per stack component (100 % = one core)' }) });
    if (memory.length > 0) charts.push({ name: 'stack memory', spec: resourceChart(memory, { quantity: 'memory (MiB)', phases, title: 'Memory per stack component' }) });
    if (this.startOrder && this.startOrder.length > 0) charts.push({ name: 'stack start order', spec: startTimelineChart(this.startOrder) });
    return charts;
  }
}
