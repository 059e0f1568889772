import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { hostNowMs } from './host.js';

/** One slice of the event-loop delay record: its host-time span and what the loop suffered in it. */
interface Slice {
  fromMs: number;
  toMs: number;
  p99Ms: number;
  maxMs: number;
}

export interface StallSummary {
  spanMs: number;
  p99Ms: number;
  maxMs: number;
}

const SLICE_MS = 100;
/** Slices kept: a test's samples lie within the last ten minutes. */
const KEEP_MS = 10 * 60_000;

/**
 * How much this process's event loop stalled, in 100 ms slices of host time (perf_hooks'
 * monitorEventLoopDelay at 1 ms resolution): a host-clock latency measured while the loop was
 * stalled for 80 ms says more about the host than about the system under test.
 */
export class HostStallMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly slices: Slice[] = [];
  private readonly timer: NodeJS.Timeout;
  private sliceFrom = hostNowMs();

  constructor() {
    this.histogram = monitorEventLoopDelay({ resolution: 1 });
    this.histogram.enable();
    this.timer = setInterval(() => this.cut(), SLICE_MS);
    this.timer.unref();
  }

  /** Closes the current slice (also done every 100 ms). */
  private cut(now = hostNowMs()): void {
    const h = this.histogram;
    if (h.count > 0) this.slices.push({ fromMs: this.sliceFrom, toMs: now, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 });
    h.reset();
    this.sliceFrom = now;
    while (this.slices.length > 0 && this.slices[0]!.toMs < now - KEEP_MS) this.slices.shift();
  }

  /** Event-loop delay over host time [fromMs, toMs]: null when no slice overlaps it. */
  over(fromMs: number, toMs: number): StallSummary | null {
    this.cut();
    let p99Ms = 0;
    let maxMs = 0;
    let any = false;
    for (const s of this.slices) {
      if (s.toMs < fromMs || s.fromMs > toMs) continue;
      any = true;
      p99Ms = Math.max(p99Ms, s.p99Ms);
      maxMs = Math.max(maxMs, s.maxMs);
    }
    return any ? { spanMs: Math.max(0, toMs - fromMs), p99Ms, maxMs } : null;
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}

let shared: HostStallMonitor | null = null;

/** The process's monitor, started on first use. */
export function hostStallMonitor(): HostStallMonitor {
  return (shared ??= new HostStallMonitor());
}
