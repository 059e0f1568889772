/**
 * Point-mass multirotor: the position/velocity controller of PX4's mc_pos_control (PositionControl)
 * producing a specific-thrust vector, a first-order lag standing in for attitude control and motor
 * response, gravity, linear drag against the air (wind), and ground contact.
 * All state is plain numbers on the instance: step() allocates nothing.
 */

export const G = 9.80665; // CONSTANTS_ONE_G

/** Time constant of thrust-vector (tilt + collective) response to its setpoint (s). */
const ATTITUDE_TAU = 0.12;
/** Yaw-rate response time constant (s). */
const YAW_TAU = 0.15;
/** Linear drag per unit mass against the air-relative velocity (1/s), a small quad's order of magnitude. */
const DRAG = 0.15;

/** One trajectory setpoint as PX4's trajectory_setpoint: NaN = that component is not controlled. */
export interface Setpoint {
  px: number; py: number; pz: number;
  vx: number; vy: number; vz: number;
  ax: number; ay: number; az: number;
}

export interface ControlLimits {
  velXY: number;   // m/s
  velUp: number;   // m/s (positive)
  velDown: number; // m/s (positive)
  tiltMax: number; // rad
}

export interface Gains {
  xyP: number; zP: number;
  xyVelP: number; xyVelI: number; xyVelD: number;
  zVelP: number; zVelI: number; zVelD: number;
  hover: number; thrMin: number; thrMax: number;
}

export class Multicopter {
  // truth, NED (m, m/s, m/s²)
  px = 0; py = 0; pz = 0;
  vx = 0; vy = 0; vz = 0;
  ax = 0; ay = 0; az = 0;
  yaw = 0; yawRate = 0;
  roll = 0; pitch = 0; rollRate = 0; pitchRate = 0;
  /** acting specific thrust (m/s², NED; hover ≈ (0, 0, -g)) */
  fx = 0; fy = 0; fz = 0;
  /** collective thrust 0..1 that the controller asks for (vehicle_thrust_setpoint) */
  thrustSp = 0;
  onGround = true;
  /** altitude of the ground in the local frame (z of the ground, NED) */
  groundZ = 0;
  /** the estimate the controller acts on (truth + estimator error), set by the owner before control() */
  epx = 0; epy = 0; epz = 0;
  evx = 0; evy = 0; evz = 0;

  // controller memory
  private ix = 0; private iy = 0; private iz = 0;
  // desired specific thrust (output of the controller)
  private fdx = 0; private fdy = 0; private fdz = 0;

  resetIntegrals(): void {
    this.ix = 0; this.iy = 0; this.iz = 0;
  }

  /** Commands zero thrust (disarmed, terminated). */
  motorsOff(): void {
    this.fdx = 0; this.fdy = 0; this.fdz = 0;
    this.thrustSp = 0;
    this.resetIntegrals();
  }

  /** Commands a level collective thrust `thrust` (0..1) and clears the integrators (armed on the ground). */
  idle(g: Gains, thrust: number): void {
    this.fdx = 0; this.fdy = 0;
    this.fdz = (-G * thrust) / g.hover;
    this.thrustSp = thrust;
    this.resetIntegrals();
  }

