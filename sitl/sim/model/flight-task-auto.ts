/**
 * PX4's FlightTaskAuto (flight_mode_manager/tasks/Auto/FlightTaskAuto.cpp, v1.16): the flight task
 * of every auto mode (takeoff, hold, reposition, land, return, mission). It turns the navigator's
 * position setpoint triplet into a jerk-limited trajectory setpoint (PositionSmoothing), limits the
 * heading's rate and tells the position controller its climb/sink limits and whether to take off.
 */
import { PositionSmoothing, type SmoothedSetpoint } from './motion-planning/position-smoothing.js';
import { norm2, norm3, type Vec3 } from './motion-planning/traj-math.js';
import type { Setpoint } from './dynamics.js';

/** position_setpoint_s::SETPOINT_TYPE_* */
export const enum WaypointType { Position = 0, Velocity = 1, Loiter = 2, Takeoff = 3, Land = 4, Idle = 5 }

/** The navigator's triplet in the local frame (what FlightTaskAuto reprojects from position_setpoint_triplet). */
export interface AutoTriplet {
  type: WaypointType;
  /** NaN x/y: keep the horizontal position where it is (FlightTaskAuto's position lock) */
  current: Vec3;
  /** the item's heading (rad); NaN: heading from MPC_YAW_MODE */
  yaw: number;
  /** the item's cruise speed (m/s); NaN or ≤ 0: MPC_XY_CRUISE */
  cruiseSpeed: number;
  acceptanceRadius: number;
  previous: Vec3 | null;
  next: Vec3 | null;
}

/** What the task reads of the vehicle: the estimate, the distance to the ground below, home (local). */
export interface AutoVehicleState {
  position: Vec3;
  velocity: Vec3;
  yaw: number;
  /** distance sensor height, else height above home */
  distToGround: number;
  home: Vec3;
}

/** The task's output: trajectory_setpoint and vehicle_constraints. */
export interface AutoOutput {
  setpoint: Setpoint;
  yaw: number;
  yawspeed: number;
  speedUp: number;
  speedDown: number;
  wantTakeoff: boolean;
}

const enum TrackState { None, TargetBehind, PreviousInFront, Offtrack }

const YAWSPEED_FILTER_TAU = 0.2;

type Params = Record<string, number>;

export class FlightTaskAuto {
  private readonly smoothing = new PositionSmoothing();
  private readonly smoothed: SmoothedSetpoint = {
    position: { x: 0, y: 0, z: 0 }, velocity: { x: 0, y: 0, z: 0 }, acceleration: { x: 0, y: 0, z: 0 }, unsmoothedVelocity: { x: 0, y: 0, z: 0 },
  };
  private type: WaypointType = WaypointType.Loiter;
  private typePrevious: WaypointType = WaypointType.Loiter;
  private readonly tripletTarget: Vec3 = { x: NaN, y: NaN, z: NaN };
  private readonly tripletPrev: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly tripletNext: Vec3 = { x: 0, y: 0, z: 0 };
  private prevWasValid = false;
  private nextWasValid = false;
  private readonly lockXY = { x: NaN, y: NaN };
  private readonly target: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly prevWp: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly nextWp: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly closest: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly positionSp: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly velocitySp: Vec3 = { x: NaN, y: NaN, z: NaN };
  private trackState = TrackState.None;
  private acceptanceRadius = 0;
  private cruiseSpeed = NaN;
  private yawSp = NaN;
  private yawspeedSp = NaN;
  private yawSpPrev = NaN;
  private yawLock = false;
  private yawspeedFilter = 0;
  private landHeading = NaN;
  private readonly landPosition = { x: NaN, y: NaN };
  private emergencyBraking = false;
  private readonly unsmoothed: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly resetA: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly resetV: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly resetP: Vec3 = { x: 0, y: 0, z: 0 };

  readonly out: AutoOutput = {
    setpoint: { px: NaN, py: NaN, pz: NaN, vx: NaN, vy: NaN, vz: NaN, ax: NaN, ay: NaN, az: NaN },
    yaw: NaN, yawspeed: NaN, speedUp: 0, speedDown: 0, wantTakeoff: false,
  };

