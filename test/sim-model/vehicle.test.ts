import { describe, expect, it } from '@jest/globals';
import { minimal } from 'node-mavlink';
import { SimVehicle, decodePx4CustomMode, px4CustomMode } from '../../sitl/sim/model/index.js';
import { wrapPi } from '../../sitl/sim/model/dynamics.js';
import { API, C, GCS, Harness, L, R, expectOk } from './helpers.js';

const FAILURE_GPS = 4, FAILURE_BATTERY = 100, FAILURE_MAVLINK = 105;
const OFF = 1, OK = 0;

describe('heartbeat fields', () => {
  it('boots disarmed in Hold (AUTO.LOITER) with PX4 custom_mode encoding', () => {
    const h = new Harness();
    h.run(0.1);
    const s = h.v.state();
    expect(s.armed).toBe(false);
    expect(s.modeName).toBe('Hold');
    expect(s.customMode).toBe(px4CustomMode(4, 3));
    expect(s.customMode).toBe((4 << 16) | (3 << 24));
    expect(decodePx4CustomMode(s.customMode)).toEqual({ main: 4, sub: 3 });
    expect(s.baseMode & minimal.MavModeFlag.CUSTOM_MODE_ENABLED).toBeTruthy();
    expect(s.baseMode & minimal.MavModeFlag.SAFETY_ARMED).toBe(0);
    expect(s.systemStatus).toBe(minimal.MavState.STANDBY);
    expect(s.landedState).toBe(L.ON_GROUND);
    expect(s.gps.fixType).toBe(3);
    expect(s.home.valid).toBe(true);
    expect(s.global.lat).toBeCloseTo(47.397742, 6);
    expect(s.global.alt).toBeCloseTo(488, 3);
    expect(s.battery.remaining).toBe(100);
  });
});

describe('takeoff', () => {
  it('climbs to MIS_TAKEOFF_ALT at MPC_TKO_SPEED after spool-up and ramp, then holds in Hold', () => {
    const h = new Harness();
    expectOk(h.arm(), 'arm');
    const t0 = h.t;
    expect(h.v.state().systemStatus).toBe(minimal.MavState.ACTIVE);
    expect(h.v.state().baseMode & minimal.MavModeFlag.SAFETY_ARMED).toBeTruthy();
    expectOk(h.cmd(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, NaN]), 'takeoff');
    expect(h.v.state().modeName).toBe('Takeoff');
    h.step(); // navigator activates the takeoff item on its next cycle
    expect(h.hasText(/^Using minimum takeoff altitude: 2\.50 m$/)).toBe(true);

    let maxClimb = 0;
    let sawTakeoffState = false;
    let liftoff = NaN;
    const reached = h.until(() => {
      const s = h.v.state();
      maxClimb = Math.max(maxClimb, -s.velocity.z);
      if (s.landedState === L.TAKEOFF) sawTakeoffState = true;
      if (Number.isNaN(liftoff) && s.position.z < -0.05) liftoff = h.t;
      return s.position.z < -2.3;
    }, 15, 'takeoff altitude') - t0;
    // PX4 v1.16 SIH (measured): off the ground 4.3–4.4 s after arming (COM_SPOOLUP_TIME 1 s, then the
    // MPC_TKO_RAMP_T ramp while the trajectory, reset to sinking at 0.7 m/s, turns upward at
    // MPC_TKO_SPEED / MPC_TKO_RAMP_T), a climb peaking at 0.8–1.1 m/s, 2.3 m after about 9 s
    expect(liftoff - t0).toBeGreaterThan(3.8);
    expect(liftoff - t0).toBeLessThan(4.8);
    expect(reached).toBeGreaterThan(7.5);
    expect(reached).toBeLessThan(10);
    expect(maxClimb).toBeGreaterThan(0.7);
    expect(maxClimb).toBeLessThan(1.1);
    expect(sawTakeoffState).toBe(true);
    expect(h.hasText(/^Takeoff detected$/)).toBe(true);

    // reach and hold: Hold from NAV_MC_ALT_RAD below the target on, then within 0.15 m of 2.5 m for 5 s
    h.until(() => h.v.state().modeName === 'Hold', 3, 'Hold');
    h.run(4);
    let maxDz = 0;
    let maxDxy = 0;
    for (let i = 0; i < 5 / 0.004; i++) {
      h.step();
      const s = h.v.state();
      maxDz = Math.max(maxDz, Math.abs(s.position.z + 2.5));
      maxDxy = Math.max(maxDxy, Math.hypot(s.position.x, s.position.y));
    }
    expect(maxDz).toBeLessThan(0.15);
    expect(maxDxy).toBeLessThan(0.05);
    const s = h.v.state();
    expect(s.customMode).toBe(px4CustomMode(4, 3));
    expect(s.landedState).toBe(L.IN_AIR);
    expect(s.global.relativeAlt).toBeCloseTo(2.5, 1);
  });

  it('uses NAV_TAKEOFF param7 as AMSL altitude, and MIS_TAKEOFF_ALT changes take effect', () => {
    const h = new Harness();
    h.arm();
    expectOk(h.cmd(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, 488 + 6]), 'takeoff');
    h.until(() => h.v.state().modeName === 'Hold', 20, 'Hold');
    h.run(6);
    expect(h.v.state().position.z).toBeCloseTo(-6, 1);

    const h2 = new Harness();
    expect(h2.v.params.set('MIS_TAKEOFF_ALT', 4)).toBe(true);
    h2.takeoff();
    h2.run(4);
    expect(h2.v.state().position.z).toBeCloseTo(-4, 1);
  });

  it('accepts NAV_TAKEOFF while disarmed (mode change only) and takes off once armed', () => {
    const h = new Harness();
    expect(h.cmd(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, NaN])).toBe(R.ACCEPTED);
    h.run(3);
    expect(h.v.state().modeName).toBe('Takeoff');
    expect(h.v.state().armed).toBe(false);
    expect(h.v.state().position.z).toBe(0);
    expectOk(h.arm(), 'arm');
    h.until(() => h.v.state().position.z < -2, 10, 'climb');
  });
});

