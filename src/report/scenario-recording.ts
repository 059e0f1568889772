import fs from 'node:fs';
import path from 'node:path';
import type { BudgetResult, Measurements } from '../budgets/index.js';
import { hostNowMs } from '../clock/host.js';
import type { Vehicle } from '../vehicle/vehicle.js';
import { toDetectionFrame, type DetectionSource } from '../vehicle/detections.js';
import { attachBudgets, attachChart, attachFile, attachLogs } from './allure.js';
import { onCleanup } from '../lifecycle/cleanup.js';
import { TelemetryCsvStream, telemetryRows } from './csv.js';
import { McapRecording } from './mcap.js';
import { altitudeChart, resourceChart, startTimelineChart, trackChart, type ResourcePoint, type StartStage } from './plots.js';
import { parseStackMetric } from '../budgets/stack-metrics.js';
import { budgetHistogramChart } from './scenario-plots.js';

/**
 * Everything one scenario test leaves behind: an MCAP recording per vehicle (every MAVLink
 * message, detections, budget samples and phases, flushed as it grows) and a telemetry CSV per
 * vehicle (appended as it flies), and at the end altitude and track charts, a histogram per judged
 * budget and the budget table, all attached to the Allure result (the charts as specs, drawn when
 * the report is built: src/report/charts.ts).
 */
export class ScenarioRecording {
  readonly files: string[] = [];
  private readonly recordings = new Map<Vehicle, McapRecording>();
  private readonly since = new Map<Vehicle, number>();
  private readonly csvs = new Map<Vehicle, TelemetryCsvStream>();
  private stops: (() => void)[] = [];
  private startedHostMs = hostNowMs();
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
      this.since.set(v, v.telemetry.vehicleTimeMs ?? 0);
      const csv = new TelemetryCsvStream(path.join(this.dir, `${this.baseName}--${v.name}.csv`), v.telemetry);
      this.csvs.set(v, csv);
      this.stops.push(onCleanup(`telemetry CSV ${csv.file}`, () => csv.close(), { sync: () => csv.flush() }));
      this.stops.push(v.link.on('*', (m) => rec.mavlink(m.name, m.data, { hostMs: m.hostTimeMs, vehicleMs: v.telemetry.vehicleTimeMs })));
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

  phase(name: string, event: 'start' | 'end', error?: string): void {
    const v = this.vehicles[0];
    const rec = v && this.recordings.get(v);
    rec?.phase({ name, event, ...(error ? { error } : {}) }, { hostMs: hostNowMs(), vehicleMs: v.telemetry.vehicleTimeMs });
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
    for (const v of this.vehicles) {
      const since = this.since.get(v) ?? 0;
      const rows = telemetryRows(v.telemetry).filter((r) => r.vehicleMs >= since);
      if (rows.length > 0) {
        const t0 = rows[0]!.vehicleMs;
        await attachChart(`${v.name} altitude`, altitudeChart({ t: rows.map((r) => (r.vehicleMs - t0) / 1000), alt: rows.map((r) => r.alt), title: `Altitude — ${v.name}` }));
        await attachChart(`${v.name} track`, trackChart({ north: rows.map((r) => r.x), east: rows.map((r) => r.y), title: `Track (top view) — ${v.name}` }));
      }
      const csv = this.csvs.get(v);
      if (csv && csv.rows > 0) {
        this.files.push(csv.file);
        await attachFile(`${v.name} telemetry (CSV)`, csv.file, 'text/csv');
      } else if (csv) fs.rmSync(csv.file, { force: true });
      const rec = this.recordings.get(v);
      if (rec) await attachFile(`${v.name} recording (MCAP, opens in Foxglove)`, rec.file, 'application/octet-stream');
    }
    await this.attachStackCharts();
    if (logs) await attachLogs(logs);
  }

  /** CPU and memory of every stack component over the test, and the start order, where measured. */
  private async attachStackCharts(): Promise<void> {
    const cpu: ResourcePoint[] = [];
    const memory: ResourcePoint[] = [];
    for (const metric of this.measurements.metrics()) {
      const m = parseStackMetric(metric);
      if (!m || (m.quantity !== 'cpu_percent' && m.quantity !== 'memory_mib')) continue;
      for (const s of this.measurements.samples(metric)) {
        const point = { t: ((s.hostTimeMs ?? this.startedHostMs) - this.startedHostMs) / 1000, component: s.vehicle ? `${m.component} (${s.vehicle})` : m.component, value: s.value };
        (m.quantity === 'cpu_percent' ? cpu : memory).push(point);
      }
    }
    if (cpu.length > 0) await attachChart('stack CPU', resourceChart(cpu, { quantity: 'CPU (%)', title: 'CPU per stack component (100 % = one core)' }));
    if (memory.length > 0) await attachChart('stack memory', resourceChart(memory, { quantity: 'memory (MiB)', title: 'Memory per stack component' }));
    if (this.startOrder && this.startOrder.length > 0) await attachChart('stack start order', startTimelineChart(this.startOrder));
  }
}
