/**
 * An in-process client over the memory transport at 'max' speed, pacing its offboard setpoints on
 * the vehicle clock (scheduler.every): it must keep up, so PX4's offboard-loss failsafe never fires.
 * No ports are used.
 */
import { describe, expect, it } from '@jest/globals';
import { common, minimal } from 'node-mavlink';
import { connect } from '../../src/mavlink/index.js';
import { decodePx4CustomMode } from '../../sitl/sim/model/types.js';
import { SimWorld } from '../../sitl/sim/world.js';
import { ackOf, commandLong } from './helpers.js';

describe('in-process client at max speed', () => {
  it('streams 20 Hz (vehicle time) offboard setpoints, flies to 5 m and stays in OFFBOARD', async () => {
    const world = await SimWorld.start({ instance: 90, vehicles: 2, speed: 'max', transport: 'memory', camera: false });
    const link = await connect(world.vehicle(1).connection, { heartbeatTimeoutMs: 0 });
    try {
      expect(world.vehicle(1).connection).toBe('memory://sim-91');
      const sys = world.vehicle(1).sysId;
      const sp = new common.SetPositionTargetLocalNed();
      Object.assign(sp, {
        targetSystem: sys, targetComponent: 1, coordinateFrame: common.MavFrame.LOCAL_NED,
        typeMask: 0b0000_1101_1111_1000, // position only (ignore velocity, acceleration, yaw rate)
        x: 0, y: 0, z: -5, vx: 0, vy: 0, vz: 0, afx: 0, afy: 0, afz: 0, yaw: 0, yawRate: 0,
      });
      let sent = 0;
      const stop = world.scheduler.every(50, () => {
        sp.timeBootMs = Math.floor(world.timeUs / 1000);
        link.send(sp);
        sent++;
      });
      await world.scheduler.until(world.timeUs + 1_000_000);
      expect((await ackOf(link, commandLong(176, [1, 6], { system: sys }))).result).toBe(0); // OFFBOARD
      expect((await ackOf(link, commandLong(400, [1], { system: sys }))).result).toBe(0);

      const modes = new Set<string>();
      link.on(minimal.Heartbeat, (m) => {
        const { main, sub } = decodePx4CustomMode(m.data.customMode);
        modes.add(`${main}/${sub}`);
      });
      const start = world.timeUs;
      await world.scheduler.until(start + 20_000_000);
      const z = world.vehicle(1).model.state().position.z;
      stop();
      expect(sent).toBeGreaterThanOrEqual(400);
      expect(z).toBeGreaterThan(-5.5);
      expect(z).toBeLessThan(-4.5);
      expect([...modes]).toEqual(['6/0']);
      // The other vehicle did nothing.
      expect(world.vehicle(0).model.state().armed).toBe(false);
    } finally {
      await link.close();
      await world.close();
    }
  });
});
