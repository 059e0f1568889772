/**
 * Public API of the built-in simulator's vehicle model (PX4 v1.16 SITL, SIH quadrotor, as seen over
 * MAVLink). Pure: no I/O, no timers, no MAVLink encoding. The MAVLink endpoint (`sitl/sim/mavlink/`)
 * advances a `SimVehicle` with `step(dt)` at a fixed rate and turns `state()` into messages.
 *
 * Units: SI, angles in radians unless a field says `Deg`; NED local frame with its origin at the
 * EKF origin (= the initial home); altitudes AMSL unless named `relative`.
 */
import type { common } from 'node-mavlink';
import type { MissionStore } from './mission-store.js';

// PX4's mode numbering, the simulator's own copy (not the client's: see px4-custom-mode.ts).
export { Px4MainMode, Px4AutoSubMode, px4CustomMode, decodePx4CustomMode, type Px4ModeName } from './px4-custom-mode.js';
import type { Px4ModeName } from './px4-custom-mode.js';

export interface GeoPoint {
  /** degrees */
  lat: number;
  /** degrees */
  lon: number;
  /** metres AMSL */
  alt: number;
}

export interface SimVehicleOptions {
  /** MAVLink system id (1..255). */
  sysId: number;
  /** Seed of the deterministic RNG (sensor noise, wind gusts): same seed and inputs → identical run. */
  seed: number;
  /** Home / EKF origin. Default: PX4 SITL's 47.397742, 8.545594, 488 m AMSL. */
  home?: GeoPoint;
  /** PX4 parameter overrides applied before boot (unknown name or bad value → constructor throws). */
  params?: Record<string, number>;
  /** Steady wind (m/s, the direction the air moves to) plus optional gusts (std dev, m/s). */
  wind?: { north: number; east: number; gustStd?: number };
  /**
   * Std devs of the noise on the *reported* estimates (position m, velocity m/s, attitude rad).
   * Default: all 0 (noise off) so runs are exactly repeatable regardless of seed.
   */
  noise?: { position?: number; velocity?: number; attitude?: number };
  /**
   * The wander of PX4 SIH's height estimate (about 1 m within a minute on the ground), drawn from
   * `seed`. Default false: the estimated height is the true one.
   */
  heightDrift?: boolean;
}

export type ParamType = 'INT32' | 'REAL32';

export interface ParamInfo {
  name: string;
  type: ParamType;
  default: number;
  min?: number;
  max?: number;
  /** One line, what the parameter does. */
  description: string;
}

/** PX4 parameters by name, with PX4 v1.16 defaults and types. */
export interface ParamStore {
  has(name: string): boolean;
  /** Throws for an unknown name. */
  get(name: string): number;
  /** Type and range of a known parameter; undefined for an unknown one. */
  info(name: string): ParamInfo | undefined;
  /**
   * Sets a parameter. Returns false for an unknown name or an invalid value (non-finite, out of
   * range, non-integer for INT32) and leaves the value unchanged; true when stored.
   */
  set(name: string, value: number): boolean;
  /** The listed parameters, sorted by name (the param protocol's index order; PARAM_REQUEST_LIST). */
  list(): readonly ParamInfo[];
  /** Parameters PX4 has but does not list (no module uses them): served by name only, with index -1. */
  unlisted?(): readonly ParamInfo[];
  /** Index of a name in list() order, -1 if unknown or unlisted (PARAM_VALUE.param_index). */
  indexOf(name: string): number;
  readonly count: number;
}

/** A command's answer (COMMAND_ACK.result / progress). */
export interface CommandResult {
  result: common.MavResult;
  progress?: number;
}

export interface CommandSource {
  sysId: number;
  compId: number;
}

/** The seven COMMAND_LONG / COMMAND_INT params. For COMMAND_INT pass x/y as degrees (already /1e7). */
export type CommandParams = [number, number, number, number, number, number, number];

/**
 * SET_POSITION_TARGET_LOCAL_NED. `typeMask` uses the MAVLink POSITION_TARGET_TYPEMASK bits
 * (1,2,4 ignore x,y,z; 8,16,32 ignore vx,vy,vz; 64,128,256 ignore afx..afz; 512 force; 1024 ignore yaw;
 * 2048 ignore yaw rate). Frames as PX4's mavlink_receiver: LOCAL_NED (1), LOCAL_OFFSET_NED (7, position
 * relative to the vehicle), BODY_NED (8, velocity/acceleration rotated by heading), BODY_OFFSET_NED (9);
 * other frames are ignored with a STATUSTEXT. Position + velocity = position with velocity feed-forward.
 */
export interface PositionTargetLocalNed {
  typeMask: number;
  coordinateFrame: number;
  x: number; y: number; z: number;
  vx: number; vy: number; vz: number;
  afx: number; afy: number; afz: number;
  yaw: number; yawRate: number;
}

