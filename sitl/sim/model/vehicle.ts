/**
 * The simulated PX4 v1.16 multicopter, composed of modules shaped like PX4's: the commander
 * (commander/: arming, modes, failsafe), the navigator (navigator/ and the mode activation below),
 * the flight tasks, mc_pos_control, the land detector, the battery simulator and SIH's physics.
 * step(dt) runs them in PX4's order within a cycle; this file holds what they share and the wiring.
 * Behaviour and wording follow PX4's sources; where the model simplifies, the comment says so.
 */
import { common } from 'node-mavlink';
import { G, Multicopter, clamp, wrapPi, type Setpoint } from './dynamics.js';
import { FlightTaskAuto, WaypointType, type AutoTriplet, type AutoVehicleState } from './flight-task-auto.js';
import { MulticopterLandDetector, type LandDetectorInput } from './land-detector.js';
import { ManualTrajectory } from './manual-trajectory.js';
import { handleSetPositionTargetLocalNed, newOffboardSetpoint, offboardFrameSupported } from './offboard-setpoint.js';
import { flightTaskManualAltitude, flightTaskManualPosition } from './flight-task-manual.js';
import { MulticopterPositionControl } from './mc-pos-control.js';
import { TakeoffHandling, TakeoffState } from './takeoff-handling.js';
import { RtlDirect, RtlState } from './navigator/rtl-direct.js';
import { Action, BatteryWarning, actionName, type FailsafeFlags } from './commander/failsafe.js';
import { Commander, type CommanderHost, type CommanderNavigator } from './commander/commander.js';
import { HomePosition, type Home } from './commander/home-position.js';
import { MapProjection } from './geo.js';
import { NavState, baseModeFor, encodeNavState } from './modes.js';
import { MissionStore, MissionType } from './mission-store.js';
import { EstimatorError, Markov } from './estimator-error.js';
import { BatterySimulator } from './battery-simulator.js';
import { GfAction, Geofence } from './navigator/geofence.js';
import { GeofenceBreachCheck } from './navigator/geofence-breach.js';
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

// MAV_SEVERITY
const SEV_CRITICAL = 2, SEV_WARNING = 4, SEV_INFO = 6;

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

export class SimVehicle implements SimVehicleApi {
  readonly sysId: number;
  readonly params: ParamStoreImpl;
  readonly missions = new MissionStore();
  private readonly p: Record<string, number>;
  private readonly rng: Rng;
  private readonly proj: MapProjection;
  private readonly originAlt: number;
  private readonly body = new Multicopter();
  private readonly texts: StatusText[] = [];
  private readonly st: VehicleState;
  private readonly tmpXY = { x: 0, y: 0 };
  private readonly tmpLL = { lat: 0, lon: 0 };

  private t = 0; // µs

  private readonly commander: Commander;
  private readonly homePosition: HomePosition;
  private get armed(): boolean { return this.commander.armed; }
  private get navState(): number { return this.commander.navState; }
  private get fsFlags(): Readonly<FailsafeFlags> { return this.commander.flags; }
  private get home(): Home { return this.homePosition.value; }

  // links
  private readonly ocm = { position: false, velocity: false, acceleration: false };
  private offboardSp: VehicleState['offboardSetpoint'] = null;
  private lastManualUs = -Infinity;
  private readonly manual = { x: 0, y: 0, z: 0.5, r: 0 };

  // failures / sensors
  private gpsFailed = false;
  private gpsLostAtUs = 0;
  private mavlinkFailed = false;

