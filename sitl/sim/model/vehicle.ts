/**
 * The simulated PX4 v1.16 multicopter: commander (arming, modes, failsafe), navigator (takeoff, hold,
 * land, return), flight tasks / position control, land detector, battery simulator and physics,
 * advanced only by step(dt). Behaviour and wording follow PX4's sources; where the model simplifies,
 * the comment says so.
 */
import { common } from 'node-mavlink';
import { G, Multicopter, clamp, wrapPi, type ControlLimits, type Gains, type Setpoint } from './dynamics.js';
import { Action, BatteryWarning, Failsafe, GcsLinkMonitor, actionName, modeCanRun, type FailsafeFlags as FsFlags, type FailsafeParams } from './failsafe.js';
import { MapProjection } from './geo.js';
import { NavState, baseModeFor, encodeNavState, navStateFromCustom, navStateName, preventsArming, requiresManualControl } from './modes.js';
import { MissionStore, MissionType } from './mission-store.js';
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

const enum TakeoffState { Disarmed, Spoolup, Ready, Rampup, Flight }
const enum RtlPhase { Climb, Return, Descend, Loiter, Land }

// SYS_STATUS sensor bits (MAV_SYS_STATUS_SENSOR)
const S_GYRO = 1, S_ACCEL = 2, S_MAG = 4, S_BARO = 8, S_GPS = 32, S_RATE = 1024, S_ATT = 2048,
  S_YAW = 4096, S_ALT = 8192, S_XY = 16384, S_MOTORS = 32768, S_AHRS = 1 << 21, S_BATTERY = 1 << 25,
  S_PREARM = 1 << 28;
const SENSORS_PRESENT = S_GYRO | S_ACCEL | S_MAG | S_BARO | S_GPS | S_RATE | S_ATT | S_YAW | S_ALT | S_XY | S_MOTORS | S_AHRS | S_BATTERY | S_PREARM;

/** Reference generator for auto modes (FlightTaskAuto's smoothed trajectory, acceleration-limited). */
class Trajectory {
  px = 0; py = 0; pz = 0;
  vx = 0; vy = 0; vz = 0;
  ax = 0; ay = 0; az = 0;

  reset(px: number, py: number, pz: number, vx: number, vy: number, vz: number): void {
    this.px = px; this.py = py; this.pz = pz;
    this.vx = vx; this.vy = vy; this.vz = vz;
    this.ax = 0; this.ay = 0; this.az = 0;
  }

  /**
   * Moves the reference toward (tx, ty, tz). A NaN tz with finite `vzCmd` flies that vertical speed
   * instead (landing). Speeds: vXY cruise, vUp/vDown; accelerations: aXY, aUp, aDown.
   */
  step(dt: number, tx: number, ty: number, tz: number, vzCmd: number,
    vXY: number, vUp: number, vDown: number, aXY: number, aUp: number, aDown: number): void {
    // desired velocity: approach the target at the speed from which the acceleration limit can still stop
    const dx = tx - this.px;
    const dy = ty - this.py;
    const d = Math.hypot(dx, dy);
    let wx = 0;
    let wy = 0;
    if (d > 1e-4) {
      const s = Math.min(vXY, Math.sqrt(1.6 * aXY * d));
      wx = (dx / d) * s; wy = (dy / d) * s;
    }
    let wz: number;
    if (Number.isNaN(tz)) {
      wz = clamp(vzCmd, -vUp, vDown);
    } else {
      const dz = tz - this.pz;
      const s = Math.sqrt(1.6 * Math.min(aUp, aDown) * Math.abs(dz));
      wz = dz < 0 ? -Math.min(vUp, s) : Math.min(vDown, s);
    }
    // acceleration-limited velocity change
    let dvx = wx - this.vx;
    let dvy = wy - this.vy;
    const dvxy = Math.hypot(dvx, dvy);
    const maxXY = aXY * dt;
    if (dvxy > maxXY) { dvx *= maxXY / dvxy; dvy *= maxXY / dvxy; }
    const dvz = clamp(wz - this.vz, -aUp * dt, aDown * dt);
    this.vx += dvx; this.vy += dvy; this.vz += dvz;
    this.ax = dvx / dt; this.ay = dvy / dt; this.az = dvz / dt;
    this.px += this.vx * dt; this.py += this.vy * dt; this.pz += this.vz * dt;
    // settle exactly on the target once there (avoids creeping)
    if (d < 0.01 && Math.hypot(this.vx, this.vy) < 0.02) { this.px = tx; this.py = ty; this.vx = 0; this.vy = 0; this.ax = 0; this.ay = 0; }
    if (!Number.isNaN(tz) && Math.abs(tz - this.pz) < 0.01 && Math.abs(this.vz) < 0.02) { this.pz = tz; this.vz = 0; this.az = 0; }
  }
}

