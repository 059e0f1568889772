/**
 * Report charts: each as a vega-lite spec (`altitudeChart`, `trackChart`, `histogramChart`), which
 * a test attaches and the report draws (charts.ts), or drawn now as an SVG string (`altitudePlot`,
 * …). Drawing runs in Node without a browser: vega-lite compiles the spec, vega renders it
 * headless (`View.toSVG()`), on a thread of its own (plot-thread.mjs) kept loaded between uses:
 * loading vega costs several charts' worth (and Jest would load it again for every file).
 */
import type { TopLevelSpec } from 'vega-lite';
import { returnThread, takeThread } from '../lifecycle/warm-threads.js';
import { phaseLayers, type PhaseSpan } from './phase-marks.js';

export type { PhaseSpan } from './phase-marks.js';

const PLOT_THREAD = new URL('./plot-thread.mjs', import.meta.url);

/**
 * Points per series beyond which a line is thinned (min and max of every bucket kept): about two
 * per pixel of the widest chart (560 px). More only costs rendering time, per test.
 */
export const MAX_POINTS = 1200;

const ALTITUDE_WIDTH = 560;
const RESOURCE_WIDTH = 560;

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
const CONFIG = {
  font: FONT,
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  title: { fontSize: 14, anchor: 'start' as const },
  background: 'white',
};

/** Renders a vega-lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const worker = takeThread('plots', PLOT_THREAD);
  let healthy = true;
  try {
    return await new Promise<string>((resolve, reject) => {
      worker.once('message', (reply: { svg?: string; error?: string }) => (reply.error === undefined ? resolve(reply.svg!) : reject(new Error(`plot: ${reply.error}`))));
      worker.once('error', (err) => {
        healthy = false;
        reject(err);
      });
      worker.once('exit', (code) => {
        healthy = false;
        reject(new Error(`the plot thread exited (${code})`));
      });
      worker.postMessage({ spec });
    });
  } finally {
    if (healthy) returnThread('plots', worker);
    else void worker.terminate();
  }
}

export interface AltitudeSeries {
  /** Vehicle time, seconds. */
  t: ArrayLike<number>;
  /** Altitude above home, metres (up positive). */
  alt: ArrayLike<number>;
  /** The commanded altitude, drawn as a dashed rule. */
  target?: number;
  /** The band the altitude had to reach and hold, shaded. */
  band?: [number, number];
  /** Flight phases on the same time axis (seconds, as `t`), drawn as named bands. */
  phases?: readonly PhaseSpan[];
  /** The time axis' title: say where its zero is when it is not the vehicle's boot. */
  timeTitle?: string;
  title?: string;
}

/** Altitude over vehicle time, with the target altitude and the acceptance band. */
export async function altitudePlot(series: AltitudeSeries): Promise<string> {
  return renderSvg(altitudeChart(series));
}

