import type { ClockName } from '../clock/index.js';
import type { Unit } from './schema.js';

/** Where a sample came from. `clock`/`unit`, when given, are checked against the budget. */
/** What `flight.measure(metric, value, meta)` may say about a sample. */
export interface SampleMeta {
  /** The clock the value was measured on (a 'system' budget needs it). */
  clock?: ClockName;
  /** The value's unit (absent: the budget's); a budget judges only samples in its own. */
  unit?: Unit;
  /** When it was taken, vehicle clock (ms since boot). */
  vehicleTimeMs?: number;
  /** When it was taken, host clock (ms since the epoch). */
  hostTimeMs?: number;
  /** Uncertainty of the host clock offset behind this sample (two machines, TIMESYNC). */
  uncertaintyMs?: number;
  /** The vehicle it was measured on. */
  vehicle?: string;
  /** Shown with the sample in the recording. */
  note?: string;
}

export interface Sample extends SampleMeta {
  metric: string;
  value: number;
  /** Order of recording across all metrics of one Measurements. */
  seq: number;
}

export type SampleListener = (sample: Readonly<Sample>) => void;

/** Samples by metric name, with a hook so a recorder can stream them out as they arrive. */
export class Measurements {
  private readonly byMetric = new Map<string, Sample[]>();
  private readonly listeners = new Set<SampleListener>();
  private nextSeq = 0;

  record(metric: string, value: number, meta: SampleMeta = {}): Sample {
    if (typeof metric !== 'string' || metric.length === 0) throw new TypeError('metric name must be a non-empty string');
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${metric}: sample value ${value} is not a finite number`);
    const u = meta.uncertaintyMs;
    if (u !== undefined && !(Number.isFinite(u) && u >= 0)) throw new RangeError(`${metric}: uncertaintyMs ${u} must be a non-negative number`);

    const sample: Sample = { ...meta, metric, value, seq: this.nextSeq++ };
    let list = this.byMetric.get(metric);
    if (!list) this.byMetric.set(metric, (list = []));
    list.push(sample);

    // Every listener sees the sample even if an earlier one throws; the first error is rethrown.
    let error: unknown;
    for (const cb of this.listeners) {
      try {
        cb(sample);
      } catch (e) {
        error ??= e;
      }
    }
    if (error !== undefined) throw error;
    return sample;
  }

  /** Samples of one metric in recording order (a copy). */
  samples(metric: string): Sample[] {
    return [...(this.byMetric.get(metric) ?? [])];
  }

  values(metric: string): number[] {
    return (this.byMetric.get(metric) ?? []).map((s) => s.value);
  }

  /** Metric names in order of first sample. */
  metrics(): string[] {
    return [...this.byMetric.keys()];
  }

  /** Every sample, in recording order. */
  all(): Sample[] {
    return [...this.byMetric.values()].flat().sort((a, b) => a.seq - b.seq);
  }

  get size(): number {
    return this.nextSeq;
  }

  /** Calls `cb` for every sample recorded from now on; returns an unsubscribe function. */
  onSample(cb: SampleListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}
