import { common } from 'node-mavlink';
import { hostNowMs } from '../clock/host.js';
import type { Link } from '../mavlink/link.js';
import type { Setpoint } from './pilot.js';
import type { Telemetry } from './telemetry.js';

const M = common.PositionTargetTypemask;
const IGNORE_ACCEL = M.AX_IGNORE | M.AY_IGNORE | M.AZ_IGNORE;
const IGNORE_POS = M.X_IGNORE | M.Y_IGNORE | M.Z_IGNORE;
const IGNORE_VEL = M.VX_IGNORE | M.VY_IGNORE | M.VZ_IGNORE;

/** When a new setpoint first went out, in both clocks: the start of a setpoint-to-motion measurement. */
export interface SetpointSent {
  setpoint: Setpoint;
  vehicleMs: number;
  hostMs: number;
}

export interface SetpointStreamerOptions {
  targetSysId: number;
  targetCompId?: number;
  /** Stream rate in vehicle time. Default 20 Hz. */
  rateHz?: number;
  /** Called when a new setpoint is first transmitted. */
  onSetpointSent?: (s: SetpointSent) => void;
}

/**
 * Streams SET_POSITION_TARGET_LOCAL_NED paced on the VEHICLE clock: a setpoint goes out whenever
 * telemetry's vehicle time has advanced by a period, so at speed factor 20 a 20 Hz stream is
 * 400 Hz of wall time — PX4's offboard-loss failsafe (COM_OF_LOSS_T) counts vehicle time too.
 * The rate cannot exceed the rate at which vehicle time is observed: when telemetry arrives less
 * often than the period, one setpoint is sent per observation (a burst would add nothing).
 */
export class SetpointStreamer {
  /** Transmissions so far. */
  sent = 0;
  /** Every new setpoint's first transmission (both clocks), oldest first. */
  readonly history: SetpointSent[] = [];
  private readonly periodMs: number;
  private current: Setpoint | null = null;
  private nextDue = 0;
  private lastSent: number | null = null;
  private off: (() => void) | null = null;
  private readonly msg = new common.SetPositionTargetLocalNed();

  constructor(
    private readonly link: Link,
    private readonly telemetry: Telemetry,
    private readonly opts: SetpointStreamerOptions,
  ) {
    const rate = opts.rateHz ?? 20;
    if (!(rate > 0 && rate <= 1000)) throw new RangeError(`setpoint stream: rateHz: must be in (0, 1000], got ${rate}`);
    this.periodMs = 1000 / rate;
    this.msg.targetSystem = opts.targetSysId;
    this.msg.targetComponent = opts.targetCompId ?? 1;
    this.msg.coordinateFrame = common.MavFrame.LOCAL_NED;
  }

  get running(): boolean {
    return this.off !== null;
  }

  get setpoint(): Setpoint | null {
    return this.current;
  }

  get rateHz(): number {
    return 1000 / this.periodMs;
  }

  /** Starts streaming `sp` (sent at once if vehicle time is known, then paced). */
  start(sp: Setpoint): void {
    if (!this.off) this.off = this.telemetry.onUpdate(() => this.tick());
    this.set(sp);
  }

  /** Replaces the setpoint and transmits it immediately, restarting the pacing from now. */
  set(sp: Setpoint): void {
    this.current = sp;
    if (!this.off) return;
    const vt = this.telemetry.vehicleTimeMs;
    if (vt === null) {
      this.nextDue = -Infinity; // the first vehicle time seen sends it
      return;
    }
    this.transmit(vt);
    this.nextDue = vt + this.periodMs;
  }

  stop(): void {
    this.off?.();
    this.off = null;
  }

  private tick(): void {
    const vt = this.telemetry.vehicleTimeMs;
    if (vt === null || vt < this.nextDue || !this.current) return;
    this.transmit(vt);
    this.nextDue += this.periodMs;
    // Fell behind (sparse telemetry, or the first send): resynchronise instead of bursting.
    if (this.nextDue <= vt) this.nextDue = vt + this.periodMs;
  }

  /** Vehicle time (ms) the stream last sent a setpoint at, as stamped on it; null before any. */
  get lastSentVehicleMs(): number | null {
    return this.lastSent;
  }

  private transmit(vehicleMs: number): void {
    this.lastSent = vehicleMs;
    const sp = this.current!;
    const m = this.msg;
    m.timeBootMs = Math.max(0, Math.floor(vehicleMs)) >>> 0;
    if (sp.type === 'position') {
      m.x = sp.north; m.y = sp.east; m.z = sp.down;
      m.vx = 0; m.vy = 0; m.vz = 0;
      m.yaw = sp.yaw ?? 0;
      m.yawRate = 0;
      m.typeMask = IGNORE_VEL | IGNORE_ACCEL | M.YAW_RATE_IGNORE | (sp.yaw === undefined ? M.YAW_IGNORE : 0);
    } else {
      m.x = 0; m.y = 0; m.z = 0;
      m.vx = sp.vn; m.vy = sp.ve; m.vz = sp.vd;
      m.yaw = sp.yaw ?? 0;
      m.yawRate = sp.yawRate ?? 0;
      m.typeMask = IGNORE_POS | IGNORE_ACCEL | (sp.yaw === undefined ? M.YAW_IGNORE : 0) | (sp.yawRate === undefined ? M.YAW_RATE_IGNORE : 0);
    }
    m.afx = 0; m.afy = 0; m.afz = 0;
    const first = this.history.length === 0 || this.history[this.history.length - 1]!.setpoint !== sp;
    this.link.send(m);
    this.sent++;
    if (first) {
      const s: SetpointSent = { setpoint: sp, vehicleMs, hostMs: hostNowMs() };
      this.history.push(s);
      this.opts.onSetpointSent?.(s);
    }
  }
}