/** The offboard setpoint as the model uses it: NaN = not controlled. */
export interface OffboardSetpoint {
  /** vehicle time the setpoint arrived, µs */
  timeUs: number;
  position: { x: number; y: number; z: number };
  velocity: { x: number; y: number; z: number };
  acceleration: { x: number; y: number; z: number };
  yaw: number;
  yawRate: number;
}

/** Failsafe flags (the subset of PX4's failsafe_flags that this model can raise). */
export interface FailsafeFlags {
  /** GPS lost / global & local position invalid. */
  positionInvalid: boolean;
  /** offboard setpoints stopped for COM_OF_LOSS_T while in OFFBOARD */
  offboardLost: boolean;
  batteryLow: boolean;
  batteryCritical: boolean;
  batteryEmergency: boolean;
  /** a failsafe action is currently overriding the user's mode */
  active: boolean;
  /**
   * The active failsafe action: 'Position', 'Altitude', 'Stabilized', 'Hold', 'Return', 'Land',
   * 'Descend', 'Disarm', 'Terminate', or 'Hold, then <action>' during the COM_FAIL_ACT_T delay; '' when none.
   */
  action: string;
}

/** SYS_STATUS sensor bitmaps (MAV_SYS_STATUS_SENSOR bits). */
export interface SensorsHealth {
  present: number;
  enabled: number;
  health: number;
}

export interface Vec3 { x: number; y: number; z: number }

/**
 * Everything the MAVLink streams need. `state()` returns the same object on every call (mutated in
 * place by step()); copy what you keep across steps (e.g. `structuredClone`).
 */
export interface VehicleState {
  sysId: number;
  /** vehicle boot time, µs (time_usec; time_boot_ms = floor(timeUs / 1000)) */
  timeUs: number;

  armed: boolean;
  mainMode: number;
  subMode: number;
  modeName: Px4ModeName;
  /** HEARTBEAT.custom_mode */
  customMode: number;
  /** HEARTBEAT.base_mode: CUSTOM_MODE_ENABLED | SAFETY_ARMED (armed) | STABILIZE/GUIDED/AUTO as PX4 */
  baseMode: number;
  /** HEARTBEAT.system_status (minimal.MavState): STANDBY, ACTIVE, CRITICAL, EMERGENCY */
  systemStatus: number;
  /** EXTENDED_SYS_STATE.landed_state (common.MavLandedState) */
  landedState: number;

  /** Local position/velocity NED (LOCAL_POSITION_NED), as estimated (with noise if configured). */
  position: Vec3;
  velocity: Vec3;
  /** Body acceleration-ish: the commanded/acting acceleration NED, m/s² (no gravity). */
  acceleration: Vec3;
  /** ATTITUDE: roll, pitch, yaw (rad, yaw in [-π, π]) and body rates (rad/s). */
  attitude: { roll: number; pitch: number; yaw: number; rollRate: number; pitchRate: number; yawRate: number };
  /** GLOBAL_POSITION_INT: lat/lon deg, alt m AMSL, relativeAlt m above home, vx/vy/vz NED m/s, heading deg 0..360. */
  global: { lat: number; lon: number; alt: number; relativeAlt: number; vx: number; vy: number; vz: number; headingDeg: number };
  /** VFR_HUD helpers. */
  groundSpeed: number;
  climbRate: number;
  /** 0..1 collective thrust. */
  throttle: number;

  /** HOME_POSITION */
  home: { lat: number; lon: number; alt: number; x: number; y: number; z: number; valid: boolean };

  /** BATTERY_STATUS / SYS_STATUS battery fields. remaining 0..100 %, -1 unknown. */
  battery: { voltage: number; current: number; remaining: number; consumedMah: number; cellCount: number; warning: number };

  /** GPS_RAW_INT: fixType (GPS_FIX_TYPE: 0 none, 3 3D), satellites, eph/epv (m). */
  gps: { fixType: number; satellites: number; eph: number; epv: number; lat: number; lon: number; alt: number };

  failsafe: FailsafeFlags;
  failures: InjectedFailures;
  sensors: SensorsHealth;
  /** PX4 user intended mode (nav_state_user_intention) as HEARTBEAT custom_mode; differs from customMode in a failsafe. */
  userCustomMode: number;
  /** arming checks pass for the current mode (SYS_STATUS PREARM_CHECK health bit). */
  canArm: boolean;

  /** The latest offboard setpoint received (also outside OFFBOARD), or null if none ever. */
  offboardSetpoint: OffboardSetpoint | null;

  /**
   * What the position controller tracks this step (PX4's trajectory setpoint, POSITION_TARGET_LOCAL_NED;
   * NaN = not controlled) and the navigator's current target in the local frame (PX4's
   * position_setpoint_triplet.current, POSITION_TARGET_GLOBAL_INT; meaningful in the auto modes).
   */
  setpoint: { position: Vec3; velocity: Vec3; acceleration: Vec3; yaw: number; yawRate: number; target: Vec3 };