describe('offboard', () => {
  it('is rejected in air without a setpoint stream and accepted with one', () => {
    const h = new Harness();
    h.takeoff();
    expect(h.setMode(6)).toBe(R.TEMPORARILY_REJECTED);
    expect(h.hasText(/^Switching to Offboard is currently not available$/)).toBe(true);
    h.run(0.5);
    expect(h.v.state().modeName).toBe('Hold');

    h.streamPosition(5, 0, -4);
    h.run(0.3);
    expect(h.setMode(6)).toBe(R.ACCEPTED);
    expect(h.v.state().customMode).toBe(px4CustomMode(6, 0));
    h.until(() => {
      const s = h.v.state();
      return Math.hypot(s.position.x - 5, s.position.y, s.position.z + 4) < 0.2;
    }, 15, 'offboard position');
    expect(h.v.state().offboardSetpoint?.position.x).toBe(5);
  });

  it('follows velocity setpoints (position ignored)', () => {
    const h = new Harness();
    h.takeoff();
    const vel = () => h.v.setPositionTargetLocalNed({ typeMask: 0b1101_1100_0111, coordinateFrame: 1, x: 0, y: 0, z: 0, vx: 0, vy: 2, vz: 0, afx: 0, afy: 0, afz: 0, yaw: 0, yawRate: 0 });
    vel();
    h.onStep = () => { if (h.v.timeUs % 100_000 === 0) vel(); };
    expectOk(h.setMode(6), 'offboard');
    h.run(5);
    const s = h.v.state();
    // against SIH's drag the velocity loop's integrator catches up slowly: PX4 v1.16 SIH flies
    // 1.7–1.8 m/s after 5 s of a 2 m/s setpoint
    expect(s.velocity.y).toBeGreaterThan(1.6);
    expect(s.velocity.y).toBeLessThan(1.9);
    expect(Math.abs(s.velocity.x)).toBeLessThan(0.1);
    expect(s.position.z).toBeCloseTo(-2.5, 0);
  });

  it('while disarmed: the mode switch is accepted but arming is refused until setpoints stream', () => {
    const h = new Harness();
    expect(h.setMode(6)).toBe(R.ACCEPTED); // UserModeIntention: any mode while disarmed
    expect(h.arm()).toBe(R.TEMPORARILY_REJECTED);
    expect(h.hasText(/^Arming denied: Resolve system health failures first$/)).toBe(true);
    expect(h.texts.some((t) => t.text === 'No offboard signal' && t.source === 'event')).toBe(true);
    h.streamPosition(0, 0, -3);
    h.run(0.2);
    expect(h.arm()).toBe(R.ACCEPTED);
    h.until(() => h.v.state().position.z < -2.8, 12, 'offboard climb');
  });

  /** Took off, streams a position setpoint 3 m up, in Offboard for `forS` seconds. */
  const inOffboard = (h: Harness, forS: number): Harness => {
    h.takeoff();
    h.streamPosition(0, 0, -3);
    h.run(0.2);
    expectOk(h.setMode(6), 'offboard');
    h.run(forS);
    return h;
  };

  it('leaves offboard COM_OF_LOSS_T after the last setpoint, per COM_OBL_RC_ACT (default: Position)', () => {
    const h = inOffboard(new Harness(), 3);
    const last = h.v.state().offboardSetpoint!.timeUs / 1e6;
    h.onStep = null;
    const left = h.until(() => h.v.state().modeName !== 'Offboard', 3, 'offboard loss');
    expect(left - last).toBeGreaterThanOrEqual(1.0);
    expect(left - last).toBeLessThanOrEqual(1.0 + 0.004 + 1e-9);
    const s = h.v.state();
    expect(s.modeName).toBe('Position');
    expect(s.customMode).toBe(px4CustomMode(3, 0));
    expect(s.userCustomMode).toBe(px4CustomMode(6, 0));
    expect(s.failsafe.active).toBe(true);
    expect(s.systemStatus).toBe(minimal.MavState.CRITICAL);
    expect(h.hasText(/^Failsafe activated$/)).toBe(true);
    // Without stick input Position's flight task cannot run: FlightTaskDescend, level, at
    // MPC_LAND_SPEED (0.7 m/s), the mode still Position, until the land detector disarms.
    h.run(2);
    expect(h.v.state().modeName).toBe('Position');
    expect(h.v.state().velocity.z).toBeCloseTo(0.7, 1);
    h.until(() => !h.v.state().armed, 10, 'landed and disarmed');
    expect(h.hasText(/^Disarmed by landing$/)).toBe(true);
  });

  it('in Position after an offboard loss, holds with stick input (MANUAL_CONTROL)', () => {
    const h = inOffboard(new Harness(), 3);
    h.onStep = () => h.v.manualControl({ x: 0, y: 0, z: 500, r: 0 });
    h.until(() => h.v.state().modeName === 'Position', 3, 'offboard loss');
    h.run(3);
    expect(h.v.state().armed).toBe(true);
    expect(h.v.state().position.z).toBeCloseTo(-3, 0);
  });

  it('honours COM_OF_LOSS_T and COM_OBL_RC_ACT = 4 (Land)', () => {
    const h = inOffboard(new Harness({ params: { COM_OF_LOSS_T: 0.5, COM_OBL_RC_ACT: 4 } }), 1);
    const last = h.v.state().offboardSetpoint!.timeUs / 1e6;
    h.onStep = null;
    const left = h.until(() => h.v.state().modeName !== 'Offboard', 2, 'offboard loss');
    expect(left - last).toBeCloseTo(0.5, 1);
    expect(h.v.state().modeName).toBe('Land');
    h.until(() => !h.v.state().armed, 15, 'disarm after landing');
  });

  it('after landing from offboard returns to Offboard and refuses to arm until the mode is changed', () => {
    const h = new Harness();
    h.takeoff();
    h.streamPosition(0, 0, -2.5);
    h.run(0.2);
    expectOk(h.setMode(6), 'offboard');
    h.run(1);
    expectOk(h.cmd(C.NAV_LAND), 'land');
    h.onStep = null;
    h.until(() => !h.v.state().armed, 20, 'disarm');
    expect(h.v.state().modeName).toBe('Offboard');
    expect(h.arm()).toBe(R.TEMPORARILY_REJECTED);
    expectOk(h.setMode(4, 3), 'hold');
    expect(h.arm()).toBe(R.ACCEPTED);
  });
});

