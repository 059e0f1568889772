import { z } from 'zod';
import { Duration, formatMs } from '../../clock/duration.js';
import { seededRandom } from '../random.js';
import type { Transport } from './transport.js';

/**
 * Link faults, as `tc netem` would apply them to a real link, injected at the transport: added
 * latency with jitter, loss, duplication and reordering, independently per direction (up = from
 * the ground to the vehicle, down = from the vehicle to the ground). Each write and each received
 * chunk is one unit, which is exact for datagram transports (udp, udpout, memory); on a byte
 * stream (tcp, serial) a unit is whatever chunk the OS delivered, so faults there garble framing
 * like a noisy line would. Every random choice comes from one seeded generator: a seed replays
 * the same faults.
 *
 * Delays run on a clock of the caller's choosing: the host's (a real link), or the vehicle's
 * when the vehicle is simulated faster than real time — a 40 ms radio is 40 ms of vehicle time
 * at any speed, which host-clock delays would stretch by the speed factor.
 */

const Probability = z
  .union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*%\s*$/, 'expected a probability such as 0.05 or "5%"')])
  .transform((v) => (typeof v === 'number' ? v : Number(v.replace('%', '').trim()) / 100))
  .pipe(z.number().min(0, 'must be a probability between 0 and 1').max(1, 'must be a probability between 0 and 1'));

