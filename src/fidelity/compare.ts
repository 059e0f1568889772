import type { MarkSource, PhaseWindow } from './manoeuvres.js';
import type { RangeSample, TimedEvent, TraceSample } from './recorder.js';

/** One flight of the manoeuvre set on one target, as recorded. */
export interface FlightRun {
  target: string;
  run: number;
  phases: PhaseWindow[];
  samples: TraceSample[];
  modes: TimedEvent[];
  acks: TimedEvent[];
  /** The downward rangefinder's readings (none where the vehicle has no rangefinder). */
  ranges?: RangeSample[];
  /** Why the run did not fly every phase (its phases so far are kept). */
  error?: string;
}

/** The thresholds a candidate is judged by against the reference. */
export interface Thresholds {
  /** A phase mark's median may differ from the reference's by this share of it (0.15 = 15 %). */
  durationShare: number;
  /** Each side needs at least this many runs with the mark. */
  minRuns: number;
  /**
   * Differences the candidate admits, by key ("phase › mark", "phase › modes", "phase › acks"),
   * each with why: reported as KNOWN GAP, not failed. A listed one that passes is reported as
   * closed (take it off the list); a key that names nothing measured is a failure (a stale list).
   */
  knownGaps?: Record<string, string>;
}
export const DEFAULT_THRESHOLDS: Thresholds = { durationShare: 0.15, minRuns: 5 };

/**
 * The finest a mark can be timed, by how it is observed: a mode change shows in the next HEARTBEAT
 * (1 Hz on PX4's links), a position in LOCAL_POSITION_NED (PX4 SITL: 30 Hz on the API link), a
 * rangefinder height in DISTANCE_SENSOR (10 Hz), the landed state in EXTENDED_SYS_STATE (5 Hz). A difference within it is not a difference the
 * harness can see, so a mark passes within max(share × reference, resolution).
 */
export const MARK_RESOLUTION_S: Record<MarkSource, number> = { mode: 1, landed: 0.2, position: 0.05, range: 0.1 };

export interface MarkRow {
  phase: string;
  mark: string;
  source: MarkSource;
  /** Seconds from the phase's start, one per run that reached the mark. */
  reference: number[];
  candidate: number[];
  refMedian: number;
  candMedian: number;
  /** candidate ÷ reference medians. */
  ratio: number;
  /** The allowed |candidate − reference| in seconds. */
  allowedS: number;
  verdict: 'pass' | 'fail' | 'too few runs' | 'known gap';
}

export interface ValueRow {
  phase: string;
  name: string;
  unit: string;
  refMedian: number;
  candMedian: number;
}

export interface SequenceRow {
  phase: string;
  kind: 'modes' | 'acks';
  /** The sequence most runs of each side showed, and how many of its runs showed it. */
  reference: string[];
  referenceShare: string;
  candidate: string[];
  candidateShare: string;
  verdict: 'pass' | 'fail' | 'known gap';
}

export interface TraceRow {
  phase: string;
  /** RMS over the reference phase's duration of the difference of the median traces, time-aligned at the phase start. */
  altitudeRmsM: number;
  distanceRmsM: number;
}

export interface Comparison {
  reference: string;
  candidate: string;
  runs: { reference: number; candidate: number; failedReference: string[]; failedCandidate: string[] };
  marks: MarkRow[];
  values: ValueRow[];
  sequences: SequenceRow[];
  traces: TraceRow[];
  thresholds: Thresholds;
  /** Every failure, one line each; empty when the candidate passes. */
  failures: string[];
  /** Known gaps that passed this time: the list should lose them. */
  closedGaps: string[];
}

