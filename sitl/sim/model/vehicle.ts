/**
 * The simulated PX4 v1.16 multicopter: commander (arming, modes, failsafe), navigator (takeoff, hold,
 * land, return), flight tasks / position control, land detector, battery simulator and physics,
 * advanced only by step(dt). Behaviour and wording follow PX4's sources; where the model simplifies,
 * the comment says so.
 */
import { common } from 'node-mavlink';
import { G, Multicopter, clamp, wrapPi, type Setpoint } from './dynamics.js';
import { FlightTaskAuto, WaypointType, type AutoTriplet, type AutoVehicleState } from './flight-task-auto.js';
import { MulticopterLandDetector, type LandDetectorInput } from './land-detector.js';
import { ManualTrajectory } from './manual-trajectory.js';
import { PositionControl, type ControlLimits, type ControlState, type Gains } from './position-control.js';
import { TakeoffHandling, TakeoffState } from './takeoff-handling.js';
import { RtlDirect, RtlState } from './navigator/rtl-direct.js';
import { Action, BatteryWarning, Failsafe, GcsLinkMonitor, actionName, modeCanRun, type FailsafeFlags as FsFlags, type FailsafeParams } from './failsafe.js';
import { MapProjection } from './geo.js';
import { NavState, baseModeFor, encodeNavState, navStateFromCustom, navStateName, preventsArming, requiresManualControl } from './modes.js';
import { MissionStore, MissionType } from './mission-store.js';
import { HeightDrift } from './height-drift.js';
import { GfAction, Geofence, type GeofenceResult } from './navigator/geofence.js';
import { Mission, type MissionContext } from './navigator/mission.js';
import { findRtlDestination } from './navigator/rtl.js';
import { createParamStore, type ParamStoreImpl } from './params.js';
import { Rng } from './rng.js';
import {
  px4CustomMode,
  type CommandParams, type CommandResult, type CommandSource, type GeoPoint, type ManualControlInput,
  type PositionTargetLocalNed, type SimVehicleApi, type SimVehicleOptions, type StatusText, type VehicleState,
} from './types.js';

const R = common.MavResult;
const DEFAULT_HOME: GeoPoint = { lat: 47.397742, lon: 8.545594, alt: 488 };
const DEG = Math.PI / 180;

/** The battery library's cell-voltage filter time constant (battery.cpp: _cell_voltage_filter_v, 1 s). */
const BATTERY_FILTER_TAU_S = 1;

// MAV_SEVERITY
const SEV_EMERGENCY = 0, SEV_CRITICAL = 2, SEV_WARNING = 4, SEV_INFO = 6;

/** MC_YAWRATE_MAX (deg/s): the attitude controller's yaw-rate limit; auto modes limit the heading setpoint instead. */
const MC_YAWRATE_MAX_DEG = 200;
/** The hover thrust estimator turns valid this long after the vehicle rose above 1 m (mc_hover_thrust_estimator's 2 s hysteresis). */
const HOVER_ESTIMATE_VALID_AFTER_US = 2_000_000;
/** trajectory_setpoint with nothing set (FlightTask::empty_trajectory_setpoint) */
const NO_SETPOINT: Readonly<Setpoint> = { px: NaN, py: NaN, pz: NaN, vx: NaN, vy: NaN, vz: NaN, ax: NaN, ay: NaN, az: NaN };

// SYS_STATUS sensor bits (MAV_SYS_STATUS_SENSOR)
const S_GYRO = 1, S_ACCEL = 2, S_MAG = 4, S_BARO = 8, S_GPS = 32, S_RATE = 1024, S_ATT = 2048,
  S_YAW = 4096, S_ALT = 8192, S_XY = 16384, S_MOTORS = 32768, S_AHRS = 1 << 21, S_BATTERY = 1 << 25,
  S_PREARM = 1 << 28;
const SENSORS_PRESENT = S_GYRO | S_ACCEL | S_MAG | S_BARO | S_GPS | S_RATE | S_ATT | S_YAW | S_ALT | S_XY | S_MOTORS | S_AHRS | S_BATTERY | S_PREARM;

/** First-order Gauss–Markov process: correlated noise with a given std and time constant. */
class Markov {
  value = 0;
  constructor(private readonly std: number, private readonly tau: number) {}
  step(dt: number, rng: Rng): number {
    if (this.std <= 0) return 0;
    const a = Math.exp(-dt / this.tau);
    this.value = a * this.value + this.std * Math.sqrt(1 - a * a) * rng.gauss();
    return this.value;
  }
}

export class SimVehicle implements SimVehicleApi {
  readonly sysId: number;
  readonly params: ParamStoreImpl;
  readonly missions = new MissionStore();
  private readonly p: Record<string, number>;
  private readonly rng: Rng;
  private readonly proj: MapProjection;
  private readonly originAlt: number;
  private readonly body = new Multicopter();
  private readonly failsafe = new Failsafe();
  private readonly texts: StatusText[] = [];
  private readonly st: VehicleState;
  private readonly tmpXY = { x: 0, y: 0 };
  private readonly tmpLL = { lat: 0, lon: 0 };

  private t = 0; // µs

  // commander
  private armed = false;
  private armedAtUs = 0;
  /** vehicle_status.takeoff_time: when the land detector last called a takeoff while armed (valid with haveTakenOff). */
  private takeoffAtUs = 0;
  private userMode: number = NavState.AUTO_LOITER; // UserModeIntention default
  private navStateAfterDisarm: number = NavState.AUTO_LOITER;
  private userModeUpdated = false;
  private navState: number = NavState.AUTO_LOITER;
  private lastNavState = -1;
  private haveTakenOff = false;
  private landedSinceUs = 0;
  private lastRejectPrintUs = -Infinity;
  private readonly fsFlags: FsFlags = {
    localPositionInvalid: false, globalPositionInvalid: false, offboardLost: true, manualControlLost: true,
    gcsLost: true, homeInvalid: false, batteryWarning: BatteryWarning.None, autoMissionMissing: true, geofenceBreached: false,
  };

  // home (local frame + global)
  private home = { x: 0, y: 0, z: 0, lat: 0, lon: 0, alt: 0, valid: true };
  /** home_position update_count: a new home re-runs the mission feasibility check */
  private homeCounter = 0;
  /** home_position.yaw: the heading at arming, Return mode's landing heading */
  private homeYaw = 0;

  // links
  private readonly ocm = { position: false, velocity: false, acceleration: false };
  private offboardSp: VehicleState['offboardSetpoint'] = null;
  private readonly gcsLink = new GcsLinkMonitor();
  private lastManualUs = -Infinity;
  private readonly manual = { x: 0, y: 0, z: 0.5, r: 0 };

  // failures / sensors
  private gpsFailed = false;
  private gpsLostAtUs = 0;
  private batteryFailed = false;
  private mavlinkFailed = false;

  // battery (battery_simulator + battery library)
  private batPct = 1;
  /** The battery library's state of charge: the cell voltage through its 1 s filter (BAT1_CAPACITY unset: voltage based). */
  private batSoc = 1;
  private batWarning: BatteryWarning = BatteryWarning.None;

  // land detector (MulticopterLandDetector) and the hover thrust estimate's validity it reads
  private readonly landDetector = new MulticopterLandDetector();
  private landed = true;
  private maybeLanded = true;
  private groundContact = true;
  /** when the vehicle last rose above 1 m without landing since (mc_hover_thrust_estimator's in-air) */
  private inAirSinceUs = -1;
  /** SIH's distance sensor reads out of range on the ground after a touchdown (the body rests a hair below it) */
  private rangeOutOfRange = false;
  private bodyAirborne = false;
  private readonly ldInput: LandDetectorInput = {
    nowUs: 0, armed: false, vx: 0, vy: 0, vz: 0, distBottom: 0, specificForce: G, rollRate: 0, pitchRate: 0, thrust: 0,
    hoverThrust: 0.5, hoverEstimateValid: false, setpointVz: NaN, climbRateControl: true,
  };

  // takeoff handling (mc_pos_control Takeoff)
  private readonly takeoff = new TakeoffHandling();

  // navigator
  private tkoRequest: { lat: number; lon: number; alt: number } | null = null;
  private readonly target = { x: 0, y: 0, z: 0, yaw: NaN };
  private takeoffDone = false;
  private takeoffType = WaypointType.Takeoff;
  private pendingHold: { x: number; y: number; z: number; yaw: number } | null = null;
  private readonly rtl = new RtlDirect();
  private landing = false;
  private readonly mission = new Mission();
  private missionCtxCache: MissionContext | null = null;
  private readonly geofence = new Geofence();
  private readonly gfResult: GeofenceResult = { maxDistTriggered: false, maxAltTriggered: false, customFenceTriggered: false };
  private gfLastCheckUs = -Infinity;
  private gfRepositionSent = false;
  private gfLoiterSinceUs = 0;
  private yawHold = 0;
  /** the previous mission target (the triplet's previous waypoint) */
  private readonly missionPrev = { x: NaN, y: NaN, z: NaN };
  private readonly missionTarget = { x: NaN, y: NaN, z: NaN };
  private readonly missionNext = { x: NaN, y: NaN, z: NaN };

  // flight tasks: the auto modes' FlightTaskAuto and the navigator's triplet it flies; Position mode's stick reference
  private readonly autoTask = new FlightTaskAuto();
  private autoTaskActive = false;
  private lastTaskWasOffboard = false;
  private readonly triplet: AutoTriplet = {
    type: WaypointType.Loiter, current: { x: 0, y: 0, z: 0 }, yaw: NaN, cruiseSpeed: NaN, acceptanceRadius: 2, previous: null, next: null,
  };
  private readonly autoState: AutoVehicleState = {
    position: { x: 0, y: 0, z: 0 }, velocity: { x: 0, y: 0, z: 0 }, yaw: 0, distToGround: 0, home: { x: 0, y: 0, z: 0 },
  };
  private readonly manualTraj = new ManualTrajectory();