/** The altitude plot's vega-lite spec (rendered later: see attachChart). */
export function altitudeChart(series: AltitudeSeries): TopLevelSpec {
  checkSameLength('altitudePlot', { t: series.t, alt: series.alt });
  const rows = thin(series.t, series.alt).map(([t, alt]) => ({ t, alt }));
  const layers: object[] = [];
  // From zero at the latest: a phase begun at zero and over before the first sample still shows.
  if (series.phases && rows.length > 0) layers.push(...phaseLayers(series.phases, Math.min(0, rows[0]!.t), rows[rows.length - 1]!.t, ALTITUDE_WIDTH));
  if (series.band) {
    const [lo, hi] = [...series.band].sort((a, b) => a - b) as [number, number];
    layers.push({
      data: { values: [{ lo, hi }] },
      mark: { type: 'rect', color: '#2ca02c', opacity: 0.15 },
      encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
    });
  }
  layers.push({
    mark: { type: 'line', color: '#1f77b4', strokeWidth: 1.5 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: series.timeTitle ?? 'vehicle time (s)' },
      y: { field: 'alt', type: 'quantitative', title: 'altitude (m)' },
    },
  });
  if (series.target !== undefined) {
    layers.push({
      data: { values: [{ target: series.target }] },
      mark: { type: 'rule', color: '#d62728', strokeDash: [6, 4] },
      encoding: { y: { field: 'target', type: 'quantitative' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: series.title ?? 'Altitude',
    width: ALTITUDE_WIDTH,
    height: 240,
    config: CONFIG,
    data: { values: rows },
    layer: layers,
  } as TopLevelSpec;
}

export interface TrackSeries {
  /** Local NED north, metres. */
  north: ArrayLike<number>;
  /** Local NED east, metres. */
  east: ArrayLike<number>;
  setpoints?: { north: number; east: number }[];
  title?: string;
}

/** Top view of the flown track (east right, north up) on equal axes, with the setpoints. */
export async function trackPlot(track: TrackSeries): Promise<string> {
  return renderSvg(trackChart(track));
}

/** The track plot's vega-lite spec. */
export function trackChart(track: TrackSeries): TopLevelSpec {
  checkSameLength('trackPlot', { north: track.north, east: track.east });
  const points = thin(track.north, track.east, true).map(([north, east], i) => ({ i, north, east }));
  const setpoints = (track.setpoints ?? []).map((s, i) => ({ n: i + 1, north: s.north, east: s.east }));
  // Equal axes: both domains get the same span, centred on the data, so a circle looks round.
  const all = [...points, ...setpoints];
  const span = (vals: number[]) => [Math.min(...vals), Math.max(...vals)] as const;
  const [n0, n1] = all.length ? span(all.map((p) => p.north)) : [0, 0];
  const [e0, e1] = all.length ? span(all.map((p) => p.east)) : [0, 0];
  const half = Math.max(n1 - n0, e1 - e0, 1) / 2 * 1.1;
  const nc = (n0 + n1) / 2;
  const ec = (e0 + e1) / 2;
  // The domains are params, not literals: every track is then one chart shape to the renderer.
  const domain = (lo: string, hi: string) => ({ domain: [{ expr: lo }, { expr: hi }], zero: false, nice: false });
  const x = { field: 'east', type: 'quantitative', title: 'east (m)', scale: domain('east_lo', 'east_hi') };
  const y = { field: 'north', type: 'quantitative', title: 'north (m)', scale: domain('north_lo', 'north_hi') };
  const layers: object[] = [
    { mark: { type: 'line', color: '#1f77b4', strokeWidth: 1.5, clip: true }, encoding: { x, y, order: { field: 'i', type: 'quantitative' } } },
  ];
  if (points.length > 0) {
    layers.push({
      data: { values: [{ ...points[0]!, what: 'start' }, { ...points[points.length - 1]!, what: 'end' }] },
      mark: { type: 'point', filled: true, size: 60 },
      encoding: { x, y, color: { field: 'what', type: 'nominal', scale: { domain: ['start', 'end'], range: ['#2ca02c', '#d62728'] }, title: null } },
    });
  }
  if (setpoints.length > 0) {
    layers.push({
      data: { values: setpoints },
      mark: { type: 'point', shape: 'cross', size: 90, color: '#ff7f0e', strokeWidth: 2 },
      encoding: { x, y, tooltip: { field: 'n', type: 'quantitative', title: 'setpoint' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: track.title ?? 'Track (top view)',
    width: 360,
    height: 360,
    config: CONFIG,
    params: [
      { name: 'east_lo', value: ec - half },
      { name: 'east_hi', value: ec + half },
      { name: 'north_lo', value: nc - half },
      { name: 'north_hi', value: nc + half },
    ],
    data: { values: points },
    layer: layers,
  } as TopLevelSpec;
}

export interface HistogramOptions {
  /** Unit of the samples, shown on the axis, e.g. 'ms'. */
  unit: string;
  /** Declared limits drawn as vertical rules, e.g. [{ stat: 'p95', value: 250 }]; `atLeast` marks a lower bound (min ≥ 1 s). */
  limits?: { stat: string; value: number; kind?: 'atMost' | 'atLeast' }[];
  title?: string;
  bins?: number;
  /** What the samples are, for the axis: default 'latency'; a budget's histogram names its metric. */
  quantity?: string;
}

/** Distribution of latency samples with the budget's limits as labelled rules. */
export async function latencyHistogram(samples: ArrayLike<number>, opts: HistogramOptions): Promise<string> {
  return renderSvg(histogramChart(samples, opts));
}

/** The histogram's vega-lite spec. */
export function histogramChart(samples: ArrayLike<number>, opts: HistogramOptions): TopLevelSpec {
  const values = Array.from(samples).filter(Number.isFinite);
  const limits = (opts.limits ?? []).map((l) => ({ ...l, label: `${l.stat} ${l.kind === 'atLeast' ? '≥' : '≤'} ${l.value} ${opts.unit}` }));
  const layers: object[] = [
    {
      data: { values: values.map((v) => ({ v })) },
      mark: { type: 'bar', color: '#1f77b4', opacity: 0.85 },
      encoding: {
        x: { field: 'v', type: 'quantitative', bin: { maxbins: opts.bins ?? 40 }, title: `${opts.quantity ?? 'latency'} (${opts.unit})` },
        y: { aggregate: 'count', type: 'quantitative', title: 'samples' },
      },
    },
  ];
  if (limits.length > 0) {
    layers.push(
      {
        data: { values: limits },
        mark: { type: 'rule', color: '#d62728', strokeWidth: 2, strokeDash: [6, 3] },
        encoding: { x: { field: 'value', type: 'quantitative' } },
      },
      {
        data: { values: limits },
        mark: { type: 'text', color: '#d62728', align: 'left', dx: 4, dy: 0, baseline: 'top', y: 4 },
        encoding: { x: { field: 'value', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title ?? `Latency (n=${values.length})`,
    width: 480,
    height: 220,
    config: CONFIG,
    layer: layers,
  } as TopLevelSpec;
}

function checkSameLength(what: string, cols: Record<string, ArrayLike<number>>): void {
  const entries = Object.entries(cols);
  const [n0, a0] = entries[0]!;
  for (const [n, a] of entries.slice(1)) {
    if (a.length !== a0.length) throw new RangeError(`${what}: ${n} has ${a.length} values but ${n0} has ${a0.length}`);
  }
}

/**
 * Pairs (a[i], b[i]) thinned to about MAX_POINTS: each bucket keeps its first point and the points
 * where b is smallest and largest, so overshoots stay visible. Non-finite pairs are dropped.
 * `keepOrder` thins tracks (both columns matter) by stride only.
 */
export function thin(a: ArrayLike<number>, b: ArrayLike<number>, keepOrder = false): [number, number][] {
  const n = Math.min(a.length, b.length);
  const out: [number, number][] = [];
  const ok = (i: number) => Number.isFinite(a[i]!) && Number.isFinite(b[i]!);
  if (n <= MAX_POINTS) {
    for (let i = 0; i < n; i++) if (ok(i)) out.push([a[i]!, b[i]!]);
    return out;
  }
  const size = Math.ceil(n / (keepOrder ? MAX_POINTS : MAX_POINTS / 3));
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    if (keepOrder) {
      if (ok(start)) out.push([a[start]!, b[start]!]);
      continue;
    }
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      if (!ok(i)) continue;
      if (lo < 0 || b[i]! < b[lo]!) lo = i;
      if (hi < 0 || b[i]! > b[hi]!) hi = i;
    }
    const keep = [...new Set([start, lo, hi].filter((i) => i >= 0 && ok(i)))].sort((x, y) => x - y);
    for (const i of keep) out.push([a[i]!, b[i]!]);
  }
  if (keepOrder && ok(n - 1)) out.push([a[n - 1]!, b[n - 1]!]);
  return out;
}

/** One sample of a stack component's resource use, at host time `t` (s since the test began). */
export interface ResourcePoint {
  t: number;
  component: string;
  value: number;
}

export interface ResourceChartOptions {
  quantity: 'CPU (%)' | 'memory (MiB)';
  limits?: { component: string; value: number }[];
  /** Flight phases on the same time axis (host seconds, as the points' `t`), drawn as named bands. */
  phases?: readonly PhaseSpan[];
  title?: string;
}

/**
 * CPU % or memory of every component of the stack over the test (host time: resources are
 * the host's), one line per component, with each component's limit as a dashed rule where the
 * stack ran it under one.
 */
export function resourceChart(points: readonly ResourcePoint[], opts: ResourceChartOptions): TopLevelSpec {
  const values = points.filter((p) => Number.isFinite(p.value));
  const ts = values.map((p) => p.t);
  const layers: object[] = [];
  if (opts.phases && values.length > 0) layers.push(...phaseLayers(opts.phases, Math.min(...ts), Math.max(...ts), RESOURCE_WIDTH));
  const withPhases = layers.length > 0;
  layers.push(
    {
      data: { values },
      mark: { type: 'line', strokeWidth: 1.5, point: { size: 12 } },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'host time since the test began (s)' },
        y: { field: 'value', type: 'quantitative', title: opts.quantity },
        color: { field: 'component', type: 'nominal', title: 'component' },
      },
    },
  );
  if (opts.limits && opts.limits.length > 0) {
    layers.push({
      data: { values: opts.limits },
      mark: { type: 'rule', strokeDash: [6, 3], strokeWidth: 1.5 },
      encoding: { y: { field: 'value', type: 'quantitative' }, color: { field: 'component', type: 'nominal' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title ?? opts.quantity,
    width: RESOURCE_WIDTH,
    height: 220,
    config: CONFIG,
    layer: layers,
    // Components and phases each get their own colours and legend.
    ...(withPhases ? { resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } } } : {}),
  } as TopLevelSpec;
}

/** One stage of the stack's start order: started and ready, seconds since the stack began to start. */
export interface StartStage {
  stage: string;
  startS: number;
  readyS: number;
}

/** The start order as a timeline (a bar per stage, from its start to when it was seen ready). */
export function startTimelineChart(stages: readonly StartStage[], title = 'Start order'): TopLevelSpec {
  const rows = stages.map((s, i) => ({ ...s, order: i, label: `${(s.readyS - s.startS).toFixed(1)} s` }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: Math.max(60, 28 * rows.length),
    config: CONFIG,
    data: { values: rows },
    encoding: {
      y: { field: 'stage', type: 'nominal', sort: { field: 'order' }, title: null },
    },
    layer: [
      {
        mark: { type: 'bar', color: '#1f77b4', height: 16 },
        encoding: { x: { field: 'startS', type: 'quantitative', title: 'host time since the stack began to start (s)' }, x2: { field: 'readyS' } },
      },
      { mark: { type: 'text', align: 'left', dx: 4, color: '#333' }, encoding: { x: { field: 'readyS', type: 'quantitative' }, text: { field: 'label' } } },
    ],
  } as TopLevelSpec;
}
