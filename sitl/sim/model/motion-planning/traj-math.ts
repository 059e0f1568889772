/**
 * PX4's trajectory helpers (src/lib/mathlib/math/TrajMath.hpp and
 * src/lib/motion_planning/TrajectoryConstraints.hpp, v1.16).
 */

export interface Vec3 { x: number; y: number; z: number }

/** |(x, y)|: Math.hypot guards against overflow and is several times slower. */
export function norm2(x: number, y: number): number {
  return Math.sqrt(x * x + y * y);
}

export function norm3(x: number, y: number, z: number): number {
  return Math.sqrt(x * x + y * y + z * z);
}

/** computeMaxSpeedFromDistance: the speed from which a jerk- and acceleration-limited stop to `finalSpeed` fits in `distance`. */
export function maxSpeedFromDistance(jerk: number, accel: number, distance: number, finalSpeed: number): number {
  const b = (4 * accel * accel) / jerk;
  const c = -2 * accel * distance - finalSpeed * finalSpeed;
  return Math.max(0.5 * (-b + Math.sqrt(b * b - 4 * c)), finalSpeed);
}

/** computeMaxSpeedInWaypoint: the tangential speed of the circle fitted into a corner of angle `alpha` between legs of length `d`. */
export function maxSpeedInWaypoint(alpha: number, accel: number, d: number): number {
  return Math.sqrt(accel * d * Math.tan(alpha / 2));
}

export interface XYSpeedLimits {
  xyAcceptRad: number;
  maxAccXY: number;
  maxJerk: number;
  maxSpeedXY: number;
  /** MPC_XY_TRAJ_P: scales the lateral acceleration allowed in a corner */
  accRadiusScale: number;
}

/** computeStartXYSpeedFromWaypoints: the speed at `start` that still reaches `target` slow enough to turn towards `next`. */
function startXYSpeed(start: Vec3, target: Vec3, next: Vec3, exitSpeed: number, l: XYSpeedLimits): number {
  const tnx = target.x - next.x, tny = target.y - next.y;
  const targetNext = norm2(tnx, tny);
  let speedAtTarget = 0;
  if (targetNext > 0.001 && targetNext >= l.xyAcceptRad) {
    const sx = target.x - start.x, sy = target.y - start.y;
    const sn = norm2(sx, sy);
    const cos = sn > 1e-7 ? (sx * tnx + sy * tny) / (sn * targetNext) : 0;
    const alpha = Math.min(Math.max(Math.acos(Math.min(Math.max(cos, -1), 1)), 0), Math.PI - 1e-6);
    const turn = maxSpeedInWaypoint(alpha, l.accRadiusScale * l.maxAccXY, l.xyAcceptRad);
    speedAtTarget = Math.min(turn, exitSpeed, l.maxSpeedXY);
  }
  const startToTarget = norm2(start.x - target.x, start.y - target.y);
  return Math.min(l.maxSpeedXY, maxSpeedFromDistance(l.maxJerk, l.maxAccXY, startToTarget, speedAtTarget));
}

/** computeXYSpeedFromWaypoints<3>: backwards through the waypoints, each leg's entry speed from the next one's. */
export function xySpeedFromWaypoints(w0: Vec3, w1: Vec3, w2: Vec3, l: XYSpeedLimits): number {
  const exit = startXYSpeed(w1, w2, w2, 0, l);
  return startXYSpeed(w0, w1, w2, exit, l);
}

/** clampToXYNorm: scales the whole vector so that its horizontal part is at most `max`. */
export function clampToXYNorm(v: Vec3, max: number, accuracy: number): void {
  const n = norm2(v.x, v.y);
  const k = n > 1e-7 ? max / n : 1;
  if (k >= 1) return;
  if (max < accuracy && n < accuracy) { v.x *= k; v.y *= k; } else { v.x *= k; v.y *= k; v.z *= k; }
}

/** clampToZNorm: scales the whole vector so that its vertical part is at most `max`. */
export function clampToZNorm(v: Vec3, max: number, accuracy: number): void {
  const n = Math.abs(v.z);
  const k = n > 1e-7 ? max / n : 1;
  if (k >= 1) return;
  if (max < accuracy && n < accuracy) v.z *= k; else { v.x *= k; v.y *= k; v.z *= k; }
}