export const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Compares the candidate's runs with the reference's, phase by phase. */
export function compareRuns(reference: readonly FlightRun[], candidate: readonly FlightRun[], thresholds: Thresholds = DEFAULT_THRESHOLDS): Comparison {
  const refName = reference[0]?.target ?? 'reference';
  const candName = candidate[0]?.target ?? 'candidate';
  const failures: string[] = [];
  const failed = (runs: readonly FlightRun[]) => runs.filter((r) => r.error).map((r) => `${r.target} run ${r.run}: ${r.error}`);
  const cmp: Comparison = {
    reference: refName,
    candidate: candName,
    runs: { reference: reference.length, candidate: candidate.length, failedReference: failed(reference), failedCandidate: failed(candidate) },
    marks: [], values: [], sequences: [], traces: [], thresholds, failures, closedGaps: [],
  };
  const gaps = thresholds.knownGaps ?? {};
  const seen = new Set<string>();
  /** A failing verdict on a listed key is a known gap; a passing one closes it. */
  const admit = (key: string, failing: boolean): boolean => {
    seen.add(key);
    if (!(key in gaps)) return false;
    if (!failing) cmp.closedGaps.push(key);
    return failing;
  };
  for (const f of [...cmp.runs.failedReference, ...cmp.runs.failedCandidate]) failures.push(`a run failed: ${f}`);

  for (const phase of phaseNames(reference, candidate)) {
    const refPh = windows(reference, phase);
    const candPh = windows(candidate, phase);
    for (const key of markNames(refPh, candPh)) {
      const source = (refPh[0]?.w.sources[key] ?? candPh[0]?.w.sources[key])!;
      const refS = markSeconds(refPh, key);
      const candS = markSeconds(candPh, key);
      const refMedian = median(refS);
      const candMedian = median(candS);
      const allowedS = Math.max(thresholds.durationShare * refMedian, MARK_RESOLUTION_S[source]);
      const enough = refS.length >= thresholds.minRuns && candS.length >= thresholds.minRuns;
      let verdict: MarkRow['verdict'] = !enough ? 'too few runs' : Math.abs(candMedian - refMedian) <= allowedS ? 'pass' : 'fail';
      if (admit(`${phase} › ${key}`, verdict === 'fail')) verdict = 'known gap';
      cmp.marks.push({ phase, mark: key, source, reference: refS, candidate: candS, refMedian, candMedian, ratio: candMedian / refMedian, allowedS, verdict });
      if (verdict === 'fail') {
        failures.push(`${phase} › ${key}: ${candName} ${candMedian.toFixed(2)} s against ${refName} ${refMedian.toFixed(2)} s (${signedPercent(candMedian / refMedian - 1)}; allowed ±${allowedS.toFixed(2)} s)`);
      } else if (verdict === 'too few runs') {
        failures.push(`${phase} › ${key}: too few runs reached it to judge (${refName} ${refS.length}, ${candName} ${candS.length}; at least ${thresholds.minRuns} each)`);
      }
    }
    for (const name of valueNames(refPh, candPh)) {
      const pick = (ph: typeof refPh) => median(ph.map(({ w }) => w.values[name]?.value ?? Number.NaN));
      const unit = (refPh[0]?.w.values[name] ?? candPh[0]?.w.values[name])!.unit;
      cmp.values.push({ phase, name, unit, refMedian: pick(refPh), candMedian: pick(candPh) });
    }
    for (const kind of ['modes', 'acks'] as const) {
      const r = commonSequence(refPh.map(({ run, w }) => eventsIn(run[kind], w.events[kind], kind === 'modes')));
      const c = commonSequence(candPh.map(({ run, w }) => eventsIn(run[kind], w.events[kind], kind === 'modes')));
      let verdict: SequenceRow['verdict'] = sameSequence(r.sequence, c.sequence) ? 'pass' : 'fail';
      if (admit(`${phase} › ${kind}`, verdict === 'fail')) verdict = 'known gap';
      cmp.sequences.push({ phase, kind, reference: r.sequence, referenceShare: r.share, candidate: c.sequence, candidateShare: c.share, verdict });
      if (verdict === 'fail') {
        failures.push(`${phase} › ${kind === 'modes' ? 'mode sequence' : 'ACK sequence'}: ${candName} [${c.sequence.join(' → ')}] against ${refName} [${r.sequence.join(' → ')}]`);
      }
    }
    cmp.traces.push(traceDifference(phase, refPh, candPh));
  }
  for (const key of Object.keys(gaps)) if (!seen.has(key)) failures.push(`known gap "${key}" names nothing this comparison measured: take it off the list`);
  return cmp;
}

type RunWindow = { run: FlightRun; w: PhaseWindow };

function phaseNames(...sides: (readonly FlightRun[])[]): string[] {
  const names: string[] = [];
  for (const side of sides) for (const r of side) for (const p of r.phases) if (!names.includes(p.name)) names.push(p.name);
  return names;
}