  // battery (battery_simulator + battery library)
  private readonly battery = new BatterySimulator();
  private get batWarning(): BatteryWarning { return this.battery.warning; }

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
  /** the nav state the navigator last activated; -1 re-runs the activation */
  private lastNavState = -1;
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
  private readonly gfBreach = new GeofenceBreachCheck();
  private readonly gfText = (severity: number, text: string): void => this.text(severity, text);
  /** GF_ACTION Hold: loiter where the breach was seen */
  private readonly gfHold = (): void => {
    const b = this.body;
    this.pendingHold = { x: b.epx, y: b.epy, z: b.epz, yaw: b.yaw };
    this.lastNavState = -1;
  };
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
  private readonly mcPosControl = new MulticopterPositionControl();
  private readonly sp: Setpoint = { px: NaN, py: NaN, pz: NaN, vx: NaN, vy: NaN, vz: NaN, ax: NaN, ay: NaN, az: NaN };
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
  private readonly estimatorError: EstimatorError;

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
    this.homePosition = new HomePosition(h.lat, h.lon, h.alt, this.proj, this.originAlt);
    this.commander = new Commander(this.commanderHost(), this.homePosition);
    this.windN = opts.wind?.north ?? 0;
    this.windE = opts.wind?.east ?? 0;
    const gust = opts.wind?.gustStd ?? 0;
    this.gustN = new Markov(gust, 2);
    this.gustE = new Markov(gust, 2);
    const n = opts.noise ?? {};
    for (const [k, v] of Object.entries(n)) if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`noise.${k}: expected a non-negative number, got ${v}`);
    this.estimatorError = new EstimatorError(n, opts.seed, opts.heightDrift ?? false);
    this.st = this.makeState();
    this.refreshState();
  }

  get timeUs(): number {
    return this.t;
  }

  // ───────────────────────────── inputs ─────────────────────────────

  gcsHeartbeat(_source: CommandSource): void {
    if (!this.mavlinkFailed) this.commander.gcsLink.heartbeat(this.t);
  }

  manualControl(input: ManualControlInput): void {
    if (this.mavlinkFailed) return;
    this.manual.x = clamp(input.x / 1000, -1, 1);
    this.manual.y = clamp(input.y / 1000, -1, 1);
    this.manual.z = clamp(input.z / 1000, 0, 1);
    this.manual.r = clamp(input.r / 1000, -1, 1);
    this.lastManualUs = this.t;
  }

  /** mavlink_receiver: SET_POSITION_TARGET_LOCAL_NED → offboard_control_mode + trajectory_setpoint. */
  setPositionTargetLocalNed(m: PositionTargetLocalNed): void {
    if (this.mavlinkFailed) return;
    if (!offboardFrameSupported(m.coordinateFrame)) {
      this.text(SEV_WARNING, `SET_POSITION_TARGET_LOCAL_NED coordinate frame ${m.coordinateFrame} unsupported`);
      return;
    }
    const sp = this.offboardSp ?? newOffboardSetpoint();
    handleSetPositionTargetLocalNed(m, this.body, this.t, sp, this.ocm);
    this.offboardSp = sp;
    this.st.offboardSetpoint = sp;
  }

  drainStatusTexts(): StatusText[] {
    return this.texts.length === 0 ? [] : this.texts.splice(0, this.texts.length);
  }

  private text(severity: number, text: string, source: 'statustext' | 'event' = 'statustext'): void {
    this.texts.push({ severity, text, source });
    if (this.texts.length > 1000) this.texts.shift(); // nobody draining: keep memory bounded
  }

  // ───────────────────────────── commands ─────────────────────────────

  /** INJECT_FAILURE goes to the simulated sensors; the rest is commander's to answer. */
  command(cmd: number, prm: CommandParams, source: CommandSource): CommandResult {
    if (cmd === common.MavCmd.INJECT_FAILURE) return this.injectFailure(prm);
    return this.commander.handleCommand(cmd, prm, source) ?? { result: R.UNSUPPORTED };
  }

  /** What commander reads of the vehicle (its uORB topics) and asks of the navigator. */
  private commanderHost(): CommanderHost {
    const v = this;
    const navigator: CommanderNavigator = {
      get takeoffDone() { return v.takeoffDone; },
      get missionFinished() { return v.mission.finished; },
      takeoffRequested(lat, lon, alt) {
        v.tkoRequest = { lat, lon, alt };
        // A new takeoff item: the previous flight's "takeoff done" must not end it at once.
        v.takeoffDone = false;
      },
      reposition: (yaw, lat, lon, alt) => v.reposition(yaw, lat, lon, alt),
      reactivate() { v.lastNavState = -1; },
      holdAtTakeoffPoint() { v.pendingHold = { x: v.target.x, y: v.target.y, z: v.target.z, yaw: v.yawHold }; },
      holdAtMissionEnd() {
        const sp = v.mission.sp;
        v.pendingHold = { x: sp.x, y: sp.y, z: sp.z, yaw: v.yawHold };
      },
    };
    return {
      get nowUs() { return v.t; },
      params: this.p,
      paramStore: this.params,
      missions: this.missions,
      estimate: this.body,
      navigator,
      get landed() { return v.landed; },
      get maybeLanded() { return v.maybeLanded; },
      get gpsFailed() { return v.gpsFailed; },
      get gpsLostAtUs() { return v.gpsLostAtUs; },
      get offboardSetpointUs() { return v.offboardSp ? v.offboardSp.timeUs : null; },
      offboardControlMode: this.ocm,
      get lastManualControlUs() { return v.lastManualUs; },
      get batteryWarning() { return v.batWarning; },
      text: (severity, text, source = 'statustext') => v.text(severity, text, source),
      missionValid() {
        // MissionChecks: a mission the navigator accepted, checked against the current fence
        v.updateGeofence();
        v.mission.refresh(v.missionCtx());
        return v.mission.valid && v.missions.items(MissionType.MISSION).length > 0;
      },
    };
  }

  /** Navigator's DO_REPOSITION: to lat/lon/alt (NaN keeps the current value), unless the geofence forbids it. */
  private reposition(yaw: number, lat: number, lon: number, alt: number): void {
    const b = this.body;
    let x = b.epx, y = b.epy, z = b.epz;
    if (Number.isFinite(lat) && Number.isFinite(lon)) { this.proj.project(lat, lon, this.tmpXY); x = this.tmpXY.x; y = this.tmpXY.y; }
    if (Number.isFinite(alt)) z = -(alt - this.originAlt);
    // yaw (param4) is radians to PX4's navigator (MAVLink's spec says degrees; PX4 reads radians).
    this.proj.reproject(x, y, this.tmpLL);
    if (this.geofenceAllows(this.tmpLL.lat, this.tmpLL.lon, this.originAlt - z)) {
      // no heading given: FlightTaskAuto's own (MPC_YAW_MODE: towards the target)
      this.pendingHold = { x, y, z, yaw: Number.isFinite(yaw) ? wrapPi(yaw) : NaN };
      this.lastNavState = -1;
    } else {
      this.text(SEV_CRITICAL, 'Reposition is outside geofence');
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
        this.battery.failed = off;
        return { result: R.ACCEPTED };
      case U.SYSTEM_MAVLINK_SIGNAL:
        this.mavlinkFailed = off;
        return { result: R.ACCEPTED };
      default:
        // PX4 publishes the command and no module answers; the model says UNSUPPORTED instead of staying silent
        return { result: R.UNSUPPORTED };
    }
  }

  // ───────────────────────────── step ─────────────────────────────

  step(dtS: number): void {
    if (!(dtS > 0 && dtS < 1)) throw new RangeError(`step: dtS must be in (0, 1) seconds, got ${dtS}`);
    const dt = dtS;
    this.t += Math.round(dt * 1e6);
    const b = this.body;

    this.estimatorError.step(dt, this.rng, b);
    this.battery.update(dt, this.armed, this.p);
    // commander: the flags, auto-disarm and finished navigator items, the navigator's geofence
    // result, then the mode it flies; the modules downstream see this cycle's nav state
    this.commander.updateFlags();
    this.commander.update();
    this.geofenceBreachCheck();
    this.commander.handleModeIntentionAndFailsafe();
    this.navigate(dt);
    this.mcPosControl.update(dt, this.t, this.p, b, this.takeoff, this.sp, this.armed && this.navState !== NavState.TERMINATION,
      this.navState === NavState.OFFBOARD, this.landed, this.groundContact, this.wantTakeoff, this.speedUp, this.speedDown);
    const wn = this.windN + this.gustN.step(dt, this.rng);
    const we = this.windE + this.gustE.step(dt, this.rng);
    b.integrate(dt, this.yawRateCommand(), wn, we, 0);
    this.updateLandDetector();
    this.commander.intention.updated = false;
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
    c.nowUs = this.t; c.home = this.home; c.homeCounter = this.homePosition.updateCount; c.armed = this.armed; c.landed = this.landed;
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

  /** The geofence breach check on this cycle's estimate; its result is commander's geofence_breached. */
  private geofenceBreachCheck(): void {
    const b = this.body;
    this.updateGeofence();
    this.proj.reproject(b.epx, b.epy, this.tmpLL);
    const breached = this.gfBreach.update(this.t, this.p, this.navState === NavState.AUTO_LOITER, this.armed, this.geofence, this.home,
      this.tmpLL.lat, this.tmpLL.lon, this.originAlt - b.epz, this.gfText, this.gfHold);
    if (breached !== null) this.commander.flags.geofenceBreached = breached;
  }

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
    d.yaw = this.homePosition.yaw;
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
          this.wantTakeoff = flightTaskManualPosition(dt, p, b, this.manual, this.target, this.manualTraj, this.takeoff.state >= TakeoffState.Rampup, sp);
          break;
        case NavState.ALTCTL:
        case NavState.STAB:
        case NavState.MANUAL:
        case NavState.ACRO:
          this.wantTakeoff = flightTaskManualAltitude(p, b, this.fsFlags.manualControlLost ? null : this.manual, this.target, sp);
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
      if (this.commander.changeUserMode(NavState.AUTO_RTL)) this.text(SEV_INFO, 'Returning to launch');
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

  /** mc_att_control's yaw: MC_YAW_P on the heading error plus the setpoint's rate, within MC_YAWRATE_MAX. */
  private yawRateCommand(): number {
    const b = this.body;
    if (!this.armed || this.takeoff.state < TakeoffState.Rampup) return 0;
    let r = this.yawRateFf;
    if (!Number.isNaN(this.yawSp)) r += 2.8 * wrapPi(this.yawSp - b.yaw); // MC_YAW_P
    const max = MC_YAWRATE_MAX_DEG * DEG;
    return clamp(r, -max, max);
  }

  /** The land detector on this cycle's estimate, thrust and setpoint; commander reports the change (takeoff / landing). */
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
    this.commander.landDetectorUpdate(wasLanded, this.landed);
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
    const cmdr = this.commander;
    s.flight.armedTimeUs = this.armed ? cmdr.armedAtUs : null;
    s.flight.takeoffTimeUs = this.armed && cmdr.haveTakenOff ? cmdr.takeoffAtUs : null;
    s.flight.uuid = this.p.COM_FLIGHT_UUID!;
    const [main, sub, name] = encodeNavState(this.navState);
    s.mainMode = main; s.subMode = sub; s.modeName = name;
    s.customMode = px4CustomMode(main, sub);
    const [um, us] = encodeNavState(cmdr.intention.mode);
    s.userCustomMode = px4CustomMode(um, us);
    s.baseMode = baseModeFor(this.navState, this.armed);
    const fs = cmdr.failsafe;
    const inFs = fs.inFailsafe();
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
    const ea = this.estimatorError.att;
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
    const cellV = this.battery.failed ? vEmpty : vEmpty + this.battery.pct * (vFull - vEmpty);
    s.battery.voltage = cellV * cells;
    s.battery.remaining = Math.round(this.battery.soc * 100);
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
    s.failsafe.action = inFs ? (fs.selected === Action.Hold && fs.delayed !== Action.None ? `Hold, then ${actionName(fs.delayed)}` : actionName(fs.selected)) : '';
    s.failures.gps = this.gpsFailed;
    s.failures.battery = this.battery.failed;
    s.failures.mavlinkSignal = this.mavlinkFailed;

    s.canArm = this.armed || cmdr.canArm(false);
    let health = SENSORS_PRESENT;
    if (this.gpsFailed) health &= ~S_GPS;
    if (f.localPositionInvalid) health &= ~S_XY;
    if (this.batWarning >= BatteryWarning.Critical || this.battery.failed) health &= ~S_BATTERY;
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
