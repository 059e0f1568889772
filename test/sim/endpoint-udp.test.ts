/**
 * The simulator's MAVLink face over real UDP on 127.0.0.1, with the real vehicle model.
 * Instances 40–43 and 47 (API ports 14620–14623, 14627).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { common, minimal, standard } from 'node-mavlink';
import { FrameEncoder } from '../../src/mavlink/codec.js';
import type { Link, Message } from '../../src/mavlink/link.js';
import { decodePx4CustomMode } from '../../sitl/sim/model/types.js';
import { AIRBORNE_ONLY, DEFAULT_RATES } from '../../sitl/sim/mavlink/streams.js';
import { PX4_CAPABILITIES, PX4_SW_VERSION } from '../../sitl/sim/mavlink/px4-identity.js';
import { ProtocolVersion } from '../../src/mavlink/protocol-version.js';
import { SimWorld } from '../../sitl/sim/world.js';
import {
  ackOf, collect, commandLong, floatBitsToInt, gcsHeartbeat, intToFloatBits, sleep, timesyncRequest, udpClient,
} from './helpers.js';

const MAV_RESULT = { ACCEPTED: 0, DENIED: 2, UNSUPPORTED: 3, FAILED: 4 };

describe('sim endpoint over UDP (speed 20)', () => {
  let world: SimWorld;
  let client: Link;
  const sys = 41; // instance 40 → sys id 41

  beforeAll(async () => {
    world = await SimWorld.start({ instance: 40, speed: 20, camera: false });
    client = await udpClient(world.vehicle(0).ports.apiLocal);
  });
  afterAll(async () => {
    await client?.close();
    await world?.close();
  });

  it('streams the onboard set at PX4 rates in vehicle time', async () => {
    const counts = new Map<string, number>();
    let firstMs = -1, lastMs = -1;
    const off = client.on('*', (m: Message) => {
      if (m.sysid !== sys) return;
      counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
      if (m.name === 'ATTITUDE') {
        const t = (m.data as common.Attitude).timeBootMs;
        if (firstMs < 0) firstMs = t;
        lastMs = t;
      }
    });
    await sleep(1500);
    off();
    const spanS = (lastMs - firstMs) / 1000;
    expect(spanS).toBeGreaterThan(8); // up to 30 s of vehicle time at speed 20
    const expected = DEFAULT_RATES.onboard;
    for (const [name, hz] of Object.entries(expected)) {
      if (AIRBORNE_ONLY.has(name)) continue; // on the ground here
      const n = counts.get(name) ?? 0;
      const want = hz * spanS;
      // Loose bounds: the window's edges cut streams at different phases.
      expect({ name, ok: n >= want * 0.85 - 2 && n <= want * 1.15 + 2, n, want: Math.round(want) }).toEqual({
        name, ok: true, n, want: Math.round(want),
      });
    }
  });

  it('HEARTBEAT says PX4 quadrotor and custom_mode encodes the PX4 mode', async () => {
    const hb = (await client.next(minimal.Heartbeat, { timeoutMs: 2000, where: (m) => m.sysid === sys })).data;
    expect(hb.type).toBe(minimal.MavType.QUADROTOR);
    expect(hb.autopilot).toBe(minimal.MavAutopilot.PX4);
    expect(decodePx4CustomMode(hb.customMode)).toEqual({ main: 4, sub: 3 }); // AUTO.LOITER = Hold at boot
    expect(hb.baseMode & minimal.MavModeFlag.SAFETY_ARMED).toBe(0);

    const arm = await ackOf(client, commandLong(400, [1], { system: sys }));
    expect(arm.result).toBe(MAV_RESULT.ACCEPTED);
    expect(arm.targetSystem).toBe(255);
    expect(arm.targetComponent).toBe(190);
    const tko = await ackOf(client, commandLong(22, [0, 0, 0, NaN, NaN, NaN, NaN], { system: sys }));
    expect(tko.result).toBe(MAV_RESULT.ACCEPTED);
    const takeoff = await client.next(minimal.Heartbeat, {
      timeoutMs: 2000,
      where: (m) => m.sysid === sys && decodePx4CustomMode(m.data.customMode).sub === 2,
    });
    expect(decodePx4CustomMode(takeoff.data.customMode)).toEqual({ main: 4, sub: 2 });
    expect(takeoff.data.baseMode & minimal.MavModeFlag.SAFETY_ARMED).toBeTruthy();
  });

  it('answers an unknown command with UNSUPPORTED and ignores commands for another system', async () => {
    const unknown = await ackOf(client, commandLong(31999, [], { system: sys }));
    expect(unknown.result).toBe(MAV_RESULT.UNSUPPORTED);
    const acks: number[] = [];
    const off = client.on(common.CommandAck, (m) => acks.push(m.data.command as number));
    client.send(commandLong(31998, [], { system: 99 }));
    client.send(commandLong(31997, [], { system: sys, component: 55 }));
    await sleep(300);
    off();
    expect(acks).not.toContain(31998);
    expect(acks).not.toContain(31997);
  });

  it('REQUEST_MESSAGE / AUTOPILOT_VERSION report PX4 1.16 with byte-wise params and MAVLink 2', async () => {
    const version = client.next(standard.AutopilotVersion, { timeoutMs: 2000 });
    const ack = await ackOf(client, commandLong(512, [148], { system: sys }));
    expect(ack.result).toBe(MAV_RESULT.ACCEPTED);
    const v = (await version).data;
    expect(v.flightSwVersion).toBe(PX4_SW_VERSION);
    expect((v.flightSwVersion >>> 16) & 0xff).toBe(16);
    const caps = Number(v.capabilities);
    expect(caps & standard.MavProtocolCapability.PARAM_ENCODE_BYTEWISE).toBeTruthy();
    expect(caps & standard.MavProtocolCapability.MAVLINK2).toBeTruthy();
    expect(caps & standard.MavProtocolCapability.COMMAND_INT).toBeTruthy();
    expect(caps & standard.MavProtocolCapability.SET_POSITION_TARGET_LOCAL_NED).toBeTruthy();
    // Only what the simulator answers: none of these (PX4 answers all but the last), and nothing PX4 does not.
    expect(caps & standard.MavProtocolCapability.FLIGHT_TERMINATION).toBeTruthy();
    for (const present of ['MISSION_FLOAT', 'MISSION_INT', 'MISSION_FENCE', 'MISSION_RALLY'] as const) {
      expect({ [present]: caps & standard.MavProtocolCapability[present] }).toEqual({ [present]: standard.MavProtocolCapability[present] });
    }
    for (const missing of ['FTP', 'SET_ATTITUDE_TARGET', 'SET_POSITION_TARGET_GLOBAL_INT'] as const) {
      expect({ [missing]: caps & standard.MavProtocolCapability[missing] }).toEqual({ [missing]: 0 });
    }
    expect(caps & ~PX4_CAPABILITIES).toBe(0);

    const legacy = client.next(standard.AutopilotVersion, { timeoutMs: 2000 });
    expect((await ackOf(client, commandLong(520, [1], { system: 0 }))).result).toBe(MAV_RESULT.ACCEPTED);
    expect((await legacy).sysid).toBe(sys);

    const home = client.next(common.HomePosition, { timeoutMs: 2000 });
    expect((await ackOf(client, commandLong(512, [242], { system: sys }))).result).toBe(MAV_RESULT.ACCEPTED);
    expect((await home).data.latitude).toBe(473977420);
    expect((await ackOf(client, commandLong(512, [12345], { system: sys }))).result).toBe(MAV_RESULT.DENIED);
  });

  it('BATTERY_STATUS carries the total voltage in the first cell, as PX4 does without per-cell voltages', async () => {
    const b = (await client.next(common.BatteryStatus, { timeoutMs: 3000, where: (m) => m.sysid === sys })).data;
    expect(b.voltages[0]).toBeGreaterThan(4 * 3500); // BAT1_N_CELLS 4, the whole pack
    expect(b.voltages.slice(1)).toEqual(new Array(9).fill(0xffff));
    expect(b.voltagesExt).toEqual([0, 0, 0, 0]);
  });

  it('answers REQUEST_PROTOCOL_VERSION (and REQUEST_MESSAGE 300) with PROTOCOL_VERSION 200, as PX4 does', async () => {
    for (const cmd of [commandLong(519, [], { system: 0 }), commandLong(512, [ProtocolVersion.MSG_ID], { system: sys })]) {
      const answer = client.next(ProtocolVersion, { timeoutMs: 2000, where: (m) => m.sysid === sys });
      expect((await ackOf(client, cmd)).result).toBe(MAV_RESULT.ACCEPTED);
      const p = (await answer).data;
      expect([p.version, p.minVersion, p.maxVersion]).toEqual([200, 100, 200]);
    }
  });

  it('SET_MESSAGE_INTERVAL changes a stream rate; GET_MESSAGE_INTERVAL reports it', async () => {
    const ack = await ackOf(client, commandLong(511, [common.VfrHud.MSG_ID, 500_000], { system: sys }));
    expect(ack.result).toBe(MAV_RESULT.ACCEPTED);
    const interval = client.next(common.MessageInterval, { timeoutMs: 2000 });
    await ackOf(client, commandLong(510, [common.VfrHud.MSG_ID], { system: sys }));
    expect((await interval).data.intervalUs).toBe(500_000);

    // Count VFR_HUD against the vehicle clock (ATTITUDE time_boot_ms) over the same window: 2 Hz now.
    let huds = 0, first = -1, last = -1;
    const offHud = client.on(common.VfrHud, () => first >= 0 && huds++);
    const offAtt = client.on(common.Attitude, (m) => {
      if (first < 0) first = m.data.timeBootMs;
      last = m.data.timeBootMs;
    });
    await sleep(800);
    offHud();
    offAtt();
    const spanS = (last - first) / 1000;
    expect(spanS).toBeGreaterThan(5);
    expect(huds).toBeGreaterThanOrEqual(Math.floor(spanS * 2) - 1);
    expect(huds).toBeLessThanOrEqual(Math.ceil(spanS * 2) + 1);

    expect((await ackOf(client, commandLong(511, [common.VfrHud.MSG_ID, 0], { system: sys }))).result).toBe(MAV_RESULT.ACCEPTED);
    expect((await ackOf(client, commandLong(511, [9999, 100_000], { system: sys }))).result).toBe(MAV_RESULT.FAILED);
  });

  it('parameters: PARAM_SET echoes the stored value, INT32 byte-wise, PARAM_REQUEST_READ by name and index', async () => {
    const echo = (id: string) =>
      client.next(common.ParamValue, { timeoutMs: 2000, where: (m) => m.data.paramId === id });

    // INT32: the float field carries the integer's bytes.
    const set = new common.ParamSet();
    Object.assign(set, { targetSystem: sys, targetComponent: 1, paramId: 'BAT1_N_CELLS', paramType: 6, paramValue: intToFloatBits(6) });
    const e1 = echo('BAT1_N_CELLS');
    client.send(set);
    const v1 = (await e1).data;
    expect(v1.paramType).toBe(6);
    expect(floatBitsToInt(v1.paramValue)).toBe(6);
    expect(world.vehicle(0).model.params.get('BAT1_N_CELLS')).toBe(6);

    // REAL32
    Object.assign(set, { paramId: 'MIS_TAKEOFF_ALT', paramType: 9, paramValue: 4.5 });
    const e2 = echo('MIS_TAKEOFF_ALT');
    client.send(set);
    expect((await e2).data.paramValue).toBeCloseTo(4.5, 5);

    // Read back by name and by index.
    const read = new common.ParamRequestRead();
    Object.assign(read, { targetSystem: sys, targetComponent: 1, paramId: 'BAT1_N_CELLS', paramIndex: -1 });
    const r1 = echo('BAT1_N_CELLS');
    client.send(read);
    const byName = (await r1).data;
    expect(floatBitsToInt(byName.paramValue)).toBe(6);
    Object.assign(read, { paramId: '', paramIndex: byName.paramIndex });
    const r2 = echo('BAT1_N_CELLS');
    client.send(read);
    expect((await r2).data.paramIndex).toBe(byName.paramIndex);

    // A type mismatch (INT32 parameter sent as REAL32) writes and echoes nothing; an unknown name
    // gets no answer at all, not even a STATUSTEXT (PX4 v1.16 logs it on its console only).
    const seen: string[] = [];
    const off = client.on(common.ParamValue, (m) => seen.push(m.data.paramId));
    const offText = client.on(common.StatusText, (m) => /param/i.test(m.data.text) && seen.push(m.data.text));
    Object.assign(set, { paramId: 'BAT1_N_CELLS', paramType: 9, paramValue: 3 });
    client.send(set);
    Object.assign(set, { paramId: 'NO_SUCH_PARAM', paramType: 9, paramValue: 1 });
    client.send(set);
    await client.next(common.Attitude, { timeoutMs: 2000 });
    await sleep(200);
    off();
    offText();
    expect(seen).toEqual([]);
    expect(world.vehicle(0).model.params.get('BAT1_N_CELLS')).toBe(6);
  });

  it('PARAM_REQUEST_LIST streams _HASH_CHECK then every parameter with index and count', async () => {
    const got = new Map<number, string>();
    let count = -1;
    let hash = false;
    const done = new Promise<void>((resolve) => {
      const off = client.on(common.ParamValue, (m) => {
        if (m.data.paramId === '_HASH_CHECK') {
          hash = true;
          return;
        }
        count = m.data.paramCount;
        got.set(m.data.paramIndex, m.data.paramId);
        if (got.size === count) {
          off();
          resolve();
        }
      });
    });
    const req = new common.ParamRequestList();
    Object.assign(req, { targetSystem: sys, targetComponent: 1 });
    client.send(req);
    await done;
    const params = world.vehicle(0).model.params;
    expect(hash).toBe(true);
    expect(count).toBe(params.count);
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([...Array(params.count).keys()]);
    expect(got.get(params.indexOf('MIS_TAKEOFF_ALT'))).toBe('MIS_TAKEOFF_ALT');
  });

  it('answers a TIMESYNC request with its time in ns and the request echoed', async () => {
    const reply = client.next(common.TimeSync, { timeoutMs: 2000, where: (m) => BigInt(m.data.tc1) !== 0n });
    const att = (await client.next(common.Attitude, { timeoutMs: 2000 })).data.timeBootMs;
    client.send(timesyncRequest(123456789n));
    const r = (await reply).data;
    expect(BigInt(r.ts1)).toBe(123456789n);
    expect(r.targetSystem).toBe(255);
    const tc1Ms = Number(BigInt(r.tc1) / 1_000_000n);
    expect(tc1Ms).toBeGreaterThanOrEqual(att);
    expect(tc1Ms).toBeLessThan(att + 5000);
  });

  it('counts and skips garbage bytes and corrupted frames, and keeps working', async () => {
    const counters = world.vehicle(0).endpoint.instances[0]!.link.counters;
    const skipped0 = counters.skippedBytes, badCrc0 = counters.badCrc;
    const garbage = Buffer.alloc(300);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 37 + 11) % 0xf0; // no start bytes
    client.transport.write(garbage);
    const frame = new FrameEncoder({ sysId: 255, compId: 190 }).encode(commandLong(400, [1], { system: sys }));
    frame[frame.length - 1] ^= 0xff; // corrupt the CRC
    client.transport.write(frame);
    const ack = await ackOf(client, commandLong(31996, [], { system: sys }));
    expect(ack.result).toBe(MAV_RESULT.UNSUPPORTED);
    expect(counters.skippedBytes).toBeGreaterThanOrEqual(skipped0 + 300);
    expect(counters.badCrc).toBeGreaterThan(badCrc0);
  });
});

describe('sim endpoint: STATUSTEXT only once a GCS heartbeat was seen', () => {
  let world: SimWorld;
  let client: Link;
  beforeAll(async () => {
    world = await SimWorld.start({ instance: 41, speed: 1, camera: false });
    client = await udpClient(world.vehicle(0).ports.apiLocal, { gcsHeartbeat: false });
  });
  afterAll(async () => {
    await client?.close();
    await world?.close();
  });

  it('withholds STATUSTEXT without a GCS heartbeat and delivers the fresh ones when it arrives', async () => {
    const texts: string[] = [];
    client.on(common.StatusText, (m) => texts.push(m.data.text));
    client.send(timesyncRequest(1n)); // let the simulator learn our address without a HEARTBEAT
    await client.next(minimal.Heartbeat, { timeoutMs: 2000 });
    const arm = await ackOf(client, commandLong(400, [1], { system: 42 }));
    expect(arm.result).toBe(MAV_RESULT.ACCEPTED);
    await sleep(300);
    expect(texts).toEqual([]);
    const delivered = client.next(common.StatusText, { timeoutMs: 2000 });
    client.send(gcsHeartbeat());
    await delivered;
    expect(texts.some((t) => /armed/i.test(t))).toBe(true);
  });
});

describe('sim endpoint: duplicate command retransmissions', () => {
  it('answers a retransmission (confirmation > 0) again without executing it twice', async () => {
    const { StandInVehicle } = await import('./stand-in-vehicle.js');
    let model!: InstanceType<typeof StandInVehicle>;
    const errors: unknown[] = [];
    const world = await SimWorld.start({
      instance: 42, speed: 'max', camera: false,
      vehicleFactory: (o) => (model = new StandInVehicle(o)),
      onError: (err) => errors.push(err),
    });
    const client = await udpClient(world.vehicle(0).ports.apiLocal);
    try {
      const cmd = commandLong(183, [5, 1500], { system: 43 });
      expect((await ackOf(client, cmd)).result).toBe(MAV_RESULT.ACCEPTED);
      cmd.confirmation = 1;
      expect((await ackOf(client, cmd)).result).toBe(MAV_RESULT.ACCEPTED);
      expect(model.executed.filter((c) => c === 183)).toHaveLength(1);
      // A new command (confirmation 0) with the same params is executed again.
      cmd.confirmation = 0;
      await ackOf(client, cmd);
      expect(model.executed.filter((c) => c === 183)).toHaveLength(2);
      // A model that throws is answered FAILED, and the simulation keeps running.
      expect((await ackOf(client, commandLong(model.throwingCommand, [], { system: 43 }))).result).toBe(MAV_RESULT.FAILED);
      expect(String(errors[0])).toMatch(/stand-in: command handler failed/);
      const t = world.timeUs;
      await sleep(50);
      expect(world.timeUs).toBeGreaterThan(t);
    } finally {
      await client.close();
      await world.close();
    }
  });
});

describe("sim speed: 'max'", () => {
  it('runs one vehicle with its streams far faster than 10× real time', async () => {
    const world = await SimWorld.start({ instance: 43, speed: 'max', camera: false });
    const client = await udpClient(world.vehicle(0).ports.apiLocal);
    try {
      await client.next(minimal.Heartbeat, { timeoutMs: 2000 });
      await world.scheduler.until(world.timeUs + 20_000_000); // let the JIT warm up
      const t0 = world.timeUs;
      const h0 = performance.now();
      let received = 0;
      client.on('*', () => received++);
      await sleep(500);
      const factor = (world.timeUs - t0) / 1000 / (performance.now() - h0);
      expect(factor).toBeGreaterThan(10);
      expect(received).toBeGreaterThan(1000);
      expect(world.scheduler.stats.realtimeFactor).toBeGreaterThan(10);
    } finally {
      await client.close();
      await world.close();
    }
  });
});

describe('sim endpoint: injected MAVLink signal loss (instance 47)', () => {
  it('goes silent both ways until the INJECT_FAILURE that restores it', async () => {
    const world = await SimWorld.start({ instance: 47, speed: 5, camera: false, params: { SYS_FAILURE_EN: 1 } });
    const client = await udpClient(world.vehicle(0).ports.apiLocal);
    try {
      await client.next(minimal.Heartbeat, { timeoutMs: 2000 });
      // SYSTEM_MAVLINK_SIGNAL (105), OFF (1): the ack may be lost with the link.
      client.send(commandLong(420, [105, 1], { system: 48 }));
      await sleep(100);
      let received = 0;
      const off = client.on('*', () => received++);
      client.send(commandLong(31994, [], { system: 48 })); // dropped: no ack
      await sleep(300);
      off();
      expect(received).toBe(0);
      const restored = await ackOf(client, commandLong(420, [105, 0], { system: 48 }));
      expect(restored.result).toBe(MAV_RESULT.ACCEPTED);
      await client.next(minimal.Heartbeat, { timeoutMs: 2000 });
    } finally {
      await client.close();
      await world.close();
    }
  });
});
