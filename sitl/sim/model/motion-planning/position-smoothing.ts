/**
 * PX4's PositionSmoothing (src/lib/motion_planning/PositionSmoothing.cpp, v1.16): turns the
 * waypoints (previous, target, next) into an unsmoothed velocity towards the target, limited so the
 * vehicle can still stop (or turn) in time, and feeds it to three jerk-limited VelocitySmoothing
 * axes. The trajectory slows down (time stretch) while the vehicle lags it by MPC_XY_ERR_MAX.
 */
import { VelocitySmoothing } from './velocity-smoothing.js';
import { clampToXYNorm, clampToZNorm, maxSpeedFromDistance, maxSpeedInWaypoint, xySpeedFromWaypoints, norm2, norm3, type Vec3, type XYSpeedLimits } from './traj-math.js';

export interface SmoothedSetpoint {
  position: Vec3;
  velocity: Vec3;
  acceleration: Vec3;
  /** the velocity the trajectory is steered towards, before smoothing */
  unsmoothedVelocity: Vec3;
}

export class PositionSmoothing {
  readonly axes = [new VelocitySmoothing(), new VelocitySmoothing(), new VelocitySmoothing()] as const;
  maxAllowedHorizontalError = 0;
  verticalAcceptanceRadius = 0;
  cruiseSpeed = 0;
  horizontalTrajectoryGain = 0;
  targetAcceptanceRadius = 0;

  private maxSpeedPrevious = 0;
  private readonly traj: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly cross: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly l1Point: Vec3 = { x: 0, y: 0, z: 0 };
  private readonly limits: XYSpeedLimits = { xyAcceptRad: 0, maxAccXY: 0, maxJerk: 0, maxSpeedXY: 0, accRadiusScale: 0 };

  reset(a: Vec3, v: Vec3, p: Vec3): void {
    this.axes[0].reset(a.x, v.x, p.x);
    this.axes[1].reset(a.y, v.y, p.y);
    this.axes[2].reset(a.z, v.z, p.z);
  }

  /** forceSetPosition: NaN components are left alone. */
  forceSetPosition(x: number, y: number, z: number): void {
    if (Number.isFinite(x)) this.axes[0].setCurrentPosition(x);
    if (Number.isFinite(y)) this.axes[1].setCurrentPosition(y);
    if (Number.isFinite(z)) this.axes[2].setCurrentPosition(z);
  }

  setMaxJerk(j: number): void { for (const a of this.axes) a.maxJerk = j; }
  setMaxAccelerationXY(acc: number): void { this.axes[0].maxAccel = acc; this.axes[1].maxAccel = acc; }
  setMaxAccelerationZ(acc: number): void { this.axes[2].maxAccel = acc; }
  setMaxVelocityXY(v: number): void { this.axes[0].maxVel = v; this.axes[1].maxVel = v; }
  setMaxVelocityZ(v: number): void { this.axes[2].maxVel = v; }

  get velocityZ(): number { return this.axes[2].v; }
  get velocityXY(): number { return norm2(this.axes[0].v, this.axes[1].v); }

  /**
   * generateSetpoints: `waypoints` are previous, target, next (NaN target components are not
   * position-controlled); `feedforward` is added to (or, where NaN, replaced by) the velocity
   * towards the target. `single` treats the target as the only waypoint (no corner logic).
   */
  generate(position: Vec3, w0: Vec3, w1: Vec3, w2: Vec3, feedforward: Vec3, dt: number, forceZero: boolean, single: boolean, out: SmoothedSetpoint): void {
    const v = out.unsmoothedVelocity;
    if (forceZero) { v.x = 0; v.y = 0; v.z = 0; } else this.velocitySetpoint(w0, w1, w2, feedforward, single, v);
    if (!(Number.isFinite(v.x) && Number.isFinite(v.y) && Number.isFinite(v.z))) return;
    const [ax, ay, az] = this.axes;
    // the trajectory waits for a vehicle that lags it (only while the vehicle is behind it)
    const ex = ax.x - position.x, ey = ay.x - position.y;
    const ahead = ex * ax.v + ey * ay.v;
    let stretch = 1;
    if (this.maxAllowedHorizontalError > 1e-7 && ahead >= 0) {
      stretch = 1 - Math.min(Math.max(norm2(ex, ey) / this.maxAllowedHorizontalError, 0), 1);
    }
    for (const a of this.axes) a.updateTraj(dt, stretch);
    out.position.x = ax.x; out.position.y = ay.x; out.position.z = az.x;
    out.velocity.x = ax.v; out.velocity.y = ay.v; out.velocity.z = az.v;
    out.acceleration.x = ax.a; out.acceleration.y = ay.a; out.acceleration.z = az.a;
    ax.updateDurations(v.x); ay.updateDurations(v.y); az.updateDurations(v.z);
    VelocitySmoothing.timeSynchronization(this.axes);
  }

  private trajPosition(): Vec3 {
    const p = this.traj;
    p.x = this.axes[0].x; p.y = this.axes[1].x; p.z = this.axes[2].x;
    return p;
  }