export const FaultSpec = z
  .object({
    /** Added one-way delay ('50ms', '1s' or ms). */
    latency: Duration.optional(),
    /** Delay variation around the latency; delays never go below zero. */
    jitter: Duration.optional(),
    /** How jitter is spread: uniform in ±jitter (netem's default) or normal with σ = jitter. */
    distribution: z.enum(['uniform', 'normal']).optional(),
    /** Probability that a unit is dropped. */
    loss: Probability.optional(),
    /** Probability that a unit is delivered twice (the copy has its own delay). */
    duplicate: Probability.optional(),
    /** Probability that a unit is held back and delivered after later ones. */
    reorder: Probability.optional(),
    /** How many later units overtake a held-back one (default 3). */
    reorderWindow: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type FaultSpec = z.input<typeof FaultSpec>;

export const LinkFaults = z
  .object({
    /** Faults on what we send (commands, setpoints, our heartbeat). */
    up: FaultSpec.optional(),
    /** Faults on what we receive (telemetry). */
    down: FaultSpec.optional(),
    /** Seed of the fault generator (default 1): the same seed gives the same losses and delays. */
    seed: z.number().int().optional(),
  })
  .strict();
export type LinkFaults = z.input<typeof LinkFaults>;

interface ResolvedSpec {
  latencyMs: number;
  jitterMs: number;
  normal: boolean;
  loss: number;
  duplicate: number;
  reorder: number;
  reorderWindow: number;
}

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

function resolve(spec: z.output<typeof FaultSpec> | undefined): ResolvedSpec | null {
  if (!spec) return null;
  const r: ResolvedSpec = {
    latencyMs: spec.latency ?? 0,
    jitterMs: spec.jitter ?? 0,
    normal: spec.distribution === 'normal',
    loss: spec.loss ?? 0,
    duplicate: spec.duplicate ?? 0,
    reorder: spec.reorder ?? 0,
    reorderWindow: spec.reorderWindow ?? 3,
  };
  const none = r.latencyMs === 0 && r.jitterMs === 0 && r.loss === 0 && r.duplicate === 0 && r.reorder === 0;
  return none ? null : r;
}

/** Validates link faults; a bad value is one line naming the field, e.g. `down.loss: must be a probability between 0 and 1`. */
export function parseLinkFaults(input: unknown): { up: ResolvedSpec | null; down: ResolvedSpec | null; seed: number } {
  const parsed = LinkFaults.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FaultSpecError(`invalid link faults: ${issue.path.join('.') || 'faults'}: ${issue.message}`);
  }
  return { up: resolve(parsed.data.up), down: resolve(parsed.data.down), seed: parsed.data.seed ?? 1 };
}

/** What one direction did to its units. */
export interface FaultStats {
  /** Units offered (writes for up, received chunks for down). */
  units: number;
  /** Units handed on, duplicates included. */
  delivered: number;
  lost: number;
  duplicated: number;
  /** Units held back so that later ones overtook them. */
  reordered: number;
}

const newStats = (): FaultStats => ({ units: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0 });

/** A held-back unit is released after this long even if too few later units pass (a quiet link). */
const REORDER_HOLD_MIN_MS = 100;

/** Runs `fn` once after `ms` on some clock; returns a cancel function. */
export type After = (ms: number, fn: () => void) => () => void;

/** A clock that delays can run on. */
export interface DelayClock {
  name: 'host' | 'vehicle';
  after: After;
}

/** Host-clock delays, as on a real link. */
export const hostDelays: DelayClock = {
  name: 'host',
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface FaultyTransportOptions {
  /** The clock delays run on (default: the host's). */
  clock?: DelayClock;
  /**
   * Which end of the link this transport is: 'ground' (the default: writes go up, received data
   * came down) or 'vehicle' (writes go down, received data came up).
   */
  end?: 'ground' | 'vehicle';
}

/** One direction's fault pipeline; pending delays live in the shared set so close() can cancel them all. */
class FaultDirection {
  readonly stats = newStats();
  private held: { unit: Buffer; remaining: number; cancel: () => void }[] = [];
  closed = false;

  constructor(
    private readonly spec: ResolvedSpec | null,
    private readonly rand: () => number,
    private readonly clock: After,
    private readonly timers: Set<() => void>,
    private readonly deliver: (unit: Buffer) => void,
  ) {}

  push(unit: Buffer): void {
    if (this.closed) return;
    this.stats.units++;
    const spec = this.spec;
    if (!spec) {
      this.emit(unit);
      return;
    }
    if (spec.loss > 0 && this.rand() < spec.loss) {
      this.stats.lost++;
      return;
    }
    // Delayed units outlive the caller's buffer: keep a copy.
    const copy = spec.latencyMs > 0 || spec.jitterMs > 0 || spec.reorder > 0 ? Buffer.from(unit) : unit;
    this.schedule(copy, spec);
    if (spec.duplicate > 0 && this.rand() < spec.duplicate) {
      this.stats.duplicated++;
      this.schedule(copy, spec);
    }
  }

  private schedule(unit: Buffer, spec: ResolvedSpec): void {
    if (spec.reorder > 0 && this.rand() < spec.reorder) {
      this.stats.reordered++;
      const entry = { unit, remaining: spec.reorderWindow, cancel: () => {} };
      entry.cancel = this.after(Math.max(REORDER_HOLD_MIN_MS, spec.latencyMs + 2 * spec.jitterMs), () => {
        this.held = this.held.filter((h) => h !== entry);
        this.emit(unit);
      });
      this.held.push(entry);
      return;
    }
    const delay = this.delay(spec);
    if (delay <= 0) this.emit(unit);
    else this.after(delay, () => this.emit(unit));
  }

  private delay(spec: ResolvedSpec): number {
    if (spec.jitterMs === 0) return spec.latencyMs;
    const spread = spec.normal ? spec.jitterMs * gaussian(this.rand) : spec.jitterMs * (2 * this.rand() - 1);
    return Math.max(0, spec.latencyMs + spread);
  }

  private after(ms: number, fn: () => void): () => void {
    const cancel = this.clock(ms, () => {
      this.timers.delete(cancel);
      if (!this.closed) fn();
    });
    this.timers.add(cancel);
    return cancel;
  }

  private emit(unit: Buffer): void {
    if (this.closed) return;
    this.stats.delivered++;
    this.deliver(unit);
    // Every delivered unit overtakes the held-back ones; release those whose window is used up.
    if (this.held.length === 0) return;
    const release = this.held.filter((h) => --h.remaining <= 0);
    if (release.length === 0) return;
    this.held = this.held.filter((h) => h.remaining > 0);
    for (const h of release) {
      h.cancel();
      this.timers.delete(h.cancel);
      this.emit(h.unit);
    }
  }

  close(): void {
    this.closed = true;
    this.held = [];
  }
}

/** Standard normal sample (Box–Muller) from the seeded generator. */
function gaussian(rand: () => number): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function describe(spec: ResolvedSpec | null): string {
  if (!spec) return 'none';
  const parts: string[] = [];
  if (spec.latencyMs) parts.push(`latency ${formatMs(spec.latencyMs)}`);
  if (spec.jitterMs) parts.push(`jitter ${formatMs(spec.jitterMs)}${spec.normal ? ' normal' : ''}`);
  if (spec.loss) parts.push(`loss ${+(spec.loss * 100).toFixed(3)}%`);
  if (spec.duplicate) parts.push(`duplicate ${+(spec.duplicate * 100).toFixed(3)}%`);
  if (spec.reorder) parts.push(`reorder ${+(spec.reorder * 100).toFixed(3)}% window ${spec.reorderWindow}`);
  return parts.join(', ');
}

/** A transport with netem-like faults in front of it. */
export class FaultyTransport implements Transport {
  readonly stats: { up: FaultStats; down: FaultStats };
  private readonly timers = new Set<() => void>();
  private readonly outgoing: FaultDirection;
  private readonly incoming: FaultDirection;
  private readonly dataCbs: ((chunk: Buffer) => void)[] = [];
  private readonly summary: string;
  private clock: DelayClock;

  constructor(
    readonly inner: Transport,
    faults: LinkFaults,
    opts: FaultyTransportOptions = {},
  ) {
    const f = parseLinkFaults(faults);
    const rand = seededRandom(f.seed);
    this.clock = opts.clock ?? hostDelays;
    const after: After = (ms, fn) => this.clock.after(ms, fn);
    const atVehicle = opts.end === 'vehicle';
    this.outgoing = new FaultDirection(atVehicle ? f.down : f.up, rand, after, this.timers, (unit) => inner.write(unit));
    this.incoming = new FaultDirection(atVehicle ? f.up : f.down, rand, after, this.timers, (unit) => {
      for (const cb of this.dataCbs) cb(unit);
    });
    const [up, down] = atVehicle ? [this.incoming, this.outgoing] : [this.outgoing, this.incoming];
    this.stats = { up: up.stats, down: down.stats };
    this.summary = `faults up: ${describe(f.up)}; down: ${describe(f.down)}`;
    inner.onData((chunk) => this.incoming.push(chunk));
  }

  get description(): string {
    return `${this.inner.description} [${this.summary}${this.clock.name === 'host' ? '' : `; delays on the ${this.clock.name} clock`}]`;
  }

  /** Delays from now on run on `clock` (those already scheduled keep theirs). */
  useClock(clock: DelayClock): void {
    this.clock = clock;
  }

  /** Timers still scheduled (delayed or held-back units): zero after close(). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  write(bytes: Buffer): void {
    this.outgoing.push(bytes);
  }

  onData(cb: (chunk: Buffer) => void): void {
    this.dataCbs.push(cb);
  }

  onClose(cb: (err?: Error) => void): void {
    this.inner.onClose(cb);
  }

  async close(): Promise<void> {
    this.outgoing.close();
    this.incoming.close();
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    await this.inner.close();
  }
}

/** Wraps a transport with link faults (validated; throws FaultSpecError naming the bad field). */
export function withFaults(transport: Transport, faults: LinkFaults, opts: FaultyTransportOptions = {}): FaultyTransport {
  return new FaultyTransport(transport, faults, opts);
}
