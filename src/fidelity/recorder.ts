import { common, type Message } from '../mavlink/link.js';
import { commandName, resultName } from '../vehicle/command-sender.js';
import type { Vehicle } from '../vehicle/index.js';

/** One position sample on the vehicle clock: height above home/ground, local NED, heading. */
export interface TraceSample {
  /** Vehicle ms. */
  t: number;
  alt: number;
  north: number;
  east: number;
  /** Speed over ground and vertical speed (up positive), m/s. */
  speed: number;
  climb: number;
  /** Heading, radians (NaN before ATTITUDE). */
  yaw: number;
}

/** One downward rangefinder reading on the vehicle clock: the height above the ground beneath. */
export interface RangeSample {
  /** Vehicle ms (the message's own time_boot_ms). */
  t: number;
  /** Metres. */
  range: number;
}

/** A mode or ACK event on the vehicle clock. */
export interface TimedEvent {
  t: number;
  text: string;
}

/**
 * Records what the vehicle did while a fidelity flight runs, on the vehicle clock only: every
 * LOCAL_POSITION_NED (with the height telemetry measures from home or the ground), every change of
 * the HEARTBEAT mode, every COMMAND_ACK in arrival order, and the downward rangefinder
 * (DISTANCE_SENSOR) where the vehicle has one. Phases are cut out of it afterwards, so what is
 * recorded does not depend on how the flight script waits.
 *
 * The rangefinder is there for heights near the ground: PX4 SIH's rangefinder reads the true height,
 * while its height estimate is often 0.5-1.5 m off by the end of a long flight, so a landing judged
 * on the estimate measures the estimator's drift, not the descent.
 */
export class FlightRecorder {
  readonly samples: TraceSample[] = [];
  readonly modes: TimedEvent[] = [];
  readonly acks: TimedEvent[] = [];
  readonly ranges: RangeSample[] = [];
  private readonly offs: (() => void)[] = [];
  private lastPositionMs = -Infinity;

  constructor(private readonly v: Vehicle) {
    const tel = v.telemetry;
    this.offs.push(
      tel.onUpdate(() => {
        const now = tel.vehicleTimeMs;
        if (now === null) return;
        const mode = modeLabel(v);
        if (mode !== null && this.modes.at(-1)?.text !== mode) this.modes.push({ t: now, text: mode });
        const p = tel.localPosition;
        if (!p || p.vehicleMs <= this.lastPositionMs) return;
        this.lastPositionMs = p.vehicleMs;
        this.samples.push({
          t: p.vehicleMs,
          alt: tel.altitude ?? Number.NaN,
          north: p.north,
          east: p.east,
          speed: Math.hypot(p.vn, p.ve),
          climb: -p.vd,
          yaw: tel.attitude?.yaw ?? Number.NaN,
        });
      }),
      v.link.on(common.DistanceSensor, (msg: Message) => {
        const d = msg.data as common.DistanceSensor;
        if (d.orientation !== DOWNWARD) return;
        const range = d.currentDistance / 100;
        // Out of range (PX4 sends UINT16_MAX cm above its maximum, as a LW20 does): no reading.
        if (range > d.maxDistance / 100 || range < d.minDistance / 100) return;
        const last = this.ranges.at(-1);
        if (last && d.timeBootMs <= last.t) return;
        this.ranges.push({ t: d.timeBootMs, range });
      }),
      v.link.on(common.CommandAck, (msg: Message) => {
        const ack = msg.data as common.CommandAck;
        // The client's own requests (a message it has not seen yet) depend on what arrived when,
        // not on the autopilot: the manoeuvres' commands are compared.
        if (HOUSEKEEPING.has(ack.command)) return;
        const t = tel.vehicleTimeMs ?? Number.NaN;
        this.acks.push({ t, text: `${commandName(ack.command)} ${resultName(ack.result)}` });
      }),
    );
  }

  /** Vehicle time of the newest message seen (ms). */
  now(): number {
    return this.v.telemetry.vehicleTimeMs ?? Number.NaN;
  }

  /** The newest rangefinder reading, or null before the first. */
  lastRange(): RangeSample | null {
    return this.ranges.at(-1) ?? null;
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
  }
}

/** MAV_SENSOR_ROTATION_PITCH_270: facing down. */
const DOWNWARD = 25;

const HOUSEKEEPING = new Set<number>([common.MavCmd.REQUEST_MESSAGE, common.MavCmd.SET_MESSAGE_INTERVAL]);

/** "Hold", "Hold (armed)": the mode with the armed flag, so that arming shows in the sequence. */
function modeLabel(v: Vehicle): string | null {
  const name = v.telemetry.modeName;
  if (name === null) return null;
  return v.telemetry.armed ? `${name} (armed)` : name;
}
