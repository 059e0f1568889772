/**
 * What stands in for EKF2: the estimate the model reports is the truth plus correlated error (drawn
 * only when noise is configured, so default runs repeat exactly) and, optionally, SIH's height drift.
 */
import type { Multicopter } from './dynamics.js';
import { HeightDrift } from './height-drift.js';
import type { Rng } from './rng.js';

/** First-order Gauss–Markov process: correlated noise with a given std and time constant. */
export class Markov {
  value = 0;
  constructor(private readonly std: number, private readonly tau: number) {}
  step(dt: number, rng: Rng): number {
    if (this.std <= 0) return 0;
    const a = Math.exp(-dt / this.tau);
    this.value = a * this.value + this.std * Math.sqrt(1 - a * a) * rng.gauss();
    return this.value;
  }
}

export interface EstimatorNoise { position?: number; velocity?: number; attitude?: number }

export class EstimatorError {
  private readonly pos: Markov[];
  private readonly vel: Markov[];
  /** roll, pitch, yaw error (rad), added where the attitude is reported */
  readonly att: Markov[];
  private readonly heightDrift: HeightDrift | null;

  constructor(n: EstimatorNoise, seed: number, heightDrift: boolean) {
    this.pos = [0, 1, 2].map(() => new Markov(n.position ?? 0, 1.0));
    this.vel = [0, 1, 2].map(() => new Markov(n.velocity ?? 0, 0.3));
    this.att = [0, 1, 2].map(() => new Markov(n.attitude ?? 0, 0.5));
    this.heightDrift = heightDrift ? new HeightDrift(seed) : null;
  }

  /** The body's estimate (ep*, ev*) from its truth; the draw order is fixed (same seed, same run). */
  step(dt: number, rng: Rng, b: Multicopter): void {
    const ep = this.pos, ev = this.vel, ea = this.att;
    b.epx = b.px + ep[0]!.step(dt, rng);
    b.epy = b.py + ep[1]!.step(dt, rng);
    const drift = this.heightDrift;
    drift?.step(dt);
    b.epz = b.pz + ep[2]!.step(dt, rng) + (drift ? drift.z : 0);
    b.evx = b.vx + ev[0]!.step(dt, rng);
    b.evy = b.vy + ev[1]!.step(dt, rng);
    b.evz = b.vz + ev[2]!.step(dt, rng) + (drift ? drift.vz : 0);
    ea[0]!.step(dt, rng); ea[1]!.step(dt, rng); ea[2]!.step(dt, rng);
  }
}
