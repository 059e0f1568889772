/**
 * Several vehicles in one world: own ports, own sys ids, no cross-talk; reset; speed factor.
 * Instances 44–45 (API ports 14624–14625).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { common, minimal } from 'node-mavlink';
import type { Link, Message } from '../../src/mavlink/link.js';
import { SimWorld } from '../../sitl/sim/world.js';
import { ackOf, commandLong, intToFloatBits, sleep, udpClient } from './helpers.js';

const ARMED = minimal.MavModeFlag.SAFETY_ARMED;

describe('two vehicles at speed 10', () => {
  let world: SimWorld;
  let c1: Link;
  let c2: Link;

  beforeAll(async () => {
    world = await SimWorld.start({ instance: 44, vehicles: 2, speed: 10, camera: false });
    c1 = await udpClient(world.vehicle(0).ports.apiLocal);
    c2 = await udpClient(world.vehicle(1).ports.apiLocal);
  });
  afterAll(async () => {
    await c1?.close();
    await c2?.close();
    await world?.close();
  });

  it('gives vehicle k sys id instance+k+1 and ports +instance+k', () => {
    expect(world.vehicles.map((v) => v.sysId)).toEqual([45, 46]);
    expect(world.vehicles.map((v) => v.ports.apiLocal)).toEqual([14624, 14625]);
    expect(world.vehicles.map((v) => v.connection)).toEqual(['udpout://127.0.0.1:14624', 'udpout://127.0.0.1:14625']);
  });

  it('each link carries only its own vehicle, at about 10× real time', async () => {
    await world.scheduler.until(world.timeUs + 2_000_000); // past start-up and JIT warm-up
    const seen1 = new Set<number>(), seen2 = new Set<number>();
    const t1: number[] = [];
    const off1 = c1.on('*', (m: Message) => {
      seen1.add(m.sysid);
      if (m.name === 'ATTITUDE') t1.push((m.data as common.Attitude).timeBootMs);
    });
    const off2 = c2.on('*', (m: Message) => seen2.add(m.sysid));
    const h0 = performance.now();
    await sleep(800);
    const hostMs = performance.now() - h0;
    off1();
    off2();
    expect([...seen1]).toEqual([45]);
    expect([...seen2]).toEqual([46]);
    const factor = (t1[t1.length - 1]! - t1[0]!) / hostMs;
    // Loose below (a loaded CI host may not keep up), tight above (never faster than asked).
    expect(factor).toBeGreaterThan(5);
    expect(factor).toBeLessThan(11.5);
  });

  it('a command reaches only its vehicle', async () => {
    // Vehicle 2's command sent on vehicle 1's link is ignored there.
    const acks: Message<common.CommandAck>[] = [];
    const off = c1.on(common.CommandAck, (m) => acks.push(m));
    c1.send(commandLong(400, [1], { system: 46 }));
    await sleep(200);
    off();
    expect(acks).toHaveLength(0);

    expect((await ackOf(c2, commandLong(400, [1], { system: 46 }))).result).toBe(0);
    const hb2 = await c2.next(minimal.Heartbeat, { timeoutMs: 2000, where: (m) => (m.data.baseMode & ARMED) !== 0 });
    expect(hb2.sysid).toBe(46);
    const hb1 = await c1.next(minimal.Heartbeat, { timeoutMs: 2000 });
    expect(hb1.data.baseMode & ARMED).toBe(0);
    expect(world.vehicle(0).model.state().armed).toBe(false);
    expect(world.vehicle(1).model.state().armed).toBe(true);
  });

  it('reset puts a vehicle back to a known state, keeps its params and its clock running', async () => {
    const set = new common.ParamSet();
    Object.assign(set, { targetSystem: 46, targetComponent: 1, paramId: 'MIS_TAKEOFF_ALT', paramType: 9, paramValue: 7.5 });
    const echoed = c2.next(common.ParamValue, { timeoutMs: 2000, where: (m) => m.data.paramId === 'MIS_TAKEOFF_ALT' });
    c2.send(set);
    await echoed;
    const before = (await c2.next(common.Attitude, { timeoutMs: 2000 })).data.timeBootMs;

    // Just after a 1 Hz HEARTBEAT: the fresh vehicle's comes at once, not a second later.
    await c2.next(minimal.Heartbeat, { timeoutMs: 2000 });
    const resetAtUs = world.timeUs;
    world.reset(1);
    const fresh = c2.next(minimal.Heartbeat, { timeoutMs: 2000 }).then(() => world.timeUs - resetAtUs);
    const v2 = world.vehicle(1).model;
    expect(v2.state().armed).toBe(false);
    expect(v2.state().modeName).toBe('Hold');
    expect(v2.state().battery.remaining).toBeGreaterThan(99);
    expect(v2.params.get('MIS_TAKEOFF_ALT')).toBe(7.5);
    expect(await fresh).toBeLessThan(200_000);
    const hb = await c2.next(minimal.Heartbeat, { timeoutMs: 2000 });
    expect(hb.data.baseMode & ARMED).toBe(0);
    const after = (await c2.next(common.Attitude, { timeoutMs: 2000 })).data.timeBootMs;
    expect(after).toBeGreaterThan(before);
    // The other vehicle is untouched.
    expect(world.vehicle(0).model.params.get('MIS_TAKEOFF_ALT')).toBe(2.5);

    world.reset(1, { keepParams: false });
    expect(world.vehicle(1).model.params.get('MIS_TAKEOFF_ALT')).toBe(2.5);
    // Still answering on the same link after a reset.
    Object.assign(set, { paramId: 'BAT1_N_CELLS', paramType: 6, paramValue: intToFloatBits(3) });
    const e2 = c2.next(common.ParamValue, { timeoutMs: 2000, where: (m) => m.data.paramId === 'BAT1_N_CELLS' });
    c2.send(set);
    expect((await e2).sysid).toBe(46);
  });

  it('rejects bad options with the path named', async () => {
    await expect(SimWorld.start({ vehicles: 0 })).rejects.toThrow(/invalid sim options: vehicles:/);
    await expect(SimWorld.start({ speed: -1 as number })).rejects.toThrow(/invalid sim options: speed/);
    await expect(SimWorld.start({ transport: { serial: { path: '/dev/ttyX', baudRate: 921600 } }, vehicles: 2 })).rejects.toThrow(
      /vehicles: a serial transport carries one vehicle/,
    );
    await expect(SimWorld.start({ objects: [{ label: 'x', position: { north: 0, east: 0 } }] as never })).rejects.toThrow(
      /objects\.0\.position\.down/,
    );
  });
});

describe('the GCS link (instance 46)', () => {
  it('binds 18570+i with PX4 SITL\'s GCS rates next to the onboard API link, unasked', async () => {
    const world = await SimWorld.start({ instance: 46, speed: 10, camera: false });
    const gcs = await udpClient(world.vehicle(0).ports.gcsLocal);
    try {
      expect(world.vehicle(0).ports.gcsLocal).toBe(18616);
      expect(world.vehicle(0).endpoint.instances.map((i) => i.mode)).toEqual(['onboard', 'normal']);
      let atts = 0, first = -1, last = -1;
      gcs.on(common.Attitude, (m) => {
        atts++;
        if (first < 0) first = m.data.timeBootMs;
        last = m.data.timeBootMs;
      });
      await sleep(700);
      const spanS = (last - first) / 1000;
      expect(spanS).toBeGreaterThan(3);
      // PX4 SITL's GCS link: normal mode with ATTITUDE raised to 50 Hz by px4-rc.mavlink (onboard: 100 Hz).
      expect(atts / spanS).toBeGreaterThan(50 * 0.8);
      expect(atts / spanS).toBeLessThan(50 * 1.2);
    } finally {
      await gcs.close();
      await world.close();
    }
  });
});