  /**
   * FLIGHT_INFORMATION (PX4 vehicle_status.armed_time / takeoff_time, COM_FLIGHT_UUID): model time
   * (timeUs) of the arming and of the takeoff the land detector called, null when disarmed / not
   * yet; the flight number, counted up at every disarm.
   */
  flight: { armedTimeUs: number | null; takeoffTimeUs: number | null; uuid: number };

  /** True ground truth (no noise), for tests and plots. */
  truth: { position: Vec3; velocity: Vec3 };
}

export interface StatusText {
  /** MAV_SEVERITY (0 emergency .. 7 debug) */
  severity: number;
  text: string;
  /**
   * 'statustext': PX4 sends it as STATUSTEXT (mavlink_log_*). 'event': PX4 v1.16 sends it only through
   * the events protocol (EVENT message, shown by QGC); the endpoint may forward it as STATUSTEXT or drop it.
   */
  source: 'statustext' | 'event';
}

/** Failures injected with MAV_CMD_INJECT_FAILURE (param1 = common.FailureUnit) and still active. */
export interface InjectedFailures {
  /** SENSOR_GPS OFF: no fix; the estimate loses position after EKF2_NOAID_TOUT. */
  gps: boolean;
  /** SYSTEM_BATTERY OFF: the simulated battery reads empty (PX4 battery_simulator). */
  battery: boolean;
  /**
   * SYSTEM_MAVLINK_SIGNAL OFF: the endpoint must stop sending and drop what it receives, except
   * COMMAND_LONG MAV_CMD_INJECT_FAILURE (so a test can restore the link). The model already ignores
   * setpoints and GCS heartbeats while this is set.
   */
  mavlinkSignal: boolean;
}

/** MANUAL_CONTROL input, PX4 scaling: x/y/r in [-1000, 1000], z in [0, 1000] (500 = centre). */
export interface ManualControlInput {
  x: number; y: number; z: number; r: number;
}

/** What `SimVehicle` offers the endpoint (implemented by `SimVehicle` in vehicle.ts). */
export interface SimVehicleApi {
  readonly sysId: number;
  readonly params: ParamStore;
  /** Vehicle boot time, µs. */
  readonly timeUs: number;
  /** Stored mission, geofence and rally lists (written by the mission transfer, read by the navigator). */
  readonly missions: MissionStore;
  /** Advances physics, controllers, navigator, commander and land detector by dtS (built for 0.004; any 0 < dt < 1). */
  step(dtS: number): void;
  /**
   * MAV_CMD semantics of PX4's commander/navigator for COMMAND_LONG / COMMAND_INT, answered at once:
   * - COMPONENT_ARM_DISARM: ACCEPTED, or TEMPORARILY_REJECTED when arming checks fail ("Arming denied:
   *   Resolve system health failures first") or disarming in air without param2 = 21196.
   * - DO_SET_MODE (param1 bit 0 = custom, param2 main, param3 sub), NAV_TAKEOFF (param7 AMSL, NaN →
   *   MIS_TAKEOFF_ALT), NAV_LAND, NAV_RETURN_TO_LAUNCH, DO_REPOSITION: any mode is ACCEPTED while
   *   disarmed (PX4 UserModeIntention); armed, a mode that cannot run (e.g. Offboard without a setpoint
   *   younger than COM_OF_LOSS_T) is TEMPORARILY_REJECTED, as PX4 answers — not DENIED.
   * - INJECT_FAILURE: DENIED unless SYS_FAILURE_EN = 1; GPS / battery / MAVLink-signal OFF|OK.
   * - DO_SET_HOME, DO_FLIGHTTERMINATION. Anything else → UNSUPPORTED (the endpoint handles
   *   REQUEST_MESSAGE, SET_MESSAGE_INTERVAL, ... itself).
   * The new mode shows in state() immediately; the navigator acts on it in the next step().
   */
  command(cmd: number, params: CommandParams, source: CommandSource): CommandResult;
  /** SET_POSITION_TARGET_LOCAL_NED. */
  setPositionTargetLocalNed(sp: PositionTargetLocalNed): void;
  /** Same object every call (mutated in place); see VehicleState. */
  state(): VehicleState;
  /** PX4-worded messages queued since the last drain. */
  drainStatusTexts(): StatusText[];
  /** A GCS HEARTBEAT was received (the link counts as connected; PX4 uses it for GCS-loss failsafe). */
  gcsHeartbeat(source: CommandSource): void;
  /** MANUAL_CONTROL (virtual sticks). Without it, Position/Altitude/Manual modes cannot run, as on PX4 without RC. */
  manualControl(input: ManualControlInput): void;
}
