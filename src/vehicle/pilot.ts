import { z } from 'zod';
import type { Px4ModeName } from './px4-modes.js';
import type { FenceZone, MissionPlanItem, RallyPoint } from './mission-plan.js';
import type { TransferResult } from './mission-transfer.js';

const Finite = z.number().refine(Number.isFinite, 'must be a finite number');

/**
 * A position in the API's one frame: PX4's local NED frame, metres relative to the EKF origin
 * (`north`, `east`, `down`, as `telemetry.localPosition` reads them; down is negative above the
 * origin, and heights above home are `telemetry.altitude`), optional yaw (radians; omitted = keep).
 */
export const PositionSetpoint = z
  .object({
    /** 'position'. */
    type: z.literal('position'),
    /** Metres north of the EKF origin. */
    north: Finite,
    /** Metres east of the EKF origin. */
    east: Finite,
    /** Metres below the EKF origin: negative to fly above it. */
    down: Finite,
    /** Heading, radians clockwise from north; omitted: keep. */
    yaw: Finite.optional(),
  })
  .strict();
/** Velocity in the local NED frame (`vn`, `ve`, `vd`, m/s, as LocalPosition), optional yaw (radians) or yaw rate (rad/s). */
export const VelocitySetpoint = z
  .object({
    /** 'velocity'. */
    type: z.literal('velocity'),
    /** Velocity north, m/s. */
    vn: Finite,
    /** Velocity east, m/s. */
    ve: Finite,
    /** Velocity down, m/s: negative to climb. */
    vd: Finite,
    /** Heading, radians clockwise from north. */
    yaw: Finite.optional(),
    /** Yaw rate, rad/s. */
    yawRate: Finite.optional(),
  })
  .strict();
/** What an offboard setpoint stream sends: a position or a velocity, in the local NED frame. */
export const Setpoint = z.discriminatedUnion('type', [PositionSetpoint, VelocitySetpoint]);
export type PositionSetpoint = z.infer<typeof PositionSetpoint>;
export type VelocitySetpoint = z.infer<typeof VelocitySetpoint>;
export type Setpoint = z.infer<typeof Setpoint>;

/** How a command was accepted. */
export interface CommandResult {
  /** e.g. 'MAV_CMD_COMPONENT_ARM_DISARM', or a service name for other pilots. */
  command: string;
  /** e.g. 'ACCEPTED'. */
  result: string;
  /** Host clock, from the first send to the accepting reply. */
  latencyMs: number;
  /** Vehicle clock, the same span, where the pilot knows the vehicle's time (null or absent when not). */
  vehicleLatencyMs?: number | null;
  /**
   * A simulated vehicle's own answering time, vehicle clock: from its time at the first send to the
   * vehicle-time stamp of the telemetry it sent just before the ACK (where the target shares its
   * clock; absent elsewhere). Unlike vehicleLatencyMs it leaves out how long the client took to
   * read the ACK, which on a simulator running ahead of the client is host time × its speed.
   */
  vehicleResponseMs?: number | null;
  /** Transmissions it took (1 = the first was answered). */
  tries: number;
  /**
   * Vehicle clock, from the first send until telemetry showed the command's effect (armed, the
   * mode in HEARTBEAT, …), for commands the pilot confirms by their effect (null: time unknown).
   */
  effectVehicleMs?: number | null;
}

/** PX4 parameters, read and set through the pilot (`pilot.params`). */
export interface ParamAccess {
  /** The parameter's current value as the vehicle reports it. */
  get(name: string): Promise<number>;
  /** Sets and returns the value the vehicle confirmed. */
  set(name: string, value: number): Promise<number>;
}

/** The unit MAV_CMD_INJECT_FAILURE fails, by name (FAILURE_UNIT without its prefix); `injectFailure` also takes its number. */
export type FailureUnitName =
  | 'SENSOR_GYRO' | 'SENSOR_ACCEL' | 'SENSOR_MAG' | 'SENSOR_BARO' | 'SENSOR_GPS' | 'SENSOR_OPTICAL_FLOW'
  | 'SENSOR_VIO' | 'SENSOR_DISTANCE_SENSOR' | 'SENSOR_AIRSPEED' | 'SYSTEM_BATTERY' | 'SYSTEM_MOTOR'
  | 'SYSTEM_SERVO' | 'SYSTEM_AVOIDANCE' | 'SYSTEM_RC_SIGNAL' | 'SYSTEM_MAVLINK_SIGNAL';
/** What MAV_CMD_INJECT_FAILURE makes the unit do (FAILURE_TYPE without its prefix). */
export type FailureTypeName = 'OK' | 'OFF' | 'STUCK' | 'GARBAGE' | 'WRONG' | 'SLOW' | 'DELAYED' | 'INTERMITTENT';