  /**
   * PositionControl::update: position P → velocity setpoint (+ feed-forward, limits) → velocity PID
   * → acceleration setpoint (+ feed-forward) → thrust vector with tilt and thrust limits.
   * `upLimit` is the takeoff ramp's limit on climb speed (m/s, positive up; Infinity = none).
   */
  control(dt: number, sp: Setpoint, lim: ControlLimits, g: Gains, upLimit: number, freezeIntegrals = false): void {
    // velocity setpoint
    let vsx = Number.isNaN(sp.px) ? sp.vx : g.xyP * (sp.px - this.epx) + (Number.isNaN(sp.vx) ? 0 : sp.vx);
    let vsy = Number.isNaN(sp.py) ? sp.vy : g.xyP * (sp.py - this.epy) + (Number.isNaN(sp.vy) ? 0 : sp.vy);
    let vsz = Number.isNaN(sp.pz) ? sp.vz : g.zP * (sp.pz - this.epz) + (Number.isNaN(sp.vz) ? 0 : sp.vz);
    // components with neither position nor velocity: hold velocity 0 unless acceleration is given
    const xyAccOnly = Number.isNaN(vsx) || Number.isNaN(vsy);
    const zAccOnly = Number.isNaN(vsz);
    if (!xyAccOnly) {
      const n = Math.hypot(vsx, vsy);
      if (n > lim.velXY) { vsx *= lim.velXY / n; vsy *= lim.velXY / n; }
    }
    if (!zAccOnly) {
      // same order as math::constrain(v, -up, down): a negative climb limit (takeoff ramp start) wins
      const up = Math.min(lim.velUp, upLimit);
      if (vsz > lim.velDown) vsz = lim.velDown;
      if (vsz < -up) vsz = -up;
    }

    // velocity PID → acceleration setpoint
    let asx = Number.isNaN(sp.ax) ? 0 : sp.ax;
    let asy = Number.isNaN(sp.ay) ? 0 : sp.ay;
    let asz = Number.isNaN(sp.az) ? 0 : sp.az;
    if (!xyAccOnly) {
      const ex = vsx - this.evx;
      const ey = vsy - this.evy;
      asx += g.xyVelP * ex + this.ix - g.xyVelD * this.ax;
      asy += g.xyVelP * ey + this.iy - g.xyVelD * this.ay;
      if (!freezeIntegrals) {
        this.ix = clamp(this.ix + g.xyVelI * ex * dt, -G, G);
        this.iy = clamp(this.iy + g.xyVelI * ey * dt, -G, G);
      }
    }
    let ez = 0;
    if (!zAccOnly) {
      ez = vsz - this.evz;
      asz += g.zVelP * ez + this.iz - g.zVelD * this.az;
    }

    // thrust vector: specific force = a - g; vertical first, then tilt limit, then total thrust limit
    const fMax = (G * g.thrMax) / g.hover;
    const fMin = (G * g.thrMin) / g.hover;
    let fz = asz - G;
    // vertical integrator with anti-windup: do not integrate further into a thrust limit
    let zSat = 0;
    if (fz > -fMin) { fz = -fMin; zSat = 1; }
    if (fz < -fMax) { fz = -fMax; zSat = -1; }
    if (!freezeIntegrals && !zAccOnly && !(zSat > 0 && ez > 0) && !(zSat < 0 && ez < 0)) {
      this.iz = clamp(this.iz + g.zVelI * ez * dt, -G, G);
    }
    let fx = asx;
    let fy = asy;
    const xyMaxTilt = -fz * Math.tan(lim.tiltMax);
    const xyMaxThrust = Math.sqrt(Math.max(0, fMax * fMax - fz * fz));
    const xyMax = Math.min(xyMaxTilt, xyMaxThrust);
    const fxy = Math.hypot(fx, fy);
    if (fxy > xyMax) {
      fx *= xyMax / fxy; fy *= xyMax / fxy;
      // horizontal anti-windup: stop the integrator growing while saturated
      this.ix *= 0.999; this.iy *= 0.999;
    }
    this.fdx = fx; this.fdy = fy; this.fdz = fz;
    this.thrustSp = (Math.sqrt(fx * fx + fy * fy + fz * fz) * g.hover) / G;
  }

  /** Advances the rigid body by dt under the current thrust setpoint, yaw-rate command and wind. */
  integrate(dt: number, yawRateCmd: number, windX: number, windY: number, windZ: number): void {
    const k = dt / (ATTITUDE_TAU + dt);
    this.fx += (this.fdx - this.fx) * k;
    this.fy += (this.fdy - this.fy) * k;
    this.fz += (this.fdz - this.fz) * k;

    const ky = dt / (YAW_TAU + dt);
    this.yawRate += (yawRateCmd - this.yawRate) * ky;
    this.yaw = wrapPi(this.yaw + this.yawRate * dt);

    let ax = this.fx - DRAG * (this.vx - windX);
    let ay = this.fy - DRAG * (this.vy - windY);
    let az = this.fz + G - DRAG * (this.vz - windZ);

    const onGroundBefore = this.pz >= this.groundZ - 1e-4;
    if (onGroundBefore && az >= 0) {
      // ground reaction: no sinking, no sliding
      ax = 0; ay = 0; az = 0;
      this.vx = 0; this.vy = 0; this.vz = 0;
      this.pz = this.groundZ;
      this.onGround = true;
    } else {
      this.vx += ax * dt; this.vy += ay * dt; this.vz += az * dt;
      this.px += this.vx * dt; this.py += this.vy * dt; this.pz += this.vz * dt;
      if (this.pz >= this.groundZ) {
        this.pz = this.groundZ;
        if (this.vz > 0) this.vz = 0;
        this.vx = 0; this.vy = 0;
        this.onGround = true;
      } else {
        this.onGround = false;
      }
    }
    this.ax = ax; this.ay = ay; this.az = az;
    this.updateAttitude(dt);
  }

  private updateAttitude(dt: number): void {
    // thrust points along body -z: tilt follows the acting specific-thrust vector
    let roll = 0;
    let pitch = 0;
    const fzUp = -this.fz;
    if (fzUp > 0.5) {
      const c = Math.cos(this.yaw);
      const s = Math.sin(this.yaw);
      const fxb = c * this.fx + s * this.fy;  // forward component (NED → heading frame)
      const fyb = -s * this.fx + c * this.fy; // right component
      pitch = Math.atan2(-fxb, fzUp);
      roll = Math.atan2(fyb, Math.hypot(fxb, fzUp));
    }
    this.rollRate = (roll - this.roll) / dt;
    this.pitchRate = (pitch - this.pitch) / dt;
    this.roll = roll;
    this.pitch = pitch;
  }
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export function wrapPi(a: number): number {
  if (a > Math.PI || a <= -Math.PI) {
    a = ((a + Math.PI) % (2 * Math.PI) + 2 * Math.PI) % (2 * Math.PI) - Math.PI;
  }
  return a;
}