const headingError = (yaw: number, target: number) => wrapPi(yaw - target);

describe('headings in navigator commands, as PX4 v1.16 reads them', () => {
  function inHold(): Harness {
    const h = new Harness();
    expectOk(h.arm(), 'arm');
    expectOk(h.cmd(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, NaN]), 'takeoff');
    h.until(() => h.v.state().modeName === 'Hold' && h.v.state().landedState === L.IN_AIR, 20, 'Hold after the takeoff');
    return h;
  }

  it('DO_REPOSITION param4 is a heading in radians (navigator takes it as is; MAVLink says degrees)', () => {
    const h = inHold();
    expect(Math.abs(headingError(h.v.state().attitude.yaw, Math.PI / 2))).toBeGreaterThan(0.5);
    expectOk(h.cmd(C.DO_REPOSITION, [-1, 1, 0, Math.PI / 2, NaN, NaN, NaN]), 'reposition');
    h.until(() => Math.abs(headingError(h.v.state().attitude.yaw, Math.PI / 2)) < 0.05, 10, 'heading π/2');
    h.run(1);
    expect(Math.abs(headingError(h.v.state().attitude.yaw, Math.PI / 2))).toBeLessThan(0.05);
  });

  it('NAV_TAKEOFF ignores param4: the heading stays where it was (navigator sets no takeoff yaw)', () => {
    const h = new Harness();
    const yaw0 = h.v.state().attitude.yaw;
    expectOk(h.arm(), 'arm');
    // 90: a heading whether read as degrees or radians; PX4 reads neither.
    expectOk(h.cmd(C.NAV_TAKEOFF, [0, 0, 0, 90, NaN, NaN, NaN]), 'takeoff');
    h.until(() => h.v.state().modeName === 'Hold' && h.v.state().landedState === L.IN_AIR, 20, 'Hold after the takeoff');
    h.run(1);
    expect(Math.abs(headingError(h.v.state().attitude.yaw, yaw0))).toBeLessThan(0.05);
  });
});

