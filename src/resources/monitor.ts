import { hostNowMs } from '../clock/host.js';
import type { ResourceReading, ResourceSample, ResourceSource } from './types.js';

export interface ResourceMonitorOptions {
  /** Sampling period, host clock. Default 500 ms. */
  intervalMs?: number;
  onSample: (sample: ResourceSample) => void;
  /** A source that read null (its process or container is gone) or threw: called once, then it is dropped. */
  onGone?: (source: ResourceSource, reason: string) => void;
}

interface Tracked {
  source: ResourceSource;
  last: { cpuSeconds: number; atMs: number } | null;
}

const MIB = 1024 * 1024;

/**
 * Samples sources every `intervalMs` of host time: cumulative CPU becomes CPU % over the interval
 * (Δcpu / Δhost × 100, so 100 = one core), bytes become MiB. Its timer never keeps the process
 * alive; a source that fails is reported and dropped, the others go on.
 */
export class ResourceMonitor {
  readonly intervalMs: number;
  private readonly tracked: Tracked[] = [];
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private stopped = false;
  private busy = 0;

  constructor(
    sources: ResourceSource[],
    private readonly options: ResourceMonitorOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 500;
    if (!(this.intervalMs > 0)) throw new RangeError(`ResourceMonitor: intervalMs must be > 0 (got ${options.intervalMs})`);
    for (const s of sources) this.add(s);
  }

  /** Starts sampling: one sample at once (each source's baseline), then every interval. */
  start(): this {
    if (this.timer || this.stopped) return this;
    const tick = () => {
      // A round that outlasts the interval (a slow filesystem) is not overlapped by the next.
      if (!this.round) this.round = this.sample().finally(() => (this.round = null));
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    tick();
    return this;
  }

  /** Adds a source (a container started later, a restarted process). */
  add(source: ResourceSource): void {
    if (!this.tracked.some((t) => t.source === source)) this.tracked.push({ source, last: null });
  }

  /** The sources still sampled. */
  get sources(): ResourceSource[] {
    return this.tracked.map((t) => t.source);
  }

  /**
   * Host time its rounds took, ms: what sampling cost the process it runs in. The readers are
   * synchronous (/proc and cgroup files come from the kernel), so this is time the event loop was
   * blocked, not time spent waiting.
   */
  get busyMs(): number {
    return this.busy;
  }

  /** Reads every source once now and reports each sample (also what the timer does). */
  async sample(): Promise<void> {
    const t0 = hostNowMs();
    // One after another: each source's stamps then bracket its own read only.
    for (const t of [...this.tracked]) await this.sampleOne(t);
    this.busy += hostNowMs() - t0;
  }

  private async sampleOne(t: Tracked): Promise<void> {
    let reading: ResourceReading | null;
    const beforeMs = hostNowMs();
    try {
      reading = await t.source.read();
    } catch (err) {
      return this.drop(t, `read failed: ${(err as Error).message}`);
    }
    if (this.stopped || !this.tracked.includes(t)) return;
    if (!reading) return this.drop(t, `gone (${t.source.detail})`);
    // The read's midpoint: a slow read (a /proc scan under load) does not skew the interval.
    const atMs = (beforeMs + hostNowMs()) / 2;
    const dtMs = t.last ? atMs - t.last.atMs : 0;
    const cpuPercent = t.last && dtMs > 0 ? Math.max(0, ((reading.cpuSeconds - t.last.cpuSeconds) * 1000 * 100) / dtMs) : null;
    t.last = { cpuSeconds: reading.cpuSeconds, atMs };
    try {
      this.options.onSample({
        component: t.source.component,
        vehicle: t.source.vehicle,
        cpuPercent,
        memoryMiB: reading.memoryBytes / MIB,
        memoryLimitMiB: reading.memoryLimitBytes === null ? null : reading.memoryLimitBytes / MIB,
        hostTimeMs: atMs,
      });
    } catch {
      // The consumer's failure is not the source's: keep sampling.
    }
  }

  private drop(t: Tracked, reason: string): void {
    const i = this.tracked.indexOf(t);
    if (i < 0) return;
    this.tracked.splice(i, 1);
    if (this.stopped) return;
    try {
      this.options.onGone?.(t.source, reason);
    } catch {
      // as above
    }
  }

  /** Stops sampling; resolves once a round in progress has ended (no sample after that). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round;
  }
}
