/**
 * The wander of PX4 SIH's height estimate (EKF2 on SIH's simulated baro and GNSS): standing or
 * flying, it drifts by up to about a metre within a minute, its vertical velocity estimate
 * swinging with it. Modelled as a Gauss–Markov velocity error integrated into a height error that
 * slowly leaks back to zero, so height and vertical velocity errors stay consistent. Seeded: the
 * same seed gives the same drift.
 */
import { Rng } from './rng.js';

/**
 * Fitted to PX4 v1.16 SIH (vehicle_local_position against its distance sensor, probe flights at
 * speed 1): a height error of about 0.3 m std that moves by up to a metre within 40 s, and a
 * vertical velocity error of a few cm/s.
 */
export const SIH_HEIGHT_DRIFT = {
  /** std of the vertical velocity error (m/s) */
  velocityStd: 0.04,
  /** its correlation time (s) */
  velocityTau: 10,
  /** time constant with which the height error returns towards zero (s) */
  leakTau: 20,
};

export class HeightDrift {
  /** height error (m, NED: positive = the estimate is below the truth) */
  z = 0;
  /** vertical velocity error (m/s, NED) */
  vz = 0;
  private readonly rng: Rng;

  constructor(seed: number, private readonly cfg = SIH_HEIGHT_DRIFT) {
    // a stream of its own: switching the drift on leaves every other random draw as it was
    this.rng = new Rng(seed ^ 0x5ea1ed);
  }

  step(dt: number): void {
    const a = Math.exp(-dt / this.cfg.velocityTau);
    this.vz = a * this.vz + this.cfg.velocityStd * Math.sqrt(1 - a * a) * this.rng.gauss();
    this.z += (this.vz - this.z / this.cfg.leakTau) * dt;
  }
}