  /** _generateVelocitySetpoint */
  private velocitySetpoint(w0: Vec3, w1: Vec3, w2: Vec3, ff: Vec3, single: boolean, out: Vec3): void {
    out.x = ff.x; out.y = ff.y; out.z = ff.z;
    const xyValid = Number.isFinite(w1.x) && Number.isFinite(w1.y);
    const zValid = Number.isFinite(w1.z);
    const p = this.trajPosition();
    if (xyValid && zValid) {
      const c = single ? w1 : this.crossingPoint(w0, w1);
      let ux = c.x - p.x, uy = c.y - p.y, uz = c.z - p.z;
      const n = norm3(ux, uy, uz);
      if (n > 1e-7) { ux /= n; uy /= n; uz /= n; } else { ux = 0; uy = 0; uz = 0; }
      let xySpeed = this.maxXYSpeed(w1, w2);
      const zSpeed = this.maxZSpeed(w1, w2);
      if (!single && this.isTurning(w1)) xySpeed = Math.min(this.maxSpeedPrevious, xySpeed);
      else this.maxSpeedPrevious = xySpeed;
      const s = Math.sqrt(xySpeed * xySpeed + zSpeed * zSpeed);
      const vc = this.cross;
      vc.x = ux * s; vc.y = uy * s; vc.z = uz * s;
      clampToXYNorm(vc, xySpeed, 0.5);
      clampToZNorm(vc, zSpeed, 0.5);
      out.x = Number.isFinite(out.x) ? out.x + vc.x : vc.x;
      out.y = Number.isFinite(out.y) ? out.y + vc.y : vc.y;
      out.z = Number.isFinite(out.z) ? out.z + vc.z : vc.z;
    } else if (xyValid) {
      const c = single ? w1 : this.crossingPoint(w0, w1);
      let ux = c.x - p.x, uy = c.y - p.y;
      const n = norm2(ux, uy);
      if (n > 1e-7) { ux /= n; uy /= n; } else { ux = 0; uy = 0; }
      let xySpeed = this.maxXYSpeed(w1, w2);
      if (this.isTurning(w1)) xySpeed = Math.min(this.maxSpeedPrevious, xySpeed);
      else this.maxSpeedPrevious = xySpeed;
      out.x = Number.isFinite(out.x) ? out.x + ux * xySpeed : ux * xySpeed;
      out.y = Number.isFinite(out.y) ? out.y + uy * xySpeed : uy * xySpeed;
    } else if (zValid) {
      const vz = Math.sign(w1.z - p.z) * this.maxZSpeed(w1, w2);
      out.z = Number.isFinite(out.z) ? out.z + vz : vz;
    }
  }

  /** _isTurning: heading more than ~10° off the target while moving, outside its acceptance radius. */
  private isTurning(target: Vec3): boolean {
    const [ax, ay] = this.axes;
    const vn = norm2(ax.v, ay.v);
    const tx = target.x - ax.x, ty = target.y - ay.x;
    const tn = norm2(tx, ty);
    const cos = vn > 1e-7 && tn > 1e-7 ? (ax.v * tx + ay.v * ty) / (vn * tn) : 0;
    return vn > 0.2 && cos < 0.98 && tn > this.targetAcceptanceRadius;
  }

  private maxXYSpeed(w1: Vec3, w2: Vec3): number {
    const l = this.limits;
    l.xyAcceptRad = this.targetAcceptanceRadius;
    l.maxAccXY = this.axes[0].maxAccel;
    l.maxJerk = this.axes[0].maxJerk;
    l.maxSpeedXY = this.cruiseSpeed;
    l.accRadiusScale = this.horizontalTrajectoryGain;
    return xySpeedFromWaypoints(this.trajPosition(), w1, w2, l);
  }

  /** _getMaxZSpeed: the vertical speed from which the target altitude (or the turn to the next) is still reached. */
  private maxZSpeed(w1: Vec3, w2: Vec3): number {
    const z = this.axes[2];
    const p = this.trajPosition();
    let arrival = 0;
    if (Math.abs(w1.z - w2.z) > 0.001) {
      const sxy = norm2(p.x, p.y), txy = norm2(w1.x, w1.y), nxy = norm2(w2.x, w2.y);
      let ax = txy - sxy, az = w1.z - p.z;
      let bx = txy - nxy, bz = w1.z - w2.z;
      const an = norm2(ax, az), bn = norm2(bx, bz);
      if (an > 1e-7) { ax /= an; az /= an; } else { ax = 0; az = 0; }
      if (bn > 1e-7) { bx /= bn; bz /= bn; } else { bx = 0; bz = 0; }
      const alpha = Math.min(Math.max(Math.acos(Math.min(Math.max(ax * bx + az * bz, -1), 1)), 0), Math.PI - 1e-6);
      arrival = Math.min(maxSpeedInWaypoint(alpha, z.maxAccel, this.verticalAcceptanceRadius), z.maxVel);
    }
    return Math.min(z.maxVel, maxSpeedFromDistance(z.maxJerk, z.maxAccel, Math.abs(w1.z - p.z), arrival));
  }

  /** _getCrossingPoint: the target, or while turning the L1 point on the previous → target line. */
  private crossingPoint(w0: Vec3, w1: Vec3): Vec3 {
    if (!this.isTurning(w1)) return w1;
    const p = this.trajPosition();
    let ux = w1.x - w0.x, uy = w1.y - w0.y, uz = w1.z - w0.z;
    const n = norm3(ux, uy, uz);
    if (n > 1e-7) { ux /= n; uy /= n; uz /= n; } else { ux = 0; uy = 0; uz = 0; }
    const along = (p.x - w0.x) * ux + (p.y - w0.y) * uy + (p.z - w0.z) * uz;
    const cx = w0.x + ux * along, cy = w0.y + uy * along, cz = w0.z + uz * along;
    const crossTrack = norm3(cx - p.x, cy - p.y, cz - p.z);
    const l1 = Math.max(this.targetAcceptanceRadius, 5);
    const alongTrack = l1 > crossTrack ? Math.sqrt(l1 * l1 - crossTrack * crossTrack) : 0;
    const c = this.l1Point;
    c.x = cx + alongTrack * ux; c.y = cy + alongTrack * uy; c.z = cz + alongTrack * uz;
    return c;
  }
}
