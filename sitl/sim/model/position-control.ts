/**
 * PX4's PositionControl (mc_pos_control/PositionControl/PositionControl.cpp and ControlMath.cpp,
 * v1.16): position P → velocity setpoint (feed-forward, limits) → velocity PID → acceleration
 * setpoint (feed-forward) → normalized thrust vector with tilt, thrust and horizontal-margin
 * limits, vertical and tracking horizontal anti-windup. All state is plain numbers: update()
 * allocates nothing.
 */
import type { Setpoint } from './dynamics.js';
import { norm2 } from './motion-planning/traj-math.js';

export const G = 9.80665; // CONSTANTS_ONE_G

export interface ControlLimits {
  velXY: number;   // m/s
  velUp: number;   // m/s (positive up; negative during the takeoff ramp's start)
  velDown: number; // m/s (positive)
  tiltMax: number; // rad
  thrMin: number;  // 0..1
  thrMax: number;  // 0..1
  /** MPC_THR_XY_MARG: horizontal thrust kept when vertical thrust saturates */
  thrXYMargin: number;
}

export interface Gains {
  xyP: number; zP: number;
  xyVelP: number; xyVelI: number; xyVelD: number;
  zVelP: number; zVelI: number; zVelD: number;
  /** hover thrust the controller assumes (0..1) */
  hover: number;
}

/** The estimate the controller acts on: position, velocity and its derivative. */
export interface ControlState {
  px: number; py: number; pz: number;
  vx: number; vy: number; vz: number;
  ax: number; ay: number; az: number;
}

export class PositionControl {
  /** output: normalized thrust vector, NED (hover ≈ (0, 0, -hover)) */
  thrX = 0; thrY = 0; thrZ = 0;
  /** the velocity setpoint after the position loop and limits (the land detector reads vz) */
  velSpX = 0; velSpY = 0; velSpZ = 0;
  private intX = 0; private intY = 0; private intZ = 0;

  resetIntegral(): void {
    this.intX = 0; this.intY = 0; this.intZ = 0;
  }

  resetIntegralXY(): void {
    this.intX = 0; this.intY = 0;
  }

  /** The collective thrust (|thrust vector|, vehicle_thrust_setpoint). */
  get collective(): number {
    return Math.sqrt(this.thrX * this.thrX + this.thrY * this.thrY + this.thrZ * this.thrZ);
  }

  /** PositionControl::update. Returns false when the setpoint cannot be flown (a component with no setpoint). */
  update(dt: number, sp: Setpoint, s: ControlState, lim: ControlLimits, g: Gains): boolean {
    const ok = (fin(sp.px) || fin(sp.vx) || fin(sp.ax)) && (fin(sp.py) || fin(sp.vy) || fin(sp.ay)) && (fin(sp.pz) || fin(sp.vz) || fin(sp.az))
      && fin(sp.px) === fin(sp.py) && fin(sp.vx) === fin(sp.vy) && fin(sp.ax) === fin(sp.ay);
    if (!ok) return false;

    // _positionControl: P on position, added to the velocity feed-forward; xy limited with priority to the position part
    const pvx = fin(sp.px) ? g.xyP * (sp.px - s.px) : NaN;
    const pvy = fin(sp.py) ? g.xyP * (sp.py - s.py) : NaN;
    const pvz = fin(sp.pz) ? g.zP * (sp.pz - s.pz) : NaN;
    const vx0 = addIfNotNan(sp.vx, pvx), vy0 = addIfNotNan(sp.vy, pvy);
    const p0x = fin(pvx) ? pvx : 0, p0y = fin(pvy) ? pvy : 0;
    this.constrainXY(p0x, p0y, vx0 - p0x, vy0 - p0y, lim.velXY);
    const vx = this.velSpX, vy = this.velSpY;
    // math::constrain(v, -up, down): at the takeoff ramp's start -up exceeds down, and wins
    const vzRaw = addIfNotNan(sp.vz, pvz);
    const vz = vzRaw < -lim.velUp ? -lim.velUp : vzRaw > lim.velDown ? lim.velDown : vzRaw;
    this.velSpZ = vz;

    // _velocityControl: PID on velocity, added to the acceleration feed-forward
    this.intZ = Math.min(Math.max(this.intZ, -G), G);
    let ex = vx - s.vx, ey = vy - s.vy, ez = vz - s.vz;
    const ax = addIfNotNan(sp.ax, g.xyVelP * ex + this.intX - g.xyVelD * s.ax);
    const ay = addIfNotNan(sp.ay, g.xyVelP * ey + this.intY - g.xyVelD * s.ay);
    const az = addIfNotNan(sp.az, g.zVelP * ez + this.intZ - g.zVelD * s.az);
    this.accelerationControl(ax, ay, az, lim, g);

    // vertical anti-windup: no integration further into a thrust limit
    if ((this.thrZ >= -lim.thrMin && ez >= 0) || (this.thrZ <= -lim.thrMax && ez <= 0)) ez = 0;
    // vertical thrust first, keeping a horizontal margin
    const thrXY = norm2(this.thrX, this.thrY);
    const thrMax2 = lim.thrMax * lim.thrMax;
    const allocatedXY = Math.min(thrXY, lim.thrXYMargin);
    this.thrZ = Math.max(this.thrZ, -Math.sqrt(thrMax2 - allocatedXY * allocatedXY));
    const maxXY2 = thrMax2 - this.thrZ * this.thrZ;
    const maxXY = maxXY2 > 0 ? Math.sqrt(maxXY2) : 0;
    if (thrXY > maxXY) { this.thrX *= maxXY / thrXY; this.thrY *= maxXY / thrXY; }
    // horizontal tracking anti-windup: the integrator unsaturates the output
    const prodX = (this.thrX * G) / g.hover, prodY = (this.thrY * G) / g.hover;
    if (fin(ax) && fin(ay) && ax * ax + ay * ay > prodX * prodX + prodY * prodY) {
      const arw = 2 / g.xyVelP;
      ex -= arw * (ax - prodX);
      ey -= arw * (ay - prodY);
    }
    if (fin(ex)) this.intX += ex * g.xyVelI * dt;
    if (fin(ey)) this.intY += ey * g.xyVelI * dt;
    if (fin(ez)) this.intZ += ez * g.zVelI * dt;
    return true;
  }