  /** FlightTaskAuto::activate: the trajectory continues from the last setpoint (NaN: the vehicle's state). */
  activate(last: Setpoint, lastYaw: number, st: AutoVehicleState, p: Params): void {
    const s = st.position, v = st.velocity;
    const a0 = this.resetA, v0 = this.resetV, p0 = this.resetP;
    a0.x = fin(last.ax, 0); a0.y = fin(last.ay, 0); a0.z = fin(last.az, 0);
    v0.x = fin(last.vx, v.x); v0.y = fin(last.vy, v.y); v0.z = fin(last.vz, v.z);
    p0.x = fin(last.px, s.x); p0.y = fin(last.py, s.y); p0.z = fin(last.pz, s.z);
    this.smoothing.reset(a0, v0, p0);
    this.resetHeadingAndLimits(lastYaw, st, p);
  }

  /** FlightTaskAuto::reActivate, run while not yet taken off: on the ground the trajectory starts sinking at 0.7 m/s. */
  reActivate(st: AutoVehicleState, p: Params): void {
    this.resetHeadingAndLimits(NaN, st, p);
    this.resetA.x = 0; this.resetA.y = 0; this.resetA.z = 0;
    this.resetV.x = 0; this.resetV.y = 0; this.resetV.z = 0.7;
    this.smoothing.reset(this.resetA, this.resetV, st.position);
  }

  private resetHeadingAndLimits(lastYaw: number, st: AutoVehicleState, p: Params): void {
    this.yawSpPrev = Number.isFinite(lastYaw) ? lastYaw : st.yaw;
    this.yawSp = st.yaw;
    this.yawspeedSp = 0;
    this.emergencyBraking = false;
    this.updateTrajConstraints(p, st);
  }

  update(dt: number, tri: AutoTriplet, st: AutoVehicleState, p: Params): AutoOutput {
    const o = this.out;
    o.speedUp = p.MPC_Z_VEL_MAX_UP!;
    o.speedDown = p.MPC_Z_VEL_MAX_DN!;
    if (this.typePrevious === WaypointType.Idle) { o.setpoint.ax = NaN; o.setpoint.ay = NaN; o.setpoint.az = NaN; }
    this.evaluateTriplet(tri, st, p);
    const pos = this.positionSp;
    const vel = this.velocitySp;
    vel.x = NaN; vel.y = NaN; vel.z = NaN;
    if (this.type === WaypointType.Idle) {
      this.idleSetpoint();
      this.typePrevious = this.type;
      return o;
    }
    if (this.type === WaypointType.Land) this.prepareLand(st, p);
    else { pos.x = this.target.x; pos.y = this.target.y; pos.z = this.target.z; }

    this.checkEmergencyBraking(p);
    const next = this.targetModified() ? pos : this.nextWp;
    this.updateTrajConstraints(p, st);
    this.smoothing.generate(st.position, this.prevWp, pos, next, vel, dt, this.emergencyBraking, false, this.smoothed);
    const sm = this.smoothed;
    const sp = o.setpoint;
    sp.px = sm.position.x; sp.py = sm.position.y; sp.pz = sm.position.z;
    sp.vx = sm.velocity.x; sp.vy = sm.velocity.y; sp.vz = sm.velocity.z;
    sp.ax = sm.acceleration.x; sp.ay = sm.acceleration.y; sp.az = sm.acceleration.z;
    this.unsmoothed.x = sm.unsmoothedVelocity.x; this.unsmoothed.y = sm.unsmoothedVelocity.y; this.unsmoothed.z = sm.unsmoothedVelocity.z;
    o.wantTakeoff = sm.unsmoothedVelocity.z < -0.3;

    if (!Number.isFinite(this.yawSp) && !Number.isFinite(this.yawspeedSp) && !this.headingAlongTrajectory(st)) {
      this.yawSp = Number.isFinite(this.yawSpPrev) ? this.yawSpPrev : st.yaw;
    }
    this.typePrevious = this.type;
    this.limitYawRate(dt, st, p);
    o.yaw = this.yawSp;
    o.yawspeed = this.yawspeedSp;
    return o;
  }

  private idleSetpoint(): void {
    const sp = this.out.setpoint;
    sp.px = NaN; sp.py = NaN; sp.pz = NaN; sp.vx = NaN; sp.vy = NaN; sp.vz = NaN;
    // high downwards acceleration: no thrust
    sp.ax = 0; sp.ay = 0; sp.az = 100;
    this.out.wantTakeoff = false;
    this.out.yaw = this.yawSp;
    this.out.yawspeed = 0;
  }

