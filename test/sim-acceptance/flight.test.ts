/**
 * The simulator as a PX4 SITL, flown through the MAVLink client over UDP on 127.0.0.1 at speed
 * 'max': takeoff, offboard (denied, accepted, lost), land with auto-disarm, return to launch.
 * Instances 60–64 (API ports 14640–14644).
 */
import { describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import { CommandDenied, reachAndHold, waitFor } from '../../src/vehicle/index.js';
import {
  CONTROL_PERIOD_MS,
  armAndTakeOff,
  between,
  observeEveryStep,
  rejectionOf,
  startFlight,
  trackSetpointSends,
  transition,
} from './harness.js';
import { wrapPi } from '../../sitl/sim/model/dynamics.js';

const MIS_TAKEOFF_ALT = 2.5;
const MPC_TKO_SPEED = 1.5;
const MPC_LAND_SPEED = 0.7;
const COM_DISARM_LAND_MS = 2000;
const COM_OF_LOSS_T_MS = 1000;

describe('sim acceptance over MAVLink/UDP: flight (instances 60–64)', () => {
  it('takes off to MIS_TAKEOFF_ALT at no more than MPC_TKO_SPEED, holds it in Hold', async () => {
    const f = await startFlight({ instance: 60, speed: 'max' });
    try {
      await f.pilot.arm();
      await f.pilot.takeoff();
      const start = f.now();
      await waitFor(f.telemetry, (t) => t.modeName === 'Takeoff', { timeout: '1s', clock: 'vehicle', what: 'Takeoff mode' });
      const hold = await reachAndHold(f.telemetry, (t) => t.altitude, { target: MIS_TAKEOFF_ALT, tolerance: 0.3 }, '3s', {
        timeout: '20s', clock: 'vehicle', what: 'altitude', unit: 'm',
      });
      expect(hold.value).toBeCloseTo(MIS_TAKEOFF_ALT, 0);
      // Navigator reports the takeoff done; commander switches to Hold (AUTO.LOITER) at the takeoff point.
      expect(f.telemetry.modeName).toBe('Hold');
      expect(f.telemetry.landedState).toBe('IN_AIR');
      const s = f.telemetry.series('localPosition');
      let maxClimb = 0;
      let maxAlt = 0;
      for (let i = 0; i < s.length; i++) {
        if (s.vehicleMs[i]! < start) continue;
        maxClimb = Math.max(maxClimb, -s.vd[i]!);
        maxAlt = Math.max(maxAlt, -s.down[i]!);
      }
      // the trajectory climbs at up to MPC_TKO_SPEED, the vehicle lagging it: PX4 v1.16 SIH peaks at 0.8–1.1 m/s
      expect(maxClimb).toBeGreaterThan(0.7);
      expect(maxClimb).toBeLessThanOrEqual(MPC_TKO_SPEED * 1.1);
      expect(maxAlt).toBeLessThan(MIS_TAKEOFF_ALT + 0.3);
    } finally {
      await f.close();
    }
  });

  it('denies offboard without a setpoint stream, accepts it with one, leaves it COM_OF_LOSS_T after the stream stops and, without sticks, descends in Position', async () => {
    const f = await startFlight({ instance: 61, speed: 'max' });
    try {
      await observeEveryStep(f.pilot);
      await armAndTakeOff(f);

      // PX4 (armed): its mavlink module acknowledges DO_SET_MODE ACCEPTED, then commander's
      // can-run check for Offboard answers TEMPORARILY_REJECTED (as test/native/real-px4.test.ts sees).
      const acks: string[] = [];
      const offAcks = f.v.link.on(common.CommandAck, (m) => {
        if (m.data.command === common.MavCmd.DO_SET_MODE) acks.push(common.MavResult[m.data.result]!);
      });
      const denied = await rejectionOf(f.pilot.setMode('Offboard'));
      offAcks();
      expect(acks).toEqual(['ACCEPTED', 'TEMPORARILY_REJECTED']);
      expect(denied).toBeInstanceOf(CommandDenied);
      expect(denied.result).toBe('TEMPORARILY_REJECTED after ACCEPTED');
      expect((denied as unknown as CommandDenied).statusText?.text).toBe('Switching to Offboard is currently not available');
      expect(f.telemetry.modeName).toBe('Hold');

      const p = f.telemetry.localPosition!;
      const accepted = await f.pilot.startOffboard({ type: 'position', north: p.north, east: p.east, down: -MIS_TAKEOFF_ALT });
      expect(accepted.result).toBe('ACCEPTED');
      await waitFor(f.telemetry, (t) => t.modeName === 'Offboard', { timeout: '1s', clock: 'vehicle', what: 'Offboard' });

      // The stream is honoured: a velocity setpoint moves the vehicle north.
      f.pilot.setSetpoint({ type: 'velocity', vn: 2, ve: 0, vd: 0 });
      await waitFor(f.telemetry, (t) => (t.localPosition?.vn ?? 0) > 1, { timeout: '3s', clock: 'vehicle', what: 'moving north at > 1 m/s' });
      f.pilot.setSetpoint({ type: 'position', north: f.telemetry.localPosition!.north + 2, east: p.east, down: -MIS_TAKEOFF_ALT });
      await waitFor(f.telemetry, (t) => Math.abs(t.localPosition?.vn ?? 9) < 0.1, { timeout: '10s', clock: 'vehicle', what: 'settled' });

      const sends = trackSetpointSends(f);
      await waitFor(f.telemetry, () => sends.lastMs !== null, { timeout: '1s', clock: 'vehicle', what: 'a tracked setpoint transmission' });
      await f.pilot.stopOffboard();
      sends.stop();
      const exit = await transition(f.telemetry, (t) => t.modeName !== 'Offboard', { timeout: '3s', clock: 'vehicle', what: 'leaving Offboard' });
      const lastSentMs = sends.lastMs!;
      // MAVLink only: the last setpoint left the client at lastSentMs (vehicle time the client had seen).
      expect(exit.toMs - lastSentMs).toBeGreaterThanOrEqual(COM_OF_LOSS_T_MS);
      // The model's instant of receiving that setpoint makes it exact: the exit happens in the first
      // control step at or after receipt + COM_OF_LOSS_T.
      const receivedMs = f.rt.model.state().offboardSetpoint!.timeUs / 1000;
      expect(receivedMs).toBeGreaterThanOrEqual(lastSentMs);
      const lossAt = receivedMs + COM_OF_LOSS_T_MS;
      expect(exit.fromMs).toBeLessThanOrEqual(lossAt + CONTROL_PERIOD_MS);
      expect(exit.toMs).toBeGreaterThanOrEqual(lossAt);
      expect(exit.toMs - exit.fromMs).toBeLessThanOrEqual(2 * CONTROL_PERIOD_MS);
      // COM_OBL_RC_ACT 0: Position mode. Without stick input (no RC) Position's flight task cannot
      // start, so PX4 v1.16 flies FlightTaskDescend in it: level, down at MPC_LAND_SPEED, until its
      // land detector disarms — the mode still says Position (seen on PX4 SIH, which lands the same).
      expect(f.telemetry.modeName).toBe('Position');
      expect(f.telemetry.armed).toBe(true);
      const descent: number[] = [];
      const modesArmed = new Set<string | null>();
      const off = f.telemetry.onUpdate(() => {
        const lp = f.telemetry.localPosition!;
        if (-lp.down > 0.5 && -lp.down < 2) descent.push(lp.vd);
        if (f.telemetry.armed) modesArmed.add(f.telemetry.modeName);
      });
      await waitFor(f.telemetry, (t) => !t.armed, { timeout: '15s', clock: 'vehicle', what: 'landed and disarmed in Position without sticks' });
      off();
      // Disarmed, the failsafe ends and PX4 shows the mode the user chose (Offboard) again.
      expect([...modesArmed]).toEqual(['Position']);
      descent.sort((a, b) => a - b);
      expect(descent.length).toBeGreaterThan(20);
      expect(descent[descent.length >> 1]).toBeCloseTo(MPC_LAND_SPEED, 1);
    } finally {
      await f.close();
    }
  });

  it('lands at MPC_LAND_SPEED and disarms COM_DISARM_LAND after touchdown', async () => {
    const f = await startFlight({ instance: 62, speed: 'max' });
    try {
      await observeEveryStep(f.pilot);
      await armAndTakeOff(f);
      await reachAndHold(f.telemetry, (t) => t.altitude, { target: MIS_TAKEOFF_ALT, tolerance: 0.3 }, '1s', { timeout: '10s', clock: 'vehicle', what: 'altitude', unit: 'm' });
      await f.pilot.land();
      await waitFor(f.telemetry, (t) => t.modeName === 'Land', { timeout: '1s', clock: 'vehicle', what: 'Land' });
      const descent: number[] = [];
      const off = f.telemetry.onUpdate(() => {
        const lp = f.telemetry.localPosition!;
        if (-lp.down > 0.5 && -lp.down < 2) descent.push(lp.vd);
      });
      const touchdown = await transition(f.telemetry, (t) => t.landedState === 'ON_GROUND', { timeout: '20s', clock: 'vehicle', what: 'ON_GROUND' });
      off();
      const disarmed = await transition(f.telemetry, (t) => !t.armed, { timeout: '5s', clock: 'vehicle', what: 'disarmed' });
      descent.sort((a, b) => a - b);
      expect(descent.length).toBeGreaterThan(50);
      expect(descent[descent.length >> 1]).toBeCloseTo(MPC_LAND_SPEED, 1);
      const d = between(touchdown, disarmed);
      expect(d.min).toBeLessThanOrEqual(COM_DISARM_LAND_MS);
      expect(d.max).toBeGreaterThanOrEqual(COM_DISARM_LAND_MS);
      expect(d.max - d.min).toBeLessThanOrEqual(2 * CONTROL_PERIOD_MS);
      expect(f.telemetry.altitude!).toBeLessThan(0.1);
    } finally {
      await f.close();
    }
  });

  it("turns to goTo's yaw, in radians (DO_REPOSITION param4), as real PX4 does (test/native/real-px4.test.ts)", async () => {
    const f = await startFlight({ instance: 64, speed: 'max' });
    const headingError = () => Math.abs(wrapPi(f.telemetry.attitude!.yaw - Math.PI / 2));
    try {
      await armAndTakeOff(f);
      expect(headingError()).toBeGreaterThan(0.5);
      const p = f.telemetry.localPosition!;
      await f.pilot.goTo(p.north + 3, p.east, p.down, Math.PI / 2);
      await reachAndHold(f.telemetry, () => headingError(), { min: 0, max: 0.1 }, '2s', { timeout: '30s', clock: 'vehicle', what: 'heading error to π/2', unit: 'rad' });
    } finally {
      await f.close();
    }
  });

  it('returns to launch: climbs to RTL_RETURN_ALT, flies home, lands there and disarms', async () => {
    const f = await startFlight({ instance: 63, speed: 'max', params: { RTL_RETURN_ALT: 15, RTL_DESCEND_ALT: 10 } });
    try {
      await armAndTakeOff(f);
      const home = f.telemetry.home!;
      await f.pilot.goTo(home.north + 20, home.east + 10, home.down - 5);
      await reachAndHold(
        f.telemetry,
        (t) => (t.localPosition ? Math.hypot(t.localPosition.north - home.north - 20, t.localPosition.east - home.east - 10, t.localPosition.down - home.down + 5) : null),
        { min: 0, max: 0.5 }, '1s', { timeout: '30s', clock: 'vehicle', what: 'distance to the reposition target', unit: 'm' },
      );
      await f.pilot.returnToLaunch();
      const rtlStart = f.now();
      await waitFor(f.telemetry, (t) => t.modeName === 'Return', { timeout: '1s', clock: 'vehicle', what: 'Return' });
      await waitFor(f.telemetry, (t) => t.landedState === 'ON_GROUND' && !t.armed, { timeout: '90s', clock: 'vehicle', what: 'landed and disarmed' });
      const s = f.telemetry.series('localPosition');
      let maxAlt = -Infinity;
      for (let i = 0; i < s.length; i++) if (s.vehicleMs[i]! >= rtlStart) maxAlt = Math.max(maxAlt, -(s.down[i]! - home.down));
      // 22 m from home, outside RTL_MIN_DIST: the full RTL_RETURN_ALT, not the cone.
      expect(maxAlt).toBeGreaterThan(14.2);
      expect(maxAlt).toBeLessThan(15.8);
      const lp = f.telemetry.localPosition!;
      expect(Math.hypot(lp.north - home.north, lp.east - home.east)).toBeLessThan(1);
    } finally {
      await f.close();
    }
  });
});