/** math::trajectory::computeMaxSpeedFromDistance: the speed from which a jerk- and acceleration-limited stop to `vFinal` fits in `d`. */
function maxSpeedFromDistance(jerk: number, accel: number, d: number, vFinal: number): number {
  const b = (4 * accel * accel) / jerk;
  const c = -2 * accel * Math.max(d, 0) - vFinal * vFinal;
  return Math.max(0.5 * (-b + Math.sqrt(b * b - 4 * c)), vFinal);
}

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
  private readonly traj = new Trajectory();
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

  // land detector (MulticopterLandDetector): ground contact → maybe landed → landed, each LNDMC_TRIG_TIME/3
  private landed = true;
  private maybeLanded = true;
  private groundContact = true;
  private gcTimer = 0;
  private mlTimer = 0;
  private lTimer = 0;

  // takeoff handling (mc_pos_control Takeoff)
  private tkoState: TakeoffState = TakeoffState.Disarmed;
  private tkoRampProgress = 0;

  // navigator
  private tkoRequest: { lat: number; lon: number; alt: number } | null = null;
  private readonly target = { x: 0, y: 0, z: 0, yaw: NaN };
  private takeoffDone = false;
  private pendingHold: { x: number; y: number; z: number; yaw: number } | null = null;
  private rtlPhase: RtlPhase = RtlPhase.Climb;
  private rtlAltZ = 0;
  private rtlLoiterUntilUs = 0;
  private landing = false;
  /** Return mode's destination (local NED): home or a rally point */
  private readonly rtlDest = { x: 0, y: 0, z: 0 };
  private readonly mission = new Mission();
  private missionCtxCache: MissionContext | null = null;
  private readonly geofence = new Geofence();
  private readonly gfResult: GeofenceResult = { maxDistTriggered: false, maxAltTriggered: false, customFenceTriggered: false };
  private gfLastCheckUs = -Infinity;
  private gfRepositionSent = false;
  private gfLoiterSinceUs = 0;
  private yawHold = 0;
  private trajActive = false;

  // control
  private readonly sp: Setpoint = { px: NaN, py: NaN, pz: NaN, vx: NaN, vy: NaN, vz: NaN, ax: NaN, ay: NaN, az: NaN };
  private readonly lim: ControlLimits = { velXY: 12, velUp: 3, velDown: 1.5, tiltMax: 45 * DEG };
  private readonly gains: Gains = { xyP: 0, zP: 0, xyVelP: 0, xyVelI: 0, xyVelD: 0, zVelP: 0, zVelI: 0, zVelD: 0, hover: 0.5, thrMin: 0.05, thrMax: 1 };
  private speedUp = 3;
  private wantTakeoff = false;
  private yawSp = NaN;
  private yawRateFf = 0;
  private yawRateMax = 45 * DEG;

  // environment and estimator error
  private readonly windN: number;
  private readonly windE: number;
  private readonly gustN: Markov;
  private readonly gustE: Markov;
  private readonly errPos: Markov[];
  private readonly errVel: Markov[];
  private readonly errAtt: Markov[];

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
            this.pendingHold = { x, y, z, yaw: Number.isFinite(prm[3]) ? wrapPi(prm[3]) : b.yaw };
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
    b.epz = b.pz + this.errPos[2]!.step(dt, this.rng);
    b.evx = b.vx + this.errVel[0]!.step(dt, this.rng);
    b.evy = b.vy + this.errVel[1]!.step(dt, this.rng);
    b.evz = b.vz + this.errVel[2]!.step(dt, this.rng);
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
    this.updateLandDetector(dt);
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

  private brakingPoint(): void {
    const b = this.body;
    const a = this.p.MPC_ACC_HOR!;
    this.target.x = b.epx + (b.evx * Math.abs(b.evx)) / (2 * a);
    this.target.y = b.epy + (b.evy * Math.abs(b.evy)) / (2 * a);
    const ad = b.evz > 0 ? this.p.MPC_ACC_DOWN_MAX! : this.p.MPC_ACC_UP_MAX!;
    this.target.z = b.epz + (b.evz * Math.abs(b.evz)) / (2 * ad);
  }

  /** on_activation of the navigator mode / flight task for a new nav state. */
  private activate(n: number): void {
    const b = this.body;
    const p = this.p;
    // auto modes continue the previous reference (PX4 keeps the same smoothed trajectory across triplets)
    if (!this.trajActive) this.traj.reset(b.epx, b.epy, b.epz, b.evx, b.evy, b.evz);
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
          this.yawHold = this.pendingHold.yaw;
        } else if (this.landed) {
          this.target.x = b.epx; this.target.y = b.epy; this.target.z = b.epz;
        } else {
          this.brakingPoint();
        }
        this.pendingHold = null;
        break;
      case NavState.AUTO_LAND:
        this.brakingPoint();
        this.landing = true;
        break;
      case NavState.AUTO_RTL: {
        // RTL::findRtlDestination: home, or the closest rally point RTL_TYPE allows
        this.proj.reproject(b.epx, b.epy, this.tmpLL);
        const dst = findRtlDestination(p.RTL_TYPE!, this.home, this.tmpLL.lat, this.tmpLL.lon, this.missions, (sev, t) => this.text(sev, t));
        const d = this.rtlDest;
        if (dst.safePointIndex < 0) { d.x = this.home.x; d.y = this.home.y; d.z = this.home.z; }
        else { this.proj.project(dst.lat, dst.lon, this.tmpXY); d.x = this.tmpXY.x; d.y = this.tmpXY.y; d.z = -(dst.alt - this.originAlt); }
        // RtlDirect: return altitude RTL_RETURN_ALT above the destination, lowered inside the RTL_CONE_ANG cone
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
        this.rtlAltZ = -(retAlt - this.originAlt);
        this.rtlPhase = RtlPhase.Climb;
        this.target.x = b.epx; this.target.y = b.epy; this.target.z = this.rtlAltZ;
        if (!this.landed) this.text(SEV_INFO, `RTL: start return at ${Math.round(retAlt)} m (${Math.round(retAlt - homeAlt)} m above destination)`);
        break;
      }
      default:
        break;
    }
  }

  private navigate(dt: number): void {
    // Navigator: the mission runs while armed in Mission (on_activation / on_active / on_inactivation)
    const missionRuns = this.navState === NavState.AUTO_MISSION && this.armed;
    if (missionRuns !== this.mission.isActive) {
      if (missionRuns) this.mission.activate(this.missionCtx());
      else this.mission.deactivate(this.missionCtx());
    }
    if (missionRuns) {
      this.mission.update(this.missionCtx());
      if (this.mission.rtlRequested) {
        // the mission's RTL item is a vehicle command: commander switches to Return
        this.mission.rtlRequested = false;
        if (this.changeUserMode(NavState.AUTO_RTL)) this.text(SEV_INFO, 'Returning to launch');
      }
    }
    const n = this.navState;
    if (n !== this.lastNavState) {
      this.activate(n);
      this.lastNavState = n;
    }
    const p = this.p;
    const b = this.body;
    const sp = this.sp;
    const lim = this.lim;
    sp.px = NaN; sp.py = NaN; sp.pz = NaN; sp.vx = NaN; sp.vy = NaN; sp.vz = NaN; sp.ax = NaN; sp.ay = NaN; sp.az = NaN;
    lim.velXY = p.MPC_XY_VEL_MAX!;
    lim.velUp = p.MPC_Z_VEL_MAX_UP!;
    lim.velDown = p.MPC_Z_VEL_MAX_DN!;
    this.speedUp = p.MPC_Z_VEL_MAX_UP!;
    this.yawSp = this.yawHold;
    this.yawRateFf = 0;
    this.yawRateMax = p.MPC_YAWRAUTO_MAX! * DEG;
    this.wantTakeoff = false;

    const flying = this.tkoState >= TakeoffState.Rampup;
    // FlightModeManager: Position's and Altitude's flight tasks need stick input; without it (no RC,
    // as after an offboard-loss failsafe to Position) they fail to start and FlightTaskDescend flies,
    // while the mode stays Position / Altitude.
    const task = (n === NavState.POSCTL || n === NavState.ALTCTL) && this.fsFlags.manualControlLost ? NavState.DESCEND : n;
    this.trajActive = flying && (task === NavState.AUTO_TAKEOFF || task === NavState.AUTO_LOITER || task === NavState.POSCTL
      || task === NavState.AUTO_LAND || task === NavState.AUTO_RTL || task === NavState.AUTO_MISSION);
    const accXY = p.MPC_ACC_HOR!, accUp = p.MPC_ACC_UP_MAX!, accDn = p.MPC_ACC_DOWN_MAX!;
    const vUp = p.MPC_Z_V_AUTO_UP!, vDn = p.MPC_Z_V_AUTO_DN!;
    const tr = this.traj;

    switch (task) {
      case NavState.AUTO_TAKEOFF: {
        const t = this.target;
        this.flyTakeoff(dt);
        if (!this.landed && Math.abs(b.epz - t.z) < p.NAV_MC_ALT_RAD!) this.takeoffDone = true;
        break;
      }
      case NavState.AUTO_MISSION:
        this.flyMission(dt);
        break;
      case NavState.AUTO_LOITER:
      case NavState.POSCTL: {
        const t = this.target;
        if (n === NavState.POSCTL && !this.fsFlags.manualControlLost && (Math.abs(this.manual.x) > 0.05 || Math.abs(this.manual.y) > 0.05 || Math.abs(this.manual.z - 0.5) > 0.05)) {
          // sticks: velocity in the heading frame; the hold point follows the vehicle
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
          tr.step(dt, t.x, t.y, t.z, NaN, n === NavState.POSCTL ? p.MPC_VEL_MANUAL! : p.MPC_XY_CRUISE!, vUp, vDn, accXY, accUp, accDn);
        }
        this.wantTakeoff = t.z < b.epz - 0.2;
        this.trackTrajectory();
        break;
      }
      case NavState.ALTCTL:
      case NavState.STAB:
      case NavState.MANUAL:
      case NavState.ACRO: {
        // modelled as Altitude mode: sticks tilt, the altitude is held
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
        break;
      }
      case NavState.AUTO_LAND:
        this.flyLand(dt, this.target.x, this.target.y);
        break;
      case NavState.AUTO_RTL:
        this.flyRtl(dt);
        break;
      case NavState.DESCEND:
        // FlightTaskDescend: no horizontal control (level), descend at MPC_LAND_SPEED
        sp.ax = 0; sp.ay = 0;
        sp.vz = p.MPC_LAND_SPEED!;
        // Should sticks come back (Position, Altitude), their task starts from here.
        this.target.x = b.epx; this.target.y = b.epy; this.target.z = b.epz;
        break;
      case NavState.OFFBOARD: {
        const o = this.offboardSp;
        if (o) {
          sp.px = o.position.x; sp.py = o.position.y; sp.pz = o.position.z;
          sp.vx = o.velocity.x; sp.vy = o.velocity.y; sp.vz = o.velocity.z;
          sp.ax = o.acceleration.x; sp.ay = o.acceleration.y; sp.az = o.acceleration.z;
          if (Number.isFinite(o.yaw)) this.yawSp = o.yaw;
          if (Number.isFinite(o.yawRate)) { this.yawSp = NaN; this.yawRateFf = o.yawRate; }
          this.yawRateMax = 200 * DEG; // MC_YAWRATE_MAX
          this.wantTakeoff = (Number.isFinite(sp.pz) && sp.pz < b.epz - 0.2) || (Number.isFinite(sp.vz) && sp.vz < -0.3);
        } else {
          sp.px = b.epx; sp.py = b.epy; sp.pz = b.epz;
        }
        if (!Number.isFinite(this.yawSp) && this.yawRateFf === 0) this.yawSp = this.yawHold;
        break;
      }
      default:
        break;
    }
    if (!Number.isNaN(this.yawSp)) this.yawHold = this.yawSp;
    else this.yawHold = b.yaw;
  }

  /** FlightTaskAuto with a takeoff setpoint at `target`: climb at MPC_TKO_SPEED through the takeoff ramp. */
  private flyTakeoff(dt: number): void {
    const p = this.p;
    const b = this.body;
    const t = this.target;
    const tr = this.traj;
    this.speedUp = p.MPC_TKO_SPEED!;
    // FlightTask::_checkTakeoff: position setpoint at least 0.2 m above
    this.wantTakeoff = t.z < b.epz - 0.2;
    if (this.tkoState < TakeoffState.Rampup) tr.reset(b.epx, b.epy, b.epz, 0, 0, 0);
    else tr.step(dt, t.x, t.y, t.z, NaN, p.MPC_XY_CRUISE!, Math.min(p.MPC_TKO_SPEED!, Math.max(0, this.rampUpLimit())), p.MPC_Z_V_AUTO_DN!, p.MPC_ACC_HOR!, p.MPC_ACC_UP_MAX!, p.MPC_ACC_DOWN_MAX!);
    this.trackTrajectory();
  }

  /** The mission's position setpoint, flown as FlightTaskAuto flies the triplet (cruise speed from DO_CHANGE_SPEED). */
  private flyMission(dt: number): void {
    const p = this.p;
    const b = this.body;
    const sp = this.mission.sp;
    const t = this.target;
    const tr = this.traj;
    this.landing = false;
    switch (sp.type) {
      case 'idle':
        tr.reset(b.epx, b.epy, b.epz, 0, 0, 0);
        t.x = b.epx; t.y = b.epy; t.z = b.epz;
        this.trackTrajectory();
        return;
      case 'takeoff':
        t.x = sp.x; t.y = sp.y; t.z = sp.z;
        this.flyTakeoff(dt);
        return;
      case 'land':
        this.flyLand(dt, sp.x, sp.y);
        return;
      default: {
        t.x = sp.x; t.y = sp.y; t.z = sp.z;
        let vXY = Number.isFinite(this.mission.cruise) ? Math.min(this.mission.cruise, p.MPC_XY_VEL_MAX!) : p.MPC_XY_CRUISE!;
        const dx = sp.x - b.epx, dy = sp.y - b.epy;
        const dist = Math.hypot(dx, dy);
        // FlightTaskAuto::_getMaxXYSpeed: slow down on the way in so that the corner to the next
        // waypoint (or the stop) is flown at the speed the turn and MPC_JERK_AUTO allow
        let vEnd = 0;
        if (Number.isFinite(sp.nextX) && dist > 1e-3) {
          const nx = sp.nextX - sp.x, ny = sp.nextY - sp.y;
          const nl = Math.hypot(nx, ny);
          if (nl > 1e-3) {
            const alpha = clamp(Math.acos(clamp((dx * nx + dy * ny) / (dist * nl), -1, 1)), 0, Math.PI - 1e-6);
            vEnd = Math.sqrt(p.MPC_ACC_HOR! * p.NAV_ACC_RAD! * Math.tan((Math.PI - alpha) / 2));
          }
        }
        vXY = Math.min(vXY, maxSpeedFromDistance(p.MPC_JERK_AUTO!, p.MPC_ACC_HOR!, dist, Math.min(vEnd, vXY)));
        if (this.tkoState < TakeoffState.Rampup) tr.reset(b.epx, b.epy, b.epz, 0, 0, 0);
        else tr.step(dt, sp.x, sp.y, sp.z, NaN, Math.max(vXY, 0.3), p.MPC_Z_V_AUTO_UP!, p.MPC_Z_V_AUTO_DN!, p.MPC_ACC_HOR!, p.MPC_ACC_UP_MAX!, p.MPC_ACC_DOWN_MAX!);
        // heading: the item's, else towards the waypoint (MPC_YAW_MODE 0) while further than NAV_ACC_RAD
        if (Number.isFinite(sp.yaw)) this.yawSp = wrapPi(sp.yaw);
        else if (dist > p.NAV_ACC_RAD!) this.yawSp = Math.atan2(dy, dx);
        this.wantTakeoff = t.z < b.epz - 0.2;
        this.trackTrajectory();
      }
    }
  }

  private trackTrajectory(): void {
    const sp = this.sp;
    const tr = this.traj;
    sp.px = tr.px; sp.py = tr.py; sp.pz = tr.pz;
    sp.vx = tr.vx; sp.vy = tr.vy; sp.vz = tr.vz;
    sp.ax = tr.ax; sp.ay = tr.ay; sp.az = tr.az;
  }

  /** FlightTaskAuto land: hold xy, descend at MPC_Z_V_AUTO_DN above MPC_LAND_ALT1 down to MPC_LAND_SPEED below MPC_LAND_ALT2. */
  private flyLand(dt: number, x: number, y: number): void {
    const p = this.p;
    const b = this.body;
    this.landing = true;
    const h = Math.max(0, b.groundZ - b.epz); // no distance sensor: height above the ground plane (home)
    const a1 = p.MPC_LAND_ALT1!, a2 = p.MPC_LAND_ALT2!;
    const vFast = p.MPC_Z_V_AUTO_DN!, vSlow = p.MPC_LAND_SPEED!;
    let v: number;
    if (h <= a2 || a1 <= a2) v = h <= a2 ? vSlow : vFast;
    else if (h >= a1) v = vFast;
    else v = vSlow + ((h - a2) / (a1 - a2)) * (vFast - vSlow);
    if (this.tkoState < TakeoffState.Rampup) this.traj.reset(b.epx, b.epy, b.epz, 0, 0, 0);
    else this.traj.step(dt, x, y, NaN, v, p.MPC_XY_CRUISE!, p.MPC_Z_V_AUTO_UP!, vFast, p.MPC_ACC_HOR!, p.MPC_ACC_UP_MAX!, p.MPC_ACC_DOWN_MAX!);
    const sp = this.sp;
    const tr = this.traj;
    sp.px = tr.px; sp.py = tr.py; sp.vx = tr.vx; sp.vy = tr.vy; sp.ax = tr.ax; sp.ay = tr.ay;
    sp.pz = NaN; sp.vz = tr.vz; sp.az = tr.az;
  }

  private flyRtl(dt: number): void {
    const p = this.p;
    const b = this.body;
    const tr = this.traj;
    const t = this.target;
    const flying = this.tkoState >= TakeoffState.Rampup;
    const vXY = p.MPC_XY_CRUISE!, vUp = p.MPC_Z_V_AUTO_UP!, vDn = p.MPC_Z_V_AUTO_DN!;
    const aXY = p.MPC_ACC_HOR!, aUp = p.MPC_ACC_UP_MAX!, aDn = p.MPC_ACC_DOWN_MAX!;
    if (this.landed && this.rtlPhase !== RtlPhase.Land) {
      // RTL on the ground does nothing: stay idle
      tr.reset(b.epx, b.epy, b.epz, 0, 0, 0);
      this.trackTrajectory();
      return;
    }
    switch (this.rtlPhase) {
      case RtlPhase.Climb:
        t.x = b.epx; t.y = b.epy; t.z = this.rtlAltZ;
        if (Math.abs(b.epz - this.rtlAltZ) < p.NAV_MC_ALT_RAD!) { this.rtlPhase = RtlPhase.Return; t.x = this.rtlDest.x; t.y = this.rtlDest.y; }
        else { t.x = tr.px; t.y = tr.py; }
        break;
      case RtlPhase.Return: {
        t.x = this.rtlDest.x; t.y = this.rtlDest.y; t.z = this.rtlAltZ;
        const dx = this.rtlDest.x - b.epx, dy = this.rtlDest.y - b.epy;
        if (Math.hypot(dx, dy) > p.NAV_ACC_RAD!) this.yawSp = Math.atan2(dy, dx); // MPC_YAW_MODE 0: towards waypoint
        if (Math.hypot(dx, dy) < p.NAV_ACC_RAD! && Math.hypot(b.evx, b.evy) < 0.5) {
          this.rtlPhase = RtlPhase.Descend;
        }
        break;
      }
      case RtlPhase.Descend: {
        const descZ = this.rtlDest.z - p.RTL_DESCEND_ALT!;
        t.x = this.rtlDest.x; t.y = this.rtlDest.y; t.z = Math.max(this.rtlAltZ, descZ);
        if (Math.abs(b.epz - t.z) < p.NAV_MC_ALT_RAD!) {
          this.rtlPhase = RtlPhase.Loiter;
          this.rtlLoiterUntilUs = this.t + Math.max(0, p.RTL_LAND_DELAY!) * 1e6;
        }
        break;
      }
      case RtlPhase.Loiter:
        if (p.RTL_LAND_DELAY! >= 0 && this.t >= this.rtlLoiterUntilUs) this.rtlPhase = RtlPhase.Land;
        break;
      case RtlPhase.Land:
        this.flyLand(dt, this.rtlDest.x, this.rtlDest.y);
        return;
    }
    if (!flying) tr.reset(b.epx, b.epy, b.epz, 0, 0, 0);
    else tr.step(dt, t.x, t.y, t.z, NaN, vXY, vUp, vDn, aXY, aUp, aDn);
    this.trackTrajectory();
  }

  /** TakeoffHandling::updateRamp: the climb-speed limit (m/s, up positive), starting at -g / MPC_Z_VEL_P_ACC. */
  private rampUpLimit(): number {
    const init = -G / Math.max(this.p.MPC_Z_VEL_P_ACC!, 0.01);
    if (this.tkoState < TakeoffState.Rampup) return init;
    if (this.tkoState === TakeoffState.Rampup) return init + this.tkoRampProgress * (this.speedUp - init);
    return this.speedUp;
  }

  private positionControl(dt: number): void {
    const p = this.p;
    const b = this.body;
    const g = this.gains;
    g.xyP = p.MPC_XY_P!; g.zP = p.MPC_Z_P!;
    g.xyVelP = p.MPC_XY_VEL_P_ACC!; g.xyVelI = p.MPC_XY_VEL_I_ACC!; g.xyVelD = p.MPC_XY_VEL_D_ACC!;
    g.zVelP = p.MPC_Z_VEL_P_ACC!; g.zVelI = p.MPC_Z_VEL_I_ACC!; g.zVelD = p.MPC_Z_VEL_D_ACC!;
    g.hover = p.MPC_THR_HOVER!; g.thrMin = p.MPC_THR_MIN!; g.thrMax = p.MPC_THR_MAX!;

    // TakeoffHandling::updateTakeoffState
    if (!this.armed || this.navState === NavState.TERMINATION) {
      this.tkoState = TakeoffState.Disarmed;
      b.motorsOff();
      return;
    }
    if (this.tkoState === TakeoffState.Disarmed) this.tkoState = TakeoffState.Spoolup;
    if (this.tkoState === TakeoffState.Spoolup && this.t - this.armedAtUs >= p.COM_SPOOLUP_TIME! * 1e6) this.tkoState = TakeoffState.Ready;
    if (this.tkoState === TakeoffState.Ready && this.wantTakeoff) { this.tkoState = TakeoffState.Rampup; this.tkoRampProgress = 0; }
    if (this.tkoState === TakeoffState.Rampup && this.tkoRampProgress >= 1) this.tkoState = TakeoffState.Flight;
    if (this.tkoState === TakeoffState.Flight && this.landed) this.tkoState = TakeoffState.Ready;
    if (this.tkoState === TakeoffState.Rampup) {
      const rt = p.MPC_TKO_RAMP_T!;
      this.tkoRampProgress = rt > dt ? this.tkoRampProgress + dt / rt : 1;
    }

    // not taken off yet: zero thrust; flying but touching the ground: minimum thrust; no corrections
    if (this.tkoState < TakeoffState.Rampup) {
      b.idle(g, 0);
      return;
    }
    if (this.tkoState === TakeoffState.Flight && this.groundContact) {
      b.idle(g, p.MPC_THR_MIN!);
      return;
    }
    const lim = this.lim;
    lim.tiltMax = (this.tkoState < TakeoffState.Flight ? p.MPC_TILTMAX_LND! : p.MPC_TILTMAX_AIR!) * DEG;
    // ramp from zero thrust (mc_pos_control: minimum thrust 0 until flying); no integrator wind-up
    // while the ramp still presses the vehicle onto the ground
    if (this.tkoState === TakeoffState.Rampup) g.thrMin = 0;
    // the climb limit stays at the flight task's speed_up after the ramp (MPC_TKO_SPEED while taking off)
    b.control(dt, this.sp, lim, g, this.rampUpLimit(), this.tkoState === TakeoffState.Rampup && b.onGround);
  }

  private yawRateCommand(): number {
    const b = this.body;
    if (!this.armed || this.tkoState < TakeoffState.Rampup) return 0;
    let r = this.yawRateFf;
    if (!Number.isNaN(this.yawSp)) r += 2.8 * wrapPi(this.yawSp - b.yaw); // MC_YAW_P
    return clamp(r, -this.yawRateMax, this.yawRateMax);
  }

  /** MulticopterLandDetector, reduced: ground contact, low thrust, then landed, each for LNDMC_TRIG_TIME/3. */
  private updateLandDetector(dt: number): void {
    const p = this.p;
    const b = this.body;
    const wasLanded = this.landed;
    if (!this.armed) {
      this.landed = this.maybeLanded = this.groundContact = b.onGround;
      this.gcTimer = this.mlTimer = this.lTimer = 0;
    } else if (!b.onGround) {
      this.landed = this.maybeLanded = this.groundContact = false;
      this.gcTimer = this.mlTimer = this.lTimer = 0;
    } else {
      const stage = p.LNDMC_TRIG_TIME! / 3;
      const climbing = this.tkoState === TakeoffState.Rampup || b.evz < -p.LNDMC_Z_VEL_MAX!;
      const gcCond = !climbing && Math.abs(b.evz) < p.LNDMC_Z_VEL_MAX!;
      this.gcTimer = gcCond ? this.gcTimer + dt : 0;
      if (this.gcTimer >= stage) this.groundContact = true;
      // 30 % of the range between minimum and hover thrust, 60 % once the hover thrust estimate is
      // valid (MulticopterLandDetector; the estimator converges in flight: here, once flown).
      const thrPctHover = this.haveTakenOff ? 0.6 : 0.3;
      const lowThrust = b.thrustSp <= p.MPC_THR_MIN! + (p.MPC_THR_HOVER! - p.MPC_THR_MIN!) * thrPctHover;
      this.mlTimer = this.groundContact && lowThrust ? this.mlTimer + dt : 0;
      if (this.mlTimer >= stage) this.maybeLanded = true;
      this.lTimer = this.maybeLanded ? this.lTimer + dt : 0;
      if (this.lTimer >= stage) this.landed = true;
    }
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
    else if (this.landing && (this.navState === NavState.AUTO_LAND || this.navState === NavState.AUTO_MISSION || (this.navState === NavState.AUTO_RTL && this.rtlPhase === RtlPhase.Land))) s.landedState = L.LANDING;
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

    s.truth.position.x = b.px; s.truth.position.y = b.py; s.truth.position.z = b.pz;
    s.truth.velocity.x = b.vx; s.truth.velocity.y = b.vy; s.truth.velocity.z = b.vz;
  }
}