describe('landing and auto-disarm', () => {
  it('lands at MPC_LAND_SPEED, reports LANDING then ON_GROUND, disarms COM_DISARM_LAND later', () => {
    const h = new Harness({ params: { MIS_TAKEOFF_ALT: 6 } });
    h.takeoff();
    h.run(2);
    expectOk(h.cmd(C.NAV_LAND), 'land');
    expect(h.hasText(/^Landing at current position$/)).toBe(true);
    h.run(1);
    expect(h.v.state().landedState).toBe(L.LANDING);
    h.until(() => h.v.state().position.z > -3, 10, 'descent');
    // below MPC_LAND_ALT2 (5 m): MPC_LAND_SPEED
    expect(h.v.state().velocity.z).toBeCloseTo(0.7, 1);
    const onGround = h.until(() => h.v.state().landedState === L.ON_GROUND, 10, 'ON_GROUND');
    const disarmed = h.until(() => !h.v.state().armed, 5, 'disarm');
    expect(disarmed - onGround).toBeCloseTo(2, 1);
    expect(h.hasText(/^Disarmed by landing$/)).toBe(true);
    expect(h.v.state().modeName).toBe('Hold'); // the last user mode before Land
    expect(h.v.state().position.z).toBe(0);
  });

  it('disarms COM_DISARM_PRFLT after arming without takeoff', () => {
    const h = new Harness();
    const t0 = h.t;
    expectOk(h.arm(), 'arm');
    const t = h.until(() => !h.v.state().armed, 12, 'preflight disarm');
    expect(t - t0).toBeCloseTo(10, 1);
    expect(h.hasText(/^Disarmed by auto preflight disarming$/)).toBe(true);

    const h2 = new Harness({ params: { COM_DISARM_PRFLT: 3 } });
    h2.arm();
    expect(h2.until(() => !h2.v.state().armed, 5, 'preflight disarm')).toBeCloseTo(3, 1);
  });

  it('refuses to disarm in air unless forced (21196)', () => {
    const h = new Harness();
    h.takeoff();
    expect(h.cmd(C.COMPONENT_ARM_DISARM, [0])).toBe(R.TEMPORARILY_REJECTED);
    expect(h.hasText(/^Disarming denied: not landed$/)).toBe(true);
    expect(h.v.state().armed).toBe(true);
    expect(h.cmd(C.COMPONENT_ARM_DISARM, [0, 21196])).toBe(R.ACCEPTED);
    expect(h.v.state().armed).toBe(false);
    h.until(() => h.v.state().position.z === 0, 3, 'fall');
  });
});