  /** _evaluateTriplets: a changed target updates the waypoints; the heading comes from the item or MPC_YAW_MODE. */
  private evaluateTriplet(tri: AutoTriplet, st: AutoVehicleState, p: Params): void {
    this.type = tri.type;
    const cruise = Number.isFinite(tri.cruiseSpeed) && tri.cruiseSpeed > 1e-7 ? tri.cruiseSpeed : p.MPC_XY_CRUISE!;
    this.cruiseSpeed = Math.min(cruise, p.MPC_XY_VEL_MAX!);
    let tx: number, ty: number;
    if (Number.isFinite(tri.current.x) && Number.isFinite(tri.current.y)) {
      tx = tri.current.x; ty = tri.current.y;
      this.lockXY.x = NaN; this.lockXY.y = NaN;
    } else {
      if (!Number.isFinite(this.lockXY.x)) { this.lockXY.x = st.position.x; this.lockXY.y = st.position.y; }
      tx = this.lockXY.x; ty = this.lockXY.y;
    }
    const t = this.tripletTarget;
    // no altitude given: keep the one set (FlightTaskAuto falls back to the vehicle's)
    const tz = Number.isFinite(tri.current.z) ? tri.current.z : Number.isFinite(t.z) ? t.z : st.position.z;
    const validityChanged = this.prevWasValid !== (tri.previous !== null) || this.nextWasValid !== (tri.next !== null);
    const changed = !(Number.isFinite(t.x) && Math.abs(t.x - tx) < 0.001 && Math.abs(t.y - ty) < 0.001 && Math.abs(t.z - tz) < 0.001) || validityChanged;
    if (changed) {
      t.x = tx; t.y = ty; t.z = tz;
      this.acceptanceRadius = tri.acceptanceRadius;
      copy(this.tripletPrev, tri.previous ?? t);
      this.prevWasValid = tri.previous !== null;
      copy(this.tripletNext, tri.type === WaypointType.Loiter || tri.next === null ? t : tri.next);
      this.nextWasValid = tri.next !== null;
    }
    const previousState = this.trackState;
    this.trackState = this.currentTrackState(st.position);
    if (changed || this.trackState !== previousState || this.trackState === TrackState.Offtrack) this.updateInternalWaypoints(st.position);

    if (Number.isFinite(tri.yaw)) {
      this.yawSp = tri.yaw;
      this.yawspeedSp = NaN;
    } else {
      this.headingFromMode(st, p);
    }
  }

  /** _getCurrentState */
  private currentTrackState(pos: Vec3): TrackState {
    const pr = this.tripletPrev, t = this.tripletTarget;
    let ux = t.x - pr.x, uy = t.y - pr.y, uz = t.z - pr.z;
    const n = norm3(ux, uy, uz);
    if (n <= 1e-7) return TrackState.None;
    ux /= n; uy /= n; uz /= n;
    const ppx = pos.x - pr.x, ppy = pos.y - pr.y, ppz = pos.z - pr.z;
    const along = ppx * ux + ppy * uy + ppz * uz;
    const c = this.closest;
    c.x = pr.x + ux * along; c.y = pr.y + uy * along; c.z = pr.z + uz * along;
    if (ux * (t.x - pos.x) + uy * (t.y - pos.y) + uz * (t.z - pos.z) < 0) return TrackState.TargetBehind;
    if (along < 0 && norm3(ppx, ppy, ppz) > this.acceptanceRadius) return TrackState.PreviousInFront;
    if (norm3(pos.x - c.x, pos.y - c.y, pos.z - c.z) > this.acceptanceRadius) return TrackState.Offtrack;
    return TrackState.None;
  }

  /** _updateInternalWaypoints: behind, before or off the track the vehicle flies straight back to it. */
  private updateInternalWaypoints(pos: Vec3): void {
    switch (this.trackState) {
      case TrackState.TargetBehind:
        copy(this.target, this.tripletTarget); copy(this.prevWp, pos); copy(this.nextWp, this.tripletNext);
        break;
      case TrackState.PreviousInFront:
        copy(this.nextWp, this.tripletTarget); copy(this.target, this.tripletPrev); copy(this.prevWp, pos);
        break;
      case TrackState.Offtrack:
        copy(this.nextWp, this.tripletTarget); copy(this.target, this.closest); copy(this.prevWp, pos);
        break;
      default:
        copy(this.target, this.tripletTarget); copy(this.prevWp, this.tripletPrev); copy(this.nextWp, this.tripletNext);
    }
  }