  // position control
  private readonly posCtl = new PositionControl();
  private readonly sp: Setpoint = { px: NaN, py: NaN, pz: NaN, vx: NaN, vy: NaN, vz: NaN, ax: NaN, ay: NaN, az: NaN };
  /** the controller's copy of the setpoint (mc_pos_control overrides it before takeoff) */
  private readonly ctlSp: Setpoint = { px: NaN, py: NaN, pz: NaN, vx: NaN, vy: NaN, vz: NaN, ax: NaN, ay: NaN, az: NaN };
  private readonly ctlState: ControlState = { px: 0, py: 0, pz: 0, vx: 0, vy: 0, vz: 0, ax: 0, ay: 0, az: 0 };
  private readonly lim: ControlLimits = { velXY: 12, velUp: 3, velDown: 1.5, tiltMax: 45 * DEG, thrMin: 0.12, thrMax: 1, thrXYMargin: 0.3 };
  private readonly gains: Gains = { xyP: 0, zP: 0, xyVelP: 0, xyVelI: 0, xyVelD: 0, zVelP: 0, zVelI: 0, zVelD: 0, hover: 0.5 };
  /** vehicle_constraints: the flight task's climb and sink limits */
  private speedUp = 3;
  private speedDown = 1.5;
  private wantTakeoff = false;
  private yawSp = NaN;
  private yawRateFf = 0;

  // environment and estimator error
  private readonly windN: number;
  private readonly windE: number;
  private readonly gustN: Markov;
  private readonly gustE: Markov;
  private readonly errPos: Markov[];
  private readonly errVel: Markov[];
  private readonly errAtt: Markov[];
  private readonly heightDrift: HeightDrift | null;