describe('return to launch', () => {
  it('climbs to RTL_RETURN_ALT, returns at up to MPC_XY_CRUISE, lands at home and disarms', () => {
    const h = new Harness({ params: { RTL_RETURN_ALT: 12, RTL_DESCEND_ALT: 8 } });
    h.takeoff();
    h.streamPosition(30, 20, -5);
    h.run(0.2);
    expectOk(h.setMode(6), 'offboard');
    h.until(() => Math.hypot(h.v.state().position.x - 30, h.v.state().position.y - 20) < 0.5, 30, 'away');
    h.run(3);
    h.onStep = null;
    const start = { ...h.v.state().position };
    expectOk(h.cmd(C.NAV_RETURN_TO_LAUNCH), 'rtl');
    expect(h.v.state().customMode).toBe(px4CustomMode(4, 5));
    h.step();
    expect(h.hasText(/^RTL: start return at 500 m \(12 m above destination\)$/)).toBe(true);
    let maxAlt = 0;
    let maxSpeed = 0;
    let minCruiseAlt = Infinity;
    h.until(() => {
      const s = h.v.state();
      maxAlt = Math.max(maxAlt, -s.position.z);
      maxSpeed = Math.max(maxSpeed, s.groundSpeed);
      // horizontal travel happens at the return altitude (the climb is in place)
      if (Math.hypot(s.position.x - start.x, s.position.y - start.y) > 1 && Math.hypot(s.position.x, s.position.y) > 3) {
        minCruiseAlt = Math.min(minCruiseAlt, -s.position.z);
      }
      return s.landedState === L.ON_GROUND;
    }, 60, 'landing at home');
    expect(minCruiseAlt).toBeGreaterThan(11);
    expect(maxAlt).toBeGreaterThan(11.5);
    expect(maxAlt).toBeLessThan(12.8);
    // the trajectory flies at up to MPC_XY_CRUISE (5 m/s) and waits for a vehicle that SIH's drag
    // holds back: PX4 v1.16 SIH peaked at 3.9 m/s on a 15 m return
    expect(maxSpeed).toBeGreaterThan(3.8);
    expect(maxSpeed).toBeLessThan(5.2);
    const s = h.v.state();
    expect(Math.hypot(s.position.x, s.position.y)).toBeLessThan(0.5);
    h.until(() => !h.v.state().armed, 3, 'disarm');
  });
});