  /** _accelerationControl: tilt from the horizontal acceleration (decoupled from the vertical), collective from the vertical. */
  private accelerationControl(ax: number, ay: number, az: number, lim: ControlLimits, g: Gains): void {
    // body z axis (up, unit) from the acceleration against gravity (MPC_ACC_DECOUPLE: vertical part not included)
    let bx = -ax, by = -ay, bz = G;
    const n = Math.sqrt(bx * bx + by * by + bz * bz);
    bx /= n; by /= n; bz /= n;
    // ControlMath::limitTilt against world up (0, 0, 1)
    const angle = Math.acos(Math.min(Math.max(bz, -1), 1));
    if (angle > lim.tiltMax) {
      let rx = bx, ry = by;
      const rn = norm2(rx, ry);
      if (rn * rn < 1e-7) { rx = 1; ry = 0; } else { rx /= rn; ry /= rn; }
      const s = Math.sin(lim.tiltMax);
      bx = s * rx; by = s * ry; bz = Math.cos(lim.tiltMax);
    }
    const thrustNedZ = az * (g.hover / G) - g.hover;
    const collective = Math.min(thrustNedZ / bz, -lim.thrMin);
    // body_z points down (NED); the collective is negative (up)
    this.thrX = bx * collective;
    this.thrY = by * collective;
    this.thrZ = bz * collective;
  }
  /** ControlMath::constrainXY into velSpX/Y: v0 + v1 limited to `max`, v0 (the position part) having priority. */
  private constrainXY(v0x: number, v0y: number, v1x: number, v1y: number, max: number): void {
    let k0 = 1, k1 = 1;
    const n0 = norm2(v0x, v0y), n1 = norm2(v1x, v1y);
    if (!(norm2(v0x + v1x, v0y + v1y) > max)) {
      // within the limit (or NaN: not controlled)
    } else if (n0 >= max || norm2(v1x - v0x, v1y - v0y) < 0.001) {
      k0 = max / n0; k1 = 0;
    } else if (n0 < 0.001) {
      k0 = 0; k1 = max / n1;
    } else {
      const m = (v1x * v0x + v1y * v0y) / n1;
      const c = n0 * n0 - max * max;
      k1 = (-m + Math.sqrt(m * m - c)) / n1;
    }
    this.velSpX = k0 * v0x + k1 * v1x;
    this.velSpY = k0 * v0y + k1 * v1y;
  }
}

function fin(x: number): boolean {
  return Number.isFinite(x);
}

/** ControlMath::addIfNotNan: NaN + x = x, x + NaN = x. */
function addIfNotNan(sp: number, add: number): number {
  if (fin(sp) && fin(add)) return sp + add;
  return fin(sp) ? sp : add;
}