  constructor(opts: SimVehicleOptions) {
    if (!Number.isInteger(opts.sysId) || opts.sysId < 1 || opts.sysId > 255) throw new RangeError(`sysId: expected an integer 1..255, got ${opts.sysId}`);
    if (!Number.isFinite(opts.seed)) throw new RangeError(`seed: expected a finite number, got ${opts.seed}`);
    const h = opts.home ?? DEFAULT_HOME;
    if (!(Math.abs(h.lat) <= 90) || !(Math.abs(h.lon) <= 180) || !Number.isFinite(h.alt)) throw new RangeError(`home: invalid position ${JSON.stringify(h)}`);
    this.sysId = opts.sysId;
    this.params = createParamStore({ MAV_SYS_ID: opts.sysId, ...opts.params });
    this.p = this.params.values;
    this.rng = new Rng(opts.seed);
    this.proj = new MapProjection(h.lat, h.lon);
    this.originAlt = h.alt;
    this.home = { x: 0, y: 0, z: 0, lat: h.lat, lon: h.lon, alt: h.alt, valid: true };
    this.windN = opts.wind?.north ?? 0;
    this.windE = opts.wind?.east ?? 0;
    const gust = opts.wind?.gustStd ?? 0;
    this.gustN = new Markov(gust, 2);
    this.gustE = new Markov(gust, 2);
    const n = opts.noise ?? {};
    for (const [k, v] of Object.entries(n)) if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`noise.${k}: expected a non-negative number, got ${v}`);
    this.errPos = [0, 1, 2].map(() => new Markov(n.position ?? 0, 1.0));
    this.errVel = [0, 1, 2].map(() => new Markov(n.velocity ?? 0, 0.3));
    this.errAtt = [0, 1, 2].map(() => new Markov(n.attitude ?? 0, 0.5));
    this.heightDrift = opts.heightDrift ? new HeightDrift(opts.seed) : null;
    this.st = this.makeState();
    this.refreshState();
  }

  get timeUs(): number {
    return this.t;
  }

  // ───────────────────────────── inputs ─────────────────────────────

  gcsHeartbeat(_source: CommandSource): void {
    if (!this.mavlinkFailed) this.gcsLink.heartbeat(this.t);
  }

  manualControl(input: ManualControlInput): void {
    if (this.mavlinkFailed) return;
    this.manual.x = clamp(input.x / 1000, -1, 1);
    this.manual.y = clamp(input.y / 1000, -1, 1);
    this.manual.z = clamp(input.z / 1000, 0, 1);
    this.manual.r = clamp(input.r / 1000, -1, 1);
    this.lastManualUs = this.t;
  }

  /** mavlink_receiver handle_message_set_position_target_local_ned → offboard_control_mode + trajectory_setpoint. */
  setPositionTargetLocalNed(m: PositionTargetLocalNed): void {
    if (this.mavlinkFailed) return;
    const f = m.coordinateFrame;
    // MAV_FRAME_LOCAL_NED 1, LOCAL_OFFSET_NED 7, BODY_NED 8, BODY_OFFSET_NED 9
    if (f !== 1 && f !== 7 && f !== 8 && f !== 9) {
      this.text(SEV_WARNING, `SET_POSITION_TARGET_LOCAL_NED coordinate frame ${f} unsupported`);
      return;
    }
    const mask = m.typeMask;
    const px = mask & 1 ? NaN : m.x, py = mask & 2 ? NaN : m.y, pz = mask & 4 ? NaN : m.z;
    let vx = mask & 8 ? NaN : m.vx, vy = mask & 16 ? NaN : m.vy;
    const vz = mask & 32 ? NaN : m.vz;
    let ax = mask & 64 ? NaN : m.afx, ay = mask & 128 ? NaN : m.afy;
    const az = mask & 256 ? NaN : m.afz;
    const yaw = mask & 1024 ? NaN : m.yaw;
    const yawRate = mask & 2048 ? NaN : m.yawRate;
    const b = this.body;
    let x = px, y = py, z = pz;
    if (f === 8 || f === 9) {
      const c = Math.cos(b.yaw), s = Math.sin(b.yaw);
      [vx, vy] = [c * vx - s * vy, s * vx + c * vy];
      [ax, ay] = [c * ax - s * ay, s * ax + c * ay];
      if (f === 9) [x, y] = [c * px - s * py, s * px + c * py];
    }
    if (f === 7 || f === 9) { x += b.epx; y += b.epy; z += b.epz; }
    const sp = this.offboardSp ?? {
      timeUs: 0, position: { x: NaN, y: NaN, z: NaN }, velocity: { x: NaN, y: NaN, z: NaN },
      acceleration: { x: NaN, y: NaN, z: NaN }, yaw: NaN, yawRate: NaN,
    };
    sp.timeUs = this.t;
    sp.position.x = x; sp.position.y = y; sp.position.z = z;
    sp.velocity.x = vx; sp.velocity.y = vy; sp.velocity.z = vz;
    sp.acceleration.x = ax; sp.acceleration.y = ay; sp.acceleration.z = az;
    sp.yaw = Number.isFinite(yaw) ? wrapPi(yaw) : NaN;
    sp.yawRate = yawRate;
    this.offboardSp = sp;
    this.st.offboardSetpoint = sp;
    this.ocm.position = !(Number.isNaN(x) && Number.isNaN(y) && Number.isNaN(z));
    this.ocm.velocity = !(Number.isNaN(vx) && Number.isNaN(vy) && Number.isNaN(vz));
    this.ocm.acceleration = !(Number.isNaN(ax) && Number.isNaN(ay) && Number.isNaN(az));
  }

  drainStatusTexts(): StatusText[] {
    return this.texts.length === 0 ? [] : this.texts.splice(0, this.texts.length);
  }

  private text(severity: number, text: string, source: 'statustext' | 'event' = 'statustext'): void {
    this.texts.push({ severity, text, source });
    if (this.texts.length > 1000) this.texts.shift(); // nobody draining: keep memory bounded
  }

  // ───────────────────────────── commands ─────────────────────────────

  command(cmd: number, prm: CommandParams, source: CommandSource): CommandResult {
    const C = common.MavCmd;
    switch (cmd) {
      case C.COMPONENT_ARM_DISARM: {
        const action = Math.round(prm[0]);
        if (action !== 0 && action !== 1) {
          this.text(SEV_CRITICAL, `Unsupported ARM_DISARM param: ${prm[0].toFixed(3)}`);
          return { result: R.UNSUPPORTED };
        }
        const forced = Math.round(prm[1]) === 21196;
        // Commander: checks always run for external commands (run_preflight_checks = from_external || !forced)
        const ok = action === 1 ? this.arm('external command') : this.disarm('external command', forced);
        return { result: ok ? R.ACCEPTED : R.TEMPORARILY_REJECTED };
      }
      case C.DO_SET_MODE: {
        const base = Math.round(prm[0]);
        let desired = -1;
        if (base & 1) {
          desired = navStateFromCustom(Math.round(prm[1]), Math.round(prm[2]));
          if (desired < 0 && Math.round(prm[1]) === 4) {
            this.text(SEV_CRITICAL, 'Unsupported auto mode');
            return { result: R.TEMPORARILY_REJECTED };
          }
        } else if (base & 4) desired = NavState.AUTO_MISSION;
        else if (base & 64) desired = base & 8 ? NavState.POSCTL : base & 16 ? NavState.STAB : NavState.MANUAL;
        if (desired < 0) return { result: R.ACCEPTED }; // nothing to change, as PX4 (TRANSITION_NOT_CHANGED)
        // LAND is always allowed (it degrades to Descend), Commander DO_SET_MODE
        if (this.changeUserMode(desired, desired === NavState.AUTO_LAND)) return { result: R.ACCEPTED };
        if (source.compId === 190) this.printRejectMode(desired);
        return { result: R.TEMPORARILY_REJECTED };
      }
      case C.NAV_TAKEOFF: {
        // param4 (yaw) is not read: PX4's navigator sets no takeoff heading (FlightTaskAuto keeps it).
        this.tkoRequest = { lat: prm[4], lon: prm[5], alt: prm[6] };
        // A new takeoff item: the previous flight's "takeoff done" must not end it at once.
        this.takeoffDone = false;
        if (this.changeUserMode(NavState.AUTO_TAKEOFF)) {
          this.lastNavState = -1; // re-activate takeoff even when already in it
          return { result: R.ACCEPTED };
        }
        this.printRejectMode(NavState.AUTO_TAKEOFF);
        return { result: R.TEMPORARILY_REJECTED };
      }
      case C.NAV_LAND: {
        if (this.changeUserMode(NavState.AUTO_LAND)) {
          this.text(SEV_INFO, 'Landing at current position');
          return { result: R.ACCEPTED };
        }
        this.printRejectMode(NavState.AUTO_LAND);
        return { result: R.TEMPORARILY_REJECTED };
      }
      case C.NAV_RETURN_TO_LAUNCH: {
        if (this.changeUserMode(NavState.AUTO_RTL)) {
          this.text(SEV_INFO, 'Returning to launch');
          return { result: R.ACCEPTED };
        }
        this.printRejectMode(NavState.AUTO_RTL);
        return { result: R.TEMPORARILY_REJECTED };
      }
      case C.DO_REPOSITION: {
        const flags = Math.round(prm[1]);
        if ((flags & 1) === 0 || (flags & ~1) !== 0) return { result: R.UNSUPPORTED };
        if (!this.changeUserMode(NavState.AUTO_LOITER)) {
          this.printRejectMode(NavState.AUTO_LOITER);
          return { result: R.TEMPORARILY_REJECTED };
        }
        if (!this.landed) {
          // navigator: reposition to lat/lon/alt (NaN keeps the current value); param4 yaw
          const b = this.body;
          let x = b.epx, y = b.epy, z = b.epz;
          if (Number.isFinite(prm[4]) && Number.isFinite(prm[5])) { this.proj.project(prm[4], prm[5], this.tmpXY); x = this.tmpXY.x; y = this.tmpXY.y; }
          if (Number.isFinite(prm[6])) z = -(prm[6] - this.originAlt);
          // param4 is radians to PX4's navigator (MAVLink's spec says degrees; PX4 reads radians).
          this.proj.reproject(x, y, this.tmpLL);
          if (this.geofenceAllows(this.tmpLL.lat, this.tmpLL.lon, this.originAlt - z)) {
            // no heading given: FlightTaskAuto's own (MPC_YAW_MODE: towards the target)
            this.pendingHold = { x, y, z, yaw: Number.isFinite(prm[3]) ? wrapPi(prm[3]) : NaN };
            this.lastNavState = -1;
          } else {
            this.text(SEV_CRITICAL, 'Reposition is outside geofence');
          }
        }
        return { result: R.ACCEPTED };
      }
      case C.DO_SET_HOME: {
        if (this.p.COM_HOME_EN !== 1) return { result: R.DENIED };
        if (prm[0] > 0.5) {
          if (this.fsFlags.globalPositionInvalid) return { result: R.TEMPORARILY_REJECTED };
          this.setHomeHere();
        } else {
          if (!Number.isFinite(prm[4]) || !Number.isFinite(prm[5]) || !Number.isFinite(prm[6])) return { result: R.DENIED };
          this.proj.project(prm[4], prm[5], this.tmpXY);
          this.home = { x: this.tmpXY.x, y: this.tmpXY.y, z: -(prm[6] - this.originAlt), lat: prm[4], lon: prm[5], alt: prm[6], valid: true };
          this.homeCounter++;
        }
        return { result: R.ACCEPTED };
      }
      case C.MISSION_START: {
        // Commander: switch to Mission and arm, when there is a valid mission and param1 names one of its items
        this.updateFlags();
        const total = this.missions.items(MissionType.MISSION).length;
        if (this.fsFlags.autoMissionMissing) return { result: R.DENIED };
        if (!(Number.isFinite(prm[0]) && prm[0] >= -1 && prm[0] < total)) return { result: R.DENIED };
        if (this.changeUserMode(NavState.AUTO_MISSION) && this.arm('mission start')) {
          if (prm[0] >= 0) this.missions.setCurrent(Math.trunc(prm[0]));
          return { result: R.ACCEPTED };
        }
        this.printRejectMode(NavState.AUTO_MISSION);
        return { result: R.TEMPORARILY_REJECTED };
      }
      case C.INJECT_FAILURE:
        return this.injectFailure(prm);
      case C.DO_FLIGHTTERMINATION: {
        if (!(prm[0] > 0.5) || !this.armed) return { result: R.DENIED };
        return { result: this.changeUserMode(NavState.TERMINATION) ? R.ACCEPTED : R.TEMPORARILY_REJECTED };
      }
      default:
        return { result: R.UNSUPPORTED };
    }
  }

  /** mavlink_receiver forwards INJECT_FAILURE only with SYS_FAILURE_EN; sensor/simulator modules ack it. */
  private injectFailure(prm: CommandParams): CommandResult {
    if (this.p.SYS_FAILURE_EN !== 1) return { result: R.DENIED };
    const unit = Math.round(prm[0]);
    const type = Math.round(prm[1]);
    const instance = Math.round(prm[2]);
    const U = common.FailureUnit;
    const T = common.FailureType;
    if (type !== T.OK && type !== T.OFF) return { result: R.UNSUPPORTED };
    const off = type === T.OFF;
    switch (unit) {
      case U.SENSOR_GPS:
        if (off && !this.gpsFailed) this.gpsLostAtUs = this.t;
        this.gpsFailed = off;
        return { result: R.ACCEPTED };
      case U.SYSTEM_BATTERY:
        // battery_simulator: only instance 0 is supported
        if (instance !== 0) return { result: R.UNSUPPORTED };
        this.batteryFailed = off;
        return { result: R.ACCEPTED };
      case U.SYSTEM_MAVLINK_SIGNAL:
        this.mavlinkFailed = off;
        return { result: R.ACCEPTED };
      default:
        // PX4 publishes the command and no module answers; the model says UNSUPPORTED instead of staying silent
        return { result: R.UNSUPPORTED };
    }
  }

  private printRejectMode(n: number): void {
    if (this.t - this.lastRejectPrintUs > 1e6) {
      this.text(SEV_CRITICAL, `Switching to ${navStateName(n)} is currently not available`);
      this.lastRejectPrintUs = this.t;
    }
  }

  /** Mode requirement check used for switching and arming (includes stick input). */
  private canRun(n: number): boolean {
    if (requiresManualControl(n) && this.fsFlags.manualControlLost) return false;
    return modeCanRun(this.fsFlags, n);
  }

  /** UserModeIntention::change: always allowed while disarmed; armed, the mode must be able to run. */
  private changeUserMode(n: number, force = false): boolean {
    this.updateFlags();
    let allow = force || !this.armed || this.canRun(n);
    allow &&= this.navState !== NavState.TERMINATION;
    if (!allow) return false;
    this.userMode = n;
    this.userModeUpdated = true;
    if (!preventsArming(n) || n === NavState.TERMINATION) this.navStateAfterDisarm = n;
    this.evaluateModes();
    return true;
  }

  /** HealthAndArmingChecks::canArm for the current nav state; pushes the reasons as PX4 reports them. */
  private armingFailures(report: boolean): boolean {
    this.updateFlags();
    const f = this.fsFlags;
    const n = this.navState;
    const fail: string[] = [];
    if (preventsArming(n)) fail.push('Mode not suitable for arming');
    const needsPos = n === NavState.POSCTL || n === NavState.AUTO_LOITER || n === NavState.AUTO_TAKEOFF || n === NavState.AUTO_RTL
      || n === NavState.AUTO_LAND || n === NavState.AUTO_MISSION || (n === NavState.OFFBOARD && this.ocm.position);
    if (needsPos && f.localPositionInvalid) fail.push('Navigation error: No valid position estimate');
    else if ((n === NavState.AUTO_LOITER || n === NavState.AUTO_TAKEOFF || n === NavState.AUTO_RTL || n === NavState.AUTO_MISSION) && f.globalPositionInvalid) fail.push('Navigation error: No valid global position estimate');
    if (n === NavState.OFFBOARD && f.offboardLost) fail.push('No offboard signal');
    if (n === NavState.AUTO_MISSION && f.autoMissionMissing) fail.push('No valid mission available');
    if (requiresManualControl(n) && f.manualControlLost) fail.push('No manual control input');
    if (f.batteryWarning >= BatteryWarning.Critical) fail.push('Low battery');
    let gcsFail = false;
    if (this.p.NAV_DLL_ACT! > 0 && f.gcsLost) { fail.push('No connection to the ground control station'); gcsFail = true; }
    if (report && fail.length > 0) {
      for (const t of fail) this.text(SEV_CRITICAL, t, 'event');
      if (gcsFail) this.text(SEV_WARNING, 'Preflight Fail: No connection to the GCS');
      this.text(SEV_CRITICAL, 'Arming denied: Resolve system health failures first');
    }
    return fail.length === 0;
  }

  private arm(reason: string): boolean {
    if (this.armed) return true;
    if (!this.armingFailures(true)) return false;
    this.armed = true;
    this.armedAtUs = this.t;
    this.haveTakenOff = false;
    this.text(SEV_INFO, `Armed by ${reason}`);
    if (this.p.COM_HOME_EN === 1 && !this.fsFlags.globalPositionInvalid) this.setHomeHere();
    this.evaluateModes();
    return true;
  }

  private disarm(reason: string, forced: boolean): boolean {
    if (!this.armed) return true;
    if (!forced && !(this.landed || this.maybeLanded)) {
      this.text(SEV_CRITICAL, 'Disarming denied: not landed');
      return false;
    }
    this.armed = false;
    this.armedAtUs = 0;
    this.haveTakenOff = false;
    // Commander counts flights at every disarm, taken off or not; the next flight gets the new number.
    this.params.set('COM_FLIGHT_UUID', this.p.COM_FLIGHT_UUID! + 1);
    // UserModeIntention::onDisarm: back to the last selected mode that does not prevent arming
    this.userMode = this.navStateAfterDisarm;
    this.userModeUpdated = true;
    this.text(SEV_INFO, `Disarmed by ${reason}`);
    this.evaluateModes();
    return true;
  }

  private setHomeHere(): void {
    const b = this.body;
    this.proj.reproject(b.epx, b.epy, this.tmpLL);
    this.home = { x: b.epx, y: b.epy, z: b.epz, lat: this.tmpLL.lat, lon: this.tmpLL.lon, alt: this.originAlt - b.epz, valid: true };
    this.homeYaw = b.yaw;
    this.homeCounter++;
  }

  // ───────────────────────────── step ─────────────────────────────

  step(dtS: number): void {
    if (!(dtS > 0 && dtS < 1)) throw new RangeError(`step: dtS must be in (0, 1) seconds, got ${dtS}`);
    const dt = dtS;
    this.t += Math.round(dt * 1e6);
    const b = this.body;

    // estimator: truth + correlated error (only drawn when noise is configured)
    b.epx = b.px + this.errPos[0]!.step(dt, this.rng);
    b.epy = b.py + this.errPos[1]!.step(dt, this.rng);
    const drift = this.heightDrift;
    drift?.step(dt);
    b.epz = b.pz + this.errPos[2]!.step(dt, this.rng) + (drift ? drift.z : 0);
    b.evx = b.vx + this.errVel[0]!.step(dt, this.rng);
    b.evy = b.vy + this.errVel[1]!.step(dt, this.rng);
    b.evz = b.vz + this.errVel[2]!.step(dt, this.rng) + (drift ? drift.vz : 0);
    this.errAtt[0]!.step(dt, this.rng); this.errAtt[1]!.step(dt, this.rng); this.errAtt[2]!.step(dt, this.rng);

    this.updateBattery(dt);
    this.updateFlags();
    this.commanderChecks(dt);
    this.geofenceBreachCheck();
    this.evaluateModes();
    this.navigate(dt);
    this.positionControl(dt);
    const wn = this.windN + this.gustN.step(dt, this.rng);
    const we = this.windE + this.gustE.step(dt, this.rng);
    b.integrate(dt, this.yawRateCommand(), wn, we, 0);
    this.updateLandDetector();
    this.userModeUpdated = false;
  }

  /** failsafe_flags as commander computes them (estimator, offboard, RC, data link, battery checks). */
  private updateFlags(): void {
    const f = this.fsFlags;
    const p = this.p;
    // EKF2: without GNSS, position stays valid for EKF2_NOAID_TOUT of dead reckoning in air; on the ground it is lost at once
    const posLost = this.gpsFailed && (this.landed || this.t - this.gpsLostAtUs >= p.EKF2_NOAID_TOUT!);
    f.localPositionInvalid = posLost;
    f.globalPositionInvalid = posLost;
    // offboardCheck: recent (COM_OF_LOSS_T) offboard_control_mode with a usable setpoint type
    const sp = this.offboardSp;
    let available = sp !== null && this.t < sp.timeUs + p.COM_OF_LOSS_T! * 1e6
      && (this.ocm.position || this.ocm.velocity || this.ocm.acceleration);
    if (this.ocm.position && f.localPositionInvalid) available = false;
    else if (this.ocm.velocity && f.localPositionInvalid) available = false;
    f.offboardLost = !available;
    f.manualControlLost = !(this.t - this.lastManualUs <= p.COM_RC_LOSS_T! * 1e6);
    this.gcsLink.update(this.t, p.COM_DL_LOSS_T!);
    for (const n of this.gcsLink.notices) this.text(n.severity, n.text, n.source);
    f.gcsLost = this.gcsLink.lost;
    f.homeInvalid = !this.home.valid;
    f.batteryWarning = this.batWarning;
    // MissionChecks: a mission the navigator accepted (mission_result valid, mission_id > 0), checked against the current fence
    this.updateGeofence();
    this.mission.refresh(this.missionCtx());
    f.autoMissionMissing = !(this.mission.valid && this.missions.items(MissionType.MISSION).length > 0);
  }

  /** The navigator's view of the vehicle for the mission (one object, refreshed in place). */
  private missionCtx(): MissionContext {
    const b = this.body;
    this.proj.reproject(b.epx, b.epy, this.tmpLL);
    const c = this.missionCtxCache ??= {
      nowUs: 0, params: this.p, store: this.missions, geofence: this.geofence, home: this.home, homeCounter: 0, proj: this.proj,
      originAlt: this.originAlt, armed: false, landed: true, maybeLanded: true, lat: 0, lon: 0, alt: 0, yaw: 0,
      text: (sev: number, t: string, source: 'statustext' | 'event' = 'statustext') => this.text(sev, t, source),
    };
    c.nowUs = this.t; c.home = this.home; c.homeCounter = this.homeCounter; c.armed = this.armed; c.landed = this.landed;
    c.maybeLanded = this.maybeLanded; c.lat = this.tmpLL.lat; c.lon = this.tmpLL.lon; c.alt = this.originAlt - b.epz; c.yaw = b.yaw;
    return c;
  }

  /** Navigator::geofence_allows_position (repositions): only checked when GF_ACTION acts. */
  private geofenceAllows(lat: number, lon: number, alt: number): boolean {
    const a = this.p.GF_ACTION!;
    if (a === GfAction.NONE || a === GfAction.WARN) return true;
    this.updateGeofence();
    return this.geofence.checkPointAgainstAllGeofences(this.p, this.home, lat, lon, alt);
  }

  private updateGeofence(): void {
    const b = this.body;
    this.proj.reproject(b.epx, b.epy, this.tmpLL);
    this.geofence.update(this.missions.items(MissionType.FENCE), this.missions.id(MissionType.FENCE), this.home,
      { lat: this.tmpLL.lat, lon: this.tmpLL.lon, alt: this.originAlt - b.epz, landed: this.landed }, this.p.GF_ACTION!,
      (sev, t) => this.text(sev, t));
  }

  /**
   * Navigator::geofence_breach_check (every 0.2 s while GF_ACTION is set) and commander's
   * GeofenceChecks: the breach raises geofence_breached for the failsafe (GF_ACTION); with Hold the
   * navigator also repositions to where the breach was seen.
   */
  private geofenceBreachCheck(): void {
    const p = this.p;
    const f = this.fsFlags;
    const b = this.body;
    this.updateGeofence();
    if (this.navState !== NavState.AUTO_LOITER && this.t - this.gfLoiterSinceUs > 100_000) this.gfLoiterSinceUs = 0;
    if (p.GF_ACTION === GfAction.NONE) { f.geofenceBreached = false; return; }
    if (this.t - this.gfLastCheckUs <= 200_000) return;
    this.gfLastCheckUs = this.t;
    const r = this.gfResult;
    const was = { ...r };
    this.proj.reproject(b.epx, b.epy, this.tmpLL);
    const alt = this.originAlt - b.epz;
    if (this.gfLoiterSinceUs > 0) {
      // holding after a breach: new breaches count, none clears
      const lat = this.tmpLL.lat, lon = this.tmpLL.lon;
      r.maxDistTriggered ||= !this.geofence.isCloserThanMaxDistToHome(p, this.home, lat, lon);
      r.maxAltTriggered ||= !this.geofence.isBelowMaxAltitude(p, this.home, alt);
      r.customFenceTriggered ||= !this.geofence.isInsidePolygonOrCircle(lat, lon);
    } else {
      this.geofence.check(p, this.home, this.tmpLL.lat, this.tmpLL.lon, alt, r);
    }
    if (r.maxDistTriggered && !was.maxDistTriggered) this.text(SEV_CRITICAL, 'Geofence: exceeding maximum distance to Home');
    if (r.maxAltTriggered && !was.maxAltTriggered) this.text(SEV_CRITICAL, 'Geofence: exceeding maximum altitude above Home');
    if (r.customFenceTriggered && !was.customFenceTriggered) this.text(SEV_CRITICAL, 'Geofence: approaching or outside geofence');
    const breached = r.maxDistTriggered || r.maxAltTriggered || r.customFenceTriggered;
    if (breached) {
      if (!this.gfRepositionSent && this.armed && p.GF_ACTION === GfAction.LOITER) {
        // GF_PREDICT off: loiter where the breach was detected
        this.pendingHold = { x: b.epx, y: b.epy, z: b.epz, yaw: b.yaw };
        this.lastNavState = -1;
        this.gfRepositionSent = true;
        this.gfLoiterSinceUs = this.t;
      }
    } else {
      this.gfRepositionSent = false;
    }
    f.geofenceBreached = breached;
  }

  /**
   * battery_simulator (linear drain while armed down to SIM_BAT_MIN_PCT; an injected failure reads
   * BAT1_V_EMPTY) + the battery library: without BAT1_CAPACITY the state of charge is the cell
   * voltage through an AlphaFilter of 1 s time constant, mapped between BAT1_V_EMPTY and
   * BAT1_V_CHARGED — so an empty battery is reported, and warned about, over seconds, not at once.
   */
  private updateBattery(dt: number): void {
    const p = this.p;
    if (this.armed) {
      if (p.SIM_BAT_DRAIN! > 0) this.batPct -= dt / p.SIM_BAT_DRAIN!;
    } else {
      this.batPct = 1;
    }
    this.batPct = Math.max(this.batPct, p.SIM_BAT_MIN_PCT! / 100);
    const raw = this.batteryFailed ? 0 : this.batPct;
    this.batSoc += (raw - this.batSoc) * (dt / (BATTERY_FILTER_TAU_S + dt));
    const remaining = this.batSoc;
    let w = BatteryWarning.None;
    if (remaining < p.BAT_EMERGEN_THR!) w = BatteryWarning.Emergency;
    else if (remaining < p.BAT_CRIT_THR!) w = BatteryWarning.Critical;
    else if (remaining < p.BAT_LOW_THR!) w = BatteryWarning.Low;
    // the warning only gets worse while armed
    if (this.armed && w < this.batWarning) w = this.batWarning;
    this.batWarning = w;
  }

  /** Auto-disarm (COM_DISARM_LAND / COM_DISARM_PRFLT) and the takeoff → Hold switch. */
  private commanderChecks(_dt: number): void {
    const p = this.p;
    if (!this.armed) return;
    if (this.haveTakenOff) {
      // not while a mission that has not finished is on the ground (landed_amid_mission)
      const landedAmidMission = this.navState === NavState.AUTO_MISSION && !this.mission.finished;
      if (p.COM_DISARM_LAND! > 0 && !landedAmidMission && this.landed && this.t - this.landedSinceUs >= p.COM_DISARM_LAND! * 1e6) {
        this.disarm('landing', true);
        return;
      }
    } else if (p.COM_DISARM_PRFLT! > 0 && this.t - this.armedAtUs >= p.COM_DISARM_PRFLT! * 1e6) {
      this.disarm('auto preflight disarming', true);
      return;
    }
    if (this.navState === NavState.AUTO_TAKEOFF && this.takeoffDone && this.userMode === NavState.AUTO_TAKEOFF) {
      // navigator reports the takeoff item finished; commander switches to Hold at the takeoff point
      this.pendingHold = { x: this.target.x, y: this.target.y, z: this.target.z, yaw: this.yawHold };
      this.changeUserMode(NavState.AUTO_LOITER);
    }
    if (this.navState === NavState.AUTO_MISSION && this.mission.finished && !this.landed && this.userMode === NavState.AUTO_MISSION) {
      // a finished mission (still in Mission, in air): Hold where the mission left the vehicle loitering
      const sp = this.mission.sp;
      this.pendingHold = { x: sp.x, y: sp.y, z: sp.z, yaw: this.yawHold };
      this.changeUserMode(NavState.AUTO_LOITER);
    }
  }

  /** Runs the failsafe state machine and derives the active nav state. */
  private evaluateModes(): void {
    const p = this.p;
    this.failsafe.failActT = p.COM_FAIL_ACT_T!;
    this.failsafe.update(this.t, this.armed, this.userMode, this.userModeUpdated, this.fsFlags, p as unknown as FailsafeParams);
    this.userModeUpdated = false;
    for (const n of this.failsafe.notices) this.text(n.severity, n.text, n.source);
    const a = this.failsafe.selected;
    let nav = this.userMode;
    switch (a) {
      case Action.FallbackPosCtrl: nav = NavState.POSCTL; break;
      case Action.FallbackAltCtrl: nav = NavState.ALTCTL; break;
      case Action.FallbackStab: nav = NavState.STAB; break;
      case Action.Hold: nav = NavState.AUTO_LOITER; break;
      case Action.RTL: nav = NavState.AUTO_RTL; break;
      case Action.Land: nav = NavState.AUTO_LAND; break;
      case Action.Descend: nav = NavState.DESCEND; break;
      case Action.Terminate: nav = NavState.TERMINATION; break;
      case Action.Disarm:
        // disarm() re-evaluates the modes with the restored user mode
        if (this.armed) { this.disarm('failsafe', true); return; }
        break;
      default: break;
    }
    this.navState = nav;
  }

  // ───────────────────────────── navigator + flight tasks ─────────────────────────────

  /** Navigator::preproject_stop_point: where the vehicle stops horizontally at MPC_ACC_HOR / MPC_JERK_AUTO; the altitude where it is. */
  private brakingPoint(): void {
    const b = this.body;
    const p = this.p;
    const v = Math.hypot(b.evx, b.evy);
    // computeBrakingDistanceFromVelocity(v, jerk, acc, 0.6 jerk)
    const d = v * (v / (2 * p.MPC_ACC_HOR!) + 0.6);
    const k = v > 1e-6 ? d / v : 0;
    this.target.x = b.epx + b.evx * k;
    this.target.y = b.epy + b.evy * k;
    this.target.z = b.epz;
  }

  /** on_activation of the navigator mode for a new nav state. */
  private activate(n: number): void {
    const b = this.body;
    const p = this.p;
    this.yawHold = b.yaw;
    this.landing = false;
    this.target.yaw = NaN;
    switch (n) {
      case NavState.AUTO_TAKEOFF: {
        this.takeoffDone = false;
        const req = this.tkoRequest;
        this.tkoRequest = null;
        let x = b.epx, y = b.epy;
        if (req && Number.isFinite(req.lat) && Number.isFinite(req.lon)) { this.proj.project(req.lat, req.lon, this.tmpXY); x = this.tmpXY.x; y = this.tmpXY.y; }
        // navigator takeoff: param7 is AMSL; at least MIS_TAKEOFF_ALT above the current altitude
        const curAlt = this.originAlt - b.epz;
        const minAlt = curAlt + p.MIS_TAKEOFF_ALT!;
        let alt: number;
        if (req && Number.isFinite(req.alt)) {
          alt = req.alt;
          if (alt < minAlt) {
            if (alt < minAlt - 0.1) this.text(SEV_CRITICAL, `Using minimum takeoff altitude: ${p.MIS_TAKEOFF_ALT!.toFixed(2)} m`);
            alt = minAlt;
          }
        } else {
          alt = minAlt;
          this.text(SEV_INFO, `Using minimum takeoff altitude: ${p.MIS_TAKEOFF_ALT!.toFixed(2)} m`);
        }
        this.target.x = x; this.target.y = y; this.target.z = -(alt - this.originAlt);
        // a takeoff item set in air is a plain position (mission_item_to_position_setpoint)
        this.takeoffType = this.armed && !this.landed && !this.maybeLanded ? WaypointType.Position : WaypointType.Takeoff;
        break;
      }
      case NavState.AUTO_LOITER:
      case NavState.POSCTL:
      case NavState.ALTCTL:
      case NavState.STAB:
      case NavState.MANUAL:
      case NavState.ACRO:
        if (n === NavState.AUTO_LOITER && this.pendingHold) {
          this.target.x = this.pendingHold.x; this.target.y = this.pendingHold.y; this.target.z = this.pendingHold.z;
          this.target.yaw = this.pendingHold.yaw;
        } else if (this.landed) {
          this.target.x = b.epx; this.target.y = b.epy; this.target.z = b.epz;
        } else {
          this.brakingPoint();
        }
        this.pendingHold = null;
        // Position mode's reference starts from the vehicle's state
        if (n === NavState.POSCTL) this.manualTraj.reset(b.epx, b.epy, b.epz, b.evx, b.evy, b.evz);
        break;
      case NavState.AUTO_LAND:
        this.brakingPoint();
        this.landing = true;
        break;
      case NavState.AUTO_RTL:
        this.activateRtl();
        break;
      default:
        break;
    }
  }

  /** RTL::findRtlDestination and RtlDirect::on_activation: the destination, the return altitude, the first state. */
  private activateRtl(): void {
    const b = this.body;
    const p = this.p;
    this.proj.reproject(b.epx, b.epy, this.tmpLL);
    const dst = findRtlDestination(p.RTL_TYPE!, this.home, this.tmpLL.lat, this.tmpLL.lon, this.missions, (sev, t) => this.text(sev, t));
    const d = this.rtl.dest;
    if (dst.safePointIndex < 0) { d.x = this.home.x; d.y = this.home.y; d.z = this.home.z; }
    else { this.proj.project(dst.lat, dst.lon, this.tmpXY); d.x = this.tmpXY.x; d.y = this.tmpXY.y; d.z = -(dst.alt - this.originAlt); }
    d.yaw = this.homeYaw;
    // return altitude RTL_RETURN_ALT above the destination, lowered inside the RTL_CONE_ANG cone
    // near it (never below 2 × NAV_ACC_RAD), never below the current altitude
    const dist = Math.hypot(d.x - b.epx, d.y - b.epy);
    let rel = p.RTL_RETURN_ALT!;
    const cone = p.RTL_CONE_ANG!;
    if (cone > 0 && dist <= p.RTL_MIN_DIST!) {
      rel = Math.min(rel, Math.max(2 * p.NAV_ACC_RAD!, dist / Math.tan(cone * DEG)));
    }
    const homeAlt = this.originAlt - d.z;
    const curAlt = this.originAlt - b.epz;
    const retAlt = Math.max(homeAlt + rel, curAlt);
    this.rtl.activate(this.landed, this.autoState.position, b.yaw, -(retAlt - this.originAlt));
    if (!this.landed) this.text(SEV_INFO, `RTL: start return at ${Math.round(retAlt)} m (${Math.round(retAlt - homeAlt)} m above destination)`);
  }

  /** The auto modes run FlightTaskAuto; Position mode with sticks and the others their own tasks. */
  private navigate(dt: number): void {
    this.runMission();
    const n = this.navState;
    if (n !== this.lastNavState) {
      this.updateTaskState();
      this.activate(n);
      this.lastNavState = n;
    }
    const p = this.p;
    const b = this.body;
    const sp = this.sp;
    // FlightModeManager: Position's and Altitude's flight tasks need stick input; without it (no RC,
    // as after an offboard-loss failsafe to Position) they fail to start and FlightTaskDescend flies,
    // while the mode stays Position / Altitude.
    const task = (n === NavState.POSCTL || n === NavState.ALTCTL) && this.fsFlags.manualControlLost ? NavState.DESCEND : n;
    const auto = task === NavState.AUTO_TAKEOFF || task === NavState.AUTO_LOITER || task === NavState.AUTO_LAND
      || task === NavState.AUTO_RTL || task === NavState.AUTO_MISSION;
    this.updateTaskState();
    // a task switched to continues from the last flight task's setpoint (FlightTaskAuto::activate);
    // offboard runs no flight task, so after it the trajectory starts from the vehicle's state
    if (auto && !this.autoTaskActive) this.autoTask.activate(this.lastTaskWasOffboard ? NO_SETPOINT : sp, this.yawSp, this.autoState, p);
    this.autoTaskActive = auto;
    this.lastTaskWasOffboard = task === NavState.OFFBOARD;
    sp.px = NaN; sp.py = NaN; sp.pz = NaN; sp.vx = NaN; sp.vy = NaN; sp.vz = NaN; sp.ax = NaN; sp.ay = NaN; sp.az = NaN;
    this.speedUp = p.MPC_Z_VEL_MAX_UP!;
    this.speedDown = p.MPC_Z_VEL_MAX_DN!;
    this.yawSp = this.yawHold;
    this.yawRateFf = 0;
    this.wantTakeoff = false;

    if (auto) {
      this.fillTriplet(task);
      this.runAutoTask(dt);
    } else {
      switch (task) {
        case NavState.POSCTL:
          this.flyPosition(dt);
          break;
        case NavState.ALTCTL:
        case NavState.STAB:
        case NavState.MANUAL:
        case NavState.ACRO:
          this.flyAltitude();
          break;
        case NavState.DESCEND:
          // FlightTaskDescend: no horizontal control (level), descend at MPC_LAND_SPEED
          sp.ax = 0; sp.ay = 0;
          sp.vz = p.MPC_LAND_SPEED!;
          // Should sticks come back (Position, Altitude), their task starts from here.
          this.target.x = b.epx; this.target.y = b.epy; this.target.z = b.epz;
          break;
        case NavState.OFFBOARD:
          this.flyOffboard();
          break;
        default:
          break;
      }
    }
    if (!Number.isNaN(this.yawSp)) this.yawHold = this.yawSp;
    else this.yawHold = b.yaw;
  }

  /** Navigator: the mission runs while armed in Mission (on_activation / on_active / on_inactivation). */
  private runMission(): void {
    const missionRuns = this.navState === NavState.AUTO_MISSION && this.armed;
    if (missionRuns !== this.mission.isActive) {
      if (missionRuns) this.mission.activate(this.missionCtx());
      else this.mission.deactivate(this.missionCtx());
    }
    if (!missionRuns) return;
    this.mission.update(this.missionCtx());
    if (this.mission.rtlRequested) {
      // the mission's RTL item is a vehicle command: commander switches to Return
      this.mission.rtlRequested = false;
      if (this.changeUserMode(NavState.AUTO_RTL)) this.text(SEV_INFO, 'Returning to launch');
    }
  }

  /** What the flight tasks read: the estimate, the distance sensor (SIH's measures the true height), home. */
  private updateTaskState(): void {
    const b = this.body;
    const s = this.autoState;
    s.position.x = b.epx; s.position.y = b.epy; s.position.z = b.epz;
    s.velocity.x = b.evx; s.velocity.y = b.evy; s.velocity.z = b.evz;
    s.yaw = b.yaw;
    const range = this.distanceSensor();
    s.distToGround = Number.isFinite(range) ? range : this.home.z - b.epz;
    s.home.x = this.home.x; s.home.y = this.home.y; s.home.z = this.home.z;
  }

  /**
   * SIH's downward distance sensor: the true height, except on the ground after a touchdown, where
   * the body rests a hair below the ground and the reading is out of range (sih.cpp send_dist_snsr).
   */
  private distanceSensor(): number {
    const b = this.body;
    if (!b.onGround) this.bodyAirborne = true;
    else if (this.bodyAirborne) { this.bodyAirborne = false; this.rangeOutOfRange = true; }
    if (!b.onGround) this.rangeOutOfRange = false;
    return this.rangeOutOfRange ? NaN : Math.max(0, b.groundZ - b.pz);
  }

  /** The navigator's position setpoint triplet for the active auto mode. */
  private fillTriplet(task: number): void {
    const tri = this.triplet;
    const t = this.target;
    const p = this.p;
    tri.previous = null;
    tri.next = null;
    tri.cruiseSpeed = NaN;
    tri.acceptanceRadius = p.NAV_ACC_RAD!;
    tri.current.x = t.x; tri.current.y = t.y; tri.current.z = t.z;
    tri.yaw = NaN;
    switch (task) {
      case NavState.AUTO_TAKEOFF:
        tri.type = this.takeoffType;
        this.checkTakeoffReached();
        break;
      case NavState.AUTO_LOITER:
        tri.type = this.landed ? WaypointType.Idle : WaypointType.Loiter;
        tri.yaw = t.yaw;
        break;
      case NavState.AUTO_LAND:
        tri.type = WaypointType.Land;
        break;
      case NavState.AUTO_RTL:
        this.rtl.update(this.t, this.autoState.position, this.body.yaw, this.landed, p, tri);
        this.landing = this.rtl.state === RtlState.Land;
        break;
      case NavState.AUTO_MISSION:
        this.missionTriplet();
        break;
      default:
        break;
    }
  }

  /** MissionBlock::is_mission_item_reached for a multicopter takeoff: the altitude only, within NAV_MC_ALT_RAD (half the climb when that is less). */
  private checkTakeoffReached(): void {
    if (this.landed || this.takeoffDone) return;
    const climb = this.home.z - this.target.z;
    let rad = this.p.NAV_MC_ALT_RAD!;
    if (climb > 0 && climb < rad) rad = climb / 2;
    if (this.body.epz < this.target.z + rad) this.takeoffDone = true;
  }

  /** The mission's position setpoint as FlightTaskAuto flies the triplet (previous item, current, next). */
  private missionTriplet(): void {
    const tri = this.triplet;
    const sp = this.mission.sp;
    const prev = this.missionPrev;
    const cur = this.missionTarget;
    if (!(Math.abs(cur.x - sp.x) < 1e-3 && Math.abs(cur.y - sp.y) < 1e-3 && Math.abs(cur.z - sp.z) < 1e-3)) {
      prev.x = cur.x; prev.y = cur.y; prev.z = cur.z;
      cur.x = sp.x; cur.y = sp.y; cur.z = sp.z;
    }
    this.landing = sp.type === 'land';
    tri.type = sp.type === 'idle' ? WaypointType.Idle : sp.type === 'takeoff' ? WaypointType.Takeoff : sp.type === 'land' ? WaypointType.Land
      : sp.type === 'loiter' ? WaypointType.Loiter : WaypointType.Position;
    tri.current.x = sp.x; tri.current.y = sp.y; tri.current.z = sp.z;
    tri.yaw = Number.isFinite(sp.yaw) ? wrapPi(sp.yaw) : NaN;
    tri.cruiseSpeed = this.mission.cruise;
    tri.previous = Number.isFinite(prev.x) && tri.type === WaypointType.Position ? prev : null;
    if (Number.isFinite(sp.nextX)) {
      this.missionNext.x = sp.nextX; this.missionNext.y = sp.nextY; this.missionNext.z = sp.z;
      tri.next = this.missionNext;
    }
  }

  /** FlightModeManager: FlightTaskAuto's setpoint; reactivated every cycle until the takeoff ramp starts. */
  private runAutoTask(dt: number): void {
    const out = this.autoTask.update(dt, this.triplet, this.autoState, this.p);
    const sp = this.sp;
    const o = out.setpoint;
    sp.px = o.px; sp.py = o.py; sp.pz = o.pz; sp.vx = o.vx; sp.vy = o.vy; sp.vz = o.vz; sp.ax = o.ax; sp.ay = o.ay; sp.az = o.az;
    this.yawSp = out.yaw;
    this.yawRateFf = Number.isFinite(out.yawspeed) ? out.yawspeed : 0;
    this.speedUp = out.speedUp;
    this.speedDown = out.speedDown;
    this.wantTakeoff = out.wantTakeoff;
    if (this.takeoff.state < TakeoffState.Rampup) this.autoTask.reActivate(this.autoState, this.p);
  }

  /** Position mode with stick input: the hold point follows the sticks. */
  private flyPosition(dt: number): void {
    const p = this.p;
    const b = this.body;
    const t = this.target;
    const tr = this.manualTraj;
    const accUp = p.MPC_ACC_UP_MAX!, accDn = p.MPC_ACC_DOWN_MAX!;
    const flying = this.takeoff.state >= TakeoffState.Rampup;
    if (Math.abs(this.manual.x) > 0.05 || Math.abs(this.manual.y) > 0.05 || Math.abs(this.manual.z - 0.5) > 0.05) {
      // sticks: velocity in the heading frame
      const c = Math.cos(b.yaw), s = Math.sin(b.yaw);
      const fwd = this.manual.x * p.MPC_VEL_MANUAL!, right = this.manual.y * p.MPC_VEL_MANUAL!;
      const vz = this.manual.z > 0.5 ? -(this.manual.z - 0.5) * 2 * p.MPC_Z_VEL_MAX_UP! : (0.5 - this.manual.z) * 2 * p.MPC_Z_VEL_MAX_DN!;
      tr.step(dt, tr.px + (c * fwd - s * right) * 10, tr.py + (s * fwd + c * right) * 10, NaN, vz,
        Math.hypot(fwd, right), p.MPC_Z_VEL_MAX_UP!, p.MPC_Z_VEL_MAX_DN!, p.MPC_ACC_HOR_MAX!, accUp, accDn);
      t.x = tr.px; t.y = tr.py; t.z = tr.pz;
    } else if (!flying) {
      tr.reset(b.epx, b.epy, b.epz, 0, 0, 0);
      t.x = b.epx; t.y = b.epy; t.z = b.epz;
    } else {
      tr.step(dt, t.x, t.y, t.z, NaN, p.MPC_VEL_MANUAL!, p.MPC_Z_V_AUTO_UP!, p.MPC_Z_V_AUTO_DN!, p.MPC_ACC_HOR!, accUp, accDn);
    }
    this.wantTakeoff = t.z < b.epz - 0.2;
    const sp = this.sp;
    sp.px = tr.px; sp.py = tr.py; sp.pz = tr.pz;
    sp.vx = tr.vx; sp.vy = tr.vy; sp.vz = tr.vz;
    sp.ax = tr.ax; sp.ay = tr.ay; sp.az = tr.az;
  }

  /** Altitude (and, modelled as it, Stabilized, Manual, Acro): sticks tilt, the altitude is held. */
  private flyAltitude(): void {
    const p = this.p;
    const b = this.body;
    const sp = this.sp;
    const tiltMax = p.MPC_TILTMAX_AIR! * DEG;
    const c = Math.cos(b.yaw), s = Math.sin(b.yaw);
    const manual = !this.fsFlags.manualControlLost;
    const fwd = manual ? this.manual.x * G * Math.tan(tiltMax) : 0;
    const right = manual ? this.manual.y * G * Math.tan(tiltMax) : 0;
    sp.ax = c * fwd - s * right;
    sp.ay = s * fwd + c * right;
    const zs = manual ? this.manual.z - 0.5 : 0;
    if (Math.abs(zs) > 0.05) {
      sp.vz = zs > 0 ? -zs * 2 * p.MPC_Z_VEL_MAX_UP! : -zs * 2 * p.MPC_Z_VEL_MAX_DN!;
      this.target.z = b.epz;
    } else {
      sp.pz = this.target.z;
    }
    this.wantTakeoff = (Number.isFinite(sp.vz) && sp.vz < -0.3) || this.target.z < b.epz - 0.2;
  }

  /** Offboard: the streamed setpoint as it is; mc_pos_control wants a takeoff for any upward setpoint less than 1 s old. */
  private flyOffboard(): void {
    const b = this.body;
    const sp = this.sp;
    const o = this.offboardSp;
    if (o) {
      sp.px = o.position.x; sp.py = o.position.y; sp.pz = o.position.z;
      sp.vx = o.velocity.x; sp.vy = o.velocity.y; sp.vz = o.velocity.z;
      sp.ax = o.acceleration.x; sp.ay = o.acceleration.y; sp.az = o.acceleration.z;
      if (Number.isFinite(o.yaw)) this.yawSp = o.yaw;
      if (Number.isFinite(o.yawRate)) { this.yawSp = NaN; this.yawRateFf = o.yawRate; }
      const fresh = this.t < o.timeUs + 1e6;
      this.wantTakeoff = fresh && ((Number.isFinite(sp.pz) && sp.pz < b.epz) || (Number.isFinite(sp.vz) && sp.vz < 0)
        || (!Number.isFinite(sp.pz) && !Number.isFinite(sp.vz) && Number.isFinite(sp.az) && sp.az < 0));
    } else {
      sp.px = b.epx; sp.py = b.epy; sp.pz = b.epz;
    }
    if (!Number.isFinite(this.yawSp) && this.yawRateFf === 0) this.yawSp = this.yawHold;
  }

  /**
   * MulticopterPositionControl: takeoff handling (spool-up, ramp), no corrections before takeoff or
   * while a flying vehicle touches the ground, the flight task's limits, PositionControl, thrust.
   */
  private positionControl(dt: number): void {
    const p = this.p;
    const b = this.body;
    const g = this.gains;
    const lim = this.lim;
    const tk = this.takeoff;
    g.xyP = p.MPC_XY_P!; g.zP = p.MPC_Z_P!;
    g.xyVelP = p.MPC_XY_VEL_P_ACC!; g.xyVelI = p.MPC_XY_VEL_I_ACC!; g.xyVelD = p.MPC_XY_VEL_D_ACC!;
    g.zVelP = p.MPC_Z_VEL_P_ACC!; g.zVelI = p.MPC_Z_VEL_I_ACC!; g.zVelD = p.MPC_Z_VEL_D_ACC!;
    g.hover = p.MPC_THR_HOVER!;

    if (!this.armed || this.navState === NavState.TERMINATION) {
      tk.updateState(this.t, false, this.landed, false, p.COM_SPOOLUP_TIME!);
      b.motorsOff();
      this.posCtl.resetIntegral();
      return;
    }
    // mc_pos_control clamps the task's climb limit to MPC_Z_VEL_MAX_UP (offboard: the limits themselves)
    const offboard = this.navState === NavState.OFFBOARD;
    const speedUp = offboard ? p.MPC_Z_VEL_MAX_UP! : Math.min(this.speedUp, p.MPC_Z_VEL_MAX_UP!);
    const speedDown = offboard ? p.MPC_Z_VEL_MAX_DN! : this.speedDown;
    tk.updateState(this.t, true, this.landed, this.wantTakeoff, p.COM_SPOOLUP_TIME!);
    const flying = tk.state >= TakeoffState.Flight;
    const sp = this.ctlSp;
    const s = this.sp;
    sp.px = s.px; sp.py = s.py; sp.pz = s.pz; sp.vx = s.vx; sp.vy = s.vy; sp.vz = s.vz; sp.ax = s.ax; sp.ay = s.ay; sp.az = s.az;
    // the takeoff ramp is not amended by an acceleration feed-forward
    if (tk.state === TakeoffState.Rampup && Number.isFinite(sp.vz)) sp.az = NaN;
    if (tk.state < TakeoffState.Rampup || (flying && this.groundContact)) {
      // not flying yet (or touching down): no corrections, high downwards acceleration for no thrust
      sp.px = NaN; sp.py = NaN; sp.pz = NaN; sp.vx = NaN; sp.vy = NaN; sp.vz = NaN; sp.ax = 0; sp.ay = 0; sp.az = 100;
      this.posCtl.resetIntegral();
    }
    lim.tiltMax = (tk.state < TakeoffState.Flight ? p.MPC_TILTMAX_LND! : p.MPC_TILTMAX_AIR!) * DEG;
    const up = tk.updateRamp(dt, speedUp, p.MPC_TKO_RAMP_T!, p.MPC_Z_VEL_P_ACC!);
    // ramping from zero thrust on takeoff (setThrustLimits keeps a sliver to infer the attitude)
    lim.thrMin = Math.max(flying ? p.MPC_THR_MIN! : 0, 1e-3);
    lim.thrMax = p.MPC_THR_MAX!;
    lim.thrXYMargin = p.MPC_THR_XY_MARG!;
    lim.velXY = p.MPC_XY_VEL_MAX!;
    lim.velUp = Math.min(up, p.MPC_Z_VEL_MAX_UP!);
    lim.velDown = Math.max(speedDown, 0);
    // horizontal velocity not controlled: no integrator left over for when it is again
    if ((!Number.isFinite(sp.vx) || !Number.isFinite(sp.vy)) && (!Number.isFinite(sp.px) || !Number.isFinite(sp.py))) this.posCtl.resetIntegralXY();
    const c = this.ctlState;
    c.px = b.epx; c.py = b.epy; c.pz = b.epz; c.vx = b.evx; c.vy = b.evy; c.vz = b.evz; c.ax = b.ax; c.ay = b.ay; c.az = b.az;
    if (!this.posCtl.update(dt, sp, c, lim, g)) {
      // generateFailsafeSetpoint: stop and wait
      sp.px = NaN; sp.py = NaN; sp.pz = NaN; sp.vx = 0; sp.vy = 0; sp.vz = 0; sp.ax = NaN; sp.ay = NaN; sp.az = NaN;
      this.posCtl.update(dt, sp, c, lim, g);
    }
    b.setThrust(this.posCtl.thrX, this.posCtl.thrY, this.posCtl.thrZ, g.hover);
  }

  /** mc_att_control's yaw: MC_YAW_P on the heading error plus the setpoint's rate, within MC_YAWRATE_MAX. */
  private yawRateCommand(): number {
    const b = this.body;
    if (!this.armed || this.takeoff.state < TakeoffState.Rampup) return 0;
    let r = this.yawRateFf;
    if (!Number.isNaN(this.yawSp)) r += 2.8 * wrapPi(this.yawSp - b.yaw); // MC_YAW_P
    const max = MC_YAWRATE_MAX_DEG * DEG;
    return clamp(r, -max, max);
  }

  /** The land detector on this cycle's estimate, thrust and setpoint; "Takeoff detected" / "Landing detected". */
  private updateLandDetector(): void {
    const p = this.p;
    const b = this.body;
    const wasLanded = this.landed;
    const height = Math.max(0, b.groundZ - b.pz);
    // mc_hover_thrust_estimator: in air once above 1 m (its distance sensor), valid 2 s later, until landed
    if (!this.armed || this.landed) this.inAirSinceUs = -1;
    else if (this.inAirSinceUs < 0 && height > 1) this.inAirSinceUs = this.t;
    const ld = this.landDetector;
    const i = this.ldInput;
    i.nowUs = this.t; i.armed = this.armed;
    i.vx = b.evx; i.vy = b.evy; i.vz = b.evz;
    i.distBottom = this.distanceSensor();
    i.specificForce = Math.hypot(b.ax, b.ay, b.az - G);
    i.rollRate = b.rollRate; i.pitchRate = b.pitchRate;
    i.thrust = this.armed ? b.thrustSp : 0;
    i.hoverThrust = p.MPC_THR_HOVER!;
    i.hoverEstimateValid = this.inAirSinceUs >= 0 && this.t - this.inAirSinceUs >= HOVER_ESTIMATE_VALID_AFTER_US;
    i.setpointVz = this.sp.vz; // trajectory_setpoint, not the controller's own
    i.climbRateControl = true; // every mode the model flies controls the climb rate
    ld.update(i, p);
    this.landed = ld.landed;
    this.maybeLanded = ld.maybe;
    this.groundContact = ld.contact;
    if (this.armed && wasLanded && !this.landed) {
      this.haveTakenOff = true;
      this.takeoffAtUs = this.t;
      this.text(SEV_INFO, 'Takeoff detected', 'event');
    }
    if (this.armed && !wasLanded && this.landed) {
      this.landedSinceUs = this.t;
      this.text(SEV_INFO, 'Landing detected', 'event');
    }
  }

  // ───────────────────────────── state ─────────────────────────────

  private makeState(): VehicleState {
    return {
      sysId: this.sysId, timeUs: 0, armed: false, mainMode: 0, subMode: 0, modeName: 'Hold', customMode: 0, baseMode: 0,
      systemStatus: 3, landedState: 1,
      position: { x: 0, y: 0, z: 0 }, velocity: { x: 0, y: 0, z: 0 }, acceleration: { x: 0, y: 0, z: 0 },
      attitude: { roll: 0, pitch: 0, yaw: 0, rollRate: 0, pitchRate: 0, yawRate: 0 },
      global: { lat: 0, lon: 0, alt: 0, relativeAlt: 0, vx: 0, vy: 0, vz: 0, headingDeg: 0 },
      groundSpeed: 0, climbRate: 0, throttle: 0,
      home: { lat: 0, lon: 0, alt: 0, x: 0, y: 0, z: 0, valid: true },
      battery: { voltage: 0, current: -1, remaining: 100, consumedMah: -1, cellCount: 4, warning: 0 },
      gps: { fixType: 3, satellites: 10, eph: 0.9, epv: 1.3, lat: 0, lon: 0, alt: 0 },
      failsafe: { positionInvalid: false, offboardLost: true, batteryLow: false, batteryCritical: false, batteryEmergency: false, active: false, action: '' },
      failures: { gps: false, battery: false, mavlinkSignal: false },
      sensors: { present: SENSORS_PRESENT, enabled: SENSORS_PRESENT, health: SENSORS_PRESENT },
      userCustomMode: 0,
      canArm: false,
      offboardSetpoint: null,
      setpoint: { position: { x: NaN, y: NaN, z: NaN }, velocity: { x: NaN, y: NaN, z: NaN }, acceleration: { x: NaN, y: NaN, z: NaN }, yaw: NaN, yawRate: 0, target: { x: 0, y: 0, z: 0 } },
      flight: { armedTimeUs: null, takeoffTimeUs: null, uuid: 0 },
      truth: { position: { x: 0, y: 0, z: 0 }, velocity: { x: 0, y: 0, z: 0 } },
    };
  }

  state(): VehicleState {
    this.refreshState();
    return this.st;
  }

  private refreshState(): void {
    const s = this.st;
    const b = this.body;
    const p = this.p;
    const f = this.fsFlags;
    s.timeUs = this.t;
    s.armed = this.armed;
    s.flight.armedTimeUs = this.armed ? this.armedAtUs : null;
    s.flight.takeoffTimeUs = this.armed && this.haveTakenOff ? this.takeoffAtUs : null;
    s.flight.uuid = this.p.COM_FLIGHT_UUID!;
    const [main, sub, name] = encodeNavState(this.navState);
    s.mainMode = main; s.subMode = sub; s.modeName = name;
    s.customMode = px4CustomMode(main, sub);
    const [um, us] = encodeNavState(this.userMode);
    s.userCustomMode = px4CustomMode(um, us);
    s.baseMode = baseModeFor(this.navState, this.armed);
    const inFs = this.failsafe.inFailsafe();
    // MAV_STATE: disarmed STANDBY, armed ACTIVE, CRITICAL in a failsafe, FLIGHT_TERMINATION terminated
    s.systemStatus = this.navState === NavState.TERMINATION ? 7 : this.armed ? (inFs ? 5 : 4) : 3;
    // EXTENDED_SYS_STATE: TAKEOFF / LANDING from the auto setpoint type while in air
    const L = common.MavLandedState;
    if (this.landed) s.landedState = L.ON_GROUND;
    else if (this.navState === NavState.AUTO_TAKEOFF || (this.navState === NavState.AUTO_MISSION && this.mission.sp.type === 'takeoff')) s.landedState = L.TAKEOFF;
    else if (this.landing && (this.navState === NavState.AUTO_LAND || this.navState === NavState.AUTO_MISSION || (this.navState === NavState.AUTO_RTL && this.rtl.state === RtlState.Land))) s.landedState = L.LANDING;
    else s.landedState = L.IN_AIR;

    s.position.x = b.epx; s.position.y = b.epy; s.position.z = b.epz;
    s.velocity.x = b.evx; s.velocity.y = b.evy; s.velocity.z = b.evz;
    s.acceleration.x = b.ax; s.acceleration.y = b.ay; s.acceleration.z = b.az;
    const ea = this.errAtt;
    s.attitude.roll = b.roll + ea[0]!.value;
    s.attitude.pitch = b.pitch + ea[1]!.value;
    s.attitude.yaw = wrapPi(b.yaw + ea[2]!.value);
    s.attitude.rollRate = b.rollRate; s.attitude.pitchRate = b.pitchRate; s.attitude.yawRate = b.yawRate;

    this.proj.reproject(b.epx, b.epy, this.tmpLL);
    s.global.lat = this.tmpLL.lat; s.global.lon = this.tmpLL.lon;
    s.global.alt = this.originAlt - b.epz;
    s.global.relativeAlt = s.global.alt - this.home.alt;
    s.global.vx = b.evx; s.global.vy = b.evy; s.global.vz = b.evz;
    let hdg = s.attitude.yaw / DEG;
    if (hdg < 0) hdg += 360;
    s.global.headingDeg = hdg;
    s.groundSpeed = Math.hypot(b.evx, b.evy);
    s.climbRate = -b.evz;
    s.throttle = this.armed ? clamp(b.thrustSp, 0, 1) : 0;

    const h = this.home;
    s.home.lat = h.lat; s.home.lon = h.lon; s.home.alt = h.alt; s.home.x = h.x; s.home.y = h.y; s.home.z = h.z; s.home.valid = h.valid;

    const cells = p.BAT1_N_CELLS!;
    const vFull = p.BAT1_V_CHARGED!, vEmpty = p.BAT1_V_EMPTY!;
    // battery_status.voltage_v is the simulator's raw voltage; remaining the filtered state of charge
    const cellV = this.batteryFailed ? vEmpty : vEmpty + this.batPct * (vFull - vEmpty);
    s.battery.voltage = cellV * cells;
    s.battery.remaining = Math.round(this.batSoc * 100);
    s.battery.current = -1; // battery_simulator has no current sensor
    s.battery.consumedMah = -1;
    s.battery.cellCount = cells;
    s.battery.warning = this.batWarning;

    s.gps.fixType = this.gpsFailed ? 0 : 3;
    s.gps.satellites = this.gpsFailed ? 0 : 10;
    this.proj.reproject(b.px, b.py, this.tmpLL);
    s.gps.lat = this.tmpLL.lat; s.gps.lon = this.tmpLL.lon; s.gps.alt = this.originAlt - b.pz;

    s.failsafe.positionInvalid = f.localPositionInvalid;
    s.failsafe.offboardLost = f.offboardLost;
    s.failsafe.batteryLow = this.batWarning >= BatteryWarning.Low;
    s.failsafe.batteryCritical = this.batWarning >= BatteryWarning.Critical;
    s.failsafe.batteryEmergency = this.batWarning >= BatteryWarning.Emergency;
    s.failsafe.active = inFs;
    s.failsafe.action = inFs ? (this.failsafe.selected === Action.Hold && this.failsafe.delayed !== Action.None ? `Hold, then ${actionName(this.failsafe.delayed)}` : actionName(this.failsafe.selected)) : '';
    s.failures.gps = this.gpsFailed;
    s.failures.battery = this.batteryFailed;
    s.failures.mavlinkSignal = this.mavlinkFailed;

    s.canArm = this.armed || this.armingFailures(false);
    let health = SENSORS_PRESENT;
    if (this.gpsFailed) health &= ~S_GPS;
    if (f.localPositionInvalid) health &= ~S_XY;
    if (this.batWarning >= BatteryWarning.Critical || this.batteryFailed) health &= ~S_BATTERY;
    if (!s.canArm) health &= ~S_PREARM;
    s.sensors.health = health;
    s.sensors.enabled = SENSORS_PRESENT;
    s.offboardSetpoint = this.offboardSp;
    const sp = this.sp, ss = s.setpoint;
    ss.position.x = sp.px; ss.position.y = sp.py; ss.position.z = sp.pz;
    ss.velocity.x = sp.vx; ss.velocity.y = sp.vy; ss.velocity.z = sp.vz;
    ss.acceleration.x = sp.ax; ss.acceleration.y = sp.ay; ss.acceleration.z = sp.az;
    ss.yaw = this.yawSp; ss.yawRate = this.yawRateFf;
    ss.target.x = this.target.x; ss.target.y = this.target.y; ss.target.z = this.target.z;

    s.truth.position.x = b.px; s.truth.position.y = b.py; s.truth.position.z = b.pz;
    s.truth.velocity.x = b.vx; s.truth.velocity.y = b.vy; s.truth.velocity.z = b.vz;
  }
}