describe('failure injection', () => {
  it('is denied unless SYS_FAILURE_EN = 1; unknown units are unsupported', () => {
    expect(new Harness().v.params.get('SYS_FAILURE_EN')).toBe(1); // PX4 SITL's rcS sets it
    const h = new Harness({ params: { SYS_FAILURE_EN: 0 } });
    expect(h.cmd(C.INJECT_FAILURE, [FAILURE_GPS, OFF])).toBe(R.DENIED);
    expect(h.v.state().failures.gps).toBe(false);
    expect(h.v.params.set('SYS_FAILURE_EN', 1)).toBe(true);
    expect(h.cmd(C.INJECT_FAILURE, [FAILURE_GPS, OFF])).toBe(R.ACCEPTED);
    expect(h.v.state().failures.gps).toBe(true);
    expect(h.cmd(C.INJECT_FAILURE, [101, OFF])).toBe(R.UNSUPPORTED);
  });

  it('GPS loss in Hold: position invalid after EKF2_NOAID_TOUT, then Descend (AUTO.LAND) and disarm', () => {
    const h = new Harness({ params: { SYS_FAILURE_EN: 1 } });
    h.takeoff();
    const t0 = h.t;
    expectOk(h.cmd(C.INJECT_FAILURE, [FAILURE_GPS, OFF]), 'gps off');
    expect(h.v.state().gps.fixType).toBe(0);
    h.run(4.9);
    expect(h.v.state().modeName).toBe('Hold');
    const fs = h.until(() => h.v.state().failsafe.active, 1, 'failsafe');
    expect(fs - t0).toBeCloseTo(5, 1);
    const s = h.v.state();
    expect(s.failsafe.positionInvalid).toBe(true);
    expect(s.failsafe.action).toBe('Descend');
    expect(s.customMode).toBe(px4CustomMode(4, 6));
    expect(s.sensors.health & 32).toBe(0);
    h.until(() => !h.v.state().armed, 20, 'disarm after descend');
  });

  it('refuses to arm without a GPS fix, and arms again once it is back', () => {
    const h = new Harness({ params: { SYS_FAILURE_EN: 1 } });
    expectOk(h.cmd(C.INJECT_FAILURE, [FAILURE_GPS, OFF]), 'gps off');
    h.run(0.1);
    expect(h.v.state().canArm).toBe(false);
    expect(h.arm()).toBe(R.TEMPORARILY_REJECTED);
    expect(h.hasText(/^Arming denied: Resolve system health failures first$/)).toBe(true);
    expect(h.hasText(/^Navigation error: No valid position estimate$/)).toBe(true);
    expect(h.v.state().armed).toBe(false);
    expectOk(h.cmd(C.INJECT_FAILURE, [FAILURE_GPS, OK]), 'gps ok');
    h.run(0.1);
    expect(h.arm()).toBe(R.ACCEPTED);
  });

  it('battery OFF reads empty: the state of charge falls through the 1 s voltage filter; emergency warning only with COM_LOW_BAT_ACT = 0', () => {
    const h = new Harness({ params: { SYS_FAILURE_EN: 1, COM_LOW_BAT_ACT: 0 } });
    h.takeoff();
    const soc0 = h.v.state().battery.remaining / 100;
    const t0 = h.t;
    expectOk(h.cmd(C.INJECT_FAILURE, [FAILURE_BATTERY, OFF]), 'battery off');
    h.run(0.1);
    // battery_simulator: the raw voltage is BAT1_V_EMPTY per cell at once ...
    expect(h.v.state().battery.voltage).toBeCloseTo(4 * 3.6, 3);
    // ... while the battery library's state of charge follows with a 1 s time constant
    expect(h.v.state().battery.remaining).toBeGreaterThan(50);
    const emergency = h.until(() => h.v.state().failsafe.batteryEmergency, 6, 'emergency warning');
    expect(emergency - t0).toBeCloseTo(Math.log(soc0 / 0.05), 1);
    h.run(3);
    const s = h.v.state();
    expect(s.battery.remaining).toBe(0);
    expect(s.modeName).toBe('Hold');
    expect(h.texts.some((t) => t.text === 'Emergency battery level, land immediately' && t.severity === 0)).toBe(true);
    expect(h.cmd(C.INJECT_FAILURE, [FAILURE_BATTERY, OFF, 1])).toBe(R.UNSUPPORTED);
  });

  it('battery OFF with COM_LOW_BAT_ACT = 2: Hold for COM_FAIL_ACT_T once critical, then Land', () => {
    const h = new Harness({ params: { SYS_FAILURE_EN: 1, COM_LOW_BAT_ACT: 2 } });
    h.takeoff();
    const soc0 = h.v.state().battery.remaining / 100;
    const t0 = h.t;
    expectOk(h.cmd(C.INJECT_FAILURE, [FAILURE_BATTERY, OFF]), 'battery off');
    // critical (BAT_CRIT_THR 0.07) after ln(SoC / 0.07) s of the filter, as on PX4 SITL (measured: 2.6 s from 85 %)
    const critical = h.until(() => h.hasText(/^Failsafe activated: entering Hold for 5 seconds$/), 4, 'failsafe Hold');
    expect(critical - t0).toBeCloseTo(Math.log(soc0 / 0.07), 1);
    expect(h.v.state().failsafe.action).toBe('Hold, then Land');
    const land = h.until(() => h.v.state().modeName === 'Land', 6, 'Land');
    expect(land - critical).toBeCloseTo(5, 1);
    h.until(() => !h.v.state().armed, 15, 'disarm');
  });

  it('simulated drain reaches BAT_LOW_THR when SIM_BAT_MIN_PCT allows it', () => {
    const h = new Harness({ params: { SIM_BAT_MIN_PCT: 0, SIM_BAT_DRAIN: 20 } });
    h.takeoff();
    const low = h.until(() => h.v.state().failsafe.batteryLow, 20, 'low battery');
    // the battery library's 1 s filter lags a steady drain by one time constant
    expect(low).toBeCloseTo(20 * 0.85 + 1, 0);
    expect(h.texts.some((t) => t.text === 'Low battery level, return advised')).toBe(true);
    expect(h.v.state().modeName).toBe('Hold'); // COM_LOW_BAT_ACT 0: warning only
  });

  it('MAVLink signal loss drops offboard setpoints, so offboard fails over', () => {
    const h = new Harness({ params: { SYS_FAILURE_EN: 1 } });
    h.takeoff();
    h.streamPosition(0, 0, -3);
    h.run(0.2);
    expectOk(h.setMode(6), 'offboard');
    h.run(1);
    expectOk(h.cmd(C.INJECT_FAILURE, [FAILURE_MAVLINK, OFF]), 'mavlink off');
    expect(h.v.state().failures.mavlinkSignal).toBe(true);
    h.until(() => h.v.state().modeName === 'Position', 1.2, 'offboard loss');
    expectOk(h.cmd(C.INJECT_FAILURE, [FAILURE_MAVLINK, OK]), 'mavlink ok');
    // setpoints flow again: the fallback clears and PX4 returns to the user's Offboard
    h.until(() => h.v.state().modeName === 'Offboard', 0.5, 'offboard again');
  });
});