  /** _set_heading_from_mode (MPC_YAW_MODE): towards the waypoint (or home) once further than the acceptance radius. */
  private headingFromMode(st: AutoVehicleState, p: Params): void {
    // the vector to point along; zero (yaw fixed): the heading is locked where it is; NaN: along the trajectory
    let vx = 0, vy = 0;
    switch (p.MPC_YAW_MODE) {
      // 4 (yaw first) points as 0 without holding the vehicle until aligned
      case 0: case 4: vx = this.target.x - st.position.x; vy = this.target.y - st.position.y; break;
      case 1: vx = st.home.x - st.position.x; vy = st.home.y - st.position.y; break;
      case 2: vx = st.position.x - st.home.x; vy = st.position.y - st.home.y; break;
      case 3: vx = NaN; vy = NaN; break;
      default: break;
    }
    if (Number.isFinite(vx) && Number.isFinite(vy)) {
      if (norm2(vx, vy) > this.acceptanceRadius && norm2(vx, vy) > 1e-3) {
        this.yawSp = Math.atan2(vy, vx);
        this.yawLock = true;
      }
      if (!this.yawLock) {
        this.yawSp = st.yaw;
        this.yawLock = true;
      }
    } else {
      this.yawLock = false;
      this.yawSp = NaN;
    }
    this.yawspeedSp = NaN;
  }

  /** _prepareLandSetpoints: hold the land position, descend at the speed for the height (MPC_LAND_ALT1/2/3). */
  private prepareLand(st: AutoVehicleState, p: Params): void {
    const h = st.distToGround;
    let vz = interpolate(h, p.MPC_LAND_ALT2!, Math.max(p.MPC_LAND_ALT1!, p.MPC_LAND_ALT2!), p.MPC_LAND_SPEED!, p.MPC_Z_VEL_MAX_DN!);
    // SIH's distance sensor makes the crawl below MPC_LAND_ALT3 apply
    if (Number.isFinite(h) && h <= p.MPC_LAND_ALT3!) vz = p.MPC_LAND_CRWL!;
    if (this.typePrevious !== WaypointType.Land) this.landHeading = this.yawSp;
    this.landPosition.x = this.target.x; this.landPosition.y = this.target.y;
    const pos = this.positionSp;
    pos.x = this.landPosition.x; pos.y = this.landPosition.y; pos.z = NaN;
    this.yawSp = this.landHeading;
    this.velocitySp.z = vz;
  }

  private targetModified(): boolean {
    const t = this.target, s = this.positionSp;
    const xy = norm2(t.x - s.x, t.y - s.y) > 1e-7;
    return xy || (Number.isFinite(s.z) && Math.abs(t.z - s.z) > 1e-7);
  }

  /** _checkEmergencyBraking: far beyond the speed limits, brake at 1 g until stopped. */
  private checkEmergencyBraking(p: Params): void {
    const vz = this.smoothing.velocityZ;
    if (!this.emergencyBraking) {
      this.emergencyBraking = vz > 1.3 * p.MPC_Z_VEL_MAX_DN! || vz < -1.3 * p.MPC_Z_VEL_MAX_UP! || this.smoothing.velocityXY > 1.3 * p.MPC_XY_VEL_MAX!;
    } else if (Math.abs(vz) < 0.01 && this.smoothing.velocityXY <= 0.01) {
      this.emergencyBraking = false;
    }
  }

