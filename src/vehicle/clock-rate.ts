import { hostNowMs } from '../clock/host.js';
import type { DelayClock } from '../mavlink/transports/faults.js';

/** What the rate is read from: a Telemetry, or anything that reports a vehicle time. */
export interface VehicleTimeSource {
  readonly vehicleTimeMs: number | null;
  onUpdate(cb: () => void): () => void;
}

/** Host time over which the rate is measured (each window replaces the last estimate). */
const WINDOW_MS = 500;
/** The first window is shorter: a test's first commands come soon after its stack is up. */
const FIRST_WINDOW_MS = 100;
/** Rates outside this range are a stalled or jumping clock, not a speed factor. */
const MIN_RATE = 0.01;
const MAX_RATE = 10_000;

/**
 * How fast the vehicle's clock runs against the host's (1 on real hardware, the speed factor of a
 * SITL run), measured from the vehicle times telemetry reports. 1 until a first window is in
 * (FIRST_WINDOW_MS of telemetry); a vehicle clock that steps back (a reboot) starts a new window.
 */
export class VehicleClockRate {
  private rate_ = 1;
  private measured = false;
  private anchor: { hostMs: number; vehicleMs: number } | null = null;
  private readonly off: () => void;

  constructor(private readonly telemetry: VehicleTimeSource) {
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
    const hostMs = hostNowMs();
    const a = this.anchor;
    if (!a || vehicleMs < a.vehicleMs) {
      this.anchor = { hostMs, vehicleMs };
      return;
    }
    if (hostMs - a.hostMs < (this.measured ? WINDOW_MS : FIRST_WINDOW_MS)) return;
    const rate = (vehicleMs - a.vehicleMs) / (hostMs - a.hostMs);
    if (rate >= MIN_RATE && rate <= MAX_RATE) {
      this.rate_ = rate;
      this.measured = true;
    }
    this.anchor = { hostMs, vehicleMs };
  }
}