function windows(runs: readonly FlightRun[], phase: string): RunWindow[] {
  return runs.flatMap((run) => run.phases.filter((w) => w.name === phase).map((w) => ({ run, w })));
}

function markNames(...sides: RunWindow[][]): string[] {
  const names: string[] = [];
  for (const side of sides) for (const { w } of side) for (const k of Object.keys(w.marks)) if (!names.includes(k)) names.push(k);
  return names;
}

function valueNames(...sides: RunWindow[][]): string[] {
  const names: string[] = [];
  for (const side of sides) for (const { w } of side) for (const k of Object.keys(w.values)) if (!names.includes(k)) names.push(k);
  return names;
}

function markSeconds(ph: RunWindow[], key: string): number[] {
  const out: number[] = [];
  for (const { w } of ph) {
    const t = w.marks[key];
    if (typeof t === 'number') out.push((t - w.start) / 1000);
  }
  return out;
}

/**
 * A phase's events, consecutive repeats collapsed (a command sent again is ACKed again); with
 * `state`, the events are states (modes) and the one the phase began in comes first.
 */
export function eventsIn(events: readonly { t: number; text: string }[], [from, to]: readonly [number, number], state = false): string[] {
  const out: string[] = [];
  if (state && from > 0) out.push(events[from - 1]!.text);
  for (let i = from; i < to; i++) if (out.at(-1) !== events[i]!.text) out.push(events[i]!.text);
  return out;
}

function sameSequence(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The sequence most runs showed (ties: the first seen), with "k of n". */
export function commonSequence(seqs: string[][]): { sequence: string[]; share: string } {
  const counts = new Map<string, { seq: string[]; n: number }>();
  for (const s of seqs) {
    const key = s.join('\u0000');
    const c = counts.get(key) ?? { seq: s, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  let best: { seq: string[]; n: number } | null = null;
  for (const c of counts.values()) if (!best || c.n > best.n) best = c;
  return { sequence: best?.seq ?? [], share: `${best?.n ?? 0} of ${seqs.length}` };
}

const GRID_MS = 100;

/** Median trace of a phase's runs on a 100 ms grid from the phase start: height and horizontal distance from where the phase began. */
export function medianTrace(ph: RunWindow[], durationMs: number): { alt: number[]; dist: number[] } {
  const n = Math.max(0, Math.floor(durationMs / GRID_MS) + 1);
  const perRun = ph.map(({ run, w }) => resample(run.samples, w.start, n));
  const alt: number[] = [];
  const dist: number[] = [];
  for (let i = 0; i < n; i++) {
    alt.push(median(perRun.map((r) => r.alt[i]!)));
    dist.push(median(perRun.map((r) => r.dist[i]!)));
  }
  return { alt, dist };
}

/** A run's samples from `start`, sampled and held on the grid (NaN before the first sample). */
export function resample(samples: readonly TraceSample[], start: number, n: number): { alt: number[]; dist: number[] } {
  let i = samples.findIndex((s) => s.t >= start);
  if (i < 0) return { alt: new Array<number>(n).fill(Number.NaN), dist: new Array<number>(n).fill(Number.NaN) };
  const origin = samples[Math.max(0, i - 1)]!;
  const alt: number[] = [];
  const dist: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = start + k * GRID_MS;
    while (i + 1 < samples.length && samples[i + 1]!.t <= t) i++;
    const s = samples[i]!;
    alt.push(s.alt);
    dist.push(Math.hypot(s.north - origin.north, s.east - origin.east));
  }
  return { alt, dist };
}

function traceDifference(phase: string, refPh: RunWindow[], candPh: RunWindow[]): TraceRow {
  const duration = median(refPh.map(({ w }) => w.end - w.start));
  const r = medianTrace(refPh, duration);
  const c = medianTrace(candPh, duration);
  return { phase, altitudeRmsM: rms(r.alt, c.alt), distanceRmsM: rms(r.dist, c.dist) };
}

function rms(a: number[], b: number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a[i]! - b[i]!;
    if (Number.isFinite(d)) { sum += d * d; n++; }
  }
  return n ? Math.sqrt(sum / n) : Number.NaN;
}

function signedPercent(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(0)} %`;
}