/**
 * The contract every way of flying a vehicle implements: MavlinkPilot (PX4 commands over MAVLink)
 * and DroneCorePilot (drone_core's ROS 2 services). A command resolves once its effect shows in
 * telemetry where the pilot confirms one (armed, the mode in HEARTBEAT), else once the vehicle
 * accepted it; never when a manoeuvre is complete: that is asserted on telemetry (waitFor /
 * reachAndHold), which comes from PX4 whatever pilot is used. Positions are local NED metres.
 */
export interface Pilot {
  /** 'mavlink' | 'drone-core' | … — for reports. */
  readonly kind: string;
  /** MAV_CMD_COMPONENT_ARM_DISARM; resolves once HEARTBEAT shows the vehicle armed. */
  arm(): Promise<CommandResult>;
  /** `force` disarms even in flight (PX4: param2 = 21196). */
  disarm(opts?: { force?: boolean }): Promise<CommandResult>;
  /** Take off to `altitudeM` above home; omitted = the vehicle's default (PX4 MIS_TAKEOFF_ALT). */
  takeoff(altitudeM?: number): Promise<CommandResult>;
  /** Lands where the vehicle is; resolves once PX4 is in Land. */
  land(): Promise<CommandResult>;
  /** Return (RTL): resolves once PX4 is in Return. */
  returnToLaunch(): Promise<CommandResult>;
  /** Hold position (PX4 AUTO.LOITER, "Hold"). */
  hold(): Promise<CommandResult>;
  /** Any PX4 mode by its QGroundControl name; resolves once HEARTBEAT shows it. */
  setMode(name: Px4ModeName): Promise<CommandResult>;
  /** Starts streaming setpoints (the initial one, or hold-here) and switches to offboard. */
  startOffboard(initial?: Setpoint): Promise<CommandResult>;
  /** Stops the setpoint stream; the vehicle leaves offboard by its own failsafe (PX4: COM_OF_LOSS_T). */
  stopOffboard(): Promise<void>;
  /**
   * Vehicle time (ms) this pilot's stream last sent a setpoint at (the vehicle time it had seen,
   * stamped on the setpoint), where the pilot streams them itself. PX4 times COM_OF_LOSS_T from that
   * setpoint's arrival, which is no earlier: an offboard-loss delay measured from here is never short.
   */
  readonly lastSetpointVehicleMs?: number | null;
  /** Replaces the streamed setpoint (takes effect with the next transmission, sent at once). */
  setSetpoint(sp: Setpoint): void;
  /**
   * In offboard: a position setpoint. Otherwise a reposition command, where the pilot supports one.
   * Local NED metres; `yaw` a heading in radians (absent: PX4 chooses, as for a reposition without one).
   */
  goTo(north: number, east: number, down: number, yaw?: number): Promise<CommandResult>;
  /** The vehicle's parameters. */
  readonly params: ParamAccess;
  /** MAV_CMD_INJECT_FAILURE (PX4 needs SYS_FAILURE_EN = 1); `instance` 0 = every instance of the unit. */
  injectFailure(unit: FailureUnitName | number, type: FailureTypeName | number, instance?: number): Promise<CommandResult>;
  /**
   * Uploads a mission (replacing the vehicle's), resolved when the vehicle ACKed every item; a
   * refusal is a MissionError named by its MAV_MISSION_RESULT. Positions in the pilot's frame
   * (north/east local NED, altitude above home).
   */
  uploadMission(items: readonly MissionPlanItem[]): Promise<TransferResult>;
  /** The vehicle's stored mission, converted back to the same items (unknown commands as `raw`). */
  downloadMission(): Promise<MissionPlanItem[]>;
  /** Clears the vehicle's stored mission. */
  clearMission(): Promise<TransferResult>;
  /**
   * Starts (or resumes) the uploaded mission: optionally from item `fromItem`, then AUTO.MISSION,
   * resolved once HEARTBEAT shows it. Arm first: PX4 flies a mission's takeoff item only armed.
   */
  startMission(opts?: { fromItem?: number }): Promise<CommandResult>;
  /** Uploads the geofence (inclusion/exclusion polygons and circles); PX4 acts on a breach as GF_ACTION says. */
  uploadGeofence(zones: readonly FenceZone[]): Promise<TransferResult>;
  /** Uploads rally (safe) points; PX4's Return may go to the nearest (RTL_TYPE). */
  uploadRally(points: readonly RallyPoint[]): Promise<TransferResult>;
  /** Every answered command (accepted or refused) with its latency, for command-latency budgets. */
  onCommandAck(cb: (sample: CommandResult) => void): () => void;
  /** Stops streams and listeners (does not close the link). */
  close(): Promise<void>;
}
