/**
 * Position mode's reference while the sticks move or hold (an acceleration-limited stand-in for
 * FlightTaskManualAcceleration): the hold point follows the sticks and brakes to a stop.
 */
import { clamp } from './dynamics.js';

export class ManualTrajectory {
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