describe('data link loss (commander dataLinkCheck, failsafe NAV_DLL_ACT)', () => {
  /** A ground station's HEARTBEAT every second of vehicle time, while `on()` says so. */
  function gcsHeartbeats(h: Harness, on: () => boolean): void {
    let next = h.v.timeUs;
    h.onStep = () => {
      if (on() && h.v.timeUs >= next) {
        h.v.gcsHeartbeat(GCS);
        next = h.v.timeUs + 1e6;
      }
    };
  }

  it('refuses to arm with NAV_DLL_ACT set until a GCS is seen, as PX4 after boot', () => {
    const h = new Harness({ params: { NAV_DLL_ACT: 3 } });
    expect(h.arm()).toBe(R.TEMPORARILY_REJECTED);
    expect(h.hasText(/^No connection to the ground control station$/)).toBe(true);
    gcsHeartbeats(h, () => true);
    // mavlink_receiver ignores heartbeats for HEARTBEAT_TIMEOUT_US (2.5 s) after boot
    h.run(2);
    expect(h.arm()).toBe(R.TEMPORARILY_REJECTED);
    h.until(() => h.v.state().canArm, 2, 'armable once the GCS is seen');
    expect(h.t).toBeGreaterThan(2.5);
    expect(h.hasText(/regained/)).toBe(false); // a first contact is no regain
  });

  it('lost COM_DL_LOSS_T after the heartbeat timeout: Hold for COM_FAIL_ACT_T, then Land; regained when heartbeats return', () => {
    const h = new Harness({ params: { NAV_DLL_ACT: 3, COM_DL_LOSS_T: 5 } });
    let linkUp = true;
    gcsHeartbeats(h, () => linkUp);
    h.run(4);
    h.takeoff();
    linkUp = false;
    const cut = h.t;
    // the last heartbeat got through at most 1 s before the cut
    const lost = h.until(() => h.hasText(/^Connection to ground station lost$/), 12, 'GCS lost');
    expect(lost - cut).toBeGreaterThan(5 + 2.5 - 1);
    expect(lost - cut).toBeLessThanOrEqual(5 + 3.75 + 0.01);
    expect(h.texts.some((t) => t.source === 'event' && t.text === 'Connection to ground control station lost')).toBe(true);
    h.run(0.01);
    expect(h.hasText(/^Failsafe activated: entering Hold for 5 seconds$/)).toBe(true);
    expect(h.v.state().failsafe.action).toBe('Hold, then Land');
    expect(h.v.state().modeName).toBe('Hold');
    const land = h.until(() => h.v.state().modeName === 'Land', 6, 'Land');
    expect(land - lost).toBeCloseTo(5, 1);
    h.until(() => !h.v.state().armed, 30, 'landed and disarmed');
    linkUp = true;
    h.until(() => h.hasText(/^GCS connection regained$/), 2, 'regained');
    expect(h.v.state().canArm).toBe(true);
  });

  it('is ignored while landing and in the modes COM_DLL_EXCEPT names; disabled with NAV_DLL_ACT 0', () => {
    for (const params of [{ NAV_DLL_ACT: 0 }, { NAV_DLL_ACT: 3, COM_DLL_EXCEPT: 2 }] as Record<string, number>[]) {
      const h = new Harness({ params: { COM_DL_LOSS_T: 5, ...params } });
      let linkUp = true;
      gcsHeartbeats(h, () => linkUp);
      h.run(4);
      h.takeoff();
      linkUp = false;
      h.run(15);
      expect(h.v.state().modeName).toBe('Hold');
      expect(h.v.state().failsafe.active).toBe(false);
    }
  });
});

