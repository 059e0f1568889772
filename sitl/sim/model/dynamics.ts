/**
 * Point-mass multirotor: a normalized thrust vector from the position controller (position-control.ts),
 * a first-order lag standing in for attitude control and motor response, gravity, SIH's linear drag
 * against the air (wind), and ground contact. All state is plain numbers on the instance: step()
 * allocates nothing.
 */

export const G = 9.80665; // CONSTANTS_ONE_G

/** Time constant of thrust-vector (tilt + collective) response to its setpoint (s). */
const ATTITUDE_TAU = 0.12;
/** Yaw-rate response time constant (s). */
const YAW_TAU = 0.15;
/**
 * Linear drag per unit mass against the air-relative velocity (1/s): SIH's SIH_KDV / SIH_MASS
 * (1 N/(m/s) on 1 kg, simulator_sih sih.cpp `_Fa_E = -_KDV * _v_E`). It is what caps PX4's climb in
 * an offboard hop near 2 m/s and its cruise near 3.5 m/s: the velocity loop needs a steady error to
 * hold a speed against it.
 */
const DRAG = 1.0;

/** One trajectory setpoint as PX4's trajectory_setpoint: NaN = that component is not controlled. */
export interface Setpoint {
  px: number; py: number; pz: number;
  vx: number; vy: number; vz: number;
  ax: number; ay: number; az: number;
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
  /** the estimate the controller acts on (truth + estimator error), set by the owner before control */
  epx = 0; epy = 0; epz = 0;
  evx = 0; evy = 0; evz = 0;

  // desired specific thrust
  private fdx = 0; private fdy = 0; private fdz = 0;

  /** Zero thrust (disarmed, terminated). */
  motorsOff(): void {
    this.fdx = 0; this.fdy = 0; this.fdz = 0;
    this.thrustSp = 0;
  }

  /** Commands a normalized thrust vector (NED, 0..1 per axis); `hover` is the thrust that holds 1 g. */
  setThrust(tx: number, ty: number, tz: number, hover: number): void {
    const k = G / hover;
    this.fdx = tx * k; this.fdy = ty * k; this.fdz = tz * k;
    this.thrustSp = Math.sqrt(tx * tx + ty * ty + tz * tz);
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
