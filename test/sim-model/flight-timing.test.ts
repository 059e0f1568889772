import { describe, expect, it } from '@jest/globals';
import { VelocitySmoothing } from '../../sitl/sim/model/motion-planning/velocity-smoothing.js';
import { HeightDrift } from '../../sitl/sim/model/height-drift.js';
import { C, DT, Harness, L, expectOk } from './helpers.js';

/**
 * The model's timing against PX4 v1.16 SIH, phase by phase (medians of probe flights at speed 1,
 * vehicle time): what the calibration matched, kept from drifting.
 */

const height = (h: Harness) => -h.v.state().truth.position.z;

describe('PX4 v1.16 SIH timing', () => {
  it('takeoff: off the ground ~4.4 s after arming, Hold ~6.6 s, 2 m ~7.5 s', () => {
    const h = new Harness();
    h.run(1);
    const t0 = h.t;
    expectOk(h.arm(), 'arm');
    h.run(0.3);
    expectOk(h.cmd(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, NaN]), 'takeoff');
    const lift = h.until(() => height(h) >= 0.05, 10, 'liftoff') - t0;
    const hold = h.until(() => h.v.state().modeName === 'Hold', 10, 'Hold') - t0;
    const twoMetres = h.until(() => height(h) >= 2, 10, '2 m') - t0;
    expect(lift).toBeGreaterThan(4.4 * 0.85);
    expect(lift).toBeLessThan(4.4 * 1.15);
    expect(hold).toBeGreaterThan(6.6 * 0.85);
    expect(hold).toBeLessThan(6.6 * 1.15);
    expect(twoMetres).toBeGreaterThan(7.5 * 0.85);
    expect(twoMetres).toBeLessThan(7.5 * 1.15);
  });

  it('land from 5 m: touchdown ~8.6 s, crawling below MPC_LAND_ALT3; ON_GROUND ~4 s later (no distance reading on the ground)', () => {
    const h = new Harness();
    expectOk(h.arm(), 'arm');
    expectOk(h.cmd(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, 488 + 5]), 'takeoff');
    h.until(() => h.v.state().modeName === 'Hold', 20, 'Hold');
    h.run(4);
    const t0 = h.t;
    expectOk(h.cmd(C.NAV_LAND), 'land');
    const crawl: number[] = [];
    const touchdown = h.until(() => {
      if (height(h) < 0.5 && height(h) > 0.1) crawl.push(h.v.state().velocity.z);
      return height(h) < 0.02;
    }, 20, 'touchdown') - t0;
    const onGround = h.until(() => h.v.state().landedState === L.ON_GROUND, 10, 'ON_GROUND') - t0;
    expect(touchdown).toBeGreaterThan(8.6 * 0.85);
    expect(touchdown).toBeLessThan(8.6 * 1.15);
    expect(Math.max(...crawl)).toBeLessThan(0.4); // MPC_LAND_CRWL 0.3 m/s
    expect(onGround - touchdown).toBeGreaterThan(3);
    expect(onGround - touchdown).toBeLessThan(5);
  });

  it('return with RTL_LAND_DELAY 0: climbs in place, flies home at the return altitude, lands from there without stopping', () => {
    const h = new Harness({ params: { RTL_RETURN_ALT: 15 } });
    h.takeoff();
    h.streamPosition(15, 0, -5);
    h.run(0.3);
    expectOk(h.setMode(6), 'offboard');
    h.run(12);
    h.onStep = null;
    expectOk(h.cmd(C.NAV_RETURN_TO_LAUNCH), 'rtl');
    h.until(() => Math.hypot(h.v.state().position.x, h.v.state().position.y) < 2, 40, 'over home');
    expect(height(h)).toBeGreaterThan(14);
    // no stop at RTL_DESCEND_ALT: the descent runs on at MPC_LAND_SPEED through 10 m
    h.until(() => height(h) < 10, 20, 'below RTL_DESCEND_ALT');
    expect(h.v.state().velocity.z).toBeGreaterThan(0.5);
    expect(h.v.state().landedState).toBe(L.LANDING);
  });

  it('offboard hop (5, 3, -2.5) m: within 1 m after ~2.4 s at a 3.6 m/s peak (SIH drag)', () => {
    const h = new Harness();
    h.takeoff();
    const p = { ...h.v.state().position };
    h.streamPosition(p.x, p.y, p.z, 0.05);
    h.run(0.5);
    expectOk(h.setMode(6), 'offboard');
    h.run(1);
    h.streamPosition(p.x + 5, p.y + 3, p.z - 2.5, 0.05);
    const t0 = h.t;
    let peak = 0;
    const t = h.until(() => {
      const s = h.v.state();
      peak = Math.max(peak, Math.hypot(s.velocity.x, s.velocity.y, s.velocity.z));
      return Math.hypot(s.position.x - p.x - 5, s.position.y - p.y - 3, s.position.z - p.z + 2.5) < 1;
    }, 10, 'hop') - t0;
    expect(t).toBeGreaterThan(2.44 * 0.85);
    expect(t).toBeLessThan(2.44 * 1.15);
    expect(peak).toBeGreaterThan(3.58 * 0.85);
    expect(peak).toBeLessThan(3.58 * 1.15);
  });
});

describe('VelocitySmoothing (PX4 motion_planning)', () => {
  it('reaches a new velocity within its jerk and acceleration limits', () => {
    const v = new VelocitySmoothing();
    v.maxJerk = 4; v.maxAccel = 3; v.maxVel = 5;
    v.reset(0, 0, 0);
    let maxA = 0;
    let t = 0;
    while (v.v < 4.999 && t < 5) {
      v.updateTraj(DT);
      v.updateDurations(5);
      maxA = Math.max(maxA, Math.abs(v.a));
      t += DT;
    }
    expect(maxA).toBeLessThanOrEqual(3 + 1e-9);
    // 0.75 s of jerk up and down, the rest at 3 m/s²: 5 m/s in about 2.4 s
    expect(t).toBeGreaterThan(2.2);
    expect(t).toBeLessThan(2.6);
  });
});

describe('height drift (SIH estimator)', () => {
  it('is off by default, and the same seed drifts the same way', () => {
    const plain = new Harness({ seed: 5 });
    plain.run(20);
    expect(plain.v.state().position.z).toBe(0);
    const a = new HeightDrift(5);
    const b = new HeightDrift(5);
    const c = new HeightDrift(6);
    for (let i = 0; i < 10_000; i++) { a.step(DT); b.step(DT); c.step(DT); }
    expect(a.z).toBe(b.z);
    expect(a.z).not.toBe(c.z);
  });

  it('moves the estimated height by tenths of a metre within a minute, the truth staying put', () => {
    const h = new Harness({ seed: 3, heightDrift: true });
    const zs: number[] = [];
    for (let i = 0; i < 12; i++) { h.run(5); zs.push(h.v.state().position.z); }
    expect(Math.max(...zs) - Math.min(...zs)).toBeGreaterThan(0.1);
    expect(Math.max(...zs.map(Math.abs))).toBeLessThan(2);
    expect(h.v.state().truth.position.z).toBe(0);
  });
});