describe('commands', () => {
  it('answers UNSUPPORTED for commands the model does not implement', () => {
    const h = new Harness();
    expect(h.cmd(C.DO_DIGICAM_CONTROL)).toBe(R.UNSUPPORTED);
    expect(h.cmd(C.REQUEST_MESSAGE, [33])).toBe(R.UNSUPPORTED);
    expect(h.cmd(99999)).toBe(R.UNSUPPORTED);
    expect(h.cmd(C.COMPONENT_ARM_DISARM, [0.5 + 2])).toBe(R.UNSUPPORTED);
  });

  it('prints the mode rejection only for QGroundControl (component 190) on DO_SET_MODE', () => {
    const h = new Harness();
    h.takeoff();
    expect(h.setMode(6, 0, API)).toBe(R.TEMPORARILY_REJECTED);
    expect(h.hasText(/currently not available/)).toBe(false);
    expect(h.setMode(6, 0, GCS)).toBe(R.TEMPORARILY_REJECTED);
    expect(h.hasText(/currently not available/)).toBe(true);
  });

  it('denies Position mode in air without manual control input, allows it with MANUAL_CONTROL', () => {
    const h = new Harness();
    h.takeoff();
    expect(h.setMode(3)).toBe(R.TEMPORARILY_REJECTED);
    h.v.manualControl({ x: 0, y: 0, z: 500, r: 0 });
    expect(h.setMode(3)).toBe(R.ACCEPTED);
    expect(h.v.state().modeName).toBe('Position');
  });
});

describe('parameters', () => {
  it('has PX4 names, defaults and types; validates set; rejects unknown names', () => {
    const v = new SimVehicle({ sysId: 3, seed: 1 });
    const p = v.params;
    expect(p.get('MIS_TAKEOFF_ALT')).toBe(2.5);
    expect(p.get('MPC_TKO_SPEED')).toBe(1.5);
    expect(p.get('MPC_LAND_SPEED')).toBe(0.7);
    expect(p.get('COM_OF_LOSS_T')).toBe(1);
    expect(p.get('COM_DISARM_LAND')).toBe(2);
    expect(p.get('COM_DISARM_PRFLT')).toBe(10);
    expect(p.get('MAV_SYS_ID')).toBe(3);
    expect(p.info('COM_OBL_RC_ACT')?.type).toBe('INT32');
    expect(p.info('MPC_XY_CRUISE')?.type).toBe('REAL32');
    expect(p.set('MPC_XY_CRUISE', 8)).toBe(true);
    expect(p.get('MPC_XY_CRUISE')).toBe(8);
    expect(p.set('MPC_XY_CRUISE', 1000)).toBe(false);
    expect(p.set('COM_OBL_RC_ACT', 1.5)).toBe(false);
    expect(p.set('MPC_XY_CRUISE', Number.NaN)).toBe(false);
    expect(p.get('MPC_XY_CRUISE')).toBe(8);
    expect(p.set('NOT_A_PARAM', 1)).toBe(false);
    expect(p.has('NOT_A_PARAM')).toBe(false);
    expect(() => p.get('NOT_A_PARAM')).toThrow(/unknown PX4 parameter NOT_A_PARAM/);
    const names = p.list().map((i) => i.name);
    expect(names).toEqual([...names].sort());
    expect(p.count).toBe(names.length);
    expect(p.indexOf('MIS_TAKEOFF_ALT')).toBe(names.indexOf('MIS_TAKEOFF_ALT'));
    expect(p.indexOf('NOPE')).toBe(-1);
  });

  it('rejects bad constructor overrides naming the parameter', () => {
    expect(() => new SimVehicle({ sysId: 1, seed: 1, params: { BOGUS: 1 } })).toThrow(/params\.BOGUS: unknown PX4 parameter/);
    expect(() => new SimVehicle({ sysId: 1, seed: 1, params: { MPC_TKO_SPEED: 99 } })).toThrow(/MPC_TKO_SPEED: 99 is above the maximum 5/);
    expect(() => new SimVehicle({ sysId: 0, seed: 1 })).toThrow(/sysId/);
  });
});

describe('determinism', () => {
  const trace = (seed: number, noise: boolean): number[] => {
    const h = new Harness({ seed, ...(noise ? { noise: { position: 0.05, velocity: 0.02, attitude: 0.01 }, wind: { north: 1, east: 0, gustStd: 0.5 } } : {}) });
    h.arm();
    h.cmd(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, NaN]);
    const out: number[] = [];
    for (let i = 0; i < 8; i++) {
      h.run(0.5);
      const s = h.v.state();
      out.push(s.position.x, s.position.y, s.position.z, s.attitude.roll, s.truth.position.x);
    }
    return out;
  };

  it('same seed gives the same run; another seed differs when noise is on', () => {
    expect(trace(7, true)).toEqual(trace(7, true));
    expect(trace(7, true)).not.toEqual(trace(8, true));
    expect(trace(7, false)).toEqual(trace(8, false));
  });
});
