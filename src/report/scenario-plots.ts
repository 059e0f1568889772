/**
 * The standard plots of a scenario, straight from what the fixture has: a vehicle's telemetry
 * (altitude over vehicle time, the track from above) and a budget's samples (histogram with the
 * declared limits).
 */
import type { BudgetResult } from '../budgets/index.js';
import type { Telemetry } from '../vehicle/telemetry.js';
import type { TopLevelSpec } from 'vega-lite';
import { altitudePlot, histogramChart, renderSvg, trackPlot, type PhaseSpan } from './plots.js';

export interface TelemetryPlotOptions {
  /** Commanded altitude (m, up). */
  targetAlt?: number;
  /** Acceptance band for the altitude (m, up). */
  band?: [number, number];
  /** Position setpoints, local NED metres. */
  setpoints?: { north: number; east: number }[];
  /** Shown in the titles, e.g. the vehicle name. */
  label?: string;
  /** Flight phases, in seconds since the first position sample (the plot's zero). */
  phases?: PhaseSpan[];
}

/** Altitude and track SVGs of one vehicle; null when it reported no position. */
export async function telemetryPlots(telemetry: Pick<Telemetry, 'series'>, opts: TelemetryPlotOptions = {}): Promise<{ altitude: string; track: string } | null> {
  const pos = telemetry.series('localPosition');
  if (pos.length === 0) return null;
  const t0 = pos.vehicleMs[0]!;
  const t = Array.from(pos.vehicleMs, (ms) => (ms - t0) / 1000);
  const alt = Array.from(pos.down, (down) => -down);
  const suffix = opts.label ? ` — ${opts.label}` : '';
  const altitude = await altitudePlot({
    t,
    alt,
    ...(opts.targetAlt !== undefined ? { target: opts.targetAlt } : {}),
    ...(opts.band ? { band: opts.band } : {}),
    ...(opts.phases ? { phases: opts.phases } : {}),
    title: `Altitude${suffix}`,
  });
  const track = await trackPlot({ north: pos.north, east: pos.east, ...(opts.setpoints ? { setpoints: opts.setpoints } : {}), title: `Track (top view)${suffix}` });
  return { altitude, track };
}

/** A histogram of a budget's samples with each declared limit drawn; null without samples. */
export async function budgetHistogram(result: BudgetResult, samples: readonly (number | { value: number })[]): Promise<string | null> {
  const spec = budgetHistogramChart(result, samples);
  return spec ? renderSvg(spec) : null;
}

/** The budget histogram's vega-lite spec; null without samples. */
export function budgetHistogramChart(result: BudgetResult, samples: readonly (number | { value: number })[]): TopLevelSpec | null {
  const values = samples.map((s) => (typeof s === 'number' ? s : s.value));
  if (values.length === 0) return null;
  return histogramChart(values, {
    unit: result.unit,
    quantity: result.metric,
    limits: result.checks.map((c) => ({ stat: c.stat, value: c.limit, kind: c.kind })),
    title: `${result.name} (${result.clock} clock, n=${values.length}) — ${result.outcome}`,
  });
}
