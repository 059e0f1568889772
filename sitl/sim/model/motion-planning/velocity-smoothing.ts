/**
 * PX4's VelocitySmoothing (src/lib/motion_planning/VelocitySmoothing.cpp, v1.16): one axis of a
 * jerk-limited trajectory towards a velocity setpoint, in three phases (jerk up T1, constant
 * acceleration T2, jerk down T3), re-planned every cycle and evaluated in closed form.
 */

function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

export class VelocitySmoothing {
  // current state: jerk, acceleration, velocity, position
  j = 0; a = 0; v = 0; x = 0;
  maxJerk = 0;
  maxAccel = 0;
  maxVel = 0;

  private velSp = 0;
  private direction = 0;
  private initA = 0; private initV = 0; private initX = 0;
  private t1 = 0; private t2 = 0; private t3 = 0;
  private localTime = 0;

  reset(accel: number, vel: number, pos: number): void {
    this.j = 0; this.a = accel; this.v = vel; this.x = pos;
    this.saveInit();
  }

  setCurrentAcceleration(a: number): void { this.a = a; this.initA = a; }
  setCurrentVelocity(v: number): void { this.v = v; this.initV = v; }
  setCurrentPosition(x: number): void { this.x = x; this.initX = x; }

  get totalTime(): number {
    return this.t1 + this.t2 + this.t3;
  }

  /** Plans the shortest profile from the current state to `velSetpoint` (clamped to maxVel). */
  updateDurations(velSetpoint: number): void {
    this.velSp = Math.min(Math.max(velSetpoint, -this.maxVel), this.maxVel);
    this.localTime = 0;
    this.saveInit();
    this.direction = this.computeDirection();
    const jerk = this.direction * this.maxJerk;
    const dv = this.velSp - this.v;
    if (Math.abs(jerk) > 1e-7) {
      this.t1 = this.computeT1(this.a, dv, jerk, this.maxAccel);
      this.t3 = Math.max(this.a / jerk + this.t1, 0);
      this.t2 = this.computeT2(this.t1, this.t3, this.a, dv, jerk);
    } else {
      this.t1 = this.t2 = this.t3 = 0;
    }
  }

  /** Re-plans the same velocity change to last `total` seconds (timeSynchronization of the slower axes). */
  updateDurationsGivenTotalTime(total: number): void {
    const jerk = this.direction * this.maxJerk;
    const dv = this.velSp - this.v;
    if (Math.abs(jerk) > 1e-7) {
      this.t1 = this.computeT1Given(total, this.a, dv, jerk, this.maxAccel);
      this.t3 = Math.max(this.a / jerk + this.t1, 0);
      this.t2 = Math.max(total - this.t1 - this.t3, 0);
    } else {
      this.t1 = this.t2 = this.t3 = 0;
    }
  }

  /** Advances the state along the planned profile by dt × timeStretch. */
  updateTraj(dt: number, timeStretch = 1): void {
    this.localTime += dt * timeStretch;
    let remain = this.localTime;
    const d = this.direction;
    const t1 = Math.min(remain, this.t1);
    this.evaluate(this.maxJerk * d, this.initA, this.initV, this.initX, t1);
    remain -= t1;
    if (remain > 0) {
      const t2 = Math.min(remain, this.t2);
      this.evaluate(0, this.a, this.v, this.x, t2);
      remain -= t2;
    }
    if (remain > 0) {
      const t3 = Math.min(remain, this.t3);
      this.evaluate(-this.maxJerk * d, this.a, this.v, this.x, t3);
      remain -= t3;
    }
    if (remain > 0) this.evaluate(0, 0, this.v, this.x, remain);
  }

  /** VelocitySmoothing::timeSynchronization: the other axes take as long as the slowest one. */
  static timeSynchronization(axes: readonly VelocitySmoothing[]): void {
    let longest = 0;
    let index = 0;
    for (let i = 0; i < axes.length; i++) {
      const t = axes[i]!.totalTime;
      if (t > longest) { longest = t; index = i; }
    }
    if (longest <= 1e-7) return;
    for (let i = 0; i < axes.length; i++) {
      if (i !== index && axes[i]!.totalTime < longest) axes[i]!.updateDurationsGivenTotalTime(longest);
    }
  }

  private saveInit(): void {
    this.initA = this.a; this.initV = this.v; this.initX = this.x;
  }

  private evaluate(jerk: number, a0: number, v0: number, x0: number, t: number): void {
    const t2 = t * t;
    this.j = jerk;
    this.a = a0 + jerk * t;
    this.v = v0 + a0 * t + 0.5 * jerk * t2;
    this.x = x0 + v0 * t + 0.5 * a0 * t2 + (jerk * t2 * t) / 6;
  }

  private computeDirection(): number {
    const d = sign(this.velSp - this.velAtZeroAcc());
    return d === 0 ? sign(this.a) : d;
  }

  /** The velocity reached when braking the current acceleration to zero at full jerk. */
  private velAtZeroAcc(): number {
    if (Math.abs(this.a) <= 1e-7) return this.v;
    const j = -sign(this.a) * this.maxJerk;
    const t = -this.a / j;
    return this.v + this.a * t + 0.5 * j * t * t;
  }

  private computeT1(a0: number, v3: number, jMax: number, aMax: number): number {
    const delta = 2 * a0 * a0 + 4 * jMax * v3;
    if (delta < 0) return 0;
    const sq = Math.sqrt(delta);
    const plus = (-a0 + 0.5 * sq) / jMax;
    const minus = (-a0 - 0.5 * sq) / jMax;
    let t1 = 0;
    if (plus >= 0 && a0 / jMax + plus >= 0) t1 = plus;
    else if (minus >= 0 && a0 / jMax + minus >= 0) t1 = minus;
    return Math.max(saturateT1ForAccel(a0, jMax, t1, aMax), 0);
  }

  private computeT1Given(total: number, a0: number, v3: number, jMax: number, aMax: number): number {
    const a = -jMax;
    const b = jMax * total - a0;
    const delta = total * total * jMax * jMax + 2 * total * a0 * jMax - a0 * a0 - 4 * jMax * v3;
    if (delta < 0) return 0;
    const sq = Math.sqrt(delta);
    const inv = 1 / (2 * a);
    const plus = Math.max((-b + sq) * inv, 0);
    const minus = Math.max((-b - sq) * inv, 0);
    const t3Plus = a0 / jMax + plus;
    const t3Minus = a0 / jMax + minus;
    let t1 = 0;
    if (t3Plus >= 0 && plus + t3Plus <= total) t1 = plus;
    else if (t3Minus >= 0 && minus + t3Minus <= total) t1 = minus;
    return saturateT1ForAccel(a0, jMax, t1, aMax);
  }

  private computeT2(t1: number, t3: number, a0: number, v3: number, jMax: number): number {
    const den = a0 + jMax * t1;
    if (Math.abs(den) <= 1e-7) return 0;
    const t2 = (-0.5 * t1 * t1 * jMax - t1 * t3 * jMax - t1 * a0 + 0.5 * t3 * t3 * jMax - t3 * a0 + v3) / den;
    return Math.max(t2, 0);
  }
}

function saturateT1ForAccel(a0: number, jMax: number, t1: number, aMax: number): number {
  const aT1 = a0 + jMax * t1;
  if (aT1 > aMax) return (aMax - a0) / jMax;
  if (aT1 < -aMax) return (-aMax - a0) / jMax;
  return t1;
}
