import { hostNowMs } from '../clock/host.js';
import type { DelayClock } from '../mavlink/transports/faults.js';

/** What the rate is read from: a Telemetry, or anything that reports a vehicle time. */
export interface VehicleTimeSource {
  readonly vehicleTimeMs: number | null;
  onUpdate(cb: () => void): () => void;
}

export interface VehicleClockRateOptions {
  /**
   * The fastest the vehicle clock can run against the host's: the speed factor a SITL was started
   * with (PX4's SIH never runs ahead of it, it only falls behind), 1 for real hardware. Telemetry
   * that shows more than that is frames arriving late and together, not a faster vehicle, and is
   * not measured. Without it only a gap in the telemetry restarts a measurement.
   */
  maxRate?: number;
  /** The host clock (ms); tests replay telemetry on a clock of their own. */
  now?: () => number;
}

/** Host time over which the rate is measured (each window replaces the last estimate). */
const WINDOW_MS = 500;
/** The first window is shorter: a test's first commands come soon after its stack is up. */
const FIRST_WINDOW_MS = 100;
/**
 * Host time without telemetry after which a measurement starts over: the host (or the vehicle)
 * stalled, and what was sent meanwhile arrives in a burst. A window across it would read the stall
 * as a slow vehicle and the burst as a fast one.
 */
const GAP_MS = 200;
/** Vehicle time a window may run ahead of maxRate × host time (scheduling jitter of the frames). */
const SLACK_MS = 50;
/** Rates outside this range are a stalled or jumping clock, not a speed factor. */
const MIN_RATE = 0.01;
const MAX_RATE = 10_000;

interface Point {
  hostMs: number;
  vehicleMs: number;
}

/**
 * How fast the vehicle's clock runs against the host's (1 on real hardware, the speed factor of a
 * SITL run), measured from the vehicle times telemetry reports. 1 until a first window is in
 * (FIRST_WINDOW_MS of telemetry); a vehicle clock that steps back (a reboot) starts a new window.
 *
 * A window is measured between frames that arrived as they were sent: a gap in the telemetry
 * restarts it, and so does a window running ahead of `maxRate` (frames that waited in a socket
 * while the host was busy, arriving in a burst). Seen on real PX4 at speed 2 on a loaded host: a
 * 4 s stall of the test process, then a window of the burst measured 19× and the next command's
 * retries fired ten times too early.
 */
export class VehicleClockRate {
  private rate_ = 1;
  private measured = false;
  private anchor: Point | null = null;
  private last: Point | null = null;
  private readonly off: () => void;
  private readonly now: () => number;
  private readonly ceiling: number;

  constructor(
    private readonly telemetry: VehicleTimeSource,
    opts: VehicleClockRateOptions = {},
  ) {
    this.now = opts.now ?? hostNowMs;
    this.ceiling = opts.maxRate !== undefined && opts.maxRate > 0 ? opts.maxRate : Infinity;
    this.off = telemetry.onUpdate(() => this.sample());
  }

  /** Vehicle ms per host ms. */
  get rate(): number {
    return this.rate_;
  }

  /** Delays of `ms` vehicle time, waited on the host clock at the measured rate. */
  get delays(): DelayClock {
    return {
      name: 'vehicle',
      after: (ms, fn) => {
        const t = setTimeout(fn, ms / this.rate_);
        return () => clearTimeout(t);
      },
    };
  }

  close(): void {
    this.off();
  }

  private sample(): void {
    const vehicleMs = this.telemetry.vehicleTimeMs;
    if (vehicleMs === null) return;
    const here: Point = { hostMs: this.now(), vehicleMs };
    const last = this.last;
    this.last = here;
    const a = this.anchor;
    if (!a || vehicleMs < a.vehicleMs || (last && here.hostMs - last.hostMs > GAP_MS)) {
      this.anchor = here;
      return;
    }
    const hostSpan = here.hostMs - a.hostMs;
    const vehicleSpan = vehicleMs - a.vehicleMs;
    // Ahead of what the vehicle can do: the anchor was a late frame. Start over from this one.
    if (vehicleSpan > this.ceiling * hostSpan + SLACK_MS) {
      this.anchor = here;
      return;
    }
    if (hostSpan < (this.measured ? WINDOW_MS : FIRST_WINDOW_MS)) return;
    const rate = vehicleSpan / hostSpan;
    if (rate >= MIN_RATE && rate <= MAX_RATE) {
      this.rate_ = Math.min(rate, this.ceiling);
      this.measured = true;
    }
    this.anchor = here;
  }
}