  /** _updateTrajConstraints: the smoothing's limits, the takeoff's gentle climb, the controller's stretched speed limits. */
  private updateTrajConstraints(p: Params, st: AutoVehicleState): void {
    const s = this.smoothing;
    const o = this.out;
    s.maxAllowedHorizontalError = p.MPC_XY_ERR_MAX!;
    s.verticalAcceptanceRadius = p.NAV_MC_ALT_RAD!;
    s.cruiseSpeed = Number.isFinite(this.cruiseSpeed) ? this.cruiseSpeed : p.MPC_XY_CRUISE!;
    s.horizontalTrajectoryGain = p.MPC_XY_TRAJ_P!;
    s.targetAcceptanceRadius = this.acceptanceRadius;
    s.setMaxAccelerationXY(p.MPC_ACC_HOR!);
    s.setMaxVelocityXY(p.MPC_XY_VEL_MAX!);
    s.setMaxJerk(p.MPC_JERK_AUTO!);
    if (this.emergencyBraking) {
      s.setMaxAccelerationXY(9.80665); s.setMaxAccelerationZ(9.80665); s.setMaxJerk(9.80665);
      o.speedDown = Math.max(Math.abs(s.velocityZ), o.speedDown);
      o.speedUp = Math.max(Math.abs(s.velocityZ), o.speedUp);
    } else if (this.unsmoothed.z < 0) {
      let acc = p.MPC_ACC_UP_MAX!;
      let vel = p.MPC_Z_V_AUTO_UP!;
      if (this.type === WaypointType.Takeoff && st.distToGround < p.MPC_LAND_ALT1!) {
        // climb at MPC_TKO_SPEED with the motors' ramp, the altitude setpoint staying at the vehicle
        vel = p.MPC_TKO_SPEED!;
        acc = Math.min(acc, p.MPC_TKO_SPEED! / p.MPC_TKO_RAMP_T!);
        s.forceSetPosition(NaN, NaN, st.position.z);
      }
      s.setMaxVelocityZ(vel);
      s.setMaxAccelerationZ(acc);
    } else {
      s.setMaxAccelerationZ(p.MPC_ACC_DOWN_MAX!);
      s.setMaxVelocityZ(p.MPC_Z_V_AUTO_DN!);
    }
    o.speedDown = Math.max(o.speedDown, 1.2 * p.MPC_Z_V_AUTO_DN!);
    o.speedUp = Math.max(o.speedUp, 1.2 * p.MPC_Z_V_AUTO_UP!);
  }

  /** _generateHeadingAlongTraj */
  private headingAlongTrajectory(st: AutoVehicleState): boolean {
    const sp = this.out.setpoint;
    if (norm2(sp.vx, sp.vy) > 0.1 && norm2(this.target.x - st.position.x, this.target.y - st.position.y) > 2) {
      this.yawSp = Math.atan2(sp.vy, sp.vx);
      return true;
    }
    return false;
  }

  /** _limitYawRate: the heading setpoint turns at most MPC_YAWRAUTO_MAX, with a filtered rate feed-forward. */
  private limitYawRate(dt: number, st: AutoVehicleState, p: Params): void {
    const max = (p.MPC_YAWRAUTO_MAX! * Math.PI) / 180;
    if (Number.isFinite(this.yawSp) && Number.isFinite(this.yawSpPrev)) {
      const step = Math.min(Math.max(wrapPi(this.yawSp - this.yawSpPrev), -max * dt), max * dt);
      this.yawSp = wrapPi(this.yawSpPrev + step);
      if (!Number.isFinite(this.yawspeedSp) && dt > 1e-7) {
        this.yawspeedFilter += (step / dt - this.yawspeedFilter) * (dt / (YAWSPEED_FILTER_TAU + dt));
        this.yawspeedSp = this.yawspeedFilter;
      }
    }
    this.yawSpPrev = Number.isFinite(this.yawSp) ? this.yawSp : st.yaw;
    if (Number.isFinite(this.yawspeedSp)) this.yawspeedSp = Math.min(Math.max(this.yawspeedSp, -max), max);
  }
}

function fin(v: number, fallback: number): number {
  return Number.isFinite(v) ? v : fallback;
}

function copy(to: Vec3, from: Vec3): void {
  to.x = from.x; to.y = from.y; to.z = from.z;
}

/** math::interpolate: `y_low` at or below `x_low`, `y_high` at or above `x_high`, linear between. */
function interpolate(x: number, xLow: number, xHigh: number, yLow: number, yHigh: number): number {
  if (x <= xLow) return yLow;
  if (x >= xHigh) return yHigh;
  return yLow + ((x - xLow) / (xHigh - xLow)) * (yHigh - yLow);
}

function wrapPi(a: number): number {
  if (a > Math.PI || a <= -Math.PI) a = ((((a + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
  return a;
}
